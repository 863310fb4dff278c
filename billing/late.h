/* late: the prior-period lines of a month's bills, from the database.
 *
 * late_load finds the issued months (before the one being billed) with
 * usage ingested after their invoice was last refreshed, rates each of them
 * again for the customers concerned only (month_load without terms; month.h,
 * the loader billing.c shares, so neither calls the other), reads what
 * was invoiced for it, and leaves the differences to prior_diff
 * (pricing/prior.h). A new invoice for a month whose first was void
 * deducts what later invoices already billed of it (their prior_period
 * and index_revision lines). The month's own take-or-pay, subsidies and
 * vouchers stand as issued (docs/invoices.md). Only lines with a meter
 * (usage and its adjustments) are compared: a fixed-for-floating
 * settlement's index_revision line and its deduction have none, and late
 * usage never rates a settlement.
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

/* One issued month (YYYY-MM) of the customers (a text array literal) rated
 * again and compared with what was invoiced for it, as late usage is:
 * the differences appended to out as lines of kind (LINE_PRIOR_PERIOD for
 * late usage; LINE_INDEX_REVISION for an index revision after issue,
 * billing/index_revision.h). Each line keeps what the month rates to now:
 * its key, factors and, priced at the index, the publication used. False
 * after printing a database error. */
bool late_month_adjust(PGconn *conn, const char *month, const char *customers,
                       enum line_kind kind, struct prior_lines *out);

#endif
