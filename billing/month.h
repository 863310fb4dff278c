/* month: the month loader that billing_load (billing.h) and late usage
 * (late.h) share, so that neither calls the other.
 *
 * month_load finds, set-based, every customer's contract in effect for the
 * month, the plan version in effect on its first day, the usage its
 * account windows own (owned.h), the sites' PUE, the commitment bank, the
 * customer's vouchers and the subsidy programs in effect; it prices the
 * usage through charges_price (charges.h), each model the plan prices at
 * the index and the month used at price_index_latest (schema 056) of the
 * month lag months before (index_link.h: a bill without a value to price
 * at fails with an error naming the model, index month and why, its
 * customer's invoice refused, never priced at 0 or the floor), and, when
 * given prior-period
 * lines, appends them and settles the contract's terms through settle_bill
 * (settle.h), with each index swap's publication in force
 * (price_index_latest, schema 056; pricing/index_swap.h). A customer with
 * usage and no contract in effect comes as a bill whose error says so,
 * never a silent zero. Reentrant: a month_load
 * keeps everything it parses on its own heap, so concurrent loads on
 * different connections (the API's threads) share nothing.
 *
 * month_load is month_read then month_price: the inputs read once (every
 * query but the index look-ups of index-linked prices, made as they are
 * priced) and priced any number of times. Thread-safe: month_read's inputs
 * are immutable, so threads may month_price the same inputs at once, each
 * on its own connection; month_free them when none prices any more. */
#ifndef GPUMETER_MONTH_H
#define GPUMETER_MONTH_H

#include "pricing/bill.h"
#include "pricing/prior.h"

#include <libpq-fe.h>

struct plan;

/* Calls fn with each bill of period (YYYY-MM) for the customers in a text
 * array literal (db_array_*; NULL: all), in customer code order; customer
 * names the one asked for, for the error when there is no bill (NULL:
 * none). proposed prices in place of each contract's plan (NULL: the
 * contract's). prior: the sorted prior-period lines of late usage to append
 * before the terms are settled; NULL for the usage lines only (no terms,
 * no prior-period lines: what late.h compares with what was invoiced).
 * Returns the number of bills, or -1 after printing the error (or when fn
 * returned false). */
int month_load(PGconn *conn, const char *period, const char *customers, const char *customer,
               const struct plan *proposed, const struct prior_lines *prior, bill_fn fn,
               void *ctx);

struct month_inputs;
/* The inputs of month_load's bills, NULL after logging a database error;
 * prior (NULL: usage lines only) and proposed must outlive them. */
struct month_inputs *month_read(PGconn *conn, const char *period, const char *customers,
                                const char *customer, const struct plan *proposed,
                                const struct prior_lines *prior);
/* month_load's answer from inputs read by month_read, on conn. */
int month_price(const struct month_inputs *in, PGconn *conn, bill_fn fn, void *ctx);
/* About the memory the inputs hold, for a cache's bound. */
size_t month_bytes(const struct month_inputs *in);
void month_free(struct month_inputs *in);

#endif
