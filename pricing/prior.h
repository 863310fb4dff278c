/* prior: late usage of months already invoiced, as adjustment lines.
 *
 * Usage can arrive after a month's invoice was issued. billing/late.c rates
 * such a month again for the customers it concerns and reads what was
 * invoiced for it (the issued invoice's usage lines plus the prior_period
 * lines of later issued invoices); prior_diff compares the two, line key by
 * line key (meter, model, band, site), and each difference becomes a
 * prior_period line (quantity, amount, the month it adjusts) on the
 * customer's next bill, so late usage is billed once at its own month's
 * prices, and nothing twice (docs/invoices.md). Pure: no I/O. A
 * prior_lines is owned by one thread at a time. */
#ifndef GPUMETER_PRIOR_H
#define GPUMETER_PRIOR_H

#include "pricing/bill.h"

#include <stddef.h>

struct prior_lines {
    struct prior_line {
        char customer[129];
        size_t seq; /* order of addition: sorting keeps it within a customer */
        struct bill_line line;
    } * v;
    size_t n, cap;
};

/* Appends a zeroed line of customer; the array grows as needed. */
struct bill_line *prior_add(struct prior_lines *p, const char *customer);

/* Appends to out, for month (YYYY-MM), a prior_period line per customer
 * and line key where now (the usage lines it rates to now) and invoiced
 * (quantity and amount billed for it, the key in meter, model, band, site)
 * differ: now less invoiced. Both hold the same customers, those rated
 * again, and now one line per key (as charges makes them); a key on one side only counts as zero on
 * the other. Lines come in now's order, then invoiced keys no longer rated in invoiced's order.
 * O((n + m) log m); invoiced is reordered. */
void prior_diff(const char *month, const struct prior_lines *now, struct prior_lines *invoiced,
                struct prior_lines *out);

/* Orders p by customer (strcmp), keeping each customer's lines in the
 * order they were added: prior_append needs it. */
void prior_sort(struct prior_lines *p);
/* Appends b->customer's lines of a sorted p to b. */
void prior_append(const struct prior_lines *p, struct bill *b);
void prior_free(struct prior_lines *p);

#endif
