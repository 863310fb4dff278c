/* calendar: the contract calendar an operator plans capacity by
 * (docs/operator.md), one query for `report contracts` and
 * GET /v1/operator/contracts alike.
 *
 * For each of horizon months from first_day: the contracts in force
 * (contract_in_effect, schema 012) with their money commitments summed per
 * currency (exact) and their GPU-hour commitments; the contracts ending (in
 * force that month, none for the customer the next); and for those, the
 * GPUs their accounts kept busy on average in the full UTC month before
 * first_day, by accelerator model; and the revenue at risk: the
 * commitments of the customers in default now (customer_default_at,
 * schema 036, after default_after_days: receivables.default_after_days),
 * per customer, a GPU-hour commitment valued at its shortfall_price.
 * Reentrant.
 * Thread-safe with one connection per thread. */
#ifndef GPUMETER_CALENDAR_H
#define GPUMETER_CALENDAR_H

#include <libpq-fe.h>
#include <stdbool.h>

/* Columns per month: month (YYYY-MM), contracts, committed ("10000.00 CNY,
 * ..." or "-"), GPU-hours, ending ("a, b" or "-"), GPUs busy ("H800 1.0,
 * ..." or "-"), the same month as one JSON object (without at_risk), the
 * revenue at risk ("1000.00 CNY da, ..." or "-"), then at_risk as JSON.
 * NULL after printing a database error. */
PGresult *calendar_read(PGconn *conn, const char *first_day, int horizon, long default_after_days);

/* The months of res as one JSON document, {"from": "YYYY-MM", "months":
 * [...]}: the body of GET /v1/operator/contracts and of `report contracts
 * --format json`. at_risk false leaves out each month's revenue at risk,
 * which names the customers in default (their receivables): an operator
 * key's view (docs/api.md#roles). */
struct strbuf;
void calendar_json(const PGresult *res, const char *first_day, bool at_risk,
                   struct strbuf *out);

#endif
