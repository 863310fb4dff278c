/* yield_engine: the yield's month (yield.h) as cells (yield_cells.h), for
 * yield.c.
 *
 * For a month and currency, yield_read_month reads each cell's capacity,
 * IT energy (in total and by local hour of the operator's day) and assets,
 * prices its costs (yield_cost.h), then has the month's invoiced money
 * allocated to the cells (yield_alloc.h). Payback adds the margins of the
 * months since each asset's first; rows group cells by model or site, or
 * split them over their nodes (money by allocated time, idle energy by idle
 * energy, depreciation by installed time, each with money_split, exact).
 * A node's allocated time is part of its installed and no weight is
 * negative (schema 015's CHECKs on capacity_hourly; asserted). Reentrant:
 * state is the caller's; every array is on the heap (free v).
 * Thread-safe with one connection per thread. */
#ifndef GPUMETER_YIELD_ENGINE_H
#define GPUMETER_YIELD_ENGINE_H

#include "billing/yield.h"
#include "billing/yield_cells.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The minor digits of currency (2 when the currency table does not know
 * it), how the reports priced from the yield print money. False after
 * printing a database error. */
bool yield_currency_digits(PGconn *conn, const char *currency, int *digits);
/* The cells of the month starting first_day in currency, with revenue
 * allocated; tr, when not NULL, gets each by-token customer's token
 * revenue for yield_read_tokens. False after printing a database error. */
bool yield_read_month(PGconn *conn, const char *first_day, const char *currency,
                      struct yield_cells *m, struct yield_token_revenues *tr);
/* Adds to each cell of m its margins from its asset's first month up to
 * the month before first_day (payback). */
bool yield_add_margins_to_date(PGconn *conn, const char *first_day, const char *currency,
                               struct yield_cells *m);
/* Each cell of m split over its nodes into out: revenue and allocated
 * energy by allocated time, idle energy by idle energy, depreciation by
 * installed time (each falling back to installed time). */
bool yield_split_nodes(PGconn *conn, const char *first_day, const struct yield_cells *m,
                       struct yield_cells *out);
/* The cells of m summed by model or by site into out. */
void yield_group(const struct yield_cells *m, enum yield_by by, struct yield_cells *out);

#endif
