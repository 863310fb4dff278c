/* bench_fresh: how long a GPU-second takes from a collector's scrape to the
 * customer's `GET /v1/usage` (bench/freshness.sh runs it; bench/REPORT.md).
 *
 *   bench_fresh PORT NODES PROBE_EVERY SECONDS API_URL KEY
 *
 * One process plays a fleet and watches it:
 *  - a fake dcgm-exporter for NODES nodes of 8 GPUs on 127.0.0.1:PORT, one
 *    path per node (/node/N/metrics), in dcgm-exporter's text format with
 *    its default counters (one HELP/TYPE block per series); every GPU's
 *    energy counter moves 1,000,000 mJ per scrape of its node, so the usage
 *    of a probe GPU tells which scrape it came from;
 *  - GPU 0 of every PROBE_EVERY-th node is a probe: alone on its account
 *    (probe-N, customer pN); every other GPU runs for one of 100 fleet
 *    accounts. T0 of a probe's scrape k is when the exporter answered it;
 *  - three watchers of the same probes: a Kafka consumer of the usage topic
 *    (the event delivered), PostgreSQL (GPUMETER_PG: the usage committed),
 *    and `GET /v1/usage` through the real server with its cache (the usage
 *    shown), each polled every 50 ms, the API only for probes with a scrape
 *    not yet shown.
 * After SECONDS no new T0 is recorded; it waits (up to 60 s) until every
 * recorded scrape after a probe's baseline shows, then prints one
 * "name value" line per figure: latency from T0 to shown (p50, p99, max)
 * and the three stages (T0 to delivered, delivered to committed, committed
 * to shown), and how long the watchers' sweeps took (the resolution of a
 * T1). A scrape that never showed is counted, not dropped. A scrape the
 * collector did not get (a timeout) shows with the next one and counts
 * from its own T0, so the error only ever lengthens the figure. */
#include "core/config.h"
#include "core/kafka.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <assert.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { GPUS = 8, MAX_NODES = 4096, MAX_SCRAPES = 128, FLEET_ACCOUNTS = 100 };
#define ENERGY_STEP 1000000LL /* mJ per scrape: 67 W over 15 s */

/* Per probe and scrape number k (1 = the baseline), monotonic ms; 0 = not
 * yet. Written by the exporter, the consumer and the poller under lock. */
struct probe {
    int node;
    int recorded;                /* highest k with a T0 */
    int delivered, committed, shown; /* highest k each watcher saw */
    long long delivered_mj;
    long long t0[MAX_SCRAPES + 1], t_kafka[MAX_SCRAPES + 1], t_pg[MAX_SCRAPES + 1],
        t_api[MAX_SCRAPES + 1];
};

static struct {
    pthread_mutex_t lock;
    int nodes, probe_every, nprobes;
    int served[MAX_NODES + 1];
    long long requests, bytes;
    int closed, stop;
    struct probe *probes;
} fleet = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int probe_of_node(int node)
{
    return node % fleet.probe_every == 0 ? node / fleet.probe_every - 1 : -1;
}

/* dcgm-exporter's default counters (etc/default-counters.csv), as gauges
 * and counters with its label set. */
static const char *const series[][2] = {
    {"DCGM_FI_DEV_SM_CLOCK", "gauge"},
    {"DCGM_FI_DEV_MEM_CLOCK", "gauge"},
    {"DCGM_FI_DEV_MEMORY_TEMP", "gauge"},
    {"DCGM_FI_DEV_GPU_TEMP", "gauge"},
    {"DCGM_FI_DEV_POWER_USAGE", "gauge"},
    {"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter"},
    {"DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "counter"},
    {"DCGM_FI_DEV_GPU_UTIL", "gauge"},
    {"DCGM_FI_DEV_MEM_COPY_UTIL", "gauge"},
    {"DCGM_FI_DEV_ENC_UTIL", "gauge"},
    {"DCGM_FI_DEV_DEC_UTIL", "gauge"},
    {"DCGM_FI_DEV_XID_ERRORS", "gauge"},
    {"DCGM_FI_DEV_FB_FREE", "gauge"},
    {"DCGM_FI_DEV_FB_USED", "gauge"},
    {"DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "counter"},
    {"DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge"},
    {"DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "gauge"},
    {"DCGM_FI_PROF_DRAM_ACTIVE", "gauge"},
    {"DCGM_FI_PROF_PCIE_TX_BYTES", "counter"},
    {"DCGM_FI_PROF_PCIE_RX_BYTES", "counter"},
};

static void make_scrape(struct strbuf *sb, int node, int k)
{
    int probe = probe_of_node(node);
    for (size_t s = 0; s < sizeof series / sizeof series[0]; s++) {
        sb_printf(sb, "# HELP %s %s of the device.\n# TYPE %s %s\n", series[s][0], series[s][0],
                  series[s][0], series[s][1]);
        for (int g = 0; g < GPUS; g++) {
            char ns[32], pod[32];
            if (g == 0 && probe >= 0) {
                snprintf(ns, sizeof ns, "probe-%04d", probe + 1);
                snprintf(pod, sizeof pod, "probe-%04d-0", probe + 1);
            } else {
                snprintf(ns, sizeof ns, "fleet-%02d", (node * GPUS + g) % FLEET_ACCOUNTS);
                snprintf(pod, sizeof pod, "train-%d-%d", node, g);
            }
            long long v = 100 + s * 10 + g;
            if (!strcmp(series[s][0], "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"))
                v = 1000000000LL + (long long)k * ENERGY_STEP;
            if (!strcmp(series[s][0], "DCGM_FI_DEV_FB_USED")) v = 40960;
            sb_printf(sb,
                      "%s{gpu=\"%d\",UUID=\"GPU-%08x-4a5e-9b7d-0d2c-%012x\",pci_bus_id=\"00000000:%02X:00.0\","
                      "device=\"nvidia%d\",modelName=\"NVIDIA H800\",Hostname=\"gpu-node-%04d\","
                      "DCGM_FI_DRIVER_VERSION=\"550.54.15\",container=\"main\",namespace=\"%s\","
                      "pod=\"%s\"} %lld\n",
                      series[s][0], g, (unsigned)node, (unsigned)g, 0x18 + g * 0x11, g, node, ns,
                      pod, v);
        }
    }
}

static enum MHD_Result on_scrape(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_len, void **ptr)
{
    (void)cls, (void)method, (void)version, (void)upload, (void)upload_len, (void)ptr;
    int node = 0;
    char tail[16] = "";
    if (sscanf(url, "/node/%d/%15s", &node, tail) != 2 || strcmp(tail, "metrics") || node < 1 ||
        node > fleet.nodes) {
        struct MHD_Response *r = MHD_create_response_from_buffer(10, (void *)"not found\n",
                                                                 MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ret = MHD_queue_response(conn, 404, r);
        MHD_destroy_response(r);
        return ret;
    }
    pthread_mutex_lock(&fleet.lock);
    int k = ++fleet.served[node];
    pthread_mutex_unlock(&fleet.lock);
    struct strbuf sb = STRBUF_INIT;
    make_scrape(&sb, node, k);
    size_t len = sb.len;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, sb.buf, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    int probe = probe_of_node(node);
    pthread_mutex_lock(&fleet.lock);
    fleet.requests++;
    fleet.bytes += (long long)len;
    if (probe >= 0 && !fleet.closed && k <= MAX_SCRAPES) {
        struct probe *p = &fleet.probes[probe];
        p->t0[k] = time_monotonic_ms();
        if (k > p->recorded) p->recorded = k;
    }
    pthread_mutex_unlock(&fleet.lock);
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* Marks scrapes (seen, upto] of one watcher at now: a cumulative energy of
 * E mJ on a probe is the usage of scrapes 2 .. E / ENERGY_STEP + 1. */
static void saw(int *seen, long long *t, long long energy_mj, long long now)
{
    long long k = energy_mj / ENERGY_STEP + 1;
    if (k > MAX_SCRAPES) k = MAX_SCRAPES;
    for (int i = *seen + 1; i <= k; i++) t[i] = now;
    if (k > *seen) *seen = (int)k;
}

static long long json_ll(const char *s, const char *key)
{
    const char *at = strstr(s, key);
    return at ? atoll(at + strlen(key)) : 0;
}

/* The Kafka watcher: every usage event of a probe account, from the end of
 * the topic (the first scrapes are baselines, so nothing is missed). */
static void *watch_kafka(void *arg)
{
    const struct config *cfg = arg;
    rd_kafka_conf_t *conf = kafka_conf_new(cfg);
    if (!conf || !kafka_conf_set(conf, "group.id", "bench-fresh") ||
        !kafka_conf_set(conf, "enable.auto.commit", "false"))
        exit(1);
    rd_kafka_t *rk = kafka_new(RD_KAFKA_CONSUMER, conf);
    int parts = rk ? kafka_check_topic(rk, cfg, cfg->topic, 10000) : -1;
    if (parts < 0) exit(1);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(parts);
    for (int i = 0; i < parts; i++)
        rd_kafka_topic_partition_list_add(list, cfg->topic, i)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    while (!__atomic_load_n(&fleet.stop, __ATOMIC_RELAXED)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (!m->err && m->len < 4096) {
            char text[4096];
            memcpy(text, m->payload, m->len);
            text[m->len] = 0;
            const char *acc = strstr(text, "\"account\":\"probe-");
            int probe = acc ? atoi(acc + strlen("\"account\":\"probe-")) - 1 : -1;
            if (probe >= 0 && probe < fleet.nprobes) {
                long long now = time_monotonic_ms();
                pthread_mutex_lock(&fleet.lock);
                struct probe *p = &fleet.probes[probe];
                p->delivered_mj += json_ll(text, "\"energy_mj\":");
                saw(&p->delivered, p->t_kafka, p->delivered_mj, now);
                pthread_mutex_unlock(&fleet.lock);
            }
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return NULL;
}

/* The PostgreSQL watcher: the probes' energy committed so far. */
static void watch_pg(PGconn *pg)
{
    PGresult *r = PQexec(pg, "SELECT substr(account, 7)::int, sum(quantity) FROM usage_hourly "
                             "WHERE account LIKE 'probe-%' AND meter = 'energy_mj' GROUP BY 1");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "bench_fresh: %s", PQerrorMessage(pg));
        exit(1);
    }
    long long now = time_monotonic_ms();
    pthread_mutex_lock(&fleet.lock);
    for (int i = 0; i < PQntuples(r); i++) {
        int probe = atoi(PQgetvalue(r, i, 0)) - 1;
        if (probe < 0 || probe >= fleet.nprobes) continue;
        struct probe *p = &fleet.probes[probe];
        saw(&p->committed, p->t_pg, atoll(PQgetvalue(r, i, 1)), now);
    }
    pthread_mutex_unlock(&fleet.lock);
    PQclear(r);
}

static size_t to_strbuf(char *data, size_t size, size_t n, void *sb)
{
    sb_append(sb, data, size * n);
    return size * n;
}

/* The API watcher: one probe's usage as its customer's portal reads it;
 * the energy_mj quantities summed over the rows. */
static void watch_api(CURL *curl, const char *base, int probe)
{
    char url[512], day0[16], day1[16];
    int64_t today = (int64_t)time(NULL) / 86400;
    time_format_date(today - 1, day0);
    time_format_date(today + 1, day1);
    snprintf(url, sizeof url, "%s/v1/usage?from=%s&to=%s&customer=p%04d", base, day0, day1,
             probe + 1);
    struct strbuf body = STRBUF_INIT;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    long status = 0;
    if (curl_easy_perform(curl) != CURLE_OK ||
        (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status), status != 200)) {
        fprintf(stderr, "bench_fresh: GET %s: %ld %.*s\n", url, status, (int)body.len,
                body.buf ? body.buf : "");
        exit(1);
    }
    long long energy = 0;
    sb_append(&body, "", 1);
    for (const char *s = body.buf; (s = strstr(s, "\"meter\":\"energy_mj\",\"quantity\":"));) {
        s += strlen("\"meter\":\"energy_mj\",\"quantity\":");
        energy += atoll(s);
    }
    sb_free(&body);
    long long now = time_monotonic_ms();
    pthread_mutex_lock(&fleet.lock);
    struct probe *p = &fleet.probes[probe];
    saw(&p->shown, p->t_api, energy, now);
    pthread_mutex_unlock(&fleet.lock);
}

static int by_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile q of n sorted values. */
static long long pct(const long long *v, size_t n, double q)
{
    if (!n) return -1;
    size_t i = (size_t)(q * (double)n + 0.999999);
    return v[i ? i - 1 : 0];
}

static void print_figure(const char *name, long long *v, size_t n)
{
    qsort(v, n, sizeof *v, by_ll);
    printf("%s_p50_ms %lld\n%s_p99_ms %lld\n%s_max_ms %lld\n", name, pct(v, n, 0.5), name,
           pct(v, n, 0.99), name, n ? v[n - 1] : -1);
}

/* Every recorded scrape after a probe's baseline (k >= 2) has shown. */
static bool all_shown(void)
{
    bool all = true;
    pthread_mutex_lock(&fleet.lock);
    for (int i = 0; i < fleet.nprobes; i++)
        if (fleet.probes[i].recorded >= 2 && fleet.probes[i].shown < fleet.probes[i].recorded)
            all = false;
    pthread_mutex_unlock(&fleet.lock);
    return all;
}

static void report(long long *sweeps, size_t nsweeps)
{
    size_t cap = (size_t)fleet.nprobes * MAX_SCRAPES, n = 0, nk = 0, npg = 0, napi = 0;
    long long *total = calloc(cap, sizeof *total), *kafka = calloc(cap, sizeof *kafka),
              *rater = calloc(cap, sizeof *rater), *api = calloc(cap, sizeof *api);
    assert(total && kafka && rater && api);
    long missed = 0;
    for (int i = 0; i < fleet.nprobes; i++) {
        const struct probe *p = &fleet.probes[i];
        for (int k = 2; k <= p->recorded; k++) {
            if (!p->t0[k]) continue; /* served after the window closed */
            if (!p->t_api[k]) {
                missed++;
                continue;
            }
            total[n++] = p->t_api[k] - p->t0[k];
            if (!p->t_kafka[k] || !p->t_pg[k]) continue;
            kafka[nk++] = p->t_kafka[k] - p->t0[k];
            rater[npg++] = p->t_pg[k] > p->t_kafka[k] ? p->t_pg[k] - p->t_kafka[k] : 0;
            api[napi++] = p->t_api[k] > p->t_pg[k] ? p->t_api[k] - p->t_pg[k] : 0;
        }
    }
    printf("fresh_samples %zu\nfresh_missed %ld\nfresh_probes %d\n", n, missed, fleet.nprobes);
    printf("fresh_scrapes %lld\nfresh_scrape_bytes %lld\n", fleet.requests,
           fleet.requests ? fleet.bytes / fleet.requests : 0);
    print_figure("fresh", total, n);
    print_figure("fresh_delivered", kafka, nk);
    print_figure("fresh_committed", rater, npg);
    print_figure("fresh_shown", api, napi);
    print_figure("fresh_sweep", sweeps, nsweeps);
    free(total), free(kafka), free(rater), free(api);
}

int main(int argc, char **argv)
{
    struct config cfg;
    if (argc != 7 || config_load(&cfg) != 0) {
        fprintf(stderr, "usage: bench_fresh PORT NODES PROBE_EVERY SECONDS API_URL KEY\n");
        return 2;
    }
    int port = atoi(argv[1]), seconds = atoi(argv[4]);
    fleet.nodes = atoi(argv[2]);
    fleet.probe_every = atoi(argv[3]);
    if (port < 1 || port > 65535 || fleet.nodes < 1 || fleet.nodes > MAX_NODES ||
        fleet.probe_every < 1 || fleet.probe_every > fleet.nodes || seconds < 1) {
        fprintf(stderr, "bench_fresh: bad PORT, NODES (1..%d), PROBE_EVERY or SECONDS\n",
                MAX_NODES);
        return 2;
    }
    fleet.nprobes = fleet.nodes / fleet.probe_every;
    fleet.probes = calloc((size_t)fleet.nprobes, sizeof *fleet.probes);
    assert(fleet.probes);
    PGconn *pg = PQconnectdb(getenv("GPUMETER_PG") ? getenv("GPUMETER_PG") : "");
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "bench_fresh: %s", PQerrorMessage(pg));
        return 1;
    }
    pthread_t kafka;
    pthread_create(&kafka, NULL, watch_kafka, &cfg);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_EPOLL, (uint16_t)port, NULL,
        NULL, on_scrape, NULL, MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_LIMIT,
        4000u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_fresh: cannot serve on port %d\n", port);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *curl = curl_easy_init();
    char auth[600];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", argv[6]);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, to_strbuf);
    fprintf(stderr, "bench_fresh: %d nodes of %d GPUs on port %d, %d probes, %d s\n", fleet.nodes,
            GPUS, port, fleet.nprobes, seconds);
    long long start = time_monotonic_ms(), closed_at = 0;
    size_t nsweeps = 0, cap_sweeps = 1024;
    long long *sweeps = malloc(cap_sweeps * sizeof *sweeps);
    assert(sweeps);
    for (;;) {
        long long now = time_monotonic_ms();
        if (!closed_at && now - start >= seconds * 1000LL) {
            pthread_mutex_lock(&fleet.lock);
            fleet.closed = 1;
            pthread_mutex_unlock(&fleet.lock);
            closed_at = now;
        }
        if (closed_at && (all_shown() || now - closed_at >= 60000)) break;
        watch_pg(pg);
        for (int i = 0; i < fleet.nprobes; i++) {
            pthread_mutex_lock(&fleet.lock);
            bool pending = fleet.probes[i].recorded >= 2 &&
                           fleet.probes[i].shown < fleet.probes[i].recorded;
            pthread_mutex_unlock(&fleet.lock);
            if (pending) watch_api(curl, argv[5], i);
        }
        if (nsweeps == cap_sweeps) {
            sweeps = realloc(sweeps, (cap_sweeps *= 2) * sizeof *sweeps);
            assert(sweeps);
        }
        sweeps[nsweeps++] = time_monotonic_ms() - now;
        usleep(50000);
    }
    __atomic_store_n(&fleet.stop, 1, __ATOMIC_RELAXED);
    pthread_join(kafka, NULL);
    MHD_stop_daemon(d);
    report(sweeps, nsweeps);
    free(sweeps);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    PQfinish(pg);
    free(fleet.probes);
    return 0;
}
