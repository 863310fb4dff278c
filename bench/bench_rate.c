/* bench_rate: the rater next to a bare librdkafka consume loop.
 *
 *   bench_rate produce N       N dcgm-like events to the configured topic:
 *                              2,000 GPUs on 250 nodes (one source each),
 *                              30 s windows, 20 accounts
 *   bench_rate consume N       a bare consumer reads the topic from the
 *                              start until it has N messages; prints events/s
 *   bench_rate run N CMD...    runs CMD (the rater), prints events/s for N
 *                              events and the command's peak RSS
 *   bench_rate hmac N          a bare OpenSSL HMAC-SHA256 loop over the
 *                              same N messages under hmac.bench; prints
 *                              messages/s
 * With hmac.bench configured, produce signs every event with it.
 * bench/run.sh alternates the last two, several times, in one run. */
#include "core/config.h"
#include "bench/bench_stream.h"
#include "core/event.h"
#include "core/kafka.h"
#include "core/signature.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "ingest/producer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>


/* Seconds on the monotonic clock, for timing loops. */
static double now_s(void)
{
    return time_monotonic_ms() / 1000.0;
}

static int produce(const struct config *cfg, long n)
{
    struct producer *p = producer_open(cfg);
    if (!p) return 1;
    const char *key = config_hmac_key(cfg, "bench");
    static int64_t seq[BENCH_NODES];
    struct usage_event ev;
    bool ok = true;
    for (long i = 0; ok && i < n; i++) {
        bench_event(i, seq, &ev);
        if (key) signature_sign(&ev, key);
        ok = producer_send_event(p, &ev);
    }
    long long delivered;
    return producer_close(p, &delivered) && ok ? 0 : 1;
}

/* HMAC-SHA256 of each message's signed bytes, and nothing else. */
static int hmac_loop(const struct config *cfg, long n)
{
    const char *key = config_hmac_key(cfg, "bench");
    if (!key) {
        fprintf(stderr, "bench_rate: hmac needs hmac.bench in the configuration\n");
        return 2;
    }
    static int64_t seq[BENCH_NODES];
    struct usage_event ev;
    struct strbuf all = STRBUF_INIT;
    size_t *end = calloc((size_t)n, sizeof *end);
    for (long i = 0; i < n; i++) {
        bench_event(i, seq, &ev);
        event_encode(&ev, &all);
        end[i] = all.len;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned len, sum = 0;
    double t0 = now_s();
    for (long i = 0, at = 0; i < n; at = (long)end[i++]) {
        HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)all.buf + at,
             end[i] - (size_t)at, mac, &len);
        sum += mac[0];
    }
    double secs = now_s() - t0;
    printf("%.0f\n", n / secs);
    fprintf(stderr, "bench: bare HMAC-SHA256: %ld messages in %.3f s (%u)\n", n, secs, sum);
    free(end);
    sb_free(&all);
    return 0;
}

static int consume(const struct config *cfg, long n)
{
    rd_kafka_conf_t *conf = kafka_conf_new(cfg);
    kafka_conf_set(conf, "group.id", "bench-bare");
    kafka_conf_set(conf, "enable.auto.commit", "false");
    rd_kafka_t *rk = kafka_new(RD_KAFKA_CONSUMER, conf);
    int parts = rk ? kafka_check_topic(rk, cfg, cfg->topic, 10000) : -1;
    if (parts < 0) return 1;
    double t0 = now_s();
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(parts);
    for (int i = 0; i < parts; i++)
        rd_kafka_topic_partition_list_add(list, cfg->topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    long got = 0;
    size_t bytes = 0;
    while (got < n) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        if (!m) continue;
        if (!m->err) {
            got++;
            bytes += m->len;
        }
        rd_kafka_message_destroy(m);
    }
    double secs = now_s() - t0;
    printf("%.0f\n", got / secs);
    fprintf(stderr, "bench: bare consumer: %ld messages, %zu bytes in %.2f s\n", got, bytes, secs);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

static int run(long n, char **cmd)
{
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        execv(cmd[0], cmd);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return 1;
    double secs = now_s() - t0;
    printf("%.0f %ld\n", n / secs, ru.ru_maxrss);
    fprintf(stderr, "bench: %s: %ld events in %.2f s, peak RSS %ld KiB\n", cmd[0], n, secs,
            ru.ru_maxrss);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct config cfg;
    if (argc < 3 || config_load(&cfg) != 0) {
        fprintf(stderr, "usage: bench_rate produce|consume|hmac N | run N CMD...\n");
        return 2;
    }
    long n = atol(argv[2]);
    if (!strcmp(argv[1], "produce")) return produce(&cfg, n);
    if (!strcmp(argv[1], "consume")) return consume(&cfg, n);
    if (!strcmp(argv[1], "run") && argc > 3) return run(n, argv + 3);
    if (!strcmp(argv[1], "hmac")) return hmac_loop(&cfg, n);
    fprintf(stderr, "usage: bench_rate produce|consume|hmac N | run N CMD...\n");
    return 2;
}
