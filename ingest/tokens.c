/* tokens: trainer token reports to token events (see jobs.h). */
#include "core/log.h"
#include "core/timeutil.h"
#include "ingest/jobs.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct report_line {
    const char *job, *account;
    int64_t tokens, model_params, time_ms, start_ms;
    bool has_params, has_start;
};

static const char *get_count(const cJSON *o, const char *name, bool required, int64_t *out,
                             bool *has)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    if (has) *has = it != NULL;
    if (!it) return required ? "missing" : NULL;
    double v = cJSON_IsNumber(it) ? it->valuedouble : NAN;
    if (!(v >= 0 && v <= (double)EVENT_INT_MAX) || v != floor(v)) return "not a whole number";
    *out = (int64_t)v; /* below 2^53 the double is the integer */
    return NULL;
}

static const char *get_time(const cJSON *o, const char *name, int64_t *out, bool *has)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    if (has) *has = it != NULL;
    if (!it) return has ? NULL : "missing";
    if (!cJSON_IsString(it) || !time_parse_rfc3339(it->valuestring, out))
        return "not an RFC 3339 UTC time";
    return NULL;
}

static const char *get_ident(const cJSON *o, const char *name, const char **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!it) return "missing";
    if (!cJSON_IsString(it) || !ident_valid(it->valuestring, 129))
        return "not a printable string of 1 to 128 bytes";
    *out = it->valuestring;
    return NULL;
}

/* Validates one report; on failure names the field and the problem. */
static bool parse_report(const cJSON *o, struct report_line *l, char *why, size_t cap)
{
    const char *field, *err = NULL;
    if (!cJSON_IsObject(o)) {
        snprintf(why, cap, "not a JSON object");
        return false;
    }
    if ((err = get_ident(o, field = "job", &l->job)) ||
        (err = get_ident(o, field = "account", &l->account)) ||
        (err = get_count(o, field = "tokens", true, &l->tokens, NULL)) ||
        (err = get_count(o, field = "model_params", false, &l->model_params, &l->has_params)) ||
        (err = get_time(o, field = "time", &l->time_ms, NULL)) ||
        (err = get_time(o, field = "start", &l->start_ms, &l->has_start))) {
        snprintf(why, cap, "field \"%s\" %s", field, err);
        return false;
    }
    if (l->has_start && l->start_ms > l->time_ms) l->start_ms = l->time_ms;
    return true;
}

static void meter(struct cycle *cy, const struct report_line *l)
{
    char key[160];
    snprintf(key, sizeof key, "tok %s", l->job);
    bool created;
    struct state_entry *e = state_get(cy->state, key, &created);
    int64_t mark = created ? 0 : e->v[0], last_ms = e->v[1];
    if (!created && l->tokens < e->v[2])
        log_info("job %s went back from %lld to %lld tokens (restart from a checkpoint); "
                 "tokens up to its high-water mark %lld are not billed again",
                 l->job, (long long)e->v[2], (long long)l->tokens, (long long)mark);
    if (l->tokens > mark) {
        struct usage_event ev;
        memset(&ev, 0, sizeof ev);
        snprintf(ev.account, sizeof ev.account, "%s", l->account);
        snprintf(ev.job, sizeof ev.job, "%s", l->job);
        ev.end_ms = l->time_ms;
        ev.start_ms = created ? (l->has_start ? l->start_ms : l->time_ms)
                              : (last_ms >= 0 && last_ms <= l->time_ms ? last_ms : l->time_ms);
        if (ev.end_ms - ev.start_ms > EVENT_MAX_SPAN) ev.start_ms = ev.end_ms - EVENT_MAX_SPAN;
        ev.tokens = l->tokens - mark;
        ev.has = EVENT_HAS_TOKENS;
        if (l->has_params) {
            ev.model_params = l->model_params;
            ev.has |= EVENT_HAS_MODEL_PARAMS;
        }
        cycle_emit(cy, NULL, &ev);
        e->v[0] = l->tokens;
    } else if (created) {
        e->v[0] = 0;
    }
    if (l->time_ms > last_ms) e->v[1] = l->time_ms;
    e->v[2] = l->tokens;
    e->touched_ms = cy->at_ms;
}

long tokens_collect(struct cycle *cy, const char *text, size_t len, struct report *r)
{
    long accepted = 0;
    struct line_reader lr = {text, text + len, 0};
    struct line ln;
    while (line_next(&lr, &ln)) {
        long lineno = lr.lineno;
        const char *line = ln.p;
        size_t n = ln.n;
        size_t blank = 0;
        while (blank < n && (line[blank] == ' ' || line[blank] == '\t' || line[blank] == '\r'))
            blank++;
        if (blank == n) continue;
        cJSON *o = cJSON_ParseWithLength(line, n);
        struct report_line l;
        char why[160];
        if (!o) {
            report_bad_line(r, lineno, "not valid JSON");
        } else if (!parse_report(o, &l, why, sizeof why)) {
            report_bad_line(r, lineno, "%s", why);
        } else {
            meter(cy, &l);
            accepted++;
        }
        cJSON_Delete(o);
    }
    return accepted;
}
