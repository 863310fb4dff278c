/* rejects: how parsers walk their input and account for the lines they
 * could not use (bad-line accounting). Named "rejects", not "report", so
 * that "report" means one thing, billing's `gpumeter report` command; a
 * trainer's token report (tokens.h) is what a trainer posts, not this.
 *
 * rejects_line_next hands out one line at a time, without its "\n" or a trailing
 * "\r", numbered from 1, and says whether the line was terminated: a final
 * line without a newline is a cut-off input.
 *
 * Every bad line is counted, and the first few of each input are logged with
 * the input's name and line number; the rest are summed up in one line, so a
 * hostile or broken scrape cannot flood the log. Parsing always continues
 * with the next line.
 *
 * An input that is unusable as a whole (a CSV or sacct header without the
 * columns it needs, a scrape with no device in it) is marked with
 * rejects_unusable; the collector then says so in one error line, counts
 * every line of it as bad, and the run exits non-zero, so a cron job
 * notices.
 *
 * A row that may hold billable usage but cannot be read (a sacct row whose
 * fields do not line up with its header) is refused with
 * rejects_refused_row: a bad line that also makes the run exit non-zero,
 * never a quiet skip.
 *
 * Thread-safety: a struct rejects belongs to one input being parsed, on
 * one thread; the functions keep no other state. */
#ifndef GPUMETER_INGEST_REJECTS_H
#define GPUMETER_INGEST_REJECTS_H

#include "core/log.h"

#include <stdbool.h>
#include <stddef.h>

#define REJECTS_LOGGED_LINES 5

struct line_reader {
    const char *p, *end;
    long lineno;
};

struct line {
    const char *p;
    size_t n;
    bool terminated;
};

bool rejects_line_next(struct line_reader *lr, struct line *out);

struct rejects {
    const char *origin; /* file name or URL */
    long bad;           /* lines skipped */
    long refused;       /* of which rows that may have held usage */
    int logged;
    char unusable[200]; /* why the whole input is unusable, "" when it is not */
};

void rejects_bad_line(struct rejects *r, long lineno, const char *fmt, ...) LOG_PRINTF(3, 4);
void rejects_refused_row(struct rejects *r, long lineno, const char *fmt, ...) LOG_PRINTF(3, 4);
void rejects_unusable(struct rejects *r, const char *fmt, ...) LOG_PRINTF(2, 3);
/* Lines of text that are neither blank nor a comment ('#' first, as
 * Prometheus' HELP and TYPE lines): what an input refused whole counts as
 * bad lines, the same lines its parser skipped. */
long rejects_count_lines(const char *text, size_t len);
/* Logs how many bad lines were not shown individually. */
void rejects_finish(struct rejects *r);

#endif
