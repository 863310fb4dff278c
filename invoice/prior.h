/* prior: late usage of months already invoiced, as adjustment lines.
 *
 * Usage can arrive after a month's invoice was issued. prior_load finds the
 * issued months (before the one being billed) with usage ingested after
 * their invoice was last refreshed, rates each of those months again
 * (bill_load_usage) and compares every usage line with what was invoiced
 * for it: the issued invoice's line plus prior_period lines of later issued
 * invoices. Each difference becomes a prior_period line (quantity, amount,
 * the month it adjusts) on the customer's next bill, so late usage is
 * billed once at its own month's prices, and nothing twice. A new invoice
 * for a month whose first was void deducts what later invoices already
 * billed of it the same way. The month's own take-or-pay, subsidies and
 * vouchers stand as issued (docs/invoices.md). Reentrant: state is the caller's. */
#ifndef GPUMETER_PRIOR_H
#define GPUMETER_PRIOR_H

#include "invoice/billing.h"

#include <libpq-fe.h>

struct prior_lines {
    struct prior_line {
        char customer[129];
        struct bill_line line;
    } * v;
    size_t n, cap;
};

/* Adjustments for bills of the month starting first_day (one customer, or
 * all when NULL). False after printing a database error. */
bool prior_load(PGconn *conn, const char *first_day, const char *customer, struct prior_lines *out);
/* Appends b->customer's adjustment lines to b. */
void prior_append(const struct prior_lines *p, struct bill *b);
void prior_free(struct prior_lines *p);

#endif
