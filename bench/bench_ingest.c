/* bench_ingest: the collector's hot paths, each next to its limit.
 *
 *  parse:   an 8-GPU dcgm-exporter scrape (40 metrics per GPU) parsed and
 *           metered into events, per scrape;
 *  produce: events handed to a collector's spool and delivered to the local
 *           broker until Kafka acknowledged all of them, against a bare
 *           librdkafka produce loop of the same messages with the same
 *           client settings, alternating, several runs each.
 * Prints one line per figure; bench/run.sh turns them into the report.
 * `bench_ingest scrape HOST` prints that scrape, for a node HOST, to feed a
 * real collector daemon (its memory is measured by run.sh). */
#include "core/config.h"
#include "core/kafka.h"
#include "core/timeutil.h"
#include "ingest/deliver.h"
#include "ingest/producer.h"
#include "ingest/dcgm.h"
#include "ingest/nvsmi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Seconds on the monotonic clock, for timing loops. */
static double now_s(void)
{
    return time_monotonic_ms() / 1000.0;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_double);
    return v[n / 2];
}

static void make_scrape(struct strbuf *sb, long energy, const char *host)
{
    static const char *const metrics[] = {"DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_MEM_CLOCK",
                                          "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_USAGE",
                                          "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"};
    sb_reset(sb);
    for (int m = 0; m < 40; m++) {
        const char *name = metrics[m % 5];
        if (m >= 5) name = "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE";
        sb_printf(sb, "# HELP %s metric %d\n# TYPE %s gauge\n", name, m, name);
        for (int g = 0; g < 8; g++)
            sb_printf(sb,
                      "%s%s{gpu=\"%d\",UUID=\"GPU-5fd4c6b4-0d2c-4a5e-9b7d-00000000000%d\","
                      "pci_bus_id=\"00000000:%02d:00.0\",device=\"nvidia%d\",modelName=\"NVIDIA "
                      "H800\",Hostname=\"%s\",DCGM_FI_DRIVER_VERSION=\"550.54.15\","
                      "container=\"main\",namespace=\"team-%d\",pod=\"train-%d\"} %ld\n",
                      name, m >= 5 ? "" : "", g, g, 0x18 + g, g, host, g, g,
                      m % 5 == 4 ? energy + g : 400 + g);
    }
}

static void bench_parse(int runs)
{
    struct strbuf scrape = STRBUF_INIT;
    struct state st;
    state_init(&st);
    int iters = 2000;
    double per[16];
    int64_t at = 1793491200000;
    long events = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        for (int i = 0; i < iters; i++) {
            make_scrape(&scrape, 1000000000L + (long)(r * iters + i) * 19500000L, "gpu-node-017");
            struct cycle cy = {.state = &st,
                               .at_ms = at += 30000,
                               .max_gap_ms = 300000,
                               .kind = "dcgm",
                               .cluster = "c1",
                               .site = "s1"};
            struct device_set set = {0};
            struct rejects rep = {.origin = "bench"};
            struct device_source src = {"n", false, "m", NULL, NULL, &set, &rep};
            dcgm_parse(scrape.buf, scrape.len, &src);
            device_meter(&cy, &set);
            device_set_free(&set);
            events += cy.events;
            sb_free(&cy.out);
        }
        per[r] = (now_s() - t0) / iters;
    }
    /* The same loop building the text only: what the parse itself costs. */
    double t0 = now_s();
    for (int i = 0; i < iters; i++)
        make_scrape(&scrape, 1000000000L + i, "gpu-node-017");
    double build = (now_s() - t0) / iters;
    printf("parse_scrape_bytes %zu\n", scrape.len);
    printf("parse_scrape_us %.1f\n", (median(per, runs) - build) * 1e6);
    printf("parse_events_per_scrape %.2f\n", (double)events / (runs * iters));
    state_free(&st);
    sb_free(&scrape);
}

/* Event lines as a collector spools them: "source\tjson\n". */
static void make_events(struct strbuf *lines, long n, int run)
{
    struct usage_event ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.account, "team-a");
    strcpy(ev.cluster, "c1");
    strcpy(ev.site, "s1");
    strcpy(ev.model, "NVIDIA H800");
    strcpy(ev.vendor, "nvidia");
    strcpy(ev.job, "llm-pretrain-0");
    ev.has = EVENT_HAS_GPU_MS | EVENT_HAS_ENERGY;
    sb_reset(lines);
    for (long i = 0; i < n; i++) {
        snprintf(ev.source, sizeof ev.source, "dcgm/c1/bench%d-node%03ld", run, i % 64);
        ev.seq = i / 64 + 1;
        ev.start_ms = 1793491200000 + ev.seq * 30000;
        ev.end_ms = ev.start_ms + 30000;
        ev.gpu_ms = 30000;
        ev.energy_mj = 19500000 + i % 1000;
        sb_puts(lines, ev.source);
        sb_putc(lines, '\t');
        event_encode(&ev, lines);
        sb_putc(lines, '\n');
    }
}

static double collector_rate(const struct config *cfg, const struct strbuf *lines, long n)
{
    char dir[] = "/tmp/gpumeter-bench-XXXXXX";
    if (!mkdtemp(dir)) return 0;
    struct state st;
    state_init(&st);
    struct spool sp;
    struct deliverer *d = NULL;
    double rate = 0;
    struct strbuf state_text = STRBUF_INIT;
    state_serialize(&st, &state_text);
    if (spool_open(&sp, dir, 1LL << 40, &st) && (d = deliver_open(cfg, &sp))) {
        /* Rounds of 10,000 events, as a large collector commits them. */
        const long round = 10000;
        double t0 = now_s();
        const char *p = lines->buf;
        for (long i = 0, no = 1; i < n; i += round, no++) {
            const char *end = p;
            long k = 0;
            for (; k < round && i + k < n; k++)
                end = strchr(end, '\n') + 1;
            struct strbuf chunk = {(char *)p, (size_t)(end - p), 0};
            spool_commit(&sp, no, &chunk, (size_t)k, &state_text);
            deliver_pump(d, 0);
            p = end;
        }
        while (sp.count)
            deliver_pump(d, 10);
        rate = n / (now_s() - t0);
        deliver_close(d);
    }
    spool_close(&sp);
    state_free(&st);
    sb_free(&state_text);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) perror("rm");
    return rate;
}

static void bare_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    if (m->err) ++*(long *)opaque;
}

static double bare_rate(const struct config *cfg, const struct strbuf *lines, long n)
{
    rd_kafka_conf_t *conf = kafka_producer_conf(cfg);
    long failed = 0;
    rd_kafka_conf_set_dr_msg_cb(conf, bare_delivery);
    rd_kafka_conf_set_opaque(conf, &failed);
    rd_kafka_t *rk = kafka_new(RD_KAFKA_PRODUCER, conf);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, cfg->topic, NULL);
    double t0 = now_s();
    for (const char *p = lines->buf; *p;) {
        const char *tab = strchr(p, '\t'), *nl = strchr(tab, '\n');
        while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)(tab + 1),
                                (size_t)(nl - tab - 1), p, (size_t)(tab - p), NULL) != 0)
            rd_kafka_poll(rk, 10);
        rd_kafka_poll(rk, 0);
        p = nl + 1;
    }
    rd_kafka_flush(rk, 600000);
    double rate = n / (now_s() - t0);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return failed ? 0 : rate;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "scrape")) {
        struct strbuf scrape = STRBUF_INIT;
        make_scrape(&scrape, 1000000000L, argv[2]);
        fwrite(scrape.buf, 1, scrape.len, stdout);
        sb_free(&scrape);
        return 0;
    }
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 1 || runs < 1 || runs > 16) {
        fprintf(stderr, "usage: bench_ingest [EVENTS] [RUNS 1..16] | scrape HOST\n");
        return 2;
    }
    struct config cfg;
    if (config_load(&cfg) != 0) return 1;
    bench_parse(runs);
    struct strbuf lines = STRBUF_INIT;
    double spool[16], bare[16];
    for (int r = 0; r < runs; r++) {
        make_events(&lines, n, r);
        fprintf(stderr, "bench: produce run %d of %d (%ld events each way)\n", r + 1, runs, n);
        spool[r] = collector_rate(&cfg, &lines, n);
        bare[r] = bare_rate(&cfg, &lines, n);
    }
    printf("produce_events %ld\n", n);
    printf("produce_message_bytes %zu\n", lines.len / (size_t)n);
    printf("produce_collector_per_s %.0f\n", median(spool, runs));
    printf("produce_bare_per_s %.0f\n", median(bare, runs));
    sb_free(&lines);
    return 0;
}
