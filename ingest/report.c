/* report: counting and rate-limited logging of bad input lines. */
#include "ingest/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool report_line_next(struct line_reader *lr, struct line *out)
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

void report_bad_line(struct report *r, long lineno, const char *fmt, ...)
{
    r->bad++;
    if (r->logged >= REPORT_LOGGED_LINES) return;
    r->logged++;
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    log_warn("%s:%ld: skipped: %s", r->origin, lineno, why);
}

void report_unusable(struct report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->unusable, sizeof r->unusable, fmt, ap);
    va_end(ap);
}

void report_finish(struct report *r)
{
    if (r->bad > r->logged)
        log_warn("%s: %ld more bad lines skipped", r->origin, r->bad - (long)r->logged);
}
