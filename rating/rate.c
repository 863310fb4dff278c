/* rate: the rating consumer.
 *
 * Joins the Kafka consumer group, and on every assignment seeks each
 * partition to the offset stored in PostgreSQL (never Kafka's committed
 * offset: PostgreSQL is the only record of what was rated). Messages gather
 * in a batch that commits in one transaction (see batch.h); on revocation
 * and on shutdown the batch is flushed first. If a commit fails the process
 * exits non-zero without touching Kafka; a restart resumes from the stored
 * offsets, so nothing is lost or counted twice. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/kafka.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "rating/batch.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PARTITIONS 10000

struct rater {
    struct config cfg;
    PGconn *conn;
    struct batch batch;
    struct batch_counts counts;
    long long batches;
    bool failed;
    int nassigned;
    int32_t assigned[MAX_PARTITIONS];
    bool at_eof[MAX_PARTITIONS];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static bool rater_flush(struct rater *r)
{
    if (!r->batch.n || r->failed) return !r->failed;
    if (!batch_flush(&r->batch, r->conn, &r->counts)) {
        log_hint("Nothing was committed; restart \"gpumeter rate\" to resume from the stored "
                 "offsets.");
        r->failed = true;
        return false;
    }
    r->batches++;
    return true;
}

/* Sets each partition's start to the stored next offset, or the beginning. */
static bool seek_to_stored(struct rater *r, rd_kafka_topic_partition_list_t *parts)
{
    const char *p[] = {r->cfg.topic};
    PGresult *res =
        db_query(r->conn, "read stored consumer offsets",
                 "SELECT partition, next_offset FROM consumer_offset WHERE topic = $1", 1, p);
    if (!res) return false;
    for (int i = 0; i < parts->cnt; i++)
        parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    for (int row = 0; row < PQntuples(res); row++) {
        int64_t partition, offset;
        if (!db_get_int64(res, row, 0, &partition) || !db_get_int64(res, row, 1, &offset)) continue;
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].partition == partition) parts->elems[i].offset = offset;
    }
    PQclear(res);
    return true;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct rater *r = opaque;
    r->nassigned = 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (!seek_to_stored(r, parts)) {
            r->failed = true;
            rd_kafka_assign(rk, NULL);
            return;
        }
        for (int i = 0; i < parts->cnt && i < MAX_PARTITIONS; i++) {
            r->assigned[r->nassigned] = parts->elems[i].partition;
            r->at_eof[r->nassigned++] = false;
            log_debug("assigned partition %d from offset %lld", parts->elems[i].partition,
                      (long long)parts->elems[i].offset);
        }
        rd_kafka_assign(rk, parts);
    } else {
        rater_flush(r);
        rd_kafka_assign(rk, NULL);
    }
}

static void mark_eof(struct rater *r, int32_t partition, bool eof)
{
    for (int i = 0; i < r->nassigned; i++)
        if (r->assigned[i] == partition) r->at_eof[i] = eof;
}

static bool all_at_eof(const struct rater *r)
{
    if (!r->nassigned) return false;
    for (int i = 0; i < r->nassigned; i++)
        if (!r->at_eof[i]) return false;
    return true;
}

static rd_kafka_t *open_consumer(struct rater *r)
{
    rd_kafka_conf_t *conf = kafka_conf_new(&r->cfg);
    if (!conf) return NULL;
    if (!kafka_conf_set(conf, "group.id", r->cfg.group) ||
        !kafka_conf_set(conf, "enable.auto.commit", "false") ||
        !kafka_conf_set(conf, "enable.auto.offset.store", "false") ||
        !kafka_conf_set(conf, "enable.partition.eof", "true") ||
        !kafka_conf_set(conf, "auto.offset.reset", "earliest") ||
        /* on_rebalance assigns whole sets: an eager protocol, whatever rdkafka.* says */
        !kafka_conf_set(conf, "partition.assignment.strategy", "range,roundrobin") ||
        !kafka_conf_set(conf, "isolation.level", "read_committed")) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_opaque(conf, r);
    rd_kafka_t *rk = kafka_new(RD_KAFKA_CONSUMER, conf);
    if (!rk) return NULL;
    if (kafka_check_topic(rk, &r->cfg, r->cfg.topic, 10000) < 0) {
        rd_kafka_destroy(rk);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, r->cfg.topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        log_error("could not subscribe to topic \"%s\"", r->cfg.topic);
        log_detail("%s", rd_kafka_err2str(err));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

/* Handles one polled message or event; false on a fatal consumer error. */
static bool handle_message(struct rater *r, const rd_kafka_message_t *m)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        mark_eof(r, m->partition, true);
        return true;
    }
    if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
            m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || m->err == RD_KAFKA_RESP_ERR__FATAL) {
            log_error("Kafka consumer failed");
            log_detail("%s", rd_kafka_message_errstr(m));
            return false;
        }
        log_debug("consumer: %s", rd_kafka_message_errstr(m));
        return true;
    }
    mark_eof(r, m->partition, false);
    batch_add(&r->batch, m->partition, m->offset, m->payload, m->len);
    return true;
}

int cmd_rate(int argc, char **argv)
{
    bool until_idle = false;
    long long batch_max = 5000, batch_ms = 1000, assign_timeout = 60;
    const struct cli_opt opts[] = {
        {"until-idle", CLI_BOOL, &until_idle, NULL,
         "exit once every assigned partition is fully rated", 0, 0},
        {"batch", CLI_INT, &batch_max, "N", "messages per transaction at most (default 5000)", 1,
         1000000},
        {"batch-ms", CLI_INT, &batch_ms, "MS", "commit a partial batch after MS (default 1000)", 1,
         600000},
        {"assign-timeout", CLI_INT, &assign_timeout, "S",
         "with --until-idle, give up if no partition is assigned in S seconds (default 60)", 1,
         3600},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter rate [options]",
        "Consume usage events and rate them into PostgreSQL exactly once. Runs until SIGINT or "
        "SIGTERM, or with --until-idle until the topic is drained.",
        opts, 0, 0};
    int npos;
    enum cli_result res = cli_parse(&spec, argc, argv, &npos);
    if (res != CLI_OK) return cli_exit_code(res);

    static struct rater r;
    memset(&r, 0, sizeof r);
    int rc;
    if (!(r.conn = db_open(&r.cfg, &rc))) return rc;
    r.batch.topic = r.cfg.topic;
    rd_kafka_t *rk = open_consumer(&r);
    if (!rk) {
        PQfinish(r.conn);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    int64_t started = time_monotonic_ms(), batch_started = 0;
    bool ok = true;
    while (ok && !stop_requested && !r.failed) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m) {
            ok = handle_message(&r, m);
            rd_kafka_message_destroy(m);
        }
        if (!r.batch.n)
            batch_started = 0; /* also after a flush in the revoke callback */
        else if (!batch_started)
            batch_started = time_monotonic_ms();
        bool full = (long long)r.batch.n >= batch_max;
        bool due = r.batch.n && time_monotonic_ms() - batch_started >= batch_ms;
        bool drained = until_idle && all_at_eof(&r);
        if (ok && (full || due || drained)) {
            ok = rater_flush(&r);
            batch_started = 0;
        }
        if (drained) break;
        if (until_idle && !r.nassigned && time_monotonic_ms() - started > assign_timeout * 1000) {
            log_error("no partition of \"%s\" was assigned within %lld s", r.cfg.topic,
                      assign_timeout);
            log_hint("Other raters in group \"%s\" may hold every partition.", r.cfg.group);
            ok = false;
        }
    }
    if (ok && !r.failed) rater_flush(&r);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    PQfinish(r.conn);
    batch_free(&r.batch);
    ok = ok && !r.failed;
    log_info("consumed %lld events: %lld rated, %lld duplicates, %lld rejected, in %lld "
             "transactions",
             r.counts.consumed, r.counts.rated, r.counts.duplicates, r.counts.rejected, r.batches);
    return ok ? 0 : 1;
}
