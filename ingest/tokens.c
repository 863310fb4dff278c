/* tokens: trainer token reports to token events (see tokens.h). */
#include "core/docjson.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "ingest/reporters.h"
#include "ingest/tokens.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* Validates one report; on failure, why names the field and the problem. */
static bool parse_report(const cJSON *o, struct tokens_report *l, char *why, size_t cap)
{
    struct doc_check c = {0};
    const cJSON *it;
    if (doc_object(&c, "$", o)) {
        if ((it = doc_field(&c, "$", o, "job", true))) doc_string(&c, "$.job", it, EVENT_JOB_MAX, &l->job);
        if ((it = doc_field(&c, "$", o, "account", true)))
            doc_string(&c, "$.account", it, 128, &l->account);
        if ((it = doc_field(&c, "$", o, "tokens", true)))
            doc_int(&c, "$.tokens", it, 0, EVENT_INT_MAX, &l->tokens);
        if ((l->has_params = (it = doc_field(&c, "$", o, "model_params", false))))
            doc_int(&c, "$.model_params", it, 0, EVENT_INT_MAX, &l->model_params);
        if ((it = doc_field(&c, "$", o, "time", true))) doc_time(&c, "$.time", it, &l->time_ms);
        if ((l->has_start = (it = doc_field(&c, "$", o, "start", false))))
            doc_time(&c, "$.start", it, &l->start_ms);
    }
    if (c.n) snprintf(why, cap, "%.*s", (int)strcspn(sb_str(&c.errors), "\n"), sb_str(&c.errors));
    sb_free(&c.errors);
    if (c.n) return false;
    if (l->has_start && l->start_ms > l->time_ms) l->start_ms = l->time_ms;
    return true;
}

bool tokens_time_ok(const struct cycle *cy, int64_t time_ms, char *why, size_t cap)
{
    assert(cy->max_future_ms >= 0);
    if (time_ms - cy->at_ms <= cy->max_future_ms) return true;
    char when[TIME_TEXT_LEN], at[TIME_TEXT_LEN];
    time_format_rfc3339(time_ms, when);
    time_format_rfc3339(cy->at_ms, at);
    snprintf(why, cap, "its time %s is after the collection time %s plus %lld s "
                       "(rating.max_future_s): a count from the future is not billed",
             when, at, (long long)(cy->max_future_ms / 1000));
    return false;
}

void tokens_meter(struct cycle *cy, const struct tokens_report *l)
{
    /* One high-water mark per account and job: two customers' jobs called
     * "train" are two jobs. Accounts hold no control characters, so 0x1f
     * separates the two unambiguously. */
    char key[sizeof "tok \x1f" + 128 + EVENT_JOB_MAX]; /* whole: a cut key merges jobs */
    snprintf(key, sizeof key, "tok %s\x1f%s", l->account, l->job);
    bool created;
    struct state_entry *e = state_get(cy->state, key, &created);
    if (created) { /* state written before marks were per account: "tok <job>" */
        char legacy[160];
        snprintf(legacy, sizeof legacy, "tok %s", l->job);
        const struct state_entry *old = state_find(cy->state, legacy);
        if (old) {
            memcpy(e->v, old->v, sizeof e->v);
            created = false;
        }
    }
    int64_t mark = created ? 0 : e->v[0], last_ms = e->v[1];
    if (!created && l->tokens < e->v[2])
        log_info("job %s of %s went back from %lld to %lld tokens (restart from a checkpoint); "
                 "tokens up to its high-water mark %lld are not billed again",
                 l->job, l->account, (long long)e->v[2], (long long)l->tokens, (long long)mark);
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

/* A line of spaces and tabs only, which is no report and no error. */
static bool blank(const struct line *ln)
{
    size_t i = 0;
    while (i < ln->n && (ln->p[i] == ' ' || ln->p[i] == '\t' || ln->p[i] == '\r'))
        i++;
    return i == ln->n;
}

long tokens_collect(struct cycle *cy, const char *text, size_t len, struct rejects *r)
{
    long accepted = 0;
    struct line_reader lr = {text, text + len, 0};
    struct line ln;
    while (rejects_line_next(&lr, &ln)) {
        long lineno = lr.lineno;
        const char *line = ln.p;
        size_t n = ln.n;
        if (blank(&ln)) continue;
        struct doc_check c = {0};
        cJSON *o = doc_parse(line, n, &c);
        struct tokens_report l;
        char why[160];
        if (!o) {
            rejects_bad_line(r, lineno, "%.*s", (int)strcspn(sb_str(&c.errors), "\n"),
                            sb_str(&c.errors));
        } else if (!parse_report(o, &l, why, sizeof why) ||
                   !tokens_time_ok(cy, l.time_ms, why, sizeof why)) {
            rejects_bad_line(r, lineno, "%s", why);
        } else {
            tokens_meter(cy, &l);
            accepted++;
        }
        cJSON_Delete(o);
        sb_free(&c.errors);
    }
    if (!accepted && r->bad)
        rejects_unusable(r, "none of its %ld reports is usable", r->bad);
    else if (!accepted)
        rejects_unusable(r, "it holds no report");
    return accepted;
}

long tokens_foreign_line(const char *text, size_t len, const char *patterns, char *account,
                         size_t cap)
{
    struct line_reader lr = {text, text + len, 0};
    struct line ln;
    long foreign = 0;
    while (!foreign && rejects_line_next(&lr, &ln)) {
        if (blank(&ln)) continue;
        struct doc_check c = {0};
        cJSON *o = doc_parse(ln.p, ln.n, &c);
        const cJSON *a = o ? cJSON_GetObjectItemCaseSensitive(o, "account") : NULL;
        if (cJSON_IsString(a) && !reporters_may_report(patterns, a->valuestring)) {
            snprintf(account, cap, "%s", a->valuestring);
            foreign = lr.lineno;
        }
        cJSON_Delete(o);
        sb_free(&c.errors);
    }
    return foreign;
}
