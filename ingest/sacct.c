/* sacct: Slurm accounting rows to GPU-time and energy events (see sacct.h). */
#include "core/catalogue.h"
#include "core/decimal.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "ingest/sacct.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 128
#define MAX_TYPES  8
/* Longest window one event carries; longer runs are cut into pieces. */
#define PIECE_MS      (28LL * MS_PER_DAY)
#define MAX_ELAPSED_S (10LL * 366 * 86400) /* longer is a corrupt row */

enum col { C_JOBID, C_ACCOUNT, C_TRES, C_ELAPSED, C_ENERGY, C_START, C_END, C_ELAPSED_TEXT, NCOLS };
static const char *const col_names[NCOLS] = {
    "JobID", "Account", "AllocTRES", "ElapsedRaw", "ConsumedEnergyRaw", "Start", "End", "Elapsed"};

/* Columns whose text users or admins choose freely, so a '|' may be in it:
 * sacct --parsable2 prints every field as it is, never escaped. (Constraints
 * and Licenses take '|' as "or" in their own syntax.) */
static const char *const free_text_names[] = {
    "JobName", "Comment",   "AdminComment", "SystemComment", "SubmitLine", "WorkDir", "Constraints",
    "WCKey",   "Licenses",  "StdIn",        "StdOut",        "StdErr",     "Extra",   "Container",
    "Reason",  "MCSLabel"};

struct text {
    const char *p;
    size_t n;
};

struct gpu_alloc {
    char model[65];
    const char *vendor; /* NULL: from the model (gres/gpu) */
    int64_t count;
};

struct sacct {
    struct cycle *cy;
    const struct sacct_opts *o;
    struct rejects *r;
    int col[NCOLS];
    size_t nfields;
    int free_col, nfree; /* the free-text column (if one) and how many there are */
    bool trailing_bar;
    struct state seen; /* job ids of this output, to skip repeated rows */
};

static size_t split(struct text line, struct text *f)
{
    size_t n = 0;
    const char *p = line.p, *end = line.p + line.n;
    for (;;) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        if (n == MAX_FIELDS) return n + 1;
        f[n++] = (struct text){p, (size_t)((bar ? bar : end) - p)};
        if (!bar) return n;
        p = bar + 1;
    }
}

static bool text_is(struct text t, const char *s)
{
    return t.n == strlen(s) && !memcmp(t.p, s, t.n);
}

static bool is_free_text(struct text t)
{
    for (size_t i = 0; i < sizeof free_text_names / sizeof free_text_names[0]; i++)
        if (t.n == strlen(free_text_names[i]) && !strncasecmp(t.p, free_text_names[i], t.n))
            return true;
    return false;
}

/* Splits a row of a header with exactly one free-text column at col: the
 * fields before it from the left, those after it from the right, and what
 * is between (bars included) is its text. False when the row has fewer
 * bars than the header. */
static bool split_around(struct text line, size_t nfields, size_t col, struct text *f)
{
    const char *p = line.p, *end = line.p + line.n;
    for (size_t i = 0; i < col; i++) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        if (!bar) return false;
        f[i] = (struct text){p, (size_t)(bar - p)};
        p = bar + 1;
    }
    const char *e = end;
    for (size_t i = nfields - 1; i > col; i--) {
        const char *bar = e;
        while (bar > p && bar[-1] != '|')
            bar--;
        if (bar == p) return false;
        f[i] = (struct text){bar, (size_t)(e - bar)};
        e = bar - 1;
    }
    f[col] = (struct text){p, (size_t)(e - p)};
    return true;
}

static bool text_copy(struct text t, char *buf, size_t cap)
{
    if (t.n == 0 || t.n >= cap) return false;
    memcpy(buf, t.p, t.n);
    buf[t.n] = '\0';
    return cycle_ident_valid(buf, cap);
}

static bool header(struct sacct *s, struct text line, long lineno)
{
    struct text f[MAX_FIELDS + 1];
    s->trailing_bar = line.n && line.p[line.n - 1] == '|';
    if (s->trailing_bar) line.n--;
    s->nfields = split(line, f);
    s->nfree = 0;
    for (size_t i = 0; i < s->nfields && i < MAX_FIELDS; i++)
        if (is_free_text(f[i])) s->free_col = (int)i, s->nfree++;
    if (s->nfields == 1 && lineno && memchr(line.p, ' ', line.n)) {
        /* sacct's default fixed-width table (columns cut to 10 characters,
         * "r2_postmortem+"): not readable whatever its header says */
        rejects_unusable(s->r, "its first line has no '|': this is sacct's fixed-width table, "
                              "not --parsable2 (-P) output");
        return false;
    }
    for (int c = 0; c < NCOLS; c++) {
        s->col[c] = -1;
        for (size_t i = 0; i < s->nfields && i < MAX_FIELDS; i++)
            if (text_is(f[i], col_names[c])) s->col[c] = (int)i;
        bool optional = c == C_ENERGY || c == C_ELAPSED_TEXT || c == C_ELAPSED;
        if (s->col[c] < 0 && !optional) {
            rejects_unusable(s->r, "the header (%s) has no %s column",
                            lineno ? "its first line" : "--columns", col_names[c]);
            return false;
        }
    }
    if (s->col[C_ELAPSED] < 0 && s->col[C_ELAPSED_TEXT] < 0) {
        rejects_unusable(s->r, "the header (%s) has neither an ElapsedRaw nor an Elapsed column",
                        lineno ? "its first line" : "--columns");
        return false;
    }
    if (s->nfields <= MAX_FIELDS) return true;
    rejects_unusable(s->r, "the header has more than %d columns", MAX_FIELDS);
    return false;
}

/* The GRES names Slurm sites give their accelerators: "gpu", Hygon's
 * DCU clusters' "dcu" (AllocTRES "billing=8,cpu=8,gres/dcu=1,..." on
 * SCNet) and Ascend clusters' "npu" (AllocTRES "gres/npu=N", as a public
 * Slurm exporter's NPU fork reads it from sacct), whose vendor the name
 * states. */
static const struct {
    const char *name, *vendor;
} accel_gres[] = {{"gpu", NULL}, {"dcu", "hygon"}, {"npu", "huawei"}};

/* One GRES name's entries of AllocTRES ("gres/<name>:<type>=N" typed, or
 * "gres/<name>=N"), appended to out[*n]: each type once, else the untyped
 * count under model. */
static void gres_allocs(struct text tres, const char *name, const char *vendor,
                        const char *model, struct gpu_alloc *out, int *n)
{
    int typed = 0;
    int64_t untyped = -1;
    char key[16];
    size_t k = (size_t)snprintf(key, sizeof key, "gres/%s", name);
    const char *p = tres.p, *end = tres.p + tres.n;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end, *eq = memchr(p, '=', (size_t)(e - p));
        int64_t count;
        if (eq && (size_t)(eq - p) >= k && !strncmp(p, key, k) &&
            decimal_parse(eq + 1, (size_t)(e - eq - 1), 0, DECIMAL_EXACT, &count) && count > 0 &&
            count < 1000000) {
            if (p + k == eq) {
                untyped = count;
            } else if (p[k] == ':' && *n < MAX_TYPES) {
                struct text type = {p + k + 1, (size_t)(eq - p - k - 1)};
                if (text_copy(type, out[*n].model, sizeof out[*n].model)) {
                    out[*n].vendor = vendor;
                    out[(*n)++].count = count;
                    typed++;
                }
            }
        }
        p = comma ? comma + 1 : end;
    }
    if (typed || untyped < 0 || *n >= MAX_TYPES) return;
    /* --model is the untyped gres/gpu's; a GRES that names its vendor
     * (gres/dcu: hygon) takes it only when it is that vendor's model */
    const struct accelerator *m = vendor ? catalogue_find(model) : NULL;
    if (vendor && (!m || strcmp(m->vendor, vendor))) model = "unknown";
    snprintf(out[*n].model, sizeof out[*n].model, "%s", model);
    out[*n].vendor = vendor;
    out[(*n)++].count = untyped;
}

/* AllocTRES "billing=8,cpu=16,gres/gpu:h800=8,gres/gpu=8,mem=64G,node=1":
 * the accelerators of every name in accel_gres. */
static int gpu_allocs(struct text tres, const char *model, struct gpu_alloc *out)
{
    int n = 0;
    for (size_t i = 0; i < sizeof accel_gres / sizeof accel_gres[0]; i++)
        gres_allocs(tres, accel_gres[i].name, accel_gres[i].vendor, model, out, &n);
    return n;
}

/* "2024-03-15T20:24:16", "2024-03-15-20:24:16" (SLURM_TIME_FORMAT) and the
 * like, in local time at the given offset. False for Unknown/None. */
static bool slurm_time(struct text t, int offset_min, int64_t *ms)
{
    char buf[32];
    if (t.n >= sizeof buf) return false;
    memcpy(buf, t.p, t.n);
    buf[t.n] = '\0';
    int y, mo, d, h, mi, sec;
    char s1, s2, s3, tail;
    if (sscanf(buf, "%4d%c%2d%c%2d%c%2d:%2d:%2d%c", &y, &s1, &mo, &s2, &d, &s3, &h, &mi, &sec,
               &tail) != 9 ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
        return false;
    int64_t days = time_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = ((days * 24 + h) * 3600 + mi * 60 + sec) * MS_PER_SECOND - offset_min * 60000LL;
    return true;
}

/* Elapsed as sacct prints it: [D-]HH:MM:SS, or MM:SS. */
static bool elapsed_text(struct text t, int64_t *seconds)
{
    char buf[32];
    if (t.n == 0 || t.n >= sizeof buf) return false;
    memcpy(buf, t.p, t.n);
    buf[t.n] = '\0';
    long d = 0, h = 0, m, sec;
    char tail;
    const char *hms = strchr(buf, '-') ? strchr(buf, '-') + 1 : buf;
    if (hms != buf && sscanf(buf, "%ld-", &d) != 1) return false;
    int got = sscanf(hms, "%ld:%ld:%ld%c", &h, &m, &sec, &tail);
    if (got == 2) sec = m, m = h, h = 0; /* MM:SS */
    if ((got != 3 && got != 2) || d < 0 || h < 0 || m < 0 || m > 59 || sec < 0 || sec > 59)
        return false;
    if (strspn(buf, "0123456789-:") != t.n) return false;
    *seconds = ((d * 24 + h) * 60 + m) * 60 + sec;
    return true;
}

/* A GRES type's or --model's vendor: the catalogue's (core/catalogue.h, the
 * one rule of what a model is), else huawei for Ascend/910 names and
 * nvidia for the rest. */
static const char *vendor_of(const char *model)
{
    const struct accelerator *a = catalogue_find(model);
    if (a) return a->vendor;
    return strcasestr(model, "ascend") || strstr(model, "910") ? "huawei" : "nvidia";
}

static void emit_pieces(struct sacct *s, const struct usage_event *proto, int64_t gpus,
                        int64_t from_ms, int64_t to_ms, int64_t energy_mj)
{
    for (int64_t a = from_ms; a < to_ms;) {
        int64_t b = to_ms - a > PIECE_MS ? a + PIECE_MS : to_ms;
        struct usage_event ev = *proto;
        ev.start_ms = a;
        ev.end_ms = b;
        ev.gpu_ms = gpus * (b - a);
        ev.has = EVENT_HAS_GPU_MS;
        if (b == to_ms && energy_mj > 0) {
            ev.energy_mj = energy_mj;
            ev.has |= EVENT_HAS_ENERGY;
        }
        cycle_emit(s->cy, NULL, &ev);
        a = b;
    }
}

static bool seen_before(struct sacct *s, const char *job)
{
    bool created;
    state_get(&s->seen, job, &created);
    return !created;
}

static void job_row(struct sacct *s, const struct text *f, long lineno)
{
    char job[129], account[129];
    if (!text_copy(f[s->col[C_JOBID]], job, sizeof job)) {
        rejects_bad_line(s->r, lineno, "no usable JobID");
        return;
    }
    if (strchr(job, '.')) return; /* a step: its figures repeat the job's */
    struct gpu_alloc gpus[MAX_TYPES];
    int ntypes = gpu_allocs(f[s->col[C_TRES]], s->o->model, gpus);
    if (ntypes == 0) return; /* not a GPU job */
    if (seen_before(s, job)) {
        rejects_bad_line(s->r, lineno, "job %s listed again; only its first row counts", job);
        return;
    }
    int64_t start, end, elapsed_s, energy_j = -1;
    if (!slurm_time(f[s->col[C_START]], s->o->utc_offset_min, &start)) return; /* pending */
    bool finished = slurm_time(f[s->col[C_END]], s->o->utc_offset_min, &end);
    if (!text_copy(f[s->col[C_ACCOUNT]], account, sizeof account)) {
        rejects_bad_line(s->r, lineno, "job %s has no usable Account", job);
        return;
    }
    bool raw = s->col[C_ELAPSED] >= 0;
    struct text el = f[s->col[raw ? C_ELAPSED : C_ELAPSED_TEXT]];
    if (finished && (!(raw ? decimal_parse(el.p, el.n, 0, DECIMAL_EXACT, &elapsed_s)
                           : elapsed_text(el, &elapsed_s)) ||
                     elapsed_s > MAX_ELAPSED_S)) {
        rejects_bad_line(s->r, lineno, "job %s: %s is not a duration", job,
                        raw ? "ElapsedRaw" : "Elapsed");
        return;
    }
    if (s->col[C_ENERGY] >= 0) { /* empty, or NO_VAL (2^64-2) when not measured */
        struct text en = f[s->col[C_ENERGY]];
        if (!decimal_parse(en.p, en.n, 0, DECIMAL_EXACT, &energy_j) ||
            energy_j > EVENT_INT_MAX / 1000)
            energy_j = -1;
    }
    int64_t upto = finished ? elapsed_s * MS_PER_SECOND : s->cy->at_ms - start;
    char key[160];
    snprintf(key, sizeof key, "job %s", job);
    struct state_entry *e = state_get(s->cy->state, key, NULL);
    e->touched_ms = s->cy->at_ms;
    if (e->v[2] == 1 || upto <= 0) return; /* already emitted whole, or not started yet */
    int64_t from = e->v[0] > 0 ? e->v[0] : 0, energy_done = e->v[1] > 0 ? e->v[1] : 0;
    int64_t energy_mj = energy_j > energy_done ? (energy_j - energy_done) * 1000 : 0;
    struct usage_event proto;
    memset(&proto, 0, sizeof proto);
    strcpy(proto.account, account);
    strcpy(proto.job, job);
    for (int t = 0; t < ntypes && (upto > from || energy_mj > 0); t++) {
        memcpy(proto.model, gpus[t].model, sizeof proto.model);
        snprintf(proto.vendor, sizeof proto.vendor, "%s",
                 gpus[t].vendor ? gpus[t].vendor : vendor_of(gpus[t].model));
        int64_t energy = t ? 0 : energy_mj;
        if (upto > from) {
            emit_pieces(s, &proto, gpus[t].count, start + from, start + upto, energy);
        } else if (energy > 0) { /* energy reported after the time was emitted */
            struct usage_event ev = proto;
            ev.start_ms = ev.end_ms = start + from;
            ev.energy_mj = energy;
            ev.has = EVENT_HAS_ENERGY;
            cycle_emit(s->cy, NULL, &ev);
        }
    }
    e->v[0] = upto > from ? upto : from;
    if (energy_j > energy_done) e->v[1] = energy_j;
    e->v[2] = finished ? 1 : 0;
}

/* The row's fields, one per header column. A row whose fields do not line
 * up with the header (a '|' in a free-text column that cannot be placed,
 * a line broken in two) may hold billable time nobody can read: it is
 * refused, and the run fails rather than skip it quietly. */
static bool row_fields(struct sacct *s, struct text line, struct text *f, long lineno)
{
    if (s->nfree == 1) {
        if (split_around(line, s->nfields, (size_t)s->free_col, f)) return true;
        rejects_refused_row(s->r, lineno, "fewer fields than the header's %zu", s->nfields);
        return false;
    }
    size_t nf = split(line, f);
    if (nf == s->nfields) return true;
    if (nf > s->nfields && s->nfree > 1)
        rejects_refused_row(s->r, lineno,
                           "%zu fields where the header has %zu, and %d free-text columns "
                           "(JobName, WorkDir, ...) could each hold the extra '|'",
                           nf, s->nfields, s->nfree);
    else
        rejects_refused_row(s->r, lineno, "%zu fields where the header has %zu", nf, s->nfields);
    return false;
}

void sacct_collect(struct cycle *cy, const char *text, size_t len, const struct sacct_opts *o,
                   struct rejects *r)
{
    struct sacct s = {.cy = cy, .o = o, .r = r};
    struct text f[MAX_FIELDS + 1];
    bool have_header = false;
    if (o->columns) have_header = header(&s, (struct text){o->columns, strlen(o->columns)}, 0);
    if (o->columns && !have_header) return;
    state_init(&s.seen);
    struct line_reader lr = {text, text + len, 0};
    struct line l;
    while (rejects_line_next(&lr, &l)) {
        long lineno = lr.lineno;
        struct text line = {l.p, l.n};
        while (line.n && line.p[line.n - 1] == ' ')
            line.n--;
        if (line.n == 0 || line.p[0] == '#') continue;
        if (!have_header) {
            if (!(have_header = header(&s, line, lineno))) break;
            continue;
        }
        if (s.trailing_bar && line.p[line.n - 1] == '|') line.n--;
        if (!l.terminated) {
            rejects_bad_line(r, lineno, "last line cut off (no newline at the end)");
            break;
        }
        if (!row_fields(&s, line, f, lineno)) continue;
        job_row(&s, f, lineno);
    }
    /* --parsable2 prints its header even with no job to list: without one
     * (an empty output, a sacct that failed) nothing says there were no
     * jobs, so the input is unusable, as an empty scrape is. */
    if (!have_header && !s.r->unusable[0])
        rejects_unusable(r, "no header line: sacct --parsable2 prints one even with no job "
                            "(give --columns for --noheader output)");
    state_free(&s.seen);
}
