/* trainer_log: Megatron-LM and torchtitan logs to token reports (see
 * trainer_log.h). */
#include "core/event.h"
#include "core/invariant.h"
#include "core/timeutil.h"
#include "ingest/tokens.h"
#include "ingest/trainer_log.h"

#include <stdio.h>
#include <string.h>

bool trainer_log_format_parse(const char *s, enum trainer_log_format *out)
{
    static const char *const names[] = {"jsonl", "megatron", "torchtitan"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i])) {
            *out = (enum trainer_log_format)i;
            return true;
        }
    return false;
}

/* The first occurrence of needle in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *needle)
{
    size_t k = strlen(needle);
    for (; p && (size_t)(end - p) >= k; p++)
        if (!memcmp(p, needle, k)) return p;
    return NULL;
}

/* The whole number after optional spaces, whatever follows it (Megatron's
 * "iteration      122/  250000"): digits only (no sign, no thousands
 * separator), at most EVENT_INT_MAX. Past its digits, or NULL. */
static const char *leading_count(const char *p, const char *end, int64_t *out)
{
    while (p < end && *p == ' ')
        p++;
    if (p == end || *p < '0' || *p > '9') return NULL;
    int64_t v = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (v > (EVENT_INT_MAX - (*p - '0')) / 10) return NULL;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return p;
}

/* A decimal count (leading_count) that ends its field: followed by the
 * line's end, a space, '|' or a tab. */
static bool read_count(const char *p, const char *end, int64_t *out)
{
    p = leading_count(p, end, out);
    return p && (p == end || *p == ' ' || *p == '|' || *p == '\t');
}

static bool two_digits(const char *p, int *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return false;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

/* "YYYY-MM-DD HH:MM:SS" with an optional ",fff" or ".fff" (Python logging
 * and Megatron's strftime) anywhere in [p, end), read in local time at
 * offset_ms. The first one found wins. */
static bool find_time(const char *p, const char *end, int64_t offset_ms, int64_t *ms)
{
    for (; end - p >= 19; p++) {
        char date[11];
        int h, mi, s;
        memcpy(date, p, 10);
        date[10] = '\0';
        int64_t days;
        if (p[10] != ' ' || p[13] != ':' || p[16] != ':' || !time_parse_date(date, &days) ||
            !two_digits(p + 11, &h) || !two_digits(p + 14, &mi) || !two_digits(p + 17, &s) ||
            h > 23 || mi > 59 || s > 59)
            continue;
        int64_t frac = 0;
        int tens, last; /* milliseconds: three digits */
        if (end - p >= 23 && (p[19] == ',' || p[19] == '.') && two_digits(p + 20, &tens) &&
            two_digits(p + 21, &last))
            frac = tens * 10 + (p[22] - '0');
        *ms = ((days * 24 + h) * 3600 + mi * 60 + s) * MS_PER_SECOND + frac - offset_ms;
        return true;
    }
    return false;
}

/* `  <name> ...... 4096` of the arguments Megatron-LM prints at start
 * (name with its trailing space: "seq_length ", "global_batch_size "). */
static bool logged_argument(const struct line *ln, const char *name, int64_t *out)
{
    const char *p = ln->p, *end = ln->p + ln->n;
    size_t k = strlen(name);
    while (p < end && *p == ' ')
        p++;
    if ((size_t)(end - p) < k || memcmp(p, name, k)) return false;
    for (p += k; p < end && (*p == ' ' || *p == '.');)
        p++;
    return read_count(p, end, out) && *out > 0;
}

/* The "global batch size: N" of a Megatron iteration line (AscendSpeed
 * prints it "gloabl batch size:"); false when absent. */
static bool line_global_batch(const struct line *ln, int64_t *out)
{
    const char *end = ln->p + ln->n, *key = find(ln->p, end, "global batch size:");
    if (!key) key = find(ln->p, end, "gloabl batch size:");
    return key && read_count(key + 18, end, out) && *out > 0;
}

/* a * b, or INT64_MAX when it does not fit: a bound no count can pass. */
static int64_t bound_product(int64_t a, int64_t b)
{
    assert(a >= 0 && b > 0);
    return a > INT64_MAX / b ? INT64_MAX : a * b;
}

/* What the whole log says of the run, read before its counts. */
struct run_facts {
    int64_t seq;          /* megatron: tokens per sample, 0 unknown */
    int64_t global_batch; /* megatron: the largest global batch size, 0 unknown */
};

/* Megatron: whether a line's cumulative counts could have been consumed
 * in its iterations: consumed samples at most iteration x the run's
 * largest global batch size (a ramp-up's batches are smaller; a restart
 * from a checkpoint continues both counters), its consumed tokens at most
 * that x the sequence length when known. False with why: one absurd line
 * would otherwise set the high-water mark for good. */
static bool megatron_plausible(const struct line *ln, const char *head, int64_t samples,
                               const int64_t *tokens, const struct run_facts *f, char *why,
                               size_t cap)
{
    if (!f->global_batch) return true; /* the run states none: nothing to bound by */
    const char *end = ln->p + ln->n;
    int64_t iter;
    if (!head || !leading_count(head + 9, end, &iter)) {
        snprintf(why, cap, "no iteration number: its consumed samples cannot be checked");
        return false;
    }
    int64_t most = bound_product(iter, f->global_batch);
    if (samples > most) {
        snprintf(why, cap,
                 "consumed samples %lld exceed iteration %lld x the run's largest global batch "
                 "size %lld",
                 (long long)samples, (long long)iter, (long long)f->global_batch);
        return false;
    }
    if (tokens && f->seq && *tokens > bound_product(most, f->seq)) {
        snprintf(why, cap,
                 "consumed tokens %lld exceed iteration %lld x global batch size %lld x "
                 "seq_length %lld",
                 (long long)*tokens, (long long)iter, (long long)f->global_batch,
                 (long long)f->seq);
        return false;
    }
    return true;
}

/* The whole "consumed tokens: N" that Megatron-DeepSpeed (and the forks
 * built on it: AscendSpeed, ModelLink) print beside consumed samples: the
 * tokens the run counted itself, exact where sequences vary (curriculum
 * learning, packing). False when absent or not a whole number (a fork that
 * prints "1.258B"), then consumed samples x sequence length is used. */
static bool consumed_tokens(const struct line *ln, int64_t *out)
{
    const char *end = ln->p + ln->n, *key = find(ln->p, end, "consumed tokens:");
    return key && read_count(key + 16, end, out);
}

/* One step line: its cumulative tokens and time, or false with why (the
 * line is refused: it may hold usage). *timeless says a count was there
 * but no timestamp: a bad line, or with o->untimed_at_collection a count
 * at collection_ms. */
static bool read_step(const struct line *ln, const struct trainer_log_opts *o,
                      const struct run_facts *f, int64_t collection_ms,
                      struct tokens_report *rep, bool *timeless, char *why, size_t cap)
{
    const char *p = ln->p, *end = ln->p + ln->n;
    const bool meg = o->format == TRAINER_LOG_MEGATRON;
    const char *key = find(p, end, meg ? "consumed samples:" : "step:");
    const char *head = meg ? find(p, end, "iteration") : key;
    int64_t count, per = meg ? f->seq : o->tokens_per_step;
    *timeless = false;
    if (!read_count(key + (meg ? 17 : 5), end, &count)) {
        snprintf(why, cap, "%s is not a whole number", meg ? "consumed samples" : "step");
        return false;
    }
    if (!meg && count > TRAINER_LOG_MAX_STEP) {
        snprintf(why, cap, "step %lld is above %lld: no run takes that many steps",
                 (long long)count, (long long)TRAINER_LOG_MAX_STEP);
        return false;
    }
    int64_t tokens;
    bool has_tokens = meg && consumed_tokens(ln, &tokens);
    if (meg && !megatron_plausible(ln, head, count, has_tokens ? &tokens : NULL, f, why, cap))
        return false;
    if (has_tokens) {
        count = tokens; /* the run's own token count */
        per = 1;
    } else if (!per) {
        snprintf(why, cap, "no consumed tokens and no sequence length: give --seq-length");
        return false;
    }
    if (count > 0 && per > EVENT_INT_MAX / count) {
        snprintf(why, cap, "%lld x %lld tokens is beyond the largest count an event carries",
                 (long long)count, (long long)per);
        return false;
    }
    rep->tokens = count * per;
    if (!find_time(p, head ? head : key, o->utc_offset_ms, &rep->time_ms)) {
        *timeless = true;
        rep->time_ms = collection_ms; /* what it had consumed by the collection */
        if (o->untimed_at_collection) return true;
        snprintf(why, cap, "no timestamp before the %s: the count cannot be placed in time",
                 meg ? "iteration" : "step");
        return false;
    }
    return true;
}

/* A line that carries a count: Megatron's iteration line, torchtitan's
 * training metrics line (its validation lines have no tps). */
static bool is_step_line(const struct line *ln, enum trainer_log_format f)
{
    const char *end = ln->p + ln->n;
    if (f == TRAINER_LOG_MEGATRON) return find(ln->p, end, "consumed samples:") != NULL;
    /* the rate is "tps:" since late 2024, "wps:" (words) before */
    return find(ln->p, end, "step:") && find(ln->p, end, "loss:") &&
           (find(ln->p, end, "tps:") || find(ln->p, end, "wps:"));
}

long trainer_log_collect(struct cycle *cy, const char *text, size_t len,
                         const struct trainer_log_opts *o, struct rejects *r)
{
    assert(o->format == TRAINER_LOG_MEGATRON || o->format == TRAINER_LOG_TORCHTITAN);
    struct line_reader lr = {text, text + len, 0};
    struct line ln;
    int64_t seq = o->seq_length, logged = 0, tokens, batch, args_batch = 0, lines_batch = 0;
    struct run_facts facts = {0};
    bool counts_tokens = false; /* a step line carries a whole consumed tokens */
    if (o->format == TRAINER_LOG_MEGATRON) {
        while (rejects_line_next(&lr, &ln)) {
            if (!logged) logged_argument(&ln, "seq_length ", &logged);
            if (logged_argument(&ln, "global_batch_size ", &batch) && batch > args_batch)
                args_batch = batch; /* a restart prints its arguments again */
            if (is_step_line(&ln, o->format) && line_global_batch(&ln, &batch) &&
                batch > lines_batch)
                lines_batch = batch;
            if (!counts_tokens && is_step_line(&ln, o->format))
                counts_tokens = consumed_tokens(&ln, &tokens);
        }
        /* the arguments' global batch is the run's largest (a ramp-up's
         * lines print smaller ones); without them, the lines' largest */
        facts.global_batch = args_batch ? args_batch : lines_batch;
        if (seq && logged && seq != logged) {
            rejects_unusable(r, "--seq-length %lld but the run's arguments say seq_length %lld",
                             (long long)seq, (long long)logged);
            return 0;
        }
        if (!seq) seq = logged;
        facts.seq = seq;
        if (!seq && !counts_tokens) {
            rejects_unusable(r, "no sequence length: give --seq-length (the log prints no "
                                "arguments)");
            return 0;
        }
        lr = (struct line_reader){text, text + len, 0};
    }
    long accepted = 0, steps = 0, timeless_lines = 0;
    /* --untimed collection: the highest count of the unstamped lines, all
     * at the collection time; metered once after the stamped ones, so a
     * collection bills one event from the job's previous time (its
     * previous collection) to this one, whatever lines it re-reads. Under
     * the high-water mark the highest count bills what all of them would. */
    struct tokens_report untimed = {0};
    int64_t stamped_high = -1; /* an unstamped count not above it was consumed before */
    while (rejects_line_next(&lr, &ln)) {
        if (!is_step_line(&ln, o->format)) continue;
        steps++;
        struct tokens_report rep = {.job = o->job, .account = o->account};
        bool timeless = false;
        char why[200];
        if (read_step(&ln, o, &facts, cy->at_ms, &rep, &timeless, why, sizeof why) &&
            tokens_time_ok(cy, rep.time_ms, why, sizeof why)) {
            if (!timeless) {
                tokens_meter(cy, &rep);
                if (rep.tokens > stamped_high) stamped_high = rep.tokens;
            } else if (!untimed.job || rep.tokens > untimed.tokens) {
                untimed = rep;
            }
            accepted++;
        } else {
            timeless_lines += timeless;
            rejects_bad_line(r, lr.lineno, "%s", why);
        }
    }
    if (untimed.job && untimed.tokens > stamped_high) tokens_meter(cy, &untimed);
    if (accepted) return accepted;
    if (timeless_lines == steps && steps)
        rejects_unusable(r, "none of its %ld step lines has a timestamp; a count that cannot be "
                            "placed in time is not billed (give --untimed collection to bill "
                            "them at the collection time)",
                         steps);
    else if (steps)
        rejects_unusable(r, "none of its %ld step lines is usable", steps);
    else
        rejects_unusable(r, "it holds no %s step line",
                         o->format == TRAINER_LOG_MEGATRON ? "Megatron-LM" : "torchtitan");
    return 0;
}
