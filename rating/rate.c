/* rate: the rating consumer (docs/rating.md).
 *
 * Joins the consumer group. On every assignment it claims the partitions in
 * PostgreSQL (raising each one's epoch) and seeks them to the offsets stored
 * there, never Kafka's: PostgreSQL is the only record of what was rated.
 * Messages gather in a batch that commits in one transaction, guarded by the
 * claimed epochs (batch.h); on revocation and on shutdown the batch is
 * flushed first. When PostgreSQL goes away the rater stops fetching,
 * reconnects with backoff and resumes from the offsets stored on the server
 * it reached (after a failover, a promoted standby that may lack the last
 * batches and even the claims: resync); when a batch
 * is fenced (a newer owner holds a partition) it is dropped and the rater
 * waits for the group to settle. Parked events whose account gained a
 * customer are released every few seconds. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/kafka.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "rating/batch.h"
#include "rating/flusher.h"
#include "rating/metrics_http.h"
#include "rating/park.h"
#include "rating/rater_metrics.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PARTITIONS   10000
#define RELEASE_EVERY_MS 5000
#define MAX_FAILURES     5 /* consecutive failed commits with the database up */

struct rater {
    struct config cfg;
    PGconn *conn;
    /* a batch's commit is split over these by partition (batch.h): conn,
     * then rater.commit_connections - 1 of the flusher's own */
    PGconn *conns[CONFIG_COMMIT_CONNECTIONS_MAX];
    size_t nconns;
    rd_kafka_t *rk;
    struct dlq *dlq;
    struct batch batch;      /* being consumed into */
    struct flusher *flusher; /* the batch before it, committing */
    struct rater_stats stats;
    char owner[128];
    int nheld;
    struct partition_epoch held[MAX_PARTITIONS];
    bool at_eof[MAX_PARTITIONS];
    rd_kafka_topic_partition_list_t *pending; /* assigned, not yet claimed */
    bool resync, db_down, fatal;
    bool stopped_waiting; /* a stop asked for while waiting for Kafka to answer */
    int failures;
    int64_t retry_at;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void collect(struct rater *r);

static bool db_ok(struct rater *r)
{
    if (!r->db_down && PQstatus(r->conn) == CONNECTION_OK) return true;
    if (!r->db_down) {
        log_error("lost the connection to PostgreSQL; fetching paused until it is back");
        r->db_down = true;
        rd_kafka_assign(r->rk, NULL); /* stop fetching; resync resumes from stored offsets */
    }
    return false;
}

/* Claims the pending partitions (epoch + 1) and assigns them at their stored
 * offsets. Leaves them pending if the database is unavailable. */
static void claim_pending(struct rater *r)
{
    collect(r); /* the connection is the flusher's while a batch is in flight */
    if (r->db_down || !r->pending) return;
    rd_kafka_topic_partition_list_t *parts = r->pending;
    struct strbuf arr = STRBUF_INIT;
    db_array_open(&arr);
    for (int i = 0; i < parts->cnt; i++)
        db_array_add_int(&arr, parts->elems[i].partition);
    db_array_close(&arr);
    const char *p[] = {r->cfg.topic, sb_str(&arr), r->owner};
    PGresult *res =
        db_query(r->conn, "claim the assigned partitions",
                 "INSERT INTO consumer_offset AS o (topic, partition, next_offset, epoch, owner) "
                 "SELECT $1, p, 0, 1, $3 FROM unnest($2::int[]) AS p "
                 "ON CONFLICT (topic, partition) DO UPDATE SET epoch = o.epoch + 1, owner = $3, "
                 "updated_at = now() RETURNING partition, next_offset, epoch",
                 3, p);
    sb_free(&arr);
    if (!res) {
        db_ok(r);
        return;
    }
    r->nheld = 0;
    for (int row = 0; row < PQntuples(res) && r->nheld < MAX_PARTITIONS; row++) {
        int64_t partition, offset, epoch;
        db_get_int64(res, row, 0, &partition);
        db_get_int64(res, row, 1, &offset);
        db_get_int64(res, row, 2, &epoch);
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].partition == partition) parts->elems[i].offset = offset;
        r->held[r->nheld] = (struct partition_epoch){(int32_t)partition, epoch};
        r->at_eof[r->nheld++] = false;
        log_debug("claimed partition %lld at epoch %lld from offset %lld", (long long)partition,
                  (long long)epoch, (long long)offset);
    }
    PQclear(res);
    rd_kafka_assign(r->rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    r->pending = NULL;
}

/* After a failed batch or a reconnect: back to the stored offsets of the
 * partitions still held at our epochs, read from the server reached now.
 * After a failover that server may lack the last commits (asynchronous
 * replication): their offsets, so those messages are consumed again, and
 * maybe our claim itself. A partition with no row, or ours at another
 * epoch, is such a lost claim: every held partition is claimed again
 * (claim_pending) rather than left unread. One another rater owns has
 * moved. */
static void resync(struct rater *r)
{
    collect(r);
    if (r->db_down) return;
    const char *p[] = {r->cfg.topic, r->owner};
    PGresult *res = db_query(r->conn, "read stored consumer offsets",
                             "SELECT partition, next_offset, epoch, owner = $2 FROM consumer_offset "
                             "WHERE topic = $1",
                             2, p);
    if (!res) {
        db_ok(r);
        return;
    }
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(r->nheld + 1);
    int kept = 0, lost = 0;
    for (int i = 0; i < r->nheld; i++) {
        int row = 0;
        int64_t partition = -1, offset = 0, epoch = 0;
        for (; row < PQntuples(res); row++)
            if (db_get_int64(res, row, 0, &partition) && partition == r->held[i].partition) break;
        bool found = row < PQntuples(res), mine = found && PQgetvalue(res, row, 3)[0] == 't';
        if (found && !mine) continue; /* moved to another rater */
        if (found) {
            db_get_int64(res, row, 1, &offset);
            db_get_int64(res, row, 2, &epoch);
        }
        if (!found || epoch != r->held[i].epoch) lost++;
        rd_kafka_topic_partition_list_add(parts, r->cfg.topic, r->held[i].partition)->offset = offset;
        r->held[kept] = r->held[i];
        r->at_eof[kept++] = false;
    }
    PQclear(res);
    if (kept < r->nheld) log_warn("%d partitions moved to another rater", r->nheld - kept);
    r->nheld = kept;
    r->resync = false;
    if (lost && !r->pending) {
        log_warn("the database lacks this rater's claim of %d partitions (commits lost in a "
                 "failover?); claiming them again from the offsets stored there",
                 lost);
        r->pending = parts;
        r->nheld = 0;
        rd_kafka_assign(r->rk, NULL);
        return; /* claim_pending assigns them */
    }
    rd_kafka_assign(r->rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
}

/* Takes the outcome of the batch in flight, if any. Unless it committed,
 * what was consumed since is dropped: the rater resumes from the stored
 * offsets (or, fenced, from wherever the group hands partitions out). */
static void take_outcome(struct rater *r, bool wait)
{
    struct flush_outcome o;
    if (!(wait ? flusher_wait(r->flusher, &o) : flusher_done(r->flusher, &o))) return;
    batch_counts_add(&r->stats.counts, &o.counts);
    switch (o.result) {
    case FLUSH_OK:
        r->failures = 0;
        rater_metrics_commit(&r->stats, o.events, o.ms);
        return;
    case FLUSH_FENCED:
        r->stats.fenced++;
        r->nheld = 0;
        rd_kafka_assign(r->rk, NULL); /* the group will hand out partitions again */
        break;
    case FLUSH_FAILED:
        r->resync = true;
        if (db_ok(r) && ++r->failures >= MAX_FAILURES) {
            log_error("%d batches in a row failed to commit with the database up", r->failures);
            r->fatal = true;
        }
        break;
    }
    batch_clear(&r->batch);
}

static void collect(struct rater *r)
{
    take_outcome(r, true);
}

/* Hands the batch to the flusher once the one before it has committed, and
 * goes on consuming. */
static void flush_async(struct rater *r)
{
    collect(r);
    if (!r->batch.n) return;
    if (r->db_down || r->resync || r->fatal) {
        batch_clear(&r->batch);
        return;
    }
    struct flush_ctx ctx = {&r->cfg,
                            r->cfg.topic,
                            r->held,
                            (size_t)r->nheld,
                            r->dlq,
                            time_now_ms(),
                            config_signing_required(&r->cfg)};
    flusher_start(r->flusher, &r->batch, r->conns, r->nconns, &ctx);
}

/* Everything consumed so far committed (or dropped) before returning. */
static void flush(struct rater *r)
{
    flush_async(r);
    collect(r);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct rater *r = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (r->pending) rd_kafka_topic_partition_list_destroy(r->pending);
        r->pending = rd_kafka_topic_partition_list_copy(parts);
        r->nheld = 0;
        if (!r->db_down) claim_pending(r);
        if (r->pending) rd_kafka_assign(rk, NULL); /* claimed later, when the database is back */
    } else {
        flush(r);
        if (r->pending) rd_kafka_topic_partition_list_destroy(r->pending);
        r->pending = NULL;
        r->nheld = 0;
        rd_kafka_assign(rk, NULL);
    }
}

static int held_index(const struct rater *r, int32_t partition)
{
    for (int i = 0; i < r->nheld; i++)
        if (r->held[i].partition == partition) return i;
    return -1;
}

static bool all_at_eof(const struct rater *r)
{
    if (!r->nheld || r->pending || r->resync) return false;
    for (int i = 0; i < r->nheld; i++)
        if (!r->at_eof[i]) return false;
    return true;
}

/* A rater that starts while no broker answers (every broker down, or
 * restarting) waits for Kafka as a running rater does, instead of exiting:
 * under a supervisor an exit is retried a few times and then given up
 * (the systemd unit's StartLimitBurst: five starts in 75 s of outage), and
 * nothing rates once Kafka is back. With --until-idle (a run by hand or by
 * a script) it still fails at once. False when a stop was asked for. */
static bool wait_for_kafka(rd_kafka_t *rk, const struct config *cfg)
{
    bool said = false;
    for (;;) {
        const struct rd_kafka_metadata *md = NULL;
        if (!rd_kafka_metadata(rk, 1, NULL, &md, 2000)) {
            rd_kafka_metadata_destroy(md);
            if (said) log_info("Kafka answers at %s", cfg->kafka_brokers);
            return true;
        }
        if (stop_requested) return false;
        if (!said) {
            log_warn("could not reach Kafka at %s; waiting for it", cfg->kafka_brokers);
            said = true;
        }
    }
}

static rd_kafka_t *open_consumer(struct rater *r, bool wait)
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
        !kafka_conf_set(conf, "isolation.level", "read_committed") ||
        /* a hung leader of an assigned partition must not stop rating for a minute */
        !kafka_set_hang_timeouts(conf, &r->cfg, false)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_opaque(conf, r);
    rd_kafka_t *rk = kafka_new(RD_KAFKA_CONSUMER, conf);
    if (!rk) return NULL;
    if (wait && !wait_for_kafka(rk, &r->cfg)) {
        rd_kafka_destroy(rk);
        r->stopped_waiting = true;
        return NULL;
    }
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
    int i = held_index(r, m->partition);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (i >= 0) r->at_eof[i] = true;
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
    if (i < 0 || r->resync || r->db_down) return true; /* fetched before a reassignment: replayed */
    r->at_eof[i] = false;
    batch_add(&r->batch, &r->cfg, m->partition, m->offset, m->payload, m->len);
    return true;
}

/* Reconnects with backoff; true once the database answers again. */
static bool reconnect(struct rater *r)
{
    collect(r);
    int64_t now = time_monotonic_ms();
    if (now < r->retry_at) return false;
    PQreset(r->conn);
    if (PQstatus(r->conn) != CONNECTION_OK) {
        r->retry_at = now + 1000;
        return false;
    }
    log_info("reconnected to PostgreSQL; resuming from the stored offsets");
    r->stats.reconnects++;
    r->db_down = false;
    r->resync = true;
    return true;
}

static void release_parked(struct rater *r, bool until_empty)
{
    collect(r);
    if (r->db_down) return;
    long n;
    do {
        n = park_release(r->conn, r->cfg.topic, r->dlq);
        if (n > 0) {
            r->stats.released += n;
            log_info("rated %ld parked events whose account now has a customer", n);
        }
    } while (until_empty && n > 0);
    if (n < 0) db_ok(r);
}

/* The rater's connection and the flusher's others. */
static void close_connections(struct rater *r)
{
    for (size_t i = 0; i < r->nconns; i++)
        PQfinish(r->conns[i]); /* NULL for one that failed to open: a no-op */
    r->nconns = 0;
}

struct options {
    bool until_idle;
    long long batch_max, batch_ms, assign_timeout;
    const char *metrics;
};

static int run(struct rater *r, const struct options *o, struct metrics_http *metrics)
{
    int64_t started = time_coarse_ms(), batch_started = 0, released_at = 0, published_at = 0;
    bool ok = true;
    while (ok && !stop_requested && !r->fatal) {
        if (r->db_down && !reconnect(r)) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, 200); /* serve the group */
            if (m) rd_kafka_message_destroy(m);
            continue;
        }
        if (r->pending) claim_pending(r);
        if (r->resync && !r->db_down) resync(r);
        take_outcome(r, false); /* counters and failures as soon as known */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, 100);
        if (m) {
            ok = handle_message(r, m);
            rd_kafka_message_destroy(m);
        }
        int64_t now = time_coarse_ms();
        if (!r->batch.n)
            batch_started = 0; /* also after a flush in the revoke callback */
        else if (!batch_started)
            batch_started = now;
        bool drained = o->until_idle && all_at_eof(r);
        if (ok && drained) {
            flush(r);
            batch_started = 0;
        } else if (ok && (batch_full(&r->batch, o->batch_max) ||
                          (r->batch.n && now - batch_started >= o->batch_ms))) {
            flush_async(r);
            batch_started = 0;
        }
        if (!r->db_down && now - released_at >= RELEASE_EVERY_MS) {
            release_parked(r, false);
            released_at = now;
        }
        if (metrics && now - published_at >= 1000) {
            rater_metrics_publish(&r->stats, metrics, r->rk, r->cfg.topic, r->held, r->nheld);
            published_at = now;
        }
        if (drained && !r->batch.n && !r->resync && !r->db_down) {
            release_parked(r, true);
            break;
        }
        if (o->until_idle && !r->nheld && !r->pending && now - started > o->assign_timeout * 1000) {
            log_error("no partition of \"%s\" was assigned within %lld s", r->cfg.topic,
                      o->assign_timeout);
            log_hint("Other raters in group \"%s\" may hold every partition.", r->cfg.group);
            ok = false;
        }
    }
    if (ok && !r->fatal)
        flush(r);
    else
        collect(r);
    return ok && !r->fatal ? 0 : 1;
}

int cmd_rate(int argc, char **argv)
{
    struct options o = {false, 5000, 1000, 60, NULL};
    const struct cli_opt opts[] = {
        {"until-idle", CLI_BOOL, &o.until_idle, NULL,
         "exit once every assigned partition is fully rated", 0, 0},
        {"batch", CLI_INT, &o.batch_max, "N", "messages per transaction at most (default 5000)", 1,
         1000000},
        {"batch-ms", CLI_INT, &o.batch_ms, "MS", "commit a partial batch after MS (default 1000)",
         1, 600000},
        {"assign-timeout", CLI_INT, &o.assign_timeout, "S",
         "with --until-idle, give up if no partition is assigned in S seconds (default 60)", 1,
         3600},
        {"metrics", CLI_STR, &o.metrics, "ADDR:PORT", "serve Prometheus metrics on /metrics", 0, 0},
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

    /* From the start: a SIGTERM while connecting is a stop like any other
     * (run() then returns at once), not the default death. */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    static struct rater r;
    memset(&r, 0, sizeof r);
    int rc;
    if (!(r.conn = db_open(&r.cfg, &rc))) return rc;
    /* This month's and next month's usage partitions (schema 017), made
     * outside any batch so that no batch at a month's turn holds the lock
     * that creating one takes on usage_hourly. */
    if (!db_exec(r.conn, "make this month's usage partitions",
                 "SELECT usage_hourly_partitions(date_trunc('month', now()), "
                 "date_trunc('month', now()) + interval '2 months')",
                 0, NULL)) {
        PQfinish(r.conn);
        return 1;
    }
    if (r.cfg.signing_required == 1 && r.cfg.n_hmac == 0) {
        log_error("signing.required is on but no hmac.<cluster> key is configured");
        log_detail("Every event would be a dead letter (unknown_cluster).");
        log_hint("Add the clusters' keys to the configuration file, or set signing.required = "
                 "false.");
        PQfinish(r.conn);
        return CLI_EXIT_USAGE;
    }
    r.conns[r.nconns++] = r.conn;
    while (r.nconns < (size_t)r.cfg.commit_connections) {
        int slot = (int)r.nconns;
        r.conns[r.nconns++] = db_connect(&r.cfg); /* NULL closes as nothing */
        if (!r.conns[slot] || !batch_conn_slot(r.conns[slot], slot)) {
            close_connections(&r);
            return 1;
        }
    }
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(r.owner, sizeof r.owner, "%s:%d", host, (int)getpid());
    struct metrics_http *metrics = NULL;
    rc = 1;
    if ((!o.metrics || (metrics = metrics_http_start(o.metrics))) && (r.dlq = dlq_open(&r.cfg)) &&
        (r.flusher = flusher_new()) && (r.rk = open_consumer(&r, !o.until_idle))) {
        rc = run(&r, &o, metrics);
        rd_kafka_consumer_close(r.rk);
        rd_kafka_destroy(r.rk);
    } else if (r.stopped_waiting) {
        rc = 0;
    }
    flusher_free(r.flusher); /* after the consumer's close, whose revocation flushes */
    if (r.pending) rd_kafka_topic_partition_list_destroy(r.pending);
    dlq_close(r.dlq);
    metrics_http_stop(metrics);
    close_connections(&r);
    batch_free(&r.batch);
    const struct batch_counts *c = &r.stats.counts;
    log_info("consumed %lld events: %lld rated, %lld duplicates, %lld dead letters, %lld parked, "
             "in %lld transactions (%.2f s committing, %lld run again); %lld parked events "
             "released",
             c->consumed, c->rated, c->duplicates, c->dead_lettered, c->parked, r.stats.commits,
             r.stats.commit_ms_sum / 1000.0, c->retries, r.stats.released);
    return rc;
}
