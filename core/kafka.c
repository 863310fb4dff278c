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

rd_kafka_conf_t *kafka_producer_conf(const struct config *cfg)
{
    rd_kafka_conf_t *conf = kafka_conf_new(cfg);
    if (conf && !(kafka_conf_set(conf, "enable.idempotence", "true") &&
                  kafka_conf_set(conf, "acks", "all") && kafka_conf_set(conf, "linger.ms", "20") &&
                  kafka_conf_set(conf, "compression.codec", "lz4"))) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}
