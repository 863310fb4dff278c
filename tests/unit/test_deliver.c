/* Deliver: a collector's producer that hits a fatal error (an idempotent
 * producer whose sequence or epoch a broker refused for good, as a real
 * cluster can after a leader change) is replaced, and the spool is sent
 * again through the new one; the old handle would fail every message
 * forever. No broker is needed: the messages wait in librdkafka's queue,
 * and librdkafka's rd_kafka_test_fatal_error raises the error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/config.h"
#include "ingest/deliver.h"
#include "ingest/spool.h"
#include "ingest/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fresh spool in a new directory dir (a mkdtemp template), with its
 * state, as a collector opens one. */
static void open_spool(char *dir, struct state *st, struct spool *sp)
{
    assert_non_null(mkdtemp(dir));
    state_init(st);
    assert_true(spool_open(sp, dir, 1 << 20, st));
}

static void test_a_fatal_producer_error_replaces_the_producer_and_resends(void **state)
{
    (void)state;
    char dir[] = "/tmp/gpumeter-deliver-XXXXXX";
    struct state st;
    struct spool sp;
    open_spool(dir, &st, &sp);
    struct strbuf lines = STRBUF_INIT, text = STRBUF_INIT;
    sb_puts(&lines, "src\t{\"a\":1}\nsrc\t{\"a\":2}\nsrc\t{\"a\":3}\n");
    st.batch = 1;
    state_serialize(&st, &text);
    assert_true(spool_commit(&sp, 1, &lines, 3, &text));

    struct config cfg;
    config_defaults(&cfg);
    snprintf(cfg.kafka_brokers, sizeof cfg.kafka_brokers, "127.0.0.1:1"); /* nothing listens */
    snprintf(cfg.topic, sizeof cfg.topic, "gpumeter.test.deliver");
    struct deliverer *d = deliver_open(&cfg, &sp);
    assert_non_null(d);
    deliver_pump(d, 0);
    assert_int_equal(sp.head->sent, 3);
    assert_int_equal(rd_kafka_outq_len(deliver_producer(d)), 3);

    assert_int_equal(rd_kafka_test_fatal_error(deliver_producer(d),
                                               RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                               "a broker refused the producer's sequence"),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_not_equal(rd_kafka_fatal_error(deliver_producer(d), NULL, 0), 0);
    deliver_pump(d, 0);
    /* a new producer, with no fatal error, holding the whole batch again */
    assert_int_equal(deliver_replaced(d), 1);
    assert_int_equal(rd_kafka_fatal_error(deliver_producer(d), NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(sp.count, 1);
    assert_int_equal(sp.head->sent, 3);
    assert_int_equal(sp.head->acked, 0);
    assert_int_equal(rd_kafka_outq_len(deliver_producer(d)), 3);
    /* and no further replacement while it is healthy */
    deliver_pump(d, 0);
    assert_int_equal(deliver_replaced(d), 1);

    deliver_close(d);
    spool_close(&sp);
    state_free(&st);
    sb_free(&lines);
    sb_free(&text);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* The value of a property of d's producer, as librdkafka holds it. */
static const char *conf_value(struct deliverer *d, const char *key)
{
    static char buf[64];
    size_t size = sizeof buf;
    if (rd_kafka_conf_get(rd_kafka_conf(deliver_producer(d)), key, buf, &size) != RD_KAFKA_CONF_OK)
        return "(unknown)";
    return buf;
}

/* A hung partition leader holds a collector's deliveries until its
 * requests time out and the client reconnects past it: the producer's
 * timeouts are short by default (core/kafka.c), and an operator's
 * rdkafka.* key still wins. */
static void test_the_producer_times_out_a_hung_broker_soon_unless_overridden(void **state)
{
    (void)state;
    char dir[] = "/tmp/gpumeter-deliver-XXXXXX";
    struct state st;
    struct spool sp;
    open_spool(dir, &st, &sp);
    struct config cfg;
    config_defaults(&cfg);
    snprintf(cfg.kafka_brokers, sizeof cfg.kafka_brokers, "127.0.0.1:1");
    snprintf(cfg.topic, sizeof cfg.topic, "gpumeter.test.deliver");

    struct deliverer *d = deliver_open(&cfg, &sp);
    assert_non_null(d);
    assert_string_equal(conf_value(d, "socket.timeout.ms"), "7000");
    assert_string_equal(conf_value(d, "api.version.request.timeout.ms"), "4000");
    assert_string_equal(conf_value(d, "request.timeout.ms"), "5000");
    assert_string_equal(conf_value(d, "acks"), "-1"); /* all */
    assert_string_equal(conf_value(d, "enable.idempotence"), "true");
    deliver_close(d);

    snprintf(cfg.rdkafka[0].key, sizeof cfg.rdkafka[0].key, "socket.timeout.ms");
    snprintf(cfg.rdkafka[0].value, sizeof cfg.rdkafka[0].value, "60000");
    cfg.n_rdkafka = 1;
    d = deliver_open(&cfg, &sp);
    assert_non_null(d);
    assert_string_equal(conf_value(d, "socket.timeout.ms"), "60000");
    assert_string_equal(conf_value(d, "request.timeout.ms"), "5000");
    deliver_close(d);

    spool_close(&sp);
    state_free(&st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_fatal_producer_error_replaces_the_producer_and_resends),
        cmocka_unit_test(test_the_producer_times_out_a_hung_broker_soon_unless_overridden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
