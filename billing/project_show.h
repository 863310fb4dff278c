/* project_show: a project's debt schedule as `project show --schedule`
 * prints it (project_show.c; docs/investor.md, "The debt schedule"), for
 * every surface that shows it: the CLI, GET /v1/project/schedule (JSON)
 * and the XLSX lender pack (lender_pack.h, which reads the CSV). Thread-
 * safe with one connection per thread: it keeps no state between calls. */
#ifndef GPUMETER_PROJECT_SHOW_H
#define GPUMETER_PROJECT_SHOW_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Appends the debt schedule of the version of project code in effect on
 * at (YYYY-MM-DD), in format, to out. False (logged) when no version is
 * in effect, it has no debt, the schedule does not fit in 64-bit amounts,
 * or the database failed (then db_last_error() is set, core/db.h). */
bool project_schedule(PGconn *conn, const char *code, const char *at, enum report_format format,
                      struct strbuf *out);

#endif
