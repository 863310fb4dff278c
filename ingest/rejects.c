/* rejects: counting and rate-limited logging of bad input lines (see rejects.h). */
#include "ingest/rejects.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool rejects_line_next(struct line_reader *lr, struct line *out)
{
    if (lr->p >= lr->end) return false;
    const char *nl = memchr(lr->p, '\n', (size_t)(lr->end - lr->p));
    out->p = lr->p;
    out->n = (size_t)((nl ? nl : lr->end) - lr->p);
    out->terminated = nl != NULL;
    if (out->n && out->p[out->n - 1] == '\r') out->n--;
    lr->p = nl ? nl + 1 : lr->end;
    lr->lineno++;
    return true;
}

static void bad_line(struct rejects *r, long lineno, const char *what, const char *fmt,
                     va_list ap)
{
    r->bad++;
    if (r->logged >= REJECTS_LOGGED_LINES) return;
    r->logged++;
    char why[256];
    vsnprintf(why, sizeof why, fmt, ap);
    if (lineno > 0)
        log_warn("%s:%ld: %s: %s", r->origin, lineno, what, why);
    else /* of the input as a whole (a device's shares), not of one line */
        log_warn("%s: %s: %s", r->origin, what, why);
}

void rejects_bad_line(struct rejects *r, long lineno, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bad_line(r, lineno, "skipped", fmt, ap);
    va_end(ap);
}

void rejects_refused_row(struct rejects *r, long lineno, const char *fmt, ...)
{
    r->refused++;
    va_list ap;
    va_start(ap, fmt);
    bad_line(r, lineno, "refused", fmt, ap);
    va_end(ap);
}

long rejects_count_lines(const char *text, size_t len)
{
    struct line_reader lr = {text, text + len, 0};
    struct line l;
    long n = 0;
    while (rejects_line_next(&lr, &l)) {
        size_t i = 0;
        while (i < l.n && (l.p[i] == ' ' || l.p[i] == '\t'))
            i++;
        if (i < l.n && l.p[i] != '#') n++; /* a comment (Prometheus' HELP, TYPE) is no bad line */
    }
    return n;
}

void rejects_unusable(struct rejects *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->unusable, sizeof r->unusable, fmt, ap);
    va_end(ap);
}

void rejects_finish(struct rejects *r)
{
    if (r->bad > r->logged)
        log_warn("%s: %ld more bad lines skipped", r->origin, r->bad - (long)r->logged);
}
