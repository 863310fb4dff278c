/* project_report: the investor's month of a project as `report project`
 * prints it (project_report.c; docs/investor.md, "The investor's month"),
 * for every surface that shows it: the CLI, GET /v1/project (JSON) and the
 * XLSX lender pack (lender_pack.h, which reads the CSV). One output
 * function, so a figure added to the report reaches every surface without
 * a second list. Thread-safe with one connection per thread: it keeps no
 * state between calls (the lender pack's month cache is the caller's). */
#ifndef GPUMETER_PROJECT_REPORT_H
#define GPUMETER_PROJECT_REPORT_H

#include "billing/project_month.h"
#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Appends the report of period (YYYY-MM, valid) of project code, in
 * format, to out: its rows (project_book.h, project_figures.h), or with
 * backlog its backlog curve; customers in default after
 * default_after_days days past due (receivables.default_after_days). False
 * (logged) when the project has no version in effect on the month's last
 * day, no longer validates, or the database failed (then db_last_error()
 * is set, core/db.h). */
bool project_report_month(PGconn *conn, const char *code, const char *period,
                          long default_after_days, bool backlog, enum report_format format,
                          struct strbuf *out);
/* project_report_month reading code's months before period from months
 * (project_book.h's project_book_read_cached; NULL: none) and keeping
 * those it reads there: the lender pack's month by month, each month read
 * once. The same output as project_report_month's. */
bool project_report_month_cached(PGconn *conn, const char *code, const char *period,
                                 long default_after_days, bool backlog,
                                 enum report_format format, struct project_month_cache *months,
                                 struct strbuf *out);

#endif
