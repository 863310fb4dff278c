/* focus: the month's issued invoices as FinOps FOCUS 1.0 cost and usage
 * rows, CSV (docs/invoices.md, "FOCUS"), for `gpumeter export focus` and
 * GET /v1/focus alike. One row per invoice line and one Tax row per
 * invoice, so BilledCost sums to each invoice's total (asserted);
 * gpumeter's own columns carry the x_ prefix. first_day is "YYYY-MM-01";
 * customer NULL means every customer. Appends to out; false after logging
 * a database failure. Works on the caller's connection; reentrant.
 * Thread-safe with one connection per thread. */
#ifndef GPUMETER_FOCUS_H
#define GPUMETER_FOCUS_H

#include "core/config.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

bool focus_export(PGconn *conn, const char *first_day, const char *customer,
                  const struct seller *seller, struct strbuf *out);

#endif
