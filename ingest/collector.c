/* collector: options, rounds, commit and delivery for every source (see collector.h). */
#include "ingest/collector.h"

#include "core/cli.h"
#include "core/config.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "ingest/deliver.h"
#include "ingest/fetch.h"
#include "ingest/health.h"
#include "ingest/spool.h"
#include "ingest/token_server.h"
#include "core/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RETAIN_MS      (62LL * MS_PER_DAY) /* state of devices and jobs not seen since */
#define MAX_BACKOFF_MS (600LL * 1000)

struct options {
    const char *file, *at, *state_dir, *cluster, *site, *node, *model, *account, *map, *columns,
        *utc_offset, *listen;
    const char *log_format, *job, *log_utc_offset; /* tokens from trainer logs */
    const char *pods, *share;                      /* hami */
    long long seq_length, tokens_per_step;
    bool to_stdout, health;
    long long interval, max_gap, spool_mb, timeout;
    const char *untimed; /* trainer logs: --untimed refuse (default) or collection */
};

struct target {
    struct fetch f;
    char host[65];
    int failures;
    int64_t next_try_ms;
};

struct totals {
    long long rounds, events, bad_lines, gaps, resets, idle_gpu_ms, input_errors;
    long long refused; /* token reports for accounts their reporter may not report for */
};

struct collector {
    const struct collector_kind *kind;
    struct options o;
    struct strbuf pods; /* --pods, read each round */
    bool have_pods;
    struct config cfg;
    struct account_map *map;
    struct sacct_opts sacct;
    struct trainer_log_opts trainer;
    char host[65];
    char state_path[4096], metrics_path[4096];
    int lock_fd;
    struct state state;
    struct strbuf committed; /* text of the last committed state, for rollback */
    struct spool spool;
    struct deliverer *out;
    struct target *targets;
    size_t ntargets;
    struct totals t;
};

static volatile sig_atomic_t stop_requested;

/* The first signal ends the loop and waits for delivery; a second one
 * stops waiting (what is spooled stays spooled). */
static void on_signal(int sig)
{
    (void)sig;
    stop_requested++;
}

/* ---- options ---- */

static int parse_options(struct collector *c, int argc, char **argv, int *npos)
{
    struct options *o = &c->o;
    o->cluster = o->site = "default";
    o->utc_offset = "+08:00";
    o->max_gap = 300;
    o->spool_mb = 1024;
    o->timeout = 10;
    const struct {
        unsigned need;
        struct cli_opt opt;
    } all[] = {
        {0, {"file", CLI_STR, &o->file, "PATH", "read one input from PATH (- for stdin)", 0, 0}},
        {0,
         {"at", CLI_STR, &o->at, "TIME", "RFC 3339 time of that input (one-shot; default now)", 0,
          0}},
        {0,
         {"state-dir", CLI_STR, &o->state_dir, "DIR", "collector state and spool (required)", 0,
          0}},
        {0,
         {"stdout", CLI_BOOL, &o->to_stdout, NULL, "write events as JSON lines instead of Kafka", 0,
          0}},
        {0,
         {"interval", CLI_INT, &o->interval, "SECONDS", "run as a daemon, one round per interval",
          1, 86400}},
        {0,
         {"cluster", CLI_STR, &o->cluster, "NAME",
          "cluster name in events and its hmac key (default)", 0, 0}},
        {0,
         {"site", CLI_STR, &o->site, "NAME", "site (data centre) name in events (default)", 0, 0}},
        {OPT_NODE,
         {"node", CLI_STR, &o->node, "NAME", "node name of the input, over any host name in it", 0,
          0}},
        {OPT_MODEL,
         {"model", CLI_STR, &o->model, "NAME", "accelerator model when the input has none", 0, 0}},
        {OPT_ACCOUNT,
         {"account", CLI_STR, &o->account, "NAME", "account of GPUs not in the map", 0, 0}},
        {OPT_MAP,
         {"account-map", CLI_STR, &o->map, "FILE",
          "gpu:/node:/job: to account lines, share: to a basis", 0, 0}},
        {OPT_GAP,
         {"max-gap", CLI_INT, &o->max_gap, "SECONDS", "longest window charged (300)", 1, 86400}},
        {OPT_HEALTH,
         {"health", CLI_BOOL, &o->health, NULL,
          "also a health event per device and window (docs/availability.md)", 0, 0}},
        {OPT_COLUMNS,
         {"columns", CLI_STR, &o->columns, "A|B|..", "column names of --noheader output", 0, 0}},
        {OPT_COLUMNS,
         {"utc-offset", CLI_STR, &o->utc_offset, "+HH:MM", "Slurm controller time zone (+08:00)", 0,
          0}},
        {OPT_TRAINER,
         {"format", CLI_STR, &o->log_format, "jsonl|megatron|torchtitan",
          "token reports (jsonl) or a trainer's log", 0, 0}},
        {OPT_TRAINER, {"job", CLI_STR, &o->job, "ID", "job of a trainer log's counts", 0, 0}},
        {OPT_TRAINER,
         {"account", CLI_STR, &o->account, "NAME", "account of a trainer log's counts", 0, 0}},
        {OPT_TRAINER,
         {"utc-offset", CLI_STR, &o->log_utc_offset, "+HH:MM",
          "time zone of a trainer log's timestamps (required)", 0, 0}},
        {OPT_TRAINER,
         {"seq-length", CLI_INT, &o->seq_length, "TOKENS",
          "megatron: tokens per sample (default: the logged seq_length)", 1, EVENT_INT_MAX}},
        {OPT_TRAINER,
         {"tokens-per-step", CLI_INT, &o->tokens_per_step, "TOKENS",
          "torchtitan: global batch x sequence length", 1, EVENT_INT_MAX}},
        {OPT_TRAINER,
         {"untimed", CLI_STR, &o->untimed, "refuse|collection",
          "a step line without a timestamp: a bad line (default) or at the collection time", 0,
          0}},
        {OPT_HAMI,
         {"pods", CLI_STR, &o->pods, "FILE",
          "kubectl get pods -A -o json: allocation from the pods' HAMi annotation", 0, 0}},
        {OPT_HAMI,
         {"share", CLI_STR, &o->share, "cores|memory",
          "what a pod's share of a GPU is: cores (default) or memory allocated", 0, 0}},
        {OPT_LISTEN,
         {"listen", CLI_STR, &o->listen, "[ADDR:]PORT",
          "accept token reports over HTTP (address 127.0.0.1 unless given)", 0, 0}},
        {0, {"spool-max-mb", CLI_INT, &o->spool_mb, "MB", "spool size limit (1024)", 1, 1 << 20}},
        {0,
         {"timeout", CLI_INT, &o->timeout, "SECONDS", "HTTP and final delivery timeout (10)", 1,
          3600}},
    };
    struct cli_opt opts[sizeof all / sizeof all[0] + 1];
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if ((all[i].need & c->kind->options) == all[i].need) opts[n++] = all[i].opt;
    opts[n] = (struct cli_opt){0};
    char usage[128];
    snprintf(usage, sizeof usage, "gpumeter collect %s [options]%s", c->kind->name,
             c->kind->options & OPT_URLS ? " [URL...]" : "");
    struct cli_spec spec = {usage, c->kind->summary, opts, 0,
                            c->kind->options & OPT_URLS ? 1024 : 0};
    return cli_parse(&spec, argc, argv, npos);
}

static bool usage_error(const char *what)
{
    log_error("%s", what);
    log_hint("Run \"gpumeter collect --help\" or see docs/collectors.md.");
    return false;
}

/* collect tokens --format megatron|torchtitan: a log names no job, account
 * or time zone, so the flags must; a flag of the other format is refused. */
static bool check_trainer_options(struct collector *c)
{
    struct options *o = &c->o;
    struct trainer_log_opts *t = &c->trainer;
    if (!(c->kind->options & OPT_TRAINER)) return true;
    if (o->log_format && !trainer_log_format_parse(o->log_format, &t->format))
        return usage_error("--format must be jsonl, megatron or torchtitan");
    if (t->format == TRAINER_LOG_JSONL) {
        if (o->job || o->account || o->log_utc_offset || o->seq_length || o->tokens_per_step ||
            o->untimed)
            return usage_error("--job, --account, --utc-offset, --seq-length, "
                               "--tokens-per-step and --untimed are for --format megatron or "
                               "torchtitan");
        return true;
    }
    if (o->listen) return usage_error("--listen takes JSON lines only, not --format");
    if (!o->job || !cycle_ident_valid(o->job, EVENT_JOB_MAX + 1) || !o->account ||
        !cycle_ident_valid(o->account, 129))
        return usage_error("a trainer log needs --job and --account (1 to 253 and 1 to 128 "
                           "printable characters)");
    if (!o->log_utc_offset || !time_parse_utc_offset(o->log_utc_offset, &t->utc_offset_ms))
        return usage_error("a trainer log has no time zone: give --utc-offset like +08:00");
    if (t->format == TRAINER_LOG_MEGATRON && o->tokens_per_step)
        return usage_error("--tokens-per-step is for torchtitan; megatron takes --seq-length");
    if (t->format == TRAINER_LOG_TORCHTITAN && o->seq_length)
        return usage_error("--seq-length is for megatron; torchtitan takes --tokens-per-step");
    if (t->format == TRAINER_LOG_TORCHTITAN && !o->tokens_per_step)
        return usage_error("torchtitan logs a rounded rate, not a count: give --tokens-per-step "
                           "(global batch x sequence length)");
    if (o->untimed && strcmp(o->untimed, "refuse") && strcmp(o->untimed, "collection"))
        return usage_error("--untimed must be refuse or collection");
    t->untimed_at_collection = o->untimed && !strcmp(o->untimed, "collection");
    t->job = o->job;
    t->account = o->account;
    t->seq_length = o->seq_length;
    t->tokens_per_step = o->tokens_per_step;
    return true;
}

static bool check_options(struct collector *c, int npos, int64_t *at_ms)
{
    struct options *o = &c->o;
    int64_t offset;
    if (!o->state_dir) return usage_error("--state-dir is required");
    if (o->at && (o->interval || o->listen))
        return usage_error("--at is for one-shot runs, not with --interval or --listen");
    if (o->at && !time_parse_rfc3339(o->at, at_ms))
        return usage_error("--at must be an RFC 3339 UTC time like 2026-10-01T08:00:00Z");
    if (o->file && npos) return usage_error("give --file or URLs, not both");
    if (o->listen && (o->file || o->interval)) return usage_error("--listen runs alone");
    if (o->share && strcmp(o->share, "cores") && strcmp(o->share, "memory"))
        return usage_error("--share must be cores or memory");
    if (o->pods && !strcmp(o->pods, "-")) return usage_error("--pods takes a file, not stdin");
    if (!o->file && !npos && !c->kind->command && !o->listen && !o->pods)
        return usage_error(c->kind->options & OPT_URLS ? "give --file or at least one URL"
                                                       : "give --file (or --listen)");
    if (o->file && !strcmp(o->file, "-") && o->interval)
        return usage_error("--file - (stdin) is read once; it cannot be used with --interval");
    if (!time_parse_utc_offset(o->utc_offset, &offset))
        return usage_error("--utc-offset must look like +08:00");
    if (!cycle_ident_valid(o->cluster, 65) || strchr(o->cluster, '/') ||
        !cycle_ident_valid(o->site, 65))
        return usage_error("--cluster and --site must be 1 to 64 printable characters, no '/'");
    if (o->node && (!cycle_ident_valid(o->node, 65) || strchr(o->node, '/')))
        return usage_error("--node must be 1 to 64 printable characters, no '/'");
    c->sacct =
        (struct sacct_opts){o->columns, o->model ? o->model : "unknown", (int)(offset / 60000)};
    return check_trainer_options(c);
}

/* "http://host:9400/metrics" -> "host" (user info dropped, an IPv6 literal
 * whole: "[fe80::1]"; a URL without a host, file:///..., "unknown"); false
 * when the host is no node name of at most cap - 1 printable characters:
 * cut to fit, two hosts could become one node, and sources keyed by node
 * (npu, dcu, mlu) would meter two devices as one. */
static bool url_host(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t authority = strcspn(p, "/?#");
    const char *at = memchr(p, '@', authority);
    if (at) authority -= (size_t)(at + 1 - p), p = at + 1;
    const char *close = p[0] == '[' ? memchr(p, ']', authority) : NULL;
    size_t n = close ? (size_t)(close - p) + 1 : strcspn(p, ":/?#");
    if (n == 0) {
        snprintf(out, cap, "unknown");
        return true;
    }
    if (n >= cap) return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return cycle_ident_valid(out, cap) && !strchr(out, '/');
}

/* ---- state ---- */

static bool load_state(struct collector *c)
{
    struct strbuf text = STRBUF_INIT;
    state_init(&c->state);
    if (!file_read_all(c->state_path, &text) && errno != ENOENT) {
        log_error("cannot read %s: %s", c->state_path, strerror(errno));
        sb_free(&text);
        return false;
    }
    if (text.len && !state_parse(&c->state, text.buf, text.len)) {
        log_error("state file %s is damaged", c->state_path);
        log_hint("Restore it from backup; starting afresh would treat every counter as new.");
        sb_free(&text);
        return false;
    }
    sb_free(&text);
    char spool_dir[4200];
    snprintf(spool_dir, sizeof spool_dir, "%s/spool", c->o.state_dir);
    int64_t before = c->state.batch;
    if (!spool_open(&c->spool, spool_dir, c->o.spool_mb << 20, &c->state)) return false;
    sb_reset(&c->committed);
    state_serialize(&c->state, &c->committed);
    if (c->state.batch != before &&
        !file_write_atomic(c->state_path, c->committed.buf, c->committed.len)) {
        log_error("cannot write %s: %s", c->state_path, strerror(errno));
        return false;
    }
    return true;
}

static bool lock_state_dir(struct collector *c)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/lock", c->o.state_dir);
    if (file_make_dir(c->o.state_dir) && (c->lock_fd = file_lock(path, false)) >= 0) return true;
    if (errno == EWOULDBLOCK)
        log_error("another collector is using state directory %s", c->o.state_dir);
    else
        log_error("cannot use state directory %s: %s", c->o.state_dir, strerror(errno));
    return false;
}

/* ---- one round ---- */

static bool write_stdout(const struct strbuf *lines)
{
    for (const char *p = lines->buf, *end = p + lines->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)),
                   *tab = memchr(p, '\t', (size_t)(nl - p));
        fwrite(tab + 1, 1, (size_t)(nl - tab), stdout);
        p = nl + 1;
    }
    return fflush(stdout) == 0 && !ferror(stdout);
}

static void rollback(struct collector *c)
{
    state_free(&c->state);
    state_init(&c->state);
    state_parse(&c->state, c->committed.buf, c->committed.len);
}

/* Makes the round's events and state durable together, or neither. */
static bool commit(struct collector *c, struct cycle *cy)
{
    state_prune(&c->state, cy->at_ms - RETAIN_MS);
    struct strbuf text = STRBUF_INIT;
    bool ok = true, in_batch = false;
    if (c->o.to_stdout) {
        ok = write_stdout(&cy->out);
        if (!ok) log_error("cannot write events to stdout");
    } else if (cy->events) {
        c->state.batch++;
        state_serialize(&c->state, &text);
        ok = in_batch =
            spool_commit(&c->spool, c->state.batch, &cy->out, (size_t)cy->events, &text);
    }
    if (ok) {
        if (!text.len) state_serialize(&c->state, &text);
        if (!file_write_atomic(c->state_path, text.buf, text.len)) {
            log_error("cannot write %s: %s", c->state_path, strerror(errno));
            ok = in_batch; /* the batch carries the state; otherwise the round is lost */
        }
    }
    if (ok) {
        struct strbuf swap = c->committed;
        c->committed = text;
        text = swap;
    } else {
        rollback(c);
    }
    sb_free(&text);
    return ok;
}

static void write_metrics(struct collector *c)
{
    struct strbuf m = STRBUF_INIT;
    const struct {
        const char *name, *type, *help;
        long long value;
    } rows[] = {
        {"rounds_total", "counter", "Collection rounds run.", c->t.rounds},
        {"events_total", "counter", "Usage events collected.", c->t.events},
        {"bad_lines_total", "counter", "Input lines skipped as malformed.", c->t.bad_lines},
        {"gaps_total", "counter", "Windows longer than --max-gap, not charged.", c->t.gaps},
        {"counter_resets_total", "counter", "Counters that went down.", c->t.resets},
        {"idle_gpu_ms_total", "counter", "Unallocated GPU time seen, never billed.",
         c->t.idle_gpu_ms},
        {"input_errors_total", "counter", "Inputs that could not be read or fetched.",
         c->t.input_errors},
        {"reports_refused_total", "counter",
         "Token reports refused (403) for an account their reporter may not report for.",
         c->t.refused},
        {"spool_batches", "gauge", "Batches waiting for Kafka.", (long long)c->spool.count},
        {"spool_bytes", "gauge", "Bytes waiting for Kafka.", (long long)c->spool.bytes},
        {"spool_full_total", "counter", "Rounds refused because the spool was full.",
         c->spool.full},
        {"delivered_total", "counter", "Events acknowledged by Kafka.",
         c->out ? deliver_count(c->out) : 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        sb_printf(&m,
                  "# HELP gpumeter_collector_%s %s\n# TYPE gpumeter_collector_%s %s\n"
                  "gpumeter_collector_%s{source=\"%s\",cluster=\"%s\"} %lld\n",
                  rows[i].name, rows[i].help, rows[i].name, rows[i].type, rows[i].name,
                  c->kind->name, c->o.cluster, rows[i].value);
    if (!file_write_atomic(c->metrics_path, m.buf, m.len))
        log_warn("cannot write %s: %s", c->metrics_path, strerror(errno));
    sb_free(&m);
}

static void meter_input(struct collector *c, struct cycle *cy, const char *text, size_t len,
                        const char *origin, const char *node, long *accepted)
{
    struct rejects r = {.origin = origin};
    struct collect_env env = {.node = node,
                              .node_override = c->o.node != NULL,
                              .model = c->o.model ? c->o.model : "unknown",
                              .account = c->o.account,
                              .map = c->map,
                              .sacct = &c->sacct,
                              .trainer = &c->trainer};
    if (c->have_pods) {
        env.pods = c->pods.buf ? c->pods.buf : "";
        env.pods_len = c->pods.len;
        env.pods_origin = c->o.pods;
    }
    env.memory_shares = c->o.share && !strcmp(c->o.share, "memory");
    cy->scope = origin; /* health.h: the devices last seen in this input */
    long n = c->kind->meter(cy, text, len, &env, &r);
    cy->scope = NULL;
    if (accepted) *accepted += n;
    rejects_finish(&r);
    if (r.unusable[0]) {
        log_error("%s: unusable input: %s", origin, r.unusable);
        cy->st.unusable++;
        long lines = rejects_count_lines(text, len); /* refused whole: every line is bad */
        if (r.bad < lines) r.bad = lines;
    }
    if (r.refused) {
        log_error("%s: %ld rows refused (their fields do not line up with the header)", origin,
                  r.refused);
        log_hint("They may hold billable usage: see the warnings above and docs/collectors.md.");
        cy->st.refused_rows += r.refused;
    }
    cy->st.bad_lines += r.bad;
}

static bool read_command(const char *cmd, struct strbuf *out)
{
    FILE *p = popen(cmd, "r");
    if (!p) return false;
    bool ok = file_read_stream(fileno(p), out);
    int status = pclose(p);
    return ok && status == 0;
}

/* The devices last seen at a URL (or, by name, a command) that did not
 * answer: scrape_failed (health.h). A joined round is not metered at all,
 * so it has none. */
static void report_scrape_failed(struct cycle *cy, const char *url)
{
    cy->scope = url;
    health_scrape_failed(cy);
    cy->scope = NULL;
}

/* Reads this round's inputs into cy; false when one could not be read. */
static bool gather(struct collector *c, struct cycle *cy)
{
    bool ok = true;
    struct strbuf in = STRBUF_INIT, joined = STRBUF_INIT;
    const char *node = c->o.node ? c->o.node : c->host;
    c->have_pods = false;
    if (c->o.pods) { /* the pods as they are this round, or no round */
        sb_reset(&c->pods);
        if (!file_read_all(c->o.pods, &c->pods)) {
            log_error("cannot read %s: %s; the round is not metered", c->o.pods, strerror(errno));
            c->t.input_errors++;
            return false;
        }
        c->have_pods = true;
    }
    bool join = c->kind->options & OPT_JOIN;
    if (c->o.file) {
        bool stdin_ = !strcmp(c->o.file, "-");
        if (stdin_ ? file_read_stream(0, &in) : file_read_all(c->o.file, &in))
            meter_input(c, cy, in.buf ? in.buf : "", in.len, stdin_ ? "stdin" : c->o.file, node,
                        NULL);
        else
            ok = false, log_error("cannot read %s: %s", c->o.file, strerror(errno));
    } else if (c->ntargets) {
        size_t n = 0, answered = 0;
        int64_t now = time_monotonic_ms();
        struct fetch *batch = xcalloc(c->ntargets, sizeof *batch);
        size_t *which = xcalloc(c->ntargets, sizeof *which);
        for (size_t i = 0; i < c->ntargets; i++)
            if (c->targets[i].next_try_ms <= now)
                batch[n].url = c->targets[i].f.url, which[n++] = i;
            else if (!join) /* waiting out its backoff: still not answering */
                report_scrape_failed(cy, c->targets[i].f.url);
        fetch_all(batch, n, c->o.timeout * 1000);
        for (size_t k = 0; k < n; k++) {
            struct target *t = &c->targets[which[k]];
            if (batch[k].ok) {
                if (t->failures)
                    log_info("%s answers again after %d failed scrapes", t->f.url, t->failures);
                t->failures = 0;
                t->next_try_ms = 0;
                answered++;
                if (join) { /* one input: each body whole, on lines of its own */
                    sb_append(&joined, batch[k].body.buf ? batch[k].body.buf : "",
                              batch[k].body.len);
                    if (joined.len && joined.buf[joined.len - 1] != '\n') sb_append(&joined, "\n", 1);
                } else {
                    meter_input(c, cy, batch[k].body.buf ? batch[k].body.buf : "",
                                batch[k].body.len, t->f.url, c->o.node ? c->o.node : t->host,
                                NULL);
                }
            } else {
                ok = false;
                if (!join) report_scrape_failed(cy, t->f.url);
                int64_t wait = (c->o.interval ? c->o.interval : 1) * 1000LL
                               << (t->failures < 10 ? t->failures : 10);
                if (wait > MAX_BACKOFF_MS) wait = MAX_BACKOFF_MS;
                t->next_try_ms = now + wait;
                if (t->failures++ == 0 || t->failures % 10 == 0)
                    log_error("cannot scrape %s: %s (failure %d; next try in %lld s)", t->f.url,
                              batch[k].error, t->failures, (long long)(wait / 1000));
            }
            sb_free(&batch[k].body);
        }
        if (join && answered == c->ntargets) {
            char origin[160];
            snprintf(origin, sizeof origin, "%zu scrapes joined (%.100s first)", n,
                     c->targets[0].f.url);
            const char *host = c->ntargets == 1 ? c->targets[0].host : c->host; /* no one host */
            meter_input(c, cy, joined.buf ? joined.buf : "", joined.len, origin,
                        c->o.node ? c->o.node : host, NULL);
        } else if (join) { /* a join without one of its parts would bill the wrong shares */
            ok = false;
            log_error("%zu of %zu URLs answered: the round is not metered (its windows wait for "
                      "the next round that reads every URL)",
                      answered, c->ntargets);
        }
        free(batch);
        free(which);
    } else if (c->have_pods) { /* the pods alone, no scrape */
        meter_input(c, cy, "", 0, c->o.pods, node, NULL);
    } else if (c->kind->command) {
        if (read_command(c->kind->command, &in))
            meter_input(c, cy, in.buf ? in.buf : "", in.len, c->kind->name, node, NULL);
        else { /* the node's own tool did not answer: as a URL that does not */
            ok = false, log_error("command failed: %s", c->kind->command);
            report_scrape_failed(cy, c->kind->name);
        }
    }
    if (cy->st.unusable || cy->st.refused_rows || cy->st.refused_units) ok = false;
    if (!ok) c->t.input_errors++;
    sb_free(&in);
    sb_free(&joined);
    return ok;
}

static void cycle_init(struct collector *c, struct cycle *cy, int64_t at_ms)
{
    memset(cy, 0, sizeof *cy);
    cy->state = &c->state;
    cy->at_ms = at_ms;
    cy->max_gap_ms = c->o.max_gap * 1000;
    cy->max_future_ms = c->cfg.max_future_s * 1000LL;
    cy->kind = c->kind->name;
    cy->cluster = c->o.cluster;
    cy->site = c->o.site;
    cy->hmac_key = config_hmac_key(&c->cfg, c->o.cluster);
    cy->health = c->o.health;
}

static bool finish_round(struct collector *c, struct cycle *cy)
{
    bool ok = commit(c, cy);
    c->t.rounds++;
    if (ok) {
        c->t.events += cy->events;
        c->t.gaps += cy->st.gaps;
        c->t.resets += cy->st.resets;
        c->t.idle_gpu_ms += cy->st.idle_gpu_ms;
    }
    c->t.bad_lines += cy->st.bad_lines;
    char at[TIME_TEXT_LEN];
    time_format_rfc3339(cy->at_ms, at);
    char extra[96] = "";
    if (cy->st.refused_rows || cy->st.refused_units)
        snprintf(extra, sizeof extra, "; %ld rows and %ld units refused", cy->st.refused_rows,
                 cy->st.refused_units);
    if (cy->st.shared_units)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
                 "; %ld shared units split between %ld tenants", cy->st.shared_units,
                 cy->st.shared_tenants);
    log_info("%s round at %s: %ld events%s, %ld bad lines, %ld gaps, %ld resets, %ld idle units "
             "(%lld GPU-ms unallocated)%s",
             c->kind->name, at, cy->events, ok ? "" : " NOT committed", cy->st.bad_lines,
             cy->st.gaps, cy->st.resets, cy->st.idle_units, (long long)cy->st.idle_gpu_ms, extra);
    write_metrics(c);
    sb_free(&cy->out);
    return ok;
}

static bool run_round(struct collector *c, int64_t at_ms)
{
    struct cycle cy;
    cycle_init(c, &cy, at_ms);
    bool read_ok = gather(c, &cy);
    return finish_round(c, &cy) && read_ok;
}

/* The token endpoint's sink (token_server.h): one round over text
 * received now. False when it could not be committed; then nothing of it
 * counts. */
static bool ingest_received(void *ctx, const char *text, size_t len, const char *origin,
                            long *accepted, long *bad)
{
    struct collector *c = ctx;
    struct cycle cy;
    cycle_init(c, &cy, time_now_ms());
    *accepted = 0;
    meter_input(c, &cy, text, len, origin, c->host, accepted);
    *bad = cy.st.bad_lines;
    return finish_round(c, &cy);
}

/* A token report refused whole for an account its reporter may not report
 * for; the metrics file shows it as gpumeter_collector_reports_refused_total. */
static void count_refused(void *ctx)
{
    struct collector *c = ctx;
    c->t.refused++;
    write_metrics(c);
}

/* ---- the loop ---- */

/* Waits for Kafka to take the spool, up to the timeout; false if it did not. */
static bool drain(struct collector *c)
{
    if (!c->out) return true;
    int64_t deadline = time_monotonic_ms() + c->o.timeout * 1000;
    while (c->spool.count && time_monotonic_ms() < deadline && stop_requested < 2)
        deliver_pump(c->out, 100);
    write_metrics(c);
    if (!c->spool.count) return true;
    log_error("%zu spooled batches were not delivered within %lld s", c->spool.count, c->o.timeout);
    log_detail("They are safe in %s/spool and are sent first by the next run.", c->o.state_dir);
    log_hint("Check that the broker is up (make services-up, or GPUMETER_KAFKA_BROKERS).");
    return false;
}

static int run(struct collector *c, int64_t at_ms)
{
    struct token_server *server = NULL;
    const struct token_sink sink = {c, ingest_received, count_refused};
    if (c->o.listen && !(server = token_server_start(&sink, &c->cfg, c->o.listen))) return 1;
    if (!c->o.interval && !server) {
        bool ok = run_round(c, at_ms ? at_ms : time_now_ms());
        return drain(c) && ok ? 0 : 1;
    }
    int64_t next = time_monotonic_ms();
    while (!stop_requested) {
        int64_t now = time_monotonic_ms();
        if (!server && now >= next) {
            run_round(c, time_now_ms());
            next = now + c->o.interval * 1000;
        }
        int wait = server ? 50 : (int)(next - now > 200 ? 200 : next - now < 0 ? 0 : next - now);
        if (server) token_server_poll(server, wait);
        if (c->out)
            deliver_pump(c->out, server ? 0 : wait);
        else if (!server)
            usleep((useconds_t)wait * 1000);
    }
    if (server) token_server_stop(server);
    log_info("stopping: delivering what is spooled (up to %lld s)", c->o.timeout);
    return drain(c) ? 0 : 1;
}

int collector_main(const struct collector_kind *kind, int argc, char **argv)
{
    struct collector c = {.kind = kind, .lock_fd = -1};
    int npos = 0;
    int64_t at_ms = 0;
    enum cli_result pr = parse_options(&c, argc, argv, &npos);
    if (pr != CLI_OK) return cli_exit_code(pr);
    if (!check_options(&c, npos, &at_ms)) return CLI_EXIT_USAGE;
    char err[512];
    if (!(c.map = accounts_load(c.o.map, err, sizeof err))) {
        log_error("invalid account map");
        log_detail("%s", err);
        return CLI_EXIT_USAGE;
    }
    if (gethostname(c.host, sizeof c.host - 1) != 0 || !cycle_ident_valid(c.host, sizeof c.host))
        strcpy(c.host, "localhost");
    int rc = 1;
    c.ntargets = (size_t)npos;
    c.targets = xcalloc(c.ntargets ? c.ntargets : 1, sizeof *c.targets);
    for (size_t i = 0; i < c.ntargets; i++) {
        c.targets[i].f.url = argv[1 + i];
        if (!url_host(argv[1 + i], c.targets[i].host, sizeof c.targets[i].host) && !c.o.node) {
            log_error("the host of %s is not a node name of at most 64 printable characters: "
                      "give --node, or the URL by a shorter name or address", argv[1 + i]);
            rc = CLI_EXIT_USAGE;
        }
    }
    if (rc == CLI_EXIT_USAGE) goto out;
    snprintf(c.state_path, sizeof c.state_path, "%s/state", c.o.state_dir);
    snprintf(c.metrics_path, sizeof c.metrics_path, "%s/metrics.prom", c.o.state_dir);
    if (config_load(&c.cfg) != 0) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (!lock_state_dir(&c) || !load_state(&c)) goto out;
    if (c.o.to_stdout && c.spool.count)
        log_warn("%zu batches wait in the spool; they are sent by the next run without --stdout",
                 c.spool.count);
    if (!c.o.to_stdout && !(c.out = deliver_open(&c.cfg, &c.spool))) goto out;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    rc = run(&c, at_ms);
out:
    if (c.out) deliver_close(c.out);
    spool_close(&c.spool);
    state_free(&c.state);
    sb_free(&c.committed);
    sb_free(&c.pods);
    accounts_free(c.map);
    free(c.targets);
    if (c.lock_fd >= 0) close(c.lock_fd);
    return rc;
}
