/* synthetic: generates a month of usage for a fixed small cluster.
 *
 * Four accelerator pools (NVIDIA H800, A800, H20 and Huawei Ascend 910B),
 * five accounts, random jobs drawn from a seeded splitmix64 stream. Each job
 * reports one event per hour of its run, with windows starting at the job's
 * own start second, so most windows straddle an hour boundary and exercise
 * the rater's exact split. Training accounts also report tokens. Jobs are
 * clamped to the month (in --utc-offset local time), so the month's totals
 * are exact and written with --totals as CSV: account,meter,model,quantity.
 * Events are signed when the configuration has a key for cluster sh-a.
 *
 * With --capacity the cluster is scheduled: each job (at most one node's 8
 * accelerators) goes to the first node of its pool, from the one drawn,
 * with room for it in every hour it touches, or is left out when none has;
 * then every node reports its capacity hour by hour (8 devices, the GPU-ms
 * its jobs were allocated, idle energy at the pool's idle draw), so some
 * nodes sit idle whole and some GPUs are stranded beside busy ones. The
 * capacity totals per model go to --capacity-totals as CSV. */
#include "ingest/synthetic.h"

#include "core/cli.h"
#include "core/config.h"
#include "core/csv.h"
#include "core/log.h"
#include "core/meter.h"
#include "core/signature.h"
#include "core/timeutil.h"
#include "ingest/producer.h"

#include <stdio.h>
#include <string.h>

struct pool {
    const char *model, *vendor, *tag;
    int nodes;        /* 8 accelerators each */
    int watts;        /* average draw per accelerator */
    int idle_watts;   /* draw of an idle accelerator */
    int tokens_per_s; /* per accelerator, for training jobs */
};

static const struct pool pools[] = {
    {"H800", "nvidia", "h800", 4, 700, 60, 3000},
    {"A800", "nvidia", "a800", 2, 400, 50, 1500},
    {"H20", "nvidia", "h20", 2, 500, 55, 900},
    {"Ascend910B", "huawei", "910b", 4, 400, 70, 1400},
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
    int64_t first_hour; /* UTC hour the month starts in */
    long long skipped;
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

static void add_total(struct generator *g, int account, int meter, int pool, int64_t q)
{
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

static int hour_of(const struct generator *g, int64_t t)
{
    return (int)((t - g->sched->first_hour) / MS_PER_HOUR);
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
            int64_t from = s->first_hour + (int64_t)h * MS_PER_HOUR, to = from + MS_PER_HOUR;
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
                int64_t from = s->first_hour + (int64_t)h * MS_PER_HOUR, to = from + MS_PER_HOUR;
                if (from < g->month_start) from = g->month_start;
                if (to > g->month_end) to = g->month_end;
                if (to <= from) continue;
                ev.start_ms = from;
                ev.end_ms = to;
                ev.allocated_ms = s->allocated[p][n][h];
                int64_t installed = NODE_GPUS * (to - from), idle = installed - ev.allocated_ms;
                ev.idle_energy_mj = idle * pools[p].idle_watts; /* W x ms = mJ */
                ev.seq = ++g->seq[p][n];
                if (!emit(g, &ev)) return false;
                struct capacity_total *t = &g->capacity[p];
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

static bool emit_job(struct generator *g, int account, int job_no)
{
    int p = (int)rand_below(g, NPOOLS);
    const struct pool *pool = &pools[p];
    int node = (int)rand_below(g, pool->nodes);
    static const int sizes[] = {1, 2, 4, 8, 16};
    int gpus = sizes[rand_below(g, 5)];
    int64_t span = g->month_end - g->month_start;
    int64_t start = g->month_start + rand_below(g, span / 1000 - 3600) * 1000;
    int64_t end = start + (3600 + rand_below(g, 71 * 3600)) * 1000;
    if (end > g->month_end) end = g->month_end;
    if (g->sched && (node = place(g, p, node, &gpus, start, end)) < 0) return true;

    struct usage_event ev = {0};
    snprintf(ev.source, sizeof ev.source, "synthetic/%s/sh-a/%s-node%d", g->month, pool->tag,
             node);
    snprintf(ev.account, sizeof ev.account, "%s", accounts[account].name);
    snprintf(ev.job, sizeof ev.job, "%s-job%d", accounts[account].name, job_no);
    strcpy(ev.cluster, "sh-a");
    strcpy(ev.site, "sh-lingang");
    for (int64_t t = start; t < end; t += MS_PER_HOUR) {
        int64_t len = (t + MS_PER_HOUR < end ? t + MS_PER_HOUR : end) - t;
        ev.start_ms = t;
        ev.end_ms = t + len;
        ev.has = EVENT_HAS_GPU_MS | EVENT_HAS_ENERGY;
        snprintf(ev.model, sizeof ev.model, "%s", pool->model);
        snprintf(ev.vendor, sizeof ev.vendor, "%s", pool->vendor);
        ev.gpu_ms = gpus * len;
        ev.energy_mj = ev.gpu_ms * pool->watts; /* W x ms = mJ */
        ev.seq = ++g->seq[p][node];
        if (!emit(g, &ev)) return false;
        add_total(g, account, METER_GPU, p, ev.gpu_ms);
        add_total(g, account, METER_ENERGY, p, ev.energy_mj);
        if (!accounts[account].training) continue;
        ev.has = EVENT_HAS_TOKENS | EVENT_HAS_MODEL_PARAMS;
        ev.model[0] = ev.vendor[0] = '\0';
        ev.tokens = (int64_t)pool->tokens_per_s * gpus * len / 1000;
        ev.model_params = job_no % 2 ? 70000000000LL : 7000000000LL;
        ev.seq = ++g->seq[p][node];
        if (!emit(g, &ev)) return false;
        add_total(g, account, METER_TOKENS, -1, ev.tokens);
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
    if (capacity) {
        g.sched = &sched;
        sched.first_hour = time_floor_hour(g.month_start);
    }
    struct config cfg;
    if (config_load(&cfg)) return CLI_EXIT_USAGE;
    if (!print && !(g.out = producer_open(&cfg))) return 1;
    g.key = config_hmac_key(&cfg, "sh-a");
    bool ok = true;
    for (int j = 0; ok && j < jobs; j++)
        for (int a = 0; ok && a < NACCOUNTS; a++)
            ok = emit_job(&g, a, j);
    ok = ok && (!capacity || emit_capacity(&g)) && emit_malformed(&g, malformed);
    long long delivered = g.events;
    if (g.out) ok = producer_close(g.out, &delivered) && ok;
    sb_free(&g.line);
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
