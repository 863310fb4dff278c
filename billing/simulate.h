/* simulate: a customer's real month as it stands (its issued invoice once
 * issued, else priced under its contract's plan) and priced under a
 * proposed plan (not stored), compared line by line. One
 * comparison serves `gpumeter plan simulate` and `POST /v1/simulate`.
 * Reentrant: everything lives on the caller's bills.
 * Thread-safe with one connection per thread. */
#ifndef GPUMETER_SIMULATE_H
#define GPUMETER_SIMULATE_H

#include "pricing/bill.h"
#include "pricing/plan.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* One row: a line under both plans (has_* false where a plan has no such
 * line), or one of the five totals (subtotal, tax, total, claimed, due). */
struct simulate_row {
    char label[512];
    const struct bill_line *line; /* NULL for a total */
    bool has_cur, has_new, total;
    int64_t cur, new;
    size_t order; /* the line's place before grouping */
};
typedef void (*simulate_row_fn)(const struct simulate_row *row, void *ctx);

/* The month both ways into cur and new (bill_free both after): cur as it
 * stands (store_load_month: its issued invoice once the month is issued
 * for the customer, status "issued" and its number; else priced live under
 * the contract's plan), new priced live under the proposed plan;
 * false with why when the customer has no contract then or either plan
 * cannot price it. */
bool simulate_price(PGconn *conn, const char *period, const char *customer,
                    const struct plan *proposed, struct bill *cur, struct bill *new, char *why,
                    size_t whylen);

/* The rows of cur against new: the usage lines grouped by model, then
 * band, then meter; then the other lines, in cur's order then those only
 * new has; then the totals. The one grouping of `plan simulate`, POST
 * /v1/simulate and so the console. */
void simulate_compare(const struct bill *cur, const struct bill *new, simulate_row_fn fn,
                      void *ctx);

#endif
