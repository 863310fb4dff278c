/* deliver: spool to Kafka with per-batch acknowledgement (see deliver.h). */
#include "ingest/deliver.h"

#include "core/kafka.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "ingest/producer.h"
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

#define RETRY_PAUSE_MS 5000

struct deliverer {
    const struct config *cfg; /* the caller's, for a new producer */
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    struct spool *sp;
    long long delivered;
    long failures;
    long replaced; /* producers replaced after a fatal error */
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct deliverer *d = opaque;
    struct spool_batch *b = m->_private;
    if (!m->err) {
        b->acked++;
        d->delivered++;
        return;
    }
    b->failed++;
    if (m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT &&
        d->failures++ == 0) {
        log_error(
            "Kafka did not accept spooled usage events; they stay spooled and are sent again");
        log_detail("%s", rd_kafka_err2str(m->err));
    }
}

/* Creates d's producer and topic handle; false after logging. */
static bool open_producer(struct deliverer *d)
{
    rd_kafka_conf_t *conf = kafka_producer_conf(d->cfg);
    if (!conf) return false;
    /* Wait for the broker as long as it takes: the spool bounds what waits. */
    if (!kafka_user_set(d->cfg, "message.timeout.ms") &&
        !kafka_conf_set(conf, "message.timeout.ms", "0")) {
        rd_kafka_conf_destroy(conf);
        return false;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, d);
    if (!(d->rk = kafka_new(RD_KAFKA_PRODUCER, conf))) return false;
    d->rkt = rd_kafka_topic_new(d->rk, d->cfg->topic, NULL);
    return true;
}

static void close_producer(struct deliverer *d)
{
    rd_kafka_purge(d->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(d->rk, 0);
    rd_kafka_flush(d->rk, 1000);
    rd_kafka_topic_destroy(d->rkt);
    rd_kafka_destroy(d->rk);
    d->rk = NULL;
    d->rkt = NULL;
}

struct deliverer *deliver_open(const struct config *cfg, struct spool *sp)
{
    struct deliverer *d = xcalloc(1, sizeof *d);
    d->cfg = cfg;
    d->sp = sp;
    if (!open_producer(d)) {
        free(d);
        return NULL;
    }
    return d;
}

/* An idempotent producer's fatal error (the broker refused its sequence or
 * epoch for good, e.g. after a leader change lost writes it had
 * acknowledged) leaves the handle failing every message from then on, so
 * sending the spool again through it would never succeed. Replace it: a
 * new producer gets a new producer id, and every batch not yet wholly
 * acknowledged is sent again from its first message (the duplicates are
 * dropped downstream by source + seq). False while no producer could be
 * made (tried again on the next pump). */
static bool replace_if_fatal(struct deliverer *d)
{
    char why[512];
    if (d->rk && !rd_kafka_fatal_error(d->rk, why, sizeof why)) return true;
    if (d->rk) {
        log_error("the Kafka producer failed for good; a new one sends the spooled events again");
        log_detail("%s", why);
        close_producer(d);
        for (struct spool_batch *b = d->sp->head; b; b = b->next_batch) {
            b->next = b->sent = b->acked = b->failed = 0;
            b->retry_at_ms = 0;
        }
        d->replaced++;
    }
    return open_producer(d);
}

/* Produces b's remaining lines; false when librdkafka's queue is full. */
static bool produce_batch(struct deliverer *d, struct spool_batch *b)
{
    while (b->next < b->len) {
        char *line = b->data + b->next, *nl = memchr(line, '\n', b->len - b->next);
        char *tab = memchr(line, '\t', (size_t)(nl - line));
        if (!nl || !tab) { /* cannot happen for a batch we wrote; skip the rest */
            log_error("spool batch %lld is malformed; its remaining events were skipped",
                      (long long)b->no);
            b->acked += b->nmsg - b->sent;
            b->sent = b->nmsg;
            b->next = b->len;
            return true;
        }
        if (rd_kafka_produce(d->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, tab + 1,
                             (size_t)(nl - tab - 1), line, (size_t)(tab - line), b) != 0) {
            if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL) return false;
            b->failed++; /* counted like a failed delivery: the batch is sent again */
            if (d->failures++ == 0)
                log_error("could not queue a spooled event: %s",
                          rd_kafka_err2str(rd_kafka_last_error()));
        }
        b->sent++;
        b->next = (size_t)(nl - b->data) + 1;
    }
    return true;
}

void deliver_pump(struct deliverer *d, int wait_ms)
{
    if (!replace_if_fatal(d)) return;
    int64_t now = time_monotonic_ms();
    for (struct spool_batch *b = d->sp->head; b; b = b->next_batch) {
        if (b->failed && b->acked + b->failed == b->sent && b->sent == b->nmsg) {
            b->retry_at_ms = now + RETRY_PAUSE_MS; /* every message is back: start over */
            b->next = b->sent = b->acked = b->failed = 0;
        }
        if (b->retry_at_ms > now) break; /* keep order: nothing after it goes first */
        if (!produce_batch(d, b)) break;
    }
    rd_kafka_poll(d->rk, wait_ms);
    while (d->sp->head && d->sp->head->acked == d->sp->head->nmsg) {
        spool_pop(d->sp);
        if (d->failures) log_info("spooled events are being delivered again");
        d->failures = 0;
    }
}

long long deliver_count(const struct deliverer *d)
{
    return d->delivered;
}

long deliver_replaced(const struct deliverer *d)
{
    return d->replaced;
}

rd_kafka_t *deliver_producer(const struct deliverer *d)
{
    return d->rk;
}

void deliver_close(struct deliverer *d)
{
    if (d->rk) close_producer(d);
    free(d);
}
