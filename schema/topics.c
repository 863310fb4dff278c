/* topics: creates the usage topic with the configured partition count, and
 * its dead-letter topic (one partition: dead letters are rare and read in
 * order).
 *
 * Brokers in production often forbid auto-creation and the local broker has
 * it off, so the topic is created explicitly, once; an existing topic is
 * left as it is (its partition count is reported, never changed). */
#include "commands.h"
#include "core/cli.h"
#include "core/kafka.h"
#include "core/log.h"

#include <stdbool.h>
#include <stdio.h>

static int create_topic(rd_kafka_t *rk, const char *topic, int partitions)
{
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, -1, err, sizeof err);
    if (!nt) {
        log_error("could not describe topic \"%s\"", topic);
        log_detail("%s", err);
        return -1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    /* Wait until the broker has the topic, so it can be used right away. */
    rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opt, 20000, err, sizeof err);
    rd_kafka_CreateTopics(rk, &nt, 1, opt, q);
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = -1;
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    if (!res) {
        log_error("no answer from Kafka when creating topic \"%s\"", topic);
    } else {
        size_t n;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
        rd_kafka_resp_err_t e = n ? rd_kafka_topic_result_error(tr[0]) : rd_kafka_event_error(ev);
        if (!e) {
            log_info("created topic %s with %d partitions", topic, partitions);
            rc = 0;
        } else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            rc = 0;
        } else {
            log_error("could not create topic \"%s\"", topic);
            log_detail("%s", n ? rd_kafka_topic_result_error_string(tr[0])
                               : rd_kafka_event_error_string(ev));
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

/* A new topic reaches the brokers' metadata a moment after its creation is
 * acknowledged, and on a cluster each broker learns of it on its own (in
 * KRaft, as it replays the controller's log): one broker listing it does
 * not mean the next asked does. So wait quietly until READY_ANSWERS
 * answers in a row list it (librdkafka asks whichever broker it likes),
 * before the check that reports; a three-broker cluster failed that check
 * now and then after one answer (test_fault_broker_cluster.sh). */
enum { READY_ANSWERS = 5 };
static void wait_for_topic(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    for (int i = 0, in_a_row = 0; i < 100 && in_a_row < READY_ANSWERS; i++) {
        const struct rd_kafka_metadata *md = NULL;
        bool ready = !rd_kafka_metadata(rk, 0, rkt, &md, 2000) && md->topic_cnt == 1 &&
                     !md->topics[0].err && md->topics[0].partition_cnt > 0;
        if (md) rd_kafka_metadata_destroy(md);
        in_a_row = ready ? in_a_row + 1 : 0;
        rd_kafka_poll(rk, ready ? 0 : 100);
    }
    rd_kafka_topic_destroy(rkt);
}

int cmd_topics(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {
        "gpumeter topics",
        "Create the usage topic (kafka.topic, kafka.partitions) and the dead-letter topic "
        "(kafka.dlq_topic) if they do not exist.",
        opts, 0, 0};
    int npos;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    struct config cfg;
    if (config_load(&cfg)) return CLI_EXIT_USAGE;
    rd_kafka_conf_t *conf = kafka_conf_new(&cfg);
    rd_kafka_t *rk = conf ? kafka_new(RD_KAFKA_PRODUCER, conf) : NULL;
    if (!rk) return 1;
    int rc = 1;
    char buf[256];
    const char *dlq = config_dlq_topic(&cfg, buf, sizeof buf);
    if (kafka_reachable(rk, &cfg, 10000) && create_topic(rk, cfg.topic, (int)cfg.partitions) == 0 &&
        create_topic(rk, dlq, 1) == 0) {
        wait_for_topic(rk, cfg.topic);
        wait_for_topic(rk, dlq);
        int have = kafka_check_topic(rk, &cfg, cfg.topic, 10000);
        int dead = kafka_check_topic(rk, &cfg, dlq, 10000);
        if (have > 0 && dead > 0) {
            printf("%s %d\n%s %d\n", cfg.topic, have, dlq, dead);
            rc = 0;
        }
    }
    rd_kafka_destroy(rk);
    return rc;
}
