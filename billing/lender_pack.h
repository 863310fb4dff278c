/* lender_pack: `gpumeter report project --format xlsx`, a project's months
 * as one workbook for a lender (lender_pack.c; docs/investor.md, "The
 * lender pack"): a cover sheet (project, name, version, currency, the
 * months, when it was generated), a sheet of the months (one column per
 * month, one row per figure of `report project`'s CSV, read from its one
 * output function, project_report.h's project_report_month, so every
 * figure it gains is here too) and a sheet of the debt schedule (`project show --schedule`'s rows,
 * project_show.h). Thread-safe with one connection per thread. */
#ifndef GPUMETER_LENDER_PACK_H
#define GPUMETER_LENDER_PACK_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* At most this many months in one pack: fifty years of a loan's months,
 * far beyond any project's, and far below a sheet's 16,384 columns. */
#define LENDER_PACK_MAX_MONTHS 600

/* How a month's figures are printed: project_report_month_cached
 * (project_report.h) with ctx its month cache, which `report project`
 * passes, since it calls this file (a pointer down, not a call back up:
 * docs/layout.md, "No call circle"). The months are asked in order, from
 * first to last, so a cache reads each once. */
typedef bool (*lender_pack_month_fn)(void *ctx, PGconn *conn, const char *code,
                                     const char *period, long default_after_days, bool backlog,
                                     enum report_format format, struct strbuf *out);

/* Writes the months from .. to (YYYY-MM, valid, from <= to, at most
 * LENDER_PACK_MAX_MONTHS) of project code to path, each month's figures
 * month(ctx, ..., REPORT_CSV, ...)'s (customers in default after
 * default_after_days days past due), the version in effect on the last day of
 * `to` naming it. False (each problem logged, no file left) when the
 * project has no version then, a month's report fails, or the file cannot
 * be written. */
bool lender_pack_write(PGconn *conn, const char *code, const char *from, const char *to,
                       const char *path, long default_after_days, lender_pack_month_fn month,
                       void *ctx);

#endif
