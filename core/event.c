/* event: decode, validate and encode usage events v1 (see event.h). */
#include "event.h"

#include "json.h"
#include "meter.h"
#include "timeutil.h"
#include "utf8.h"

#include "invariant.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The fields this version reads, found in one pass over the object. */
enum field {
    F_V,
    F_SOURCE,
    F_SEQ,
    F_ACCOUNT,
    F_CLUSTER,
    F_SITE,
    F_START,
    F_END,
    F_QTY, /* the meters' quantities, F_QTY + METER_COUNT - 1 the last */
    F_PARAMS = F_QTY + METER_COUNT,
    F_MODEL,
    F_VENDOR,
    F_JOB,
    F_SIG,
    F_KIND,
    F_NODE,
    F_DEVICES,
    F_ALLOCATED,
    F_IDLE_ENERGY,
    F_DEVICE,
    F_STATE,
    F_REASONS,
    NFIELDS
};
/* The names of the fields; a meter's quantity is named by its code. */
static const char *const other_name[NFIELDS] = {
    [F_V] = "v",           [F_SOURCE] = "source",     [F_SEQ] = "seq",
    [F_ACCOUNT] = "account", [F_CLUSTER] = "cluster", [F_SITE] = "site",
    [F_START] = "start",   [F_END] = "end",           [F_PARAMS] = "model_params",
    [F_MODEL] = "model",   [F_VENDOR] = "vendor",     [F_JOB] = "job",
    [F_SIG] = "sig",       [F_KIND] = "kind",         [F_NODE] = "node",
    [F_DEVICES] = "devices", [F_ALLOCATED] = "allocated_ms", [F_IDLE_ENERGY] = "idle_energy_mj",
    [F_DEVICE] = "device", [F_STATE] = "state",   [F_REASONS] = "reasons"};

static const char *field_name(int f)
{
    return f >= F_QTY && f < F_QTY + METER_COUNT ? meter_rows[f - F_QTY].code : other_name[f];
}

struct decoder {
    struct json_token field[NFIELDS]; /* kind JSON_ERROR (0) when absent */
    const char *end;                  /* the message's end: an array is read again from its '[' */
    char *reason;
    size_t reason_len;
};

static enum event_error fail(struct decoder *d, enum event_error err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum event_error fail(struct decoder *d, enum event_error err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->reason, d->reason_len, fmt, ap);
    va_end(ap);
    return err;
}

/* Whether the n bytes at p are name, compared as they go: every message
 * names a dozen fields, and a strlen of each candidate name per key was
 * a quarter of event_decode's own time. */
static bool name_is(const char *p, size_t n, const char *name)
{
    size_t i = 0;
    while (i < n && name[i] && name[i] == p[i])
        i++;
    return i == n && name[i] == '\0';
}

static int field_index(const struct json_token *key)
{
    char name[32];
    const char *p = key->p;
    size_t n = key->n;
    if (key->escaped) { /* "\u0073ource" is "source" too */
        long len = json_string(key, name, sizeof name);
        if (len < 0) return -1;
        p = name, n = (size_t)len;
    }
    if (n == 0 || n >= sizeof name) return -1;
    for (int k = 0; k < NFIELDS; k++)
        if (p[0] == field_name(k)[0] && name_is(p, n, field_name(k))) return k;
    return -1;
}

/* One pass over the object: the value token of every field this version
 * reads; unknown members are skipped (their JSON still has to be valid). */
static enum event_error index_fields(struct decoder *d, const char *buf, size_t len)
{
    struct json_reader r;
    struct json_token t;
    json_reader_init(&r, buf, len);
    if (json_next(&r, &t) != JSON_OBJECT)
        return t.kind == JSON_ERROR
                   ? fail(d, EVENT_ERR_JSON, "message is not valid JSON: %s at byte %zu", r.error,
                          r.error_at)
                   : fail(d, EVENT_ERR_JSON, "message is not a JSON object");
    enum json_kind k;
    while ((k = json_next(&r, &t)) == JSON_KEY) {
        int f = field_index(&t);
        if (json_next(&r, &t) == JSON_ERROR || !json_skip(&r, &t)) break;
        if (f < 0) continue;
        if (d->field[f].kind != JSON_ERROR)
            return fail(d, EVENT_ERR_INVALID, "field \"%s\" appears twice", field_name(f));
        d->field[f] = t;
    }
    if (k == JSON_OBJECT_END && json_next(&r, &t) == JSON_EOF) return EVENT_OK;
    return fail(d, EVENT_ERR_JSON, "message is not valid JSON: %s at byte %zu", r.error,
                r.error_at);
}

/* Whole numbers only, spelled as digits ("3.6e6" and "-0" are not), within
 * the range every JSON parser holds exactly. */
static enum event_error get_int(struct decoder *d, enum field f, bool required, int64_t min,
                                int64_t *out, bool *present)
{
    const char *name = field_name(f);
    const struct json_token *t = &d->field[f];
    *present = t->kind != JSON_ERROR;
    if (!*present)
        return required ? fail(d, EVENT_ERR_MISSING, "missing field \"%s\"", name) : EVENT_OK;
    uint64_t v;
    if (!json_uint(t, EVENT_INT_MAX, &v) || (int64_t)v < min)
        return fail(d, EVENT_ERR_INVALID, "field \"%s\" must be a whole number from %lld to %lld",
                    name, (long long)min, EVENT_INT_MAX);
    *out = (int64_t)v;
    return EVENT_OK;
}

static enum event_error get_str(struct decoder *d, enum field f, bool required, char *out,
                                size_t cap)
{
    const char *name = field_name(f);
    const struct json_token *t = &d->field[f];
    out[0] = '\0';
    if (t->kind == JSON_ERROR)
        return required ? fail(d, EVENT_ERR_MISSING, "missing field \"%s\"", name) : EVENT_OK;
    if (t->kind != JSON_STRING)
        return fail(d, EVENT_ERR_INVALID, "field \"%s\" must be a string", name);
    long n = json_string(t, out, cap);
    if ((required && n == 0) || n < 0)
        return fail(d, EVENT_ERR_INVALID, "field \"%s\" must be 1 to %zu bytes long", name,
                    cap - 1);
    const char *why = utf8_ident_problem(out, (size_t)n);
    if (why) return fail(d, EVENT_ERR_INVALID, "field \"%s\" %s", name, why);
    return EVENT_OK;
}

static enum event_error get_time(struct decoder *d, enum field f, int64_t *out)
{
    const char *name = field_name(f);
    char s[40];
    enum event_error e = get_str(d, f, true, s, sizeof s);
    if (e) return e;
    if (!time_parse_rfc3339(s, out))
        return fail(d, EVENT_ERR_INVALID,
                    "field \"%s\" must be an RFC 3339 UTC time like 2026-10-01T08:00:00Z", name);
    return EVENT_OK;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        enum event_error e_ = (expr);                                                              \
        if (e_) return e_;                                                                         \
    } while (0)

static enum event_error decode_quantity(struct decoder *d, enum field f, unsigned bit, int64_t *out,
                                        unsigned *has)
{
    bool present;
    enum event_error e = get_int(d, f, false, 0, out, &present);
    if (e) return e == EVENT_ERR_INVALID ? EVENT_ERR_QUANTITY : e;
    if (present) *has |= bit;
    return EVENT_OK;
}

static enum event_error check_plausible(struct decoder *d, const struct usage_event *ev)
{
    int64_t window = ev->end_ms - ev->start_ms;
    for (int m = 0; m < METER_COUNT; m++) {
        int64_t per_ms = meter_rows[m].max_per_window_ms;
        if (!(ev->has & EVENT_HAS_QTY(m))) continue;
        if (per_ms && ev->qty[m] > window * per_ms)
            return fail(d, EVENT_ERR_QUANTITY, "absurd \"%s\": more than %lld %s",
                        meter_rows[m].code, (long long)per_ms, meter_rows[m].max_what);
        if (m != METER_ENERGY && ev->qty[m] > EVENT_MAX_STANDALONE)
            return fail(d, EVENT_ERR_QUANTITY, "absurd \"%s\": more than 10^15 in one event",
                        meter_rows[m].code);
    }
    if ((ev->has & EVENT_HAS_ENERGY) && ((ev->has & EVENT_HAS_GPU_MS) && ev->gpu_ms > 0
                                             ? ev->energy_mj > ev->gpu_ms * EVENT_MAX_MJ_PER_GPU_MS
                                             : ev->energy_mj > EVENT_MAX_STANDALONE))
        return fail(d, EVENT_ERR_QUANTITY,
                    "absurd \"energy_mj\": more than 10 kW per accelerator or 10^15 mJ");
    return EVENT_OK;
}

static bool present(const struct decoder *d, enum field f)
{
    return d->field[f].kind != JSON_ERROR;
}

/* Fields of the other kind are refused, so that no reader takes a capacity
 * event for usage or the other way round. */
static enum event_error refuse(struct decoder *d, const enum field *f, size_t n, const char *kind)
{
    for (size_t i = 0; i < n; i++)
        if (present(d, f[i]))
            return fail(d, EVENT_ERR_INVALID, "field \"%s\" does not belong in a %s event",
                        field_name(f[i]), kind);
    return EVENT_OK;
}

/* The usage fields (account, job, model_params and every quantity) and
 * three fields of the third kind, refused in an event of this kind. */
static enum event_error refuse_usage_and(struct decoder *d, const enum field other[3],
                                         const char *kind)
{
    enum field not_kind[6 + METER_COUNT] = {F_ACCOUNT, F_JOB,    F_PARAMS,
                                            other[0],  other[1], other[2]};
    for (int m = 0; m < METER_COUNT; m++)
        not_kind[6 + m] = F_QTY + m;
    return refuse(d, not_kind, 6 + METER_COUNT, kind);
}

static enum event_error decode_usage(struct decoder *d, struct usage_event *ev)
{
    static const enum field not_usage[] = {F_NODE,   F_DEVICES, F_ALLOCATED, F_IDLE_ENERGY,
                                           F_DEVICE, F_STATE,   F_REASONS};
    TRY(refuse(d, not_usage, sizeof not_usage / sizeof not_usage[0], "usage"));
    TRY(get_str(d, F_ACCOUNT, true, ev->account, sizeof ev->account));
    for (int m = 0; m < METER_COUNT; m++)
        TRY(decode_quantity(d, F_QTY + m, EVENT_HAS_QTY(m), &ev->qty[m], &ev->has));
    TRY(decode_quantity(d, F_PARAMS, EVENT_HAS_MODEL_PARAMS, &ev->model_params, &ev->has));
    TRY(check_plausible(d, ev));
    if (!(ev->has & EVENT_HAS_ANY_QTY))
        return fail(d, EVENT_ERR_MISSING, "missing quantity: one of %s is required",
                    meter_code_list());
    bool accel = event_on_hardware(ev);
    TRY(get_str(d, F_MODEL, accel, ev->model, sizeof ev->model));
    TRY(get_str(d, F_VENDOR, accel, ev->vendor, sizeof ev->vendor));
    return get_str(d, F_JOB, false, ev->job, sizeof ev->job);
}

/* A node's devices over the window: installed time is devices x window,
 * of which allocated_ms was allocated; idle_energy_mj is what the idle
 * part drew (absent when the node reports no energy). */
static enum event_error decode_capacity(struct decoder *d, struct usage_event *ev)
{
    static const enum field health_only[] = {F_DEVICE, F_STATE, F_REASONS};
    TRY(refuse_usage_and(d, health_only, "capacity"));
    TRY(get_str(d, F_NODE, true, ev->node, sizeof ev->node));
    TRY(get_str(d, F_MODEL, true, ev->model, sizeof ev->model));
    TRY(get_str(d, F_VENDOR, true, ev->vendor, sizeof ev->vendor));
    bool has;
    TRY(get_int(d, F_DEVICES, true, 1, &ev->devices, &has));
    if (ev->devices > EVENT_MAX_ACCELERATORS)
        return fail(d, EVENT_ERR_QUANTITY, "absurd \"devices\": more than %lld on one node",
                    EVENT_MAX_ACCELERATORS);
    int64_t installed = ev->devices * (ev->end_ms - ev->start_ms);
    enum event_error e = get_int(d, F_ALLOCATED, true, 0, &ev->allocated_ms, &has);
    if (e) return e == EVENT_ERR_INVALID ? EVENT_ERR_QUANTITY : e;
    if (ev->allocated_ms > installed)
        return fail(d, EVENT_ERR_QUANTITY,
                    "\"allocated_ms\" is more than \"devices\" times the window");
    TRY(decode_quantity(d, F_IDLE_ENERGY, EVENT_HAS_IDLE_ENERGY, &ev->idle_energy_mj, &ev->has));
    if ((ev->has & EVENT_HAS_IDLE_ENERGY) &&
        ev->idle_energy_mj / EVENT_MAX_MJ_PER_GPU_MS > installed - ev->allocated_ms)
        return fail(d, EVENT_ERR_QUANTITY,
                    "absurd \"idle_energy_mj\": more than 10 kW per idle accelerator");
    return EVENT_OK;
}

static const char *const state_name[] = {
    [HEALTH_UP] = "up", [HEALTH_DEGRADED] = "degraded", [HEALTH_DOWN] = "down"};

/* A reason code is the table's spelling (core/health_reasons.h): lower-case
 * letters, digits and "_:.-". Its form is checked, not its presence in
 * this build's table, so that a collector that knows a newer reason is not
 * dead-lettered by an older rater (docs/event-contract.md). */
static bool reason_code_ok(const char *s)
{
    return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_:.-") == strlen(s);
}

/* "reasons": an array of 0 to EVENT_MAX_REASONS distinct codes, read again
 * from its '[' (index_fields kept its first token). */
static enum event_error decode_reasons(struct decoder *d, struct usage_event *ev)
{
    const struct json_token *t = &d->field[F_REASONS];
    if (t->kind == JSON_ERROR) return EVENT_OK;
    if (t->kind != JSON_ARRAY)
        return fail(d, EVENT_ERR_INVALID, "field \"reasons\" must be an array of reason codes");
    struct json_reader r;
    struct json_token e;
    json_reader_init(&r, t->p, (size_t)(d->end - t->p));
    json_next(&r, &e); /* the '[' */
    while (json_next(&r, &e) != JSON_ARRAY_END) {
        if (ev->nreasons == EVENT_MAX_REASONS)
            return fail(d, EVENT_ERR_INVALID, "field \"reasons\" has more than %d codes",
                        EVENT_MAX_REASONS);
        char *code = ev->reasons[ev->nreasons];
        if (e.kind != JSON_STRING || json_string(&e, code, EVENT_REASON_MAX + 1) < 0 ||
            !reason_code_ok(code))
            return fail(d, EVENT_ERR_INVALID,
                        "field \"reasons\" item %d must be a reason code of 1 to %d lower-case "
                        "letters, digits or \"_:.-\"",
                        ev->nreasons + 1, EVENT_REASON_MAX);
        for (int k = 0; k < ev->nreasons; k++)
            if (!strcmp(ev->reasons[k], code))
                return fail(d, EVENT_ERR_INVALID, "field \"reasons\" names \"%s\" twice", code);
        ev->nreasons++;
    }
    return EVENT_OK;
}

/* One device's state over the window: up with no reason, degraded or
 * down with at least one, so that every minute not up says why. */
static enum event_error decode_health(struct decoder *d, struct usage_event *ev)
{
    static const enum field capacity_only[] = {F_DEVICES, F_ALLOCATED, F_IDLE_ENERGY};
    TRY(refuse_usage_and(d, capacity_only, "health"));
    TRY(get_str(d, F_NODE, true, ev->node, sizeof ev->node));
    TRY(get_str(d, F_DEVICE, true, ev->device, sizeof ev->device));
    TRY(get_str(d, F_MODEL, true, ev->model, sizeof ev->model));
    TRY(get_str(d, F_VENDOR, true, ev->vendor, sizeof ev->vendor));
    char state[16];
    TRY(get_str(d, F_STATE, true, state, sizeof state));
    int s = HEALTH_UP;
    while (s <= HEALTH_DOWN && strcmp(state, state_name[s]))
        s++;
    if (s > HEALTH_DOWN)
        return fail(d, EVENT_ERR_INVALID,
                    "field \"state\" must be \"up\", \"degraded\" or \"down\"");
    ev->state = (enum health_state)s;
    TRY(decode_reasons(d, ev));
    if (ev->state == HEALTH_UP && ev->nreasons)
        return fail(d, EVENT_ERR_INVALID,
                    "field \"reasons\" must be empty when \"state\" is \"up\"");
    if (ev->state != HEALTH_UP && !ev->nreasons)
        return fail(d, EVENT_ERR_MISSING, "missing field \"reasons\": a %s device needs one",
                    state_name[ev->state]);
    return EVENT_OK;
}

static enum event_error decode_fields(struct decoder *d, struct usage_event *ev)
{
    bool has;
    int64_t version = 0;
    TRY(get_int(d, F_V, true, 0, &version, &has));
    if (version != EVENT_VERSION)
        return fail(d, EVENT_ERR_VERSION,
                    "event version %lld is not supported (this build reads %d)", (long long)version,
                    EVENT_VERSION);
    char kind[16];
    if (present(d, F_KIND)) {
        TRY(get_str(d, F_KIND, true, kind, sizeof kind));
        if (!strcmp(kind, "capacity"))
            ev->kind = EVENT_KIND_CAPACITY;
        else if (!strcmp(kind, "health"))
            ev->kind = EVENT_KIND_HEALTH;
        else if (strcmp(kind, "usage"))
            return fail(d, EVENT_ERR_INVALID,
                        "field \"kind\" must be \"usage\", \"capacity\" or \"health\"");
    }
    TRY(get_str(d, F_SOURCE, true, ev->source, sizeof ev->source));
    TRY(get_int(d, F_SEQ, true, 1, &ev->seq, &has));
    TRY(get_str(d, F_CLUSTER, true, ev->cluster, sizeof ev->cluster));
    TRY(get_str(d, F_SITE, true, ev->site, sizeof ev->site));
    TRY(get_time(d, F_START, &ev->start_ms));
    TRY(get_time(d, F_END, &ev->end_ms));
    if (ev->end_ms < ev->start_ms)
        return fail(d, EVENT_ERR_INVALID, "field \"end\" is before \"start\"");
    if (ev->end_ms - ev->start_ms > EVENT_MAX_SPAN)
        return fail(d, EVENT_ERR_INVALID,
                    "window from \"start\" to \"end\" is longer than 35 days");
    TRY(ev->kind == EVENT_KIND_CAPACITY ? decode_capacity(d, ev)
        : ev->kind == EVENT_KIND_HEALTH ? decode_health(d, ev)
                                        : decode_usage(d, ev));
    TRY(get_str(d, F_SIG, false, ev->sig, sizeof ev->sig));
    if (ev->sig[0] && strspn(ev->sig, "0123456789abcdef") != 64)
        return fail(d, EVENT_ERR_INVALID, "field \"sig\" must be 64 lower-case hex digits");
    return EVENT_OK;
}

enum event_error event_decode(const char *buf, size_t len, struct usage_event *ev, char *reason,
                              size_t reason_len)
{
    struct decoder d = {.end = buf + len, .reason = reason, .reason_len = reason_len};
    memset(ev, 0, sizeof *ev);
    reason[0] = '\0';
    enum event_error err = index_fields(&d, buf, len);
    return err ? err : decode_fields(&d, ev);
}

const char *event_health_state(enum health_state state)
{
    assert(state >= HEALTH_UP && state <= HEALTH_DOWN);
    return state_name[state];
}

const char *event_error_code(enum event_error err)
{
    switch (err) {
    case EVENT_OK:
        return "ok";
    case EVENT_ERR_JSON:
        return "malformed_json";
    case EVENT_ERR_VERSION:
        return "unsupported_version";
    case EVENT_ERR_MISSING:
        return "missing_field";
    case EVENT_ERR_INVALID:
        return "invalid_field";
    case EVENT_ERR_QUANTITY:
        return "invalid_quantity";
    }
    return "unknown";
}

/* event_encode writes into room reserved once per event, by pointer: the
 * rater re-encodes every message it consumes (rating/batch.c), and a
 * growth check, a NUL and a call per piece were a fifth of batch_add's
 * time (bench/bench_batch_add.c). Each string's length is taken once, for
 * the room and the copy. */
struct enc {
    char *p;
};

static void enc_bytes(struct enc *e, const char *s, size_t n)
{
    memcpy(e->p, s, n);
    e->p += n;
}

/* A literal piece: its length is known when compiled, so the copy is a
 * few moves. */
#define ENC_LIT(e, lit) enc_bytes(e, lit, sizeof lit - 1)
/* A member's name with its comma, quotes and colon: ",\"name\":". */
#define ENC_NAME(e, name) ENC_LIT(e, ",\"" name "\":")

/* v in decimal, as sb_put_int (and %lld) writes it. */
static void enc_int(struct enc *e, long long v)
{
    char buf[24], *end = buf + sizeof buf, *p = end;
    /* -(v + 1) + 1 avoids negating LLONG_MIN */
    unsigned long long mag = v < 0 ? (unsigned long long)(-(v + 1)) + 1 : (unsigned long long)v;
    do
        *--p = (char)('0' + mag % 10);
    while (mag /= 10);
    if (v < 0) *--p = '-';
    enc_bytes(e, p, (size_t)(end - p));
}

/* The n bytes of s as a quoted JSON string with the escapes RFC 8259
 * requires, byte for byte what sb_put_json_string writes: runs that need
 * no escape in one copy, a control character as \u00xx in lower case. At
 * most 6 n + 2 bytes. */
static void enc_json_string(struct enc *e, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    *e->p++ = '"';
    for (;;) {
        const unsigned char *run = p;
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\')
            p++;
        enc_bytes(e, (const char *)run, (size_t)(p - run));
        if (p == end) break;
        char *o = e->p;
        o[0] = '\\';
        switch (*p) {
        case '"':
        case '\\':
            o[1] = (char)*p;
            break;
        case '\n':
            o[1] = 'n';
            break;
        case '\r':
            o[1] = 'r';
            break;
        case '\t':
            o[1] = 't';
            break;
        default:
            memcpy(o + 1, "u00", 3);
            o[4] = hex[*p >> 4];
            o[5] = hex[*p & 15];
            e->p += 4;
        }
        e->p += 2;
        p++;
    }
    *e->p++ = '"';
}

/* The strings an event's canonical form may hold, measured once. */
enum enc_str { S_SOURCE, S_ACCOUNT, S_CLUSTER, S_SITE, S_NODE, S_DEVICE, S_MODEL, S_VENDOR, S_JOB,
               S_SIG, NSTRS };

/* Room for everything but the strings' escaped bytes: at most 38 members
 * (14 named ones, METER_COUNT <= 16 quantities, 8 more), each a name of at
 * most 32 bytes with its 4 bytes of punctuation and a value of at most
 * TIME_TEXT_LEN + 2 bytes beside a string's escaped bytes (an integer's 20
 * digits and sign, a time with its quotes), and the reasons' commas and
 * brackets. */
#define ENC_FIXED 4096
#define ENC_NAME_MAX 32
_Static_assert(38 * (ENC_NAME_MAX + 4 + TIME_TEXT_LEN + 2) + EVENT_MAX_REASONS + 8 <= ENC_FIXED,
               "event_encode reserves room for every member it may write");

static void enc_str(struct enc *e, const size_t *len, enum enc_str k, const char *s)
{
    enc_json_string(e, s, len[k]);
}

void event_encode(const struct usage_event *ev, struct strbuf *sb)
{
    size_t len[NSTRS], room = ENC_FIXED;
    const char *str[NSTRS] = {[S_SOURCE] = ev->source, [S_ACCOUNT] = ev->account,
                              [S_CLUSTER] = ev->cluster, [S_SITE] = ev->site,
                              [S_NODE] = ev->node,     [S_DEVICE] = ev->device,
                              [S_MODEL] = ev->model,   [S_VENDOR] = ev->vendor,
                              [S_JOB] = ev->job,       [S_SIG] = ev->sig};
    for (int k = 0; k < NSTRS; k++)
        room += 6 * (len[k] = strlen(str[k]));
    for (int k = 0; k < ev->nreasons; k++)
        room += 6 * strlen(ev->reasons[k]) + 2;
    sb_reserve(sb, room);
    struct enc out = {sb->buf + sb->len}, *e = &out;
    ENC_LIT(e, "{\"v\":");
    enc_int(e, EVENT_VERSION);
    if (ev->kind == EVENT_KIND_CAPACITY) ENC_LIT(e, ",\"kind\":\"capacity\"");
    if (ev->kind == EVENT_KIND_HEALTH) ENC_LIT(e, ",\"kind\":\"health\"");
    ENC_NAME(e, "source"), enc_str(e, len, S_SOURCE, ev->source);
    ENC_NAME(e, "seq"), enc_int(e, (long long)ev->seq);
    if (ev->kind == EVENT_KIND_USAGE) ENC_NAME(e, "account"), enc_str(e, len, S_ACCOUNT, ev->account);
    ENC_NAME(e, "cluster"), enc_str(e, len, S_CLUSTER, ev->cluster);
    ENC_NAME(e, "site"), enc_str(e, len, S_SITE, ev->site);
    if (ev->kind != EVENT_KIND_USAGE) ENC_NAME(e, "node"), enc_str(e, len, S_NODE, ev->node);
    if (ev->kind == EVENT_KIND_HEALTH) ENC_NAME(e, "device"), enc_str(e, len, S_DEVICE, ev->device);
    if (len[S_MODEL]) ENC_NAME(e, "model"), enc_str(e, len, S_MODEL, ev->model);
    if (len[S_VENDOR]) ENC_NAME(e, "vendor"), enc_str(e, len, S_VENDOR, ev->vendor);
    if (len[S_JOB]) ENC_NAME(e, "job"), enc_str(e, len, S_JOB, ev->job);
    char start[TIME_TEXT_LEN], end[TIME_TEXT_LEN];
    time_format_rfc3339(ev->start_ms, start);
    time_format_rfc3339_after(ev->end_ms, ev->start_ms, start, end);
    ENC_NAME(e, "start"), enc_json_string(e, start, strlen(start));
    ENC_NAME(e, "end"), enc_json_string(e, end, strlen(end));
    for (int m = 0; m < METER_COUNT; m++)
        if (ev->has & EVENT_HAS_QTY(m)) {
            size_t n = strlen(meter_rows[m].code);
            assert(n <= ENC_NAME_MAX); /* ENC_FIXED's room */
            ENC_LIT(e, ",\""), enc_bytes(e, meter_rows[m].code, n), ENC_LIT(e, "\":");
            enc_int(e, (long long)ev->qty[m]);
        }
    if (ev->has & EVENT_HAS_MODEL_PARAMS) ENC_NAME(e, "model_params"), enc_int(e, ev->model_params);
    if (ev->kind == EVENT_KIND_CAPACITY) {
        ENC_NAME(e, "devices"), enc_int(e, (long long)ev->devices);
        ENC_NAME(e, "allocated_ms"), enc_int(e, (long long)ev->allocated_ms);
    }
    if (ev->has & EVENT_HAS_IDLE_ENERGY)
        ENC_NAME(e, "idle_energy_mj"), enc_int(e, (long long)ev->idle_energy_mj);
    if (ev->kind == EVENT_KIND_HEALTH) {
        const char *state = state_name[ev->state];
        ENC_NAME(e, "state"), enc_json_string(e, state, strlen(state));
        ENC_NAME(e, "reasons"), ENC_LIT(e, "[");
        for (int k = 0; k < ev->nreasons; k++) {
            if (k) ENC_LIT(e, ",");
            enc_json_string(e, ev->reasons[k], strlen(ev->reasons[k]));
        }
        ENC_LIT(e, "]");
    }
    if (len[S_SIG]) ENC_NAME(e, "sig"), enc_str(e, len, S_SIG, ev->sig);
    ENC_LIT(e, "}");
    size_t n = (size_t)(e->p - (sb->buf + sb->len));
    assert(n <= room); /* else the pieces ran past the room reserved */
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

bool event_on_hardware(const struct usage_event *ev)
{
    for (int m = 0; m < METER_COUNT; m++)
        if ((ev->has & EVENT_HAS_QTY(m)) && !meter_rows[m].by_model_size) return true;
    return false;
}
