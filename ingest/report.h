/* report: how parsers account for input they could not use.
 *
 * Every bad line is counted, and the first few of each input are logged with
 * the input's name and line number; the rest are summed up in one line, so a
 * hostile or broken scrape cannot flood the log. Parsing always continues
 * with the next line. */
#ifndef GPUMETER_INGEST_REPORT_H
#define GPUMETER_INGEST_REPORT_H

#include "core/log.h"

#define REPORT_LOGGED_LINES 5

struct report {
    const char *origin; /* file name or URL */
    long bad;           /* lines skipped */
    int logged;
};

void report_bad_line(struct report *r, long lineno, const char *fmt, ...) LOG_PRINTF(3, 4);
/* Logs how many bad lines were not shown individually. */
void report_finish(struct report *r);

#endif
