/* late: the prior-period lines of a month's bills, from the database.
 *
 * late_load finds the issued months (before the one being billed) with
 * usage ingested after their invoice was last refreshed, rates each of them
 * again for the customers concerned only (month_load without terms; month.h,
 * the loader billing.c shares, so neither calls the other), reads what
 * was invoiced for it, and leaves the differences to prior_diff
 * (pricing/prior.h). A new invoice for a month whose first was void
 * deducts what later invoices already billed of it. The month's own
 * take-or-pay, subsidies and vouchers stand as issued (docs/invoices.md).
 * Reentrant: state is the caller's.
 * Thread-safe with one connection per thread. */
#ifndef GPUMETER_LATE_H
#define GPUMETER_LATE_H

#include "pricing/prior.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Adjustments for the bills of the month starting first_day, for the
 * customers in a text array literal (NULL: all), sorted for prior_append.
 * False after printing a database error. */
bool late_load(PGconn *conn, const char *first_day, const char *customers, struct prior_lines *out);

#endif
