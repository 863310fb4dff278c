/* prom: Prometheus text format parser (see prom.h). */
#include "ingest/prom.h"
#include "core/invariant.h"
#include "ingest/cycle.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* One line's worth of unescaped names and values; a line longer than this
 * cannot fit PROM_MAX_LABELS labels of PROM_MAX_VALUE bytes anyway. */
#define SCRATCH (PROM_MAX_LABELS * (PROM_MAX_VALUE + 130) + 256)

struct cursor {
    const char *p, *end;
    char *out, *out_end; /* scratch being filled */
};

static bool name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_' || c == ':';
}

static bool name_char(char c)
{
    return name_start(c) || isdigit((unsigned char)c);
}

static void skip_blanks(struct cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

/* Copies a metric or label name into scratch; NULL if there is none. */
static const char *take_name(struct cursor *c)
{
    if (c->p == c->end || !name_start(*c->p)) return NULL;
    const char *s = c->p;
    while (c->p < c->end && name_char(*c->p))
        c->p++;
    size_t n = (size_t)(c->p - s);
    if (n > 128 || c->out + n + 1 > c->out_end) return NULL;
    char *dst = c->out;
    memcpy(dst, s, n);
    dst[n] = '\0';
    c->out += n + 1;
    return dst;
}

/* Reads "value" with \\, \" and \n escapes into scratch. */
static const char *take_quoted(struct cursor *c, const char **why)
{
    if (c->p == c->end || *c->p != '"') {
        *why = "label value must be quoted";
        return NULL;
    }
    c->p++;
    char *dst = c->out;
    size_t n = 0;
    while (c->p < c->end && *c->p != '"') {
        char ch = *c->p++;
        if (ch == '\\') {
            if (c->p == c->end) break;
            char e = *c->p++;
            ch = e == 'n' ? '\n' : e;
            if (e != 'n' && e != '\\' && e != '"') {
                *why = "unknown escape in label value";
                return NULL;
            }
        }
        if (n == PROM_MAX_VALUE || dst + n + 1 >= c->out_end) {
            *why = "label value longer than 1024 bytes";
            return NULL;
        }
        dst[n++] = ch;
    }
    if (c->p == c->end) {
        *why = "unterminated label value";
        return NULL;
    }
    c->p++;
    dst[n] = '\0';
    c->out += n + 1;
    return dst;
}

static const char *parse_labels(struct cursor *c, struct prom_sample *s)
{
    const char *why = NULL;
    c->p++; /* '{' */
    for (;;) {
        skip_blanks(c);
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return NULL;
        }
        if (s->nlabels == PROM_MAX_LABELS) return "more than 32 labels";
        struct prom_label *l = &s->labels[s->nlabels];
        char *mark = c->out;
        if (!(l->name = take_name(c))) return "bad label name";
        skip_blanks(c);
        if (c->p == c->end || *c->p++ != '=') return "expected '=' after label name";
        skip_blanks(c);
        if (!(l->value = take_quoted(c, &why))) return why;
        if (l->value[0])
            s->nlabels++;
        else
            c->out = mark; /* an empty value is an absent label (dcgm-exporter 2.x, 4.x pod_uid) */
        skip_blanks(c);
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p == c->end || *c->p != '}')
            return "expected ',' or '}' after label";
    }
}

static const char *parse_line(struct cursor *c, struct prom_sample *s)
{
    if (!(s->name = take_name(c))) return "bad metric name";
    skip_blanks(c);
    if (c->p < c->end && *c->p == '{') {
        const char *why = parse_labels(c, s);
        if (why) return why;
    }
    skip_blanks(c);
    const char *v = c->p;
    while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
        c->p++;
    size_t n = (size_t)(c->p - v);
    if (n == 0) return "missing value";
    if (n > 64 || c->out + n + 1 > c->out_end) return "value too long";
    memcpy(c->out, v, n);
    c->out[n] = '\0';
    s->value = c->out;
    c->out += n + 1;
    skip_blanks(c);
    /* An optional integer timestamp; the collector's scrape time rules. */
    while (c->p < c->end && (isdigit((unsigned char)*c->p) || *c->p == '-'))
        c->p++;
    skip_blanks(c);
    if (c->p < c->end) return "unexpected text after value";
    return NULL;
}

void prom_parse(const char *text, size_t len, struct rejects *r, prom_sample_fn fn, void *ctx)
{
    static __thread char scratch[SCRATCH];
    struct line_reader lr = {text, text + len, 0};
    struct line l;
    while (rejects_line_next(&lr, &l)) {
        long lineno = lr.lineno;
        struct cursor c = {l.p, l.p + l.n, scratch, scratch + sizeof scratch};
        skip_blanks(&c);
        if (c.p == c.end || *c.p == '#') continue;
        if (!l.terminated) {
            rejects_bad_line(r, lineno, "last line cut off (no newline at the end of the scrape)");
            break;
        }
        /* no name or number holds a NUL: read on, a C string would end there
         * ("team-a\0evil" as team-a) */
        if (memchr(l.p, '\0', l.n)) {
            rejects_bad_line(r, lineno, "NUL byte in the line");
            continue;
        }
        struct prom_sample s = {.nlabels = 0, .lineno = lineno};
        const char *why = parse_line(&c, &s);
        if (why) {
            rejects_bad_line(r, lineno, "%s", why);
            continue;
        }
        fn(&s, ctx);
    }
}

const char *prom_label(const struct prom_sample *s, const char *name)
{
    for (int i = 0; i < s->nlabels; i++)
        if (!strcmp(s->labels[i].name, name)) return s->labels[i].value;
    return NULL;
}

/* A Prometheus sample value: a decimal in any notation, NaN or +/-Inf. Its
 * range is not checked here: only the values metered are read (and those
 * exactly, with core/decimal), and a counter beyond int64 in a series
 * nobody meters is not a bad line. */
bool prom_is_number(const char *v)
{
    if (!strcmp(v, "NaN") || !strcmp(v, "+Inf") || !strcmp(v, "-Inf") || !strcmp(v, "Inf"))
        return true;
    if (*v == '-' || *v == '+') v++;
    size_t digits = strspn(v, "0123456789");
    v += digits;
    if (*v == '.') {
        size_t frac = strspn(++v, "0123456789");
        digits += frac;
        v += frac;
    }
    if (!digits) return false;
    if (*v == 'e' || *v == 'E') {
        if (*++v == '+' || *v == '-') v++;
        size_t exp = strspn(v, "0123456789");
        if (!exp) return false;
        v += exp;
    }
    return *v == '\0';
}

/* False (naming the label) when a label that names something is longer
 * than its own field's cap or could not be a name (core/utf8.h: not UTF-8,
 * control or bidirectional formatting characters). Empty labels never get
 * here: the parser drops them as absent. */
bool prom_names(const struct prom_sample *s, const char *const *names, const size_t *max, int n,
                const char **out, const char **bad)
{
    for (int k = 0; k < n; k++)
        out[k] = NULL;
    for (int i = 0; i < s->nlabels; i++)
        for (int k = 0; k < n; k++)
            if (s->labels[i].name[0] == names[k][0] && !strcmp(s->labels[i].name, names[k])) {
                out[k] = s->labels[i].value;
                size_t cap = max && max[k] ? max[k] : PROM_NAME_MAX;
                assert(cap <= PROM_MAX_VALUE);
                if (!cycle_ident_valid(out[k], cap + 1)) {
                    *bad = names[k];
                    return false;
                }
                break;
            }
    return true;
}
