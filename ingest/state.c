/* state: a persisted string-keyed map of counters (see state.h). */
#include "ingest/state.h"
#include "core/alloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *k)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ULL;
    return h;
}

void state_init(struct state *s)
{
    memset(s, 0, sizeof *s);
    s->nbuckets = 256;
    s->buckets = xcalloc(s->nbuckets, sizeof *s->buckets);
}

void state_free(struct state *s)
{
    for (size_t i = 0; i < s->nbuckets; i++)
        for (struct state_entry *e = s->buckets[i], *next; e; e = next) {
            next = e->next;
            free(e->key);
            free(e);
        }
    free(s->buckets);
    memset(s, 0, sizeof *s);
}

struct state_entry *state_find(const struct state *s, const char *key)
{
    for (struct state_entry *e = s->buckets[hash(key) % s->nbuckets]; e; e = e->next)
        if (!strcmp(e->key, key)) return e;
    return NULL;
}

static void grow(struct state *s)
{
    size_t n = s->nbuckets * 4;
    struct state_entry **b = xcalloc(n, sizeof *b);
    for (size_t i = 0; i < s->nbuckets; i++)
        for (struct state_entry *e = s->buckets[i], *next; e; e = next) {
            next = e->next;
            size_t j = hash(e->key) % n;
            e->next = b[j];
            b[j] = e;
        }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

struct state_entry *state_get(struct state *s, const char *key, bool *created)
{
    struct state_entry *e = state_find(s, key);
    if (created) *created = e == NULL;
    if (e) return e;
    if (s->count >= s->nbuckets) grow(s);
    e = xcalloc(1, sizeof *e);
    e->key = xstrdup(key);
    for (int i = 0; i < STATE_VALUES; i++)
        e->v[i] = -1;
    size_t j = hash(key) % s->nbuckets;
    e->next = s->buckets[j];
    s->buckets[j] = e;
    s->count++;
    return e;
}

void state_prune(struct state *s, int64_t cutoff_ms)
{
    for (size_t i = 0; i < s->nbuckets; i++)
        for (struct state_entry **pp = &s->buckets[i]; *pp;) {
            struct state_entry *e = *pp;
            if (e->touched_ms >= cutoff_ms) {
                pp = &e->next;
                continue;
            }
            *pp = e->next;
            free(e->key);
            free(e);
            s->count--;
        }
}

/* Keys come from telemetry; percent-escape anything that would break a line. */
static void put_key(struct strbuf *out, const char *k)
{
    for (; *k; k++) {
        unsigned char c = (unsigned char)*k;
        if (c <= ' ' || c == '%' || c >= 0x7f)
            sb_printf(out, "%%%02x", c);
        else
            sb_putc(out, (char)c);
    }
}

void state_serialize(const struct state *s, struct strbuf *out)
{
    sb_printf(out, "batch %" PRId64 "\n", s->batch);
    for (size_t i = 0; i < s->nbuckets; i++)
        for (const struct state_entry *e = s->buckets[i]; e; e = e->next) {
            sb_puts(out, "k ");
            put_key(out, e->key);
            for (int j = 0; j < STATE_VALUES; j++)
                sb_printf(out, " %" PRId64, e->v[j]);
            sb_printf(out, " %" PRId64 "\n", e->touched_ms);
        }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static bool parse_entry(struct state *s, char *line)
{
    char *save = NULL, *key = strtok_r(line + 2, " ", &save);
    if (!key) return false;
    char *w = key;
    for (char *r = key; *r; r++) {
        if (*r != '%') {
            *w++ = *r;
            continue;
        }
        int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
        if (lo < 0) return false;
        *w++ = (char)(hi * 16 + lo);
        r += 2;
    }
    *w = '\0';
    int64_t vals[STATE_VALUES + 1];
    for (int j = 0; j <= STATE_VALUES; j++) {
        char *tok = strtok_r(NULL, " ", &save), *end;
        if (!tok) return false;
        vals[j] = strtoll(tok, &end, 10);
        if (*end) return false;
    }
    struct state_entry *e = state_get(s, key, NULL);
    memcpy(e->v, vals, sizeof e->v);
    e->touched_ms = vals[STATE_VALUES];
    return true;
}

bool state_parse(struct state *s, const char *text, size_t len)
{
    char *copy = xstrndup(text, len), *save = NULL;
    bool ok = true, first = true;
    for (char *line = strtok_r(copy, "\n", &save); ok && line; line = strtok_r(NULL, "\n", &save)) {
        if (first) {
            char *end;
            ok = !strncmp(line, "batch ", 6) && (s->batch = strtoll(line + 6, &end, 10), !*end);
            first = false;
        } else {
            ok = !strncmp(line, "k ", 2) && parse_entry(s, line);
        }
    }
    free(copy);
    return ok && !first;
}
