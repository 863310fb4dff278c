/* dlq: dead letters with their headers (see dlq.h). */
#include "rating/dlq.h"

#include "core/kafka.h"
#include "core/log.h"
#include "core/alloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dlq {
    rd_kafka_t *rk;
    char topic[256];
    long failed;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct dlq *q = opaque;
    if (m->err && q->failed++ == 0) {
        log_error("the dead-letter topic did not accept a message");
        log_detail("%s", rd_kafka_err2str(m->err));
    }
}

struct dlq *dlq_open(const struct config *cfg)
{
    rd_kafka_conf_t *conf = kafka_producer_conf(cfg);
    if (!conf) return NULL;
    struct dlq *q = xcalloc(1, sizeof *q);
    char buf[sizeof q->topic];
    snprintf(q->topic, sizeof q->topic, "%s", config_dlq_topic(cfg, buf, sizeof buf));
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, q);
    if (!(q->rk = kafka_new(RD_KAFKA_PRODUCER, conf))) {
        free(q);
        return NULL;
    }
    return q;
}

bool dlq_send(struct dlq *q, const char *payload, size_t len, const char *reason,
              const char *detail, const char *source_topic, int32_t partition, int64_t offset)
{
    char part[16], off[24];
    snprintf(part, sizeof part, "%" PRId32, partition);
    snprintf(off, sizeof off, "%" PRId64, offset);
    rd_kafka_resp_err_t err;
    do {
        err = rd_kafka_producev(
            q->rk, RD_KAFKA_V_TOPIC(q->topic), RD_KAFKA_V_VALUE((void *)payload, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADER("reason", reason, -1),
            RD_KAFKA_V_HEADER("detail", detail, -1),
            RD_KAFKA_V_HEADER("source_topic", source_topic, -1),
            RD_KAFKA_V_HEADER("source_partition", part, -1),
            RD_KAFKA_V_HEADER("source_offset", off, -1), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(q->rk, 100);
    } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    if (err) {
        log_error("could not queue a dead letter for %s", q->topic);
        log_detail("%s", rd_kafka_err2str(err));
        return false;
    }
    return true;
}

bool dlq_flush(struct dlq *q, int timeout_ms)
{
    rd_kafka_resp_err_t err = rd_kafka_flush(q->rk, timeout_ms);
    bool ok = !err && q->failed == 0;
    if (err) log_error("dead letters were not acknowledged within %d s", timeout_ms / 1000);
    q->failed = 0;
    return ok;
}

void dlq_close(struct dlq *q)
{
    if (!q) return;
    rd_kafka_flush(q->rk, 10000);
    rd_kafka_destroy(q->rk);
    free(q);
}
