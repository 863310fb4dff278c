/* synthetic: generates a month of usage for a fixed small cluster.
 *
 * A Chinese mixed cluster of twelve nodes: NVIDIA H800 and H20, Huawei
 * Ascend 910B, Hygon DCU K100_AI, and one node of H20s shared by HAMi.
 * Five accounts, random jobs drawn from a seeded splitmix64 stream. Each job
 * reports one event per hour of its run, with windows starting at the job's
 * own start second, so most windows straddle an hour boundary and exercise
 * the rater's exact split. Training accounts also report tokens, on
 * whichever accelerators they ran (NVIDIA and domestic alike). Jobs are
 * clamped to the month (in --utc-offset local time), so the month's totals
 * are exact and written with --totals as CSV: account,meter,model,quantity
 * (one row per model, however many pools have it).
 * Events are signed when the configuration has a key for cluster sh-a.
 *
 * A job drawn for the HAMi pool takes a stated core share (10% to 50%) of
 * one of its GPUs for one to fourteen days of whole UTC hours, on the first
 * GPU from GPU 0 (HAMi's binpack policy) whose shares stay within the whole
 * in every hour of the job (else it is left out, as HAMi's scheduler
 * refuses it). Each hour of each GPU is then
 * split by ingest/device.c's one stated-share rule (device_share_split):
 * each tenant's GPU-ms is the hour times its share, in (account, job)
 * order; what no share covers is stranded capacity, never billed.
 *
 * With --capacity the cluster is scheduled: each whole-device job (at most
 * one node's 8 accelerators) goes to the first node of its pool, from the
 * one drawn, with room for it in every hour it touches, or is left out when
 * none has; then every node reports its capacity hour by hour (8 devices,
 * the GPU-ms its jobs were allocated, idle energy at the pool's idle draw),
 * so some nodes sit idle whole and some GPUs are stranded beside busy ones
 * (the HAMi node: beside its shares). The capacity totals per model go to
 * --capacity-totals as CSV. */
#include "ingest/synthetic.h"

#include "core/alloc.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/csv.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/meter.h"
#include "core/signature.h"
#include "core/timeutil.h"
#include "ingest/device.h"
#include "ingest/producer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pool {
    const char *model, *vendor, *tag;
    int nodes;        /* 8 accelerators each */
    int watts;        /* average draw per accelerator */
    int idle_watts;   /* draw of an idle accelerator */
    int tokens_per_s; /* per accelerator, for training jobs */
    bool shared;      /* HAMi: one node, each job a core share of one GPU */
};

/* Models as core/catalogue.c names them (its vendor and domestic flag are
 * what vouchers and energy subsidies for domestic chips read). */
static const struct pool pools[] = {
    {"H800", "nvidia", "h800", 4, 700, 60, 3000, false},
    {"H20", "nvidia", "h20", 2, 500, 55, 900, false},
    {"Ascend910B", "huawei", "910b", 3, 400, 70, 1400, false},
    {"DCUK100AI", "hygon", "k100ai", 2, 350, 50, 1100, false},
    {"H20", "nvidia", "h20-hami", 1, 500, 55, 900, true},
};
#define NPOOLS    (int)(sizeof pools / sizeof pools[0])
#define MAXNODE   4
#define NODE_GPUS 8
#define MAX_HOURS (32 * 24) /* a month in any offset, and the hour it starts in */

/* What --capacity schedules: GPUs taken per node and hour (a job counts
 * for every hour it touches), and the exact GPU-ms allocated. */
struct schedule {
    unsigned char busy[NPOOLS][MAXNODE][MAX_HOURS];
    int64_t allocated[NPOOLS][MAXNODE][MAX_HOURS];
    long long skipped;
};

/* A HAMi job: a stated share of one GPU for the whole UTC hours h0..h1 of
 * the month's grid (hour 0 is the one the month starts in). */
struct shared_job {
    int account, job_no, gpu, h0, h1;
    int64_t share; /* parts of DEVICE_SHARE_WHOLE */
    char job[64];
};

struct capacity_total {
    int64_t installed, allocated, whole, stranded, idle_energy;
};

static const struct {
    const char *name;
    bool training;
} accounts[] = {
    {"ns-alpha", false},   {"ns-beta", false},  {"slurm-gamma", true},
    {"ns-gamma-ft", true}, {"ns-delta", false},
};
#define NACCOUNTS (int)(sizeof accounts / sizeof accounts[0])


struct total {
    int account, meter, pool; /* pool -1 for tokens */
    int64_t quantity;
};

struct generator {
    uint64_t rng;
    int64_t month_start, month_end;
    /* Each simulated month is its own stream of each node: sources are
     * "synthetic/YYYY-MM/sh-a/<node>", so a second month's seqs, counted
     * from 1 again, are never taken for the first month's duplicates. */
    char month[8];
    int64_t seq[NPOOLS][MAXNODE];
    struct total totals[NACCOUNTS * NPOOLS * 3];
    int ntotals;
    struct schedule *sched; /* --capacity, else NULL */
    struct capacity_total capacity[NPOOLS];
    int64_t first_hour;                         /* UTC hour the month starts in */
    int64_t share_used[NODE_GPUS][MAX_HOURS];   /* the HAMi node's shares, per GPU and hour */
    struct shared_job *shared;
    size_t nshared, shared_cap;
    struct producer *out; /* NULL: print JSON lines */
    const char *key;      /* hmac.sh-a, when configured: events are signed */
    struct strbuf line;
    long long events;
};

static uint64_t next_rand(struct generator *g)
{
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int64_t rand_below(struct generator *g, int64_t n)
{
    return (int64_t)(next_rand(g) % (uint64_t)n);
}

/* The first pool of p's model: totals are per model, however many pools
 * (whole and shared H20s) have it. */
static int model_pool(int p)
{
    for (int i = 0; i < p; i++)
        if (!strcmp(pools[i].model, pools[p].model)) return i;
    return p;
}

static void add_total(struct generator *g, int account, int meter, int pool, int64_t q)
{
    if (pool >= 0) pool = model_pool(pool);
    for (int i = 0; i < g->ntotals; i++) {
        struct total *t = &g->totals[i];
        if (t->account == account && t->meter == meter && t->pool == pool) {
            t->quantity += q;
            return;
        }
    }
    g->totals[g->ntotals++] = (struct total){account, meter, pool, q};
}

static bool emit(struct generator *g, struct usage_event *ev)
{
    g->events++;
    ev->sig[0] = '\0';
    if (g->key) signature_sign(ev, g->key);
    if (g->out) return producer_send_event(g->out, ev);
    sb_reset(&g->line);
    event_encode(ev, &g->line);
    puts(sb_str(&g->line));
    return true;
}

/* The hour window h of the month's UTC grid, clamped to the month. */
static void hour_window(const struct generator *g, int h, int64_t *from, int64_t *to)
{
    *from = g->first_hour + (int64_t)h * MS_PER_HOUR;
    *to = *from + MS_PER_HOUR;
    if (*from < g->month_start) *from = g->month_start;
    if (*to > g->month_end) *to = g->month_end;
}

static int hour_of(const struct generator *g, int64_t t)
{
    return (int)((t - g->first_hour) / MS_PER_HOUR);
}

/* The node of pool p, from `node` on, with room for the job in every hour
 * of [start, end), its GPUs taken there; -1 when none has room. */
static int place(struct generator *g, int p, int node, int *gpus, int64_t start, int64_t end)
{
    struct schedule *s = g->sched;
    if (*gpus > NODE_GPUS) *gpus = NODE_GPUS;
    int h0 = hour_of(g, start), h1 = hour_of(g, end - 1);
    for (int k = 0; k < pools[p].nodes; k++) {
        int n = (node + k) % pools[p].nodes, h;
        for (h = h0; h <= h1 && s->busy[p][n][h] + *gpus <= NODE_GPUS; h++)
            ;
        if (h <= h1) continue;
        for (h = h0; h <= h1; h++) {
            int64_t from = g->first_hour + (int64_t)h * MS_PER_HOUR, to = from + MS_PER_HOUR;
            s->busy[p][n][h] += (unsigned char)*gpus;
            s->allocated[p][n][h] +=
                *gpus * ((to < end ? to : end) - (from > start ? from : start));
        }
        return n;
    }
    s->skipped++;
    return -1;
}

/* Every node's capacity, hour by hour over the month. */
static bool emit_capacity(struct generator *g)
{
    struct schedule *s = g->sched;
    struct usage_event ev = {0};
    ev.kind = EVENT_KIND_CAPACITY;
    strcpy(ev.cluster, "sh-a");
    strcpy(ev.site, "sh-lingang");
    ev.devices = NODE_GPUS;
    ev.has = EVENT_HAS_IDLE_ENERGY;
    for (int p = 0; p < NPOOLS; p++)
        for (int n = 0; n < pools[p].nodes; n++) {
            snprintf(ev.node, sizeof ev.node, "%s-node%d", pools[p].tag, n);
            snprintf(ev.source, sizeof ev.source, "synthetic/%s/sh-a/%s", g->month, ev.node);
            snprintf(ev.model, sizeof ev.model, "%s", pools[p].model);
            snprintf(ev.vendor, sizeof ev.vendor, "%s", pools[p].vendor);
            for (int h = 0; h < MAX_HOURS; h++) {
                int64_t from, to;
                hour_window(g, h, &from, &to);
                if (to <= from) continue;
                ev.start_ms = from;
                ev.end_ms = to;
                ev.allocated_ms = s->allocated[p][n][h];
                int64_t installed = NODE_GPUS * (to - from), idle = installed - ev.allocated_ms;
                ev.idle_energy_mj = idle * pools[p].idle_watts; /* W x ms = mJ */
                ev.seq = ++g->seq[p][n];
                if (!emit(g, &ev)) return false;
                struct capacity_total *t = &g->capacity[model_pool(p)];
                t->installed += installed;
                t->allocated += ev.allocated_ms;
                *(ev.allocated_ms ? &t->stranded : &t->whole) += idle;
                t->idle_energy += ev.idle_energy_mj;
            }
        }
    return true;
}

static bool write_capacity_totals(const struct generator *g, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        log_error("could not write capacity totals to \"%s\"", path);
        return false;
    }
    struct strbuf csv = STRBUF_INIT; /* names through the one CSV writer */
    sb_puts(&csv,
            "model,installed_ms,allocated_ms,idle_whole_ms,idle_stranded_ms,idle_energy_mj\n");
    for (int p = 0; p < NPOOLS; p++) {
        if (model_pool(p) != p) continue; /* in its model's row */
        const struct capacity_total *t = &g->capacity[p];
        csv_field(&csv, pools[p].model);
        sb_printf(&csv, ",%lld,%lld,%lld,%lld,%lld\n", (long long)t->installed,
                  (long long)t->allocated, (long long)t->whole, (long long)t->stranded,
                  (long long)t->idle_energy);
    }
    fputs(sb_str(&csv), f);
    sb_free(&csv);
    return fclose(f) == 0;
}

/* The usage of one window of a job on pool p's node: GPU time and energy,
 * and a training account's tokens at the pool's rate. */
static bool emit_usage(struct generator *g, struct usage_event *ev, int account, int job_no,
                       int p, int node)
{
    const struct pool *pool = &pools[p];
    ev->has = EVENT_HAS_GPU_MS | EVENT_HAS_ENERGY;
    snprintf(ev->model, sizeof ev->model, "%s", pool->model);
    snprintf(ev->vendor, sizeof ev->vendor, "%s", pool->vendor);
    ev->energy_mj = ev->gpu_ms * pool->watts; /* W x ms = mJ */
    ev->seq = ++g->seq[p][node];
    if (!emit(g, ev)) return false;
    add_total(g, account, METER_GPU, p, ev->gpu_ms);
    add_total(g, account, METER_ENERGY, p, ev->energy_mj);
    if (!accounts[account].training) return true;
    ev->has = EVENT_HAS_TOKENS | EVENT_HAS_MODEL_PARAMS;
    ev->model[0] = ev->vendor[0] = '\0';
    ev->tokens = (int64_t)pool->tokens_per_s * ev->gpu_ms / 1000;
    ev->model_params = job_no % 2 ? 70000000000LL : 7000000000LL;
    ev->seq = ++g->seq[p][node];
    if (!emit(g, ev)) return false;
    add_total(g, account, METER_TOKENS, -1, ev->tokens);
    return true;
}

static void job_event(const struct generator *g, struct usage_event *ev, int account,
                      const char *job, int p, int node)
{
    memset(ev, 0, sizeof *ev);
    snprintf(ev->source, sizeof ev->source, "synthetic/%s/sh-a/%s-node%d", g->month,
             pools[p].tag, node);
    snprintf(ev->account, sizeof ev->account, "%s", accounts[account].name);
    snprintf(ev->job, sizeof ev->job, "%s", job);
    strcpy(ev->cluster, "sh-a");
    strcpy(ev->site, "sh-lingang");
}

/* Draws a HAMi job (an inference service: one to fourteen days) and
 * places it as HAMi's binpack policy does: on the first GPU, from GPU 0,
 * whose stated shares leave room for it in every hour; left out when none
 * has (HAMi's scheduler would not admit it). */
static void draw_shared_job(struct generator *g, int account, int job_no)
{
    static const int64_t shares[] = {100000, 200000, 250000, 300000, 500000};
    int64_t share = shares[rand_below(g, 5)];
    int hours = (int)((time_floor_hour(g->month_end - 1) - g->first_hour) / MS_PER_HOUR) + 1;
    int h0 = (int)rand_below(g, hours), h1 = h0 + 23 + (int)rand_below(g, 13 * 24 + 1);
    if (h1 >= hours) h1 = hours - 1;
    for (int n = 0; n < NODE_GPUS; n++) {
        int h;
        for (h = h0; h <= h1 && g->share_used[n][h] + share <= DEVICE_SHARE_WHOLE; h++)
            ;
        if (h <= h1) continue;
        for (h = h0; h <= h1; h++)
            g->share_used[n][h] += share;
        ALLOC_GROW(g->shared, g->nshared, g->shared_cap, 64);
        struct shared_job *j = &g->shared[g->nshared++];
        *j = (struct shared_job){account, job_no, n, h0, h1, share, ""};
        snprintf(j->job, sizeof j->job, "%s-job%d", accounts[account].name, job_no);
        return;
    }
    if (g->sched) g->sched->skipped++;
}

/* HAMi's tenants of one GPU in device.c's order: (account, job). */
static int by_tenant(const void *a, const void *b)
{
    const struct shared_job *x = a, *y = b;
    int c = strcmp(accounts[x->account].name, accounts[y->account].name);
    return c ? c : strcmp(x->job, y->job);
}

/* Every hour of every GPU of the HAMi pool p: the hour split over its
 * tenants' stated shares by the one rule (device_share_split), one usage
 * event per tenant; the rest is stranded. */
static bool emit_shared(struct generator *g, int p)
{
    if (g->nshared) qsort(g->shared, g->nshared, sizeof *g->shared, by_tenant);
    int64_t *share = xcalloc(g->nshared + 1, sizeof *share);
    int64_t *part = xcalloc(g->nshared + 1, sizeof *part);
    size_t *who = xcalloc(g->nshared + 1, sizeof *who);
    bool ok = true;
    for (int h = 0; ok && h < MAX_HOURS; h++)
        for (int gpu = 0; ok && gpu < NODE_GPUS; gpu++) {
            int64_t from, to;
            hour_window(g, h, &from, &to);
            if (to <= from) continue;
            size_t n = 0;
            int64_t stated = 0;
            for (size_t i = 0; i < g->nshared; i++)
                if (g->shared[i].gpu == gpu && g->shared[i].h0 <= h && h <= g->shared[i].h1) {
                    share[n] = g->shared[i].share;
                    stated += share[n];
                    who[n++] = i;
                }
            if (!n) continue;
            assert(stated <= DEVICE_SHARE_WHOLE); /* placed so: the rule never clamps here */
            device_share_split(to - from, share, n, part);
            for (size_t k = 0; ok && k < n; k++) {
                const struct shared_job *j = &g->shared[who[k]];
                struct usage_event ev;
                job_event(g, &ev, j->account, j->job, p, 0);
                ev.start_ms = from;
                ev.end_ms = to;
                ev.gpu_ms = part[k];
                ok = emit_usage(g, &ev, j->account, j->job_no, p, 0);
                if (g->sched) g->sched->allocated[p][0][h] += part[k];
            }
        }
    free(share);
    free(part);
    free(who);
    return ok;
}

static bool emit_job(struct generator *g, int account, int job_no)
{
    int p = (int)rand_below(g, NPOOLS);
    const struct pool *pool = &pools[p];
    if (pool->shared) {
        draw_shared_job(g, account, job_no);
        return true;
    }
    int node = (int)rand_below(g, pool->nodes);
    static const int sizes[] = {1, 2, 4, 8, 16};
    int gpus = sizes[rand_below(g, 5)];
    int64_t span = g->month_end - g->month_start;
    int64_t start = g->month_start + rand_below(g, span / 1000 - 3600) * 1000;
    int64_t end = start + (3600 + rand_below(g, 71 * 3600)) * 1000;
    if (end > g->month_end) end = g->month_end;
    if (g->sched && (node = place(g, p, node, &gpus, start, end)) < 0) return true;

    struct usage_event ev;
    char job[64];
    snprintf(job, sizeof job, "%s-job%d", accounts[account].name, job_no);
    for (int64_t t = start; t < end; t += MS_PER_HOUR) {
        int64_t len = (t + MS_PER_HOUR < end ? t + MS_PER_HOUR : end) - t;
        job_event(g, &ev, account, job, p, node);
        ev.start_ms = t;
        ev.end_ms = t + len;
        ev.gpu_ms = gpus * len;
        if (!emit_usage(g, &ev, account, job_no, p, node)) return false;
    }
    return true;
}

/* Payloads a real pipeline meets: each must be set aside, never rated. */
static bool emit_malformed(struct generator *g, long long n)
{
    static const char *const bad[] = {
        "{\"v\":1,\"source\":\"synthetic/bad\",\"seq\":",
        "{\"v\":1,\"source\":\"synthetic/"
        "bad\",\"seq\":1,\"cluster\":\"sh-a\",\"site\":\"sh-lingang\","
        "\"start\":\"2026-01-01T00:00:00Z\",\"end\":\"2026-01-01T01:00:00Z\",\"tokens\":5}",
        "{\"v\":1,\"source\":\"synthetic/bad\",\"seq\":2,\"account\":\"ns-alpha\",\"cluster\":"
        "\"sh-a\",\"site\":\"sh-lingang\",\"start\":\"2026-01-01T00:00:00Z\",\"end\":"
        "\"2026-01-01T01:00:00Z\",\"model\":\"H800\",\"vendor\":\"nvidia\",\"gpu_ms\":-5}",
        "{\"v\":2,\"source\":\"synthetic/bad\",\"seq\":3}",
    };
    for (long long i = 0; i < n; i++) {
        const char *payload = bad[i % 4];
        g->events++;
        if (!g->out)
            puts(payload);
        else if (!producer_send(g->out, "synthetic/bad", payload, strlen(payload)))
            return false;
    }
    return true;
}

static bool write_totals(const struct generator *g, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        log_error("could not write totals to \"%s\"", path);
        return false;
    }
    struct strbuf csv = STRBUF_INIT;
    sb_puts(&csv, "account,meter,model,quantity\n");
    for (int i = 0; i < g->ntotals; i++) {
        const struct total *t = &g->totals[i];
        const char *names[] = {accounts[t->account].name, meter_rows[t->meter].code,
                               t->pool < 0 ? "" : pools[t->pool].model};
        for (int k = 0; k < 3; k++) {
            csv_field(&csv, names[k]);
            sb_putc(&csv, ',');
        }
        sb_printf(&csv, "%lld\n", (long long)t->quantity);
    }
    fputs(sb_str(&csv), f);
    sb_free(&csv);
    return fclose(f) == 0;
}

int synthetic_collect(int argc, char **argv)
{
    const char *month = NULL, *totals = NULL, *capacity_totals = NULL, *offset = "+08:00";
    long long seed = 1, jobs = 12, malformed = 0;
    bool print = false, capacity = false;
    const struct cli_opt opts[] = {
        {"month", CLI_STR, &month, "YYYY-MM", "month to simulate (required)", 0, 0},
        {"seed", CLI_INT, &seed, "N", "random seed; same seed, same events (default 1)", 0, 0},
        {"jobs", CLI_INT, &jobs, "N", "jobs per account (default 12)", 1, 10000},
        {"malformed", CLI_INT, &malformed, "N", "also send N malformed messages (default 0)", 0,
         1000000},
        {"utc-offset", CLI_STR, &offset, "+HH:MM", "offset of the billing time zone (+08:00)", 0,
         0},
        {"totals", CLI_STR, &totals, "FILE", "write the exact totals as CSV to FILE", 0, 0},
        {"print", CLI_BOOL, &print, NULL, "print events as JSON lines instead of producing", 0, 0},
        {"capacity", CLI_BOOL, &capacity, NULL,
         "schedule jobs on the nodes and report every node's capacity", 0, 0},
        {"capacity-totals", CLI_STR, &capacity_totals, "FILE",
         "with --capacity, write the capacity totals per model as CSV to FILE", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter collect synthetic --month YYYY-MM [options]",
        "Simulate a month of a mixed GPU/NPU cluster and produce its usage events to Kafka.", opts,
        0, 0};
    int npos, y, m;
    int64_t off;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!month || !time_parse_month(month, &y, &m) || !time_parse_utc_offset(offset, &off))
        return cli_usage_error(
            &spec, "--month YYYY-MM is required and --utc-offset must look like +08:00");
    if (capacity_totals && !capacity)
        return cli_usage_error(&spec, "--capacity-totals needs --capacity");
    static struct generator g;
    static struct schedule sched;
    memset(&g, 0, sizeof g);
    memset(&sched, 0, sizeof sched);
    g.rng = (uint64_t)seed;
    snprintf(g.month, sizeof g.month, "%04d-%02d", y, m);
    g.month_start = time_days_from_civil(y, (unsigned)m, 1) * MS_PER_DAY - off;
    g.month_end =
        time_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : (unsigned)m + 1, 1) * MS_PER_DAY -
        off;
    g.first_hour = time_floor_hour(g.month_start);
    if (capacity) {
        g.sched = &sched;
    }
    struct config cfg;
    if (config_load(&cfg)) return CLI_EXIT_USAGE;
    if (!print && !(g.out = producer_open(&cfg))) return 1;
    g.key = config_hmac_key(&cfg, "sh-a");
    bool ok = true;
    for (int j = 0; ok && j < jobs; j++)
        for (int a = 0; ok && a < NACCOUNTS; a++)
            ok = emit_job(&g, a, j);
    for (int p = 0; ok && p < NPOOLS; p++)
        if (pools[p].shared) ok = emit_shared(&g, p);
    ok = ok && (!capacity || emit_capacity(&g)) && emit_malformed(&g, malformed);
    long long delivered = g.events;
    if (g.out) ok = producer_close(g.out, &delivered) && ok;
    sb_free(&g.line);
    free(g.shared);
    if (ok && totals) ok = write_totals(&g, totals);
    if (ok && capacity_totals) ok = write_capacity_totals(&g, capacity_totals);
    if (!ok) return 1;
    if (capacity)
        log_info("scheduled the jobs; %lld found no node with room and were left out",
                 sched.skipped);
    log_info("sent %lld events (%lld malformed) for %s to %s", delivered, malformed, month,
             print ? "stdout" : cfg.topic);
    return 0;
}
