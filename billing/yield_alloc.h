/* yield_alloc: the month's invoiced money allocated to the cells of the
 * yield (yield_cells.h), for yield_engine.c.
 *
 * The month's issued invoices net of their partial credit notes, in the
 * report's currency: GPU-hour and energy lines go to their own cell; every
 * other amount of a customer (token lines by the GPU time of its training
 * jobs; shortfall, floors, make-up and prior periods by all its GPU time,
 * as owned.h says whose it is) is split over its cells with money_split,
 * exact to the minor unit; what no GPU time carries goes to the unallocated
 * cell. What a program paid (a subsidy line, a pre-tax voucher line, an
 * after-tax claim, each by its code) goes only to the cells its program
 * covers (pricing/settle.h's coverage predicates, the terms of
 * yield_programs.h): a subsidy by the amounts of the energy lines it
 * covers, a voucher by the GPU time of its covered models (docs/operator.md,
 * "Vouchers and subsidies in the yield"); when it covers none of the
 * customer's cells, or its program is unknown, by all its GPU time. Every amount lands in exactly one cell
 * (asserted). The weights are never negative (the schema's CHECKs; the
 * allocation asserts them). Reentrant: state is the caller's.
 * Thread-safe with one connection per thread: works on the caller's cells. */
#ifndef GPUMETER_YIELD_ALLOC_H
#define GPUMETER_YIELD_ALLOC_H

#include "billing/yield_cells.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Allocates the revenue of the month p[0] (first day) in currency p[1] to
 * the cells of m; tr, when not NULL, gets each by-token customer's token
 * revenue. False after printing a database error. */
bool yield_allocate(PGconn *conn, const char *const *p, struct yield_cells *m,
                    struct yield_token_revenues *tr);

/* Training tokens per accelerator model and model size, and the token
 * revenue of tr split over each customer's models by its tokens. */
bool yield_read_tokens(PGconn *conn, const char *first_day,
                       const struct yield_token_revenues *tr, struct yield_tokens *t);

#endif
