/* json: a strict pull reader (see json.h). */
#include "json.h"

#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* What the grammar expects next. */
enum {
    S_VALUE,        /* the top-level value, after ':' or ',' in an array */
    S_VALUE_OR_END, /* after '[' */
    S_KEY,          /* after ',' in an object */
    S_KEY_OR_END,   /* after '{' */
    S_AFTER,        /* after a value: ',' or the container's end, or EOF at the top */
    S_DONE,
    S_FAILED,
};

void json_reader_init(struct json_reader *r, const char *text, size_t len)
{
    r->start = r->p = text ? text : "";
    r->end = r->p + (text ? len : 0);
    r->depth = 0;
    r->state = S_VALUE;
    r->error = NULL;
    r->error_at = 0;
}

static enum json_kind fail(struct json_reader *r, const char *at, const char *why)
{
    r->state = S_FAILED;
    r->error = why;
    r->error_at = (size_t)(at - r->start);
    return JSON_ERROR;
}

static void skip_ws(struct json_reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v << 4 | d;
    }
    return v;
}

/* Reads the escape at p (just after the backslash) and returns its end, or
 * NULL with *why set. *cp receives the code point. */
static const char *read_escape(const char *p, const char *end, uint32_t *cp, const char **why)
{
    if (p == end) return *why = "unterminated string", NULL;
    switch (*p) {
    case '"':
    case '\\':
    case '/':
        *cp = (unsigned char)*p;
        return p + 1;
    case 'b':
        *cp = '\b';
        return p + 1;
    case 'f':
        *cp = '\f';
        return p + 1;
    case 'n':
        *cp = '\n';
        return p + 1;
    case 'r':
        *cp = '\r';
        return p + 1;
    case 't':
        *cp = '\t';
        return p + 1;
    case 'u':
        break;
    default:
        return *why = "unknown escape in string", NULL;
    }
    int hi = end - p >= 5 ? hex4(p + 1) : -1;
    if (hi < 0) return *why = "\\u must be followed by four hex digits", NULL;
    p += 5;
    if (hi >= 0xdc00 && hi <= 0xdfff) return *why = "unpaired surrogate escape in string", NULL;
    if (hi >= 0xd800 && hi <= 0xdbff) {
        int lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) return *why = "unpaired surrogate escape in string", NULL;
        *cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
        return p + 6;
    }
    if (hi == 0) return *why = "\\u0000 (NUL) is not allowed in a string", NULL;
    *cp = (uint32_t)hi;
    return p;
}

/* r->p at the opening quote. */
/* Whether a word of string bytes may hold one that ends a run of
 * printable ASCII: below 0x20, 0x80 and above, '"' or '\\'. Never false
 * when one does (the bit tricks' borrows only err the other way), so a
 * word it passes is plain and the byte loop judges the rest. */
static bool word_may_end_run(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    uint64_t below_space = (w - ones * 0x20) & ~w;
    uint64_t quote_or_backslash = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash);
    return ((below_space | quote_or_backslash | w) & high) != 0;
}

static enum json_kind read_string(struct json_reader *r, struct json_token *t, enum json_kind kind)
{
    const char *p = r->p + 1, *end = r->end, *why = NULL;
    bool escaped = false;
    for (;;) {
        /* printable ASCII, the bulk of every string: eight bytes at a time
         * (read_string was a tenth of batch_add's time, bench/bench_batch_add.c) */
        for (uint64_t w; end - p >= 8 && (memcpy(&w, p, 8), !word_may_end_run(w));)
            p += 8;
        while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 && *p != '"' &&
               *p != '\\')
            p++;
        if (p == end) return fail(r, r->p, "unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"') break;
        if (c == '\\') {
            uint32_t cp;
            const char *next = read_escape(p + 1, end, &cp, &why);
            if (!next) return fail(r, p, why);
            escaped = true;
            p = next;
        } else if (c < 0x20) {
            return fail(r, p, "control character in string (escape it)");
        } else {
            uint32_t cp;
            int len = utf8_decode((const unsigned char *)p, (size_t)(end - p), &cp);
            if (!len) return fail(r, p, "invalid UTF-8 in string");
            p += len;
        }
    }
    t->kind = kind;
    t->p = r->p + 1;
    t->n = (size_t)(p - t->p);
    t->escaped = escaped;
    r->p = p + 1;
    return kind;
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

static enum json_kind read_number(struct json_reader *r, struct json_token *t)
{
    const char *p = r->p, *end = r->end;
    if (p < end && *p == '-') p++;
    if (p == end || !digit(*p)) return fail(r, r->p, "invalid number");
    if (*p == '0')
        p++;
    else
        while (p < end && digit(*p))
            p++;
    if (p < end && *p == '.') {
        if (++p == end || !digit(*p)) return fail(r, r->p, "invalid number");
        while (p < end && digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p == end || !digit(*p)) return fail(r, r->p, "invalid number");
        while (p < end && digit(*p))
            p++;
    }
    if (p < end && (digit(*p) || *p == '.' || *p == 'e' || *p == 'E'))
        return fail(r, r->p, "invalid number"); /* "01", "1.2.3" */
    t->kind = JSON_NUMBER;
    t->p = r->p;
    t->n = (size_t)(p - r->p);
    t->escaped = false;
    r->p = p;
    return JSON_NUMBER;
}

static enum json_kind read_literal(struct json_reader *r, struct json_token *t, const char *word,
                                   enum json_kind kind)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
        return fail(r, r->p, "unexpected character");
    t->kind = kind;
    t->p = r->p;
    t->n = n;
    r->p += n;
    return kind;
}

static enum json_kind open_container(struct json_reader *r, struct json_token *t, char c)
{
    if (r->depth == JSON_MAX_DEPTH) return fail(r, r->p, "nested too deeply");
    r->stack[r->depth++] = (unsigned char)c;
    r->state = c == '{' ? S_KEY_OR_END : S_VALUE_OR_END;
    t->kind = c == '{' ? JSON_OBJECT : JSON_ARRAY;
    t->p = r->p++;
    t->n = 1;
    return t->kind;
}

static enum json_kind close_container(struct json_reader *r, struct json_token *t)
{
    t->kind = *r->p == '}' ? JSON_OBJECT_END : JSON_ARRAY_END;
    t->p = r->p++;
    t->n = 1;
    r->depth--;
    r->state = S_AFTER;
    return t->kind;
}

static enum json_kind read_value(struct json_reader *r, struct json_token *t)
{
    char c = *r->p;
    enum json_kind k;
    switch (c) {
    case '{':
    case '[':
        return open_container(r, t, c);
    case '"':
        k = read_string(r, t, JSON_STRING);
        break;
    case 't':
        k = read_literal(r, t, "true", JSON_TRUE);
        break;
    case 'f':
        k = read_literal(r, t, "false", JSON_FALSE);
        break;
    case 'n':
        k = read_literal(r, t, "null", JSON_NULL);
        break;
    default:
        k = c == '-' || digit(c) ? read_number(r, t) : fail(r, r->p, "unexpected character");
    }
    if (k != JSON_ERROR) r->state = S_AFTER;
    return k;
}

enum json_kind json_next(struct json_reader *r, struct json_token *t)
{
    memset(t, 0, sizeof *t);
    for (;;) {
        skip_ws(r);
        bool at_end = r->p == r->end;
        char c = at_end ? 0 : *r->p;
        switch (r->state) {
        case S_FAILED:
            return JSON_ERROR;
        case S_DONE:
            return at_end ? JSON_EOF : fail(r, r->p, "unexpected data after the JSON value");
        case S_AFTER:
            if (r->depth == 0) {
                r->state = S_DONE;
                continue;
            }
            if (at_end) return fail(r, r->p, "unexpected end of text");
            if (c == ',') {
                r->p++;
                r->state = r->stack[r->depth - 1] == '{' ? S_KEY : S_VALUE;
                continue;
            }
            if (c == (r->stack[r->depth - 1] == '{' ? '}' : ']')) return close_container(r, t);
            return fail(r, r->p,
                        r->stack[r->depth - 1] == '{' ? "expected ',' or '}'"
                                                      : "expected ',' or ']'");
        case S_KEY_OR_END:
        case S_KEY:
            if (at_end) return fail(r, r->p, "unexpected end of text");
            if (c == '}' && r->state == S_KEY_OR_END) return close_container(r, t);
            if (c != '"') return fail(r, r->p, "expected a member name in double quotes");
            if (read_string(r, t, JSON_KEY) == JSON_ERROR) return JSON_ERROR;
            skip_ws(r);
            if (r->p == r->end || *r->p != ':')
                return fail(r, r->p, "expected ':' after a member name");
            r->p++;
            r->state = S_VALUE;
            return JSON_KEY;
        case S_VALUE_OR_END:
            if (c == ']') return close_container(r, t);
            /* fall through */
        case S_VALUE:
            if (at_end) return fail(r, r->p, r->depth ? "unexpected end of text" : "empty text");
            return read_value(r, t);
        }
    }
}

bool json_skip(struct json_reader *r, const struct json_token *t)
{
    if (t->kind == JSON_ERROR) return false;
    if (t->kind != JSON_OBJECT && t->kind != JSON_ARRAY) return true;
    int depth = r->depth - 1;
    struct json_token tok;
    while (r->depth > depth)
        if (json_next(r, &tok) == JSON_ERROR) return false;
    return true;
}

long json_string(const struct json_token *t, char *out, size_t cap)
{
    if (!t->escaped) {
        if (t->n >= cap) return -1;
        memcpy(out, t->p, t->n);
        out[t->n] = '\0';
        return (long)t->n;
    }
    size_t n = 0;
    const char *p = t->p, *end = t->p + t->n, *why;
    while (p < end) {
        char buf[4];
        const char *run = p;
        while (p < end && *p != '\\')
            p++;
        size_t len = (size_t)(p - run);
        if (n + len >= cap) return -1;
        memcpy(out + n, run, len);
        n += len;
        if (p == end) break;
        uint32_t cp = 0;
        p = read_escape(p + 1, end, &cp, &why); /* validated when the token was read */
        int k = utf8_encode(cp, buf);
        if (n + (size_t)k >= cap) return -1;
        memcpy(out + n, buf, (size_t)k);
        n += (size_t)k;
    }
    out[n] = '\0';
    return (long)n;
}

bool json_string_is(const struct json_token *t, const char *s)
{
    size_t n = strlen(s);
    if (!t->escaped) return t->n == n && !memcmp(t->p, s, n);
    char buf[256];
    long got = json_string(t, buf, sizeof buf);
    return got == (long)n && !memcmp(buf, s, n);
}

bool json_uint(const struct json_token *t, uint64_t max, uint64_t *out)
{
    if (t->kind != JSON_NUMBER || t->n == 0 || t->n > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!digit(t->p[i])) return false;
        unsigned d = (unsigned)(t->p[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (v > max) return false;
    *out = v;
    return true;
}
