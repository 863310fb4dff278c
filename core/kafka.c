/* kafka: configuration, handles and reachability checks (see kafka.h). */
#include "kafka.h"

#include "log.h"

#include <string.h>

static void log_to_debug(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    log_debug("librdkafka %d %s: %s", level, fac, buf);
}

static void error_to_log(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)opaque;
    if (err != RD_KAFKA_RESP_ERR__FATAL) {
        log_debug("librdkafka error: %s", reason);
        return;
    }
    char why[512];
    rd_kafka_fatal_error(rk, why, sizeof why);
    log_error("Kafka client failed");
    log_detail("%s", why);
}

bool kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
    char err[512];
    if (rd_kafka_conf_set(conf, key, value, err, sizeof err) == RD_KAFKA_CONF_OK) return true;
    log_error("invalid Kafka client property \"%s\"", key);
    log_detail("%s", err);
    return false;
}

rd_kafka_conf_t *kafka_conf_new(const struct config *cfg)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, log_to_debug);
    rd_kafka_conf_set_error_cb(conf, error_to_log);
    bool ok = kafka_conf_set(conf, "bootstrap.servers", cfg->kafka_brokers) &&
              kafka_conf_set(conf, "client.id", "gpumeter");
    for (int i = 0; ok && i < cfg->n_rdkafka; i++)
        ok = kafka_conf_set(conf, cfg->rdkafka[i].key, cfg->rdkafka[i].value);
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

rd_kafka_t *kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf)
{
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (rk) return rk;
    rd_kafka_conf_destroy(conf);
    log_error("could not create a Kafka client");
    log_detail("%s", err);
    return NULL;
}

static const struct rd_kafka_metadata *kafka_metadata(rd_kafka_t *rk, const struct config *cfg,
                                                      rd_kafka_topic_t *rkt, int timeout_ms)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, rkt == NULL, rkt, &md, timeout_ms);
    if (!err) return md;
    log_error("could not reach Kafka at %s", cfg->kafka_brokers);
    log_detail("No broker answered a metadata request within %d ms (%s).", timeout_ms,
               rd_kafka_err2str(err));
    log_hint("Start the local services with \"make services-up\", or point "
             "GPUMETER_KAFKA_BROKERS at your cluster (docs/configuration.md).");
    return NULL;
}

bool kafka_reachable(rd_kafka_t *rk, const struct config *cfg, int timeout_ms)
{
    const struct rd_kafka_metadata *md = kafka_metadata(rk, cfg, NULL, timeout_ms);
    if (md) rd_kafka_metadata_destroy(md);
    return md != NULL;
}

int kafka_check_topic(rd_kafka_t *rk, const struct config *cfg, const char *topic, int timeout_ms)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = kafka_metadata(rk, cfg, rkt, timeout_ms);
    rd_kafka_topic_destroy(rkt);
    if (!md) return -1;
    int partitions = -1;
    rd_kafka_resp_err_t terr = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    if (md->topic_cnt == 1 && strcmp(md->topics[0].topic, topic) == 0) {
        terr = md->topics[0].err;
        partitions = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
    if (terr || partitions <= 0) {
        log_error("topic \"%s\" does not exist on %s", topic, cfg->kafka_brokers);
        log_hint("Create it with \"gpumeter topics\".");
        return -1;
    }
    return partitions;
}

bool kafka_user_set(const struct config *cfg, const char *key)
{
    for (int i = 0; i < cfg->n_rdkafka; i++)
        if (!strcmp(cfg->rdkafka[i].key, key)) return true;
    return false;
}

/* A partition leader that hangs (SIGSTOP, a long GC pause, a hung disk)
 * keeps its connections and answers nothing. The controller moves its
 * partitions within the broker session timeout, but a client learns of it
 * only through its own timeouts: a request to the hung broker fails after
 * socket.timeout.ms (60 s by default; a fetch after fetch.wait.max.ms more),
 * and the client's reconnection to it then holds the metadata refresh that
 * names the new leader until its ApiVersionRequest times out
 * (api.version.request.timeout.ms, 10 s). An idempotent producer must also
 * resolve its requests to the old leader before it sends to the new one
 * (librdkafka INTRODUCTION.md, "Leader change"). With librdkafka's defaults
 * a collector's deliveries stopped for 72 s, and a rater fetching the
 * partition as long; with these, about 10 s (docs/operations.md). A produce
 * request timed out in flight is retried with the same sequence number, so
 * the broker drops a copy it had written. request.timeout.ms (producers
 * only) is the broker's own limit on an acks=all write: below
 * socket.timeout.ms, a leader waiting on a slow follower answers
 * (REQUEST_TIMED_OUT, retried) before the client gives up on a healthy
 * connection. An rdkafka.* key overrides each. */
static const struct {
    const char *key, *value;
    bool producer_only;
} hang_timeouts[] = {
    {"socket.timeout.ms", "7000", false},
    {"api.version.request.timeout.ms", "4000", false},
    {"request.timeout.ms", "5000", true},
};

bool kafka_set_hang_timeouts(rd_kafka_conf_t *conf, const struct config *cfg, bool producer)
{
    for (size_t i = 0; i < sizeof hang_timeouts / sizeof hang_timeouts[0]; i++)
        if ((producer || !hang_timeouts[i].producer_only) &&
            !kafka_user_set(cfg, hang_timeouts[i].key) &&
            !kafka_conf_set(conf, hang_timeouts[i].key, hang_timeouts[i].value))
            return false;
    return true;
}

rd_kafka_conf_t *kafka_producer_conf(const struct config *cfg)
{
    rd_kafka_conf_t *conf = kafka_conf_new(cfg);
    if (conf && !(kafka_conf_set(conf, "enable.idempotence", "true") &&
                  kafka_conf_set(conf, "acks", "all") && kafka_conf_set(conf, "linger.ms", "20") &&
                  kafka_conf_set(conf, "compression.codec", "lz4") &&
                  kafka_set_hang_timeouts(conf, cfg, true))) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}
