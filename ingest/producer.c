/* producer: idempotent, keyed delivery to the usage topic (see producer.h). */
#include "producer.h"

#include "core/kafka.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

#define FLUSH_TIMEOUT_MS 120000

struct producer {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    long long delivered, failed;
    struct strbuf buf;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct producer *p = opaque;
    if (!m->err) {
        p->delivered++;
        return;
    }
    if (p->failed++ == 0) {
        log_error("Kafka did not accept a usage event");
        log_detail("%s", rd_kafka_err2str(m->err));
    }
}

struct producer *producer_open(const struct config *cfg)
{
    struct producer *p = xcalloc(1, sizeof *p);
    rd_kafka_conf_t *conf = kafka_producer_conf(cfg);
    if (!p || !conf) goto fail;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, p);
    p->rk = kafka_new(RD_KAFKA_PRODUCER, conf);
    if (!p->rk || kafka_check_topic(p->rk, cfg, cfg->topic, 10000) < 0) goto fail;
    p->rkt = rd_kafka_topic_new(p->rk, cfg->topic, NULL);
    return p;
fail:
    if (p && p->rk) rd_kafka_destroy(p->rk);
    free(p);
    return NULL;
}

bool producer_send(struct producer *p, const char *key, const char *payload, size_t len)
{
    for (;;) {
        if (rd_kafka_produce(p->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)payload,
                             len, key, strlen(key), NULL) == 0)
            return true;
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            log_error("could not queue a usage event for Kafka");
            log_detail("%s", rd_kafka_err2str(err));
            return false;
        }
        rd_kafka_poll(p->rk, 100);
    }
}

bool producer_send_event(struct producer *p, const struct usage_event *ev)
{
    sb_reset(&p->buf);
    event_encode(ev, &p->buf);
    bool ok = producer_send(p, ev->source, p->buf.buf, p->buf.len);
    rd_kafka_poll(p->rk, 0);
    return ok;
}

bool producer_close(struct producer *p, long long *delivered)
{
    rd_kafka_resp_err_t err = rd_kafka_flush(p->rk, FLUSH_TIMEOUT_MS);
    int left = rd_kafka_outq_len(p->rk);
    if (err || left) {
        log_error("%d usage events were not delivered to Kafka within %d s", left,
                  FLUSH_TIMEOUT_MS / 1000);
        log_hint("Check that the broker is up; rerun the collector to send them again.");
    }
    bool ok = !err && !left && p->failed == 0;
    *delivered = p->delivered;
    rd_kafka_topic_destroy(p->rkt);
    rd_kafka_destroy(p->rk);
    sb_free(&p->buf);
    free(p);
    return ok;
}
