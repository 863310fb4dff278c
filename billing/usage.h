/* usage: one customer's rated usage over a range of days, owned by the same
 * account windows as its invoices (account_window, schema 029; owned.h),
 * for GET /v1/usage (docs/api.md), so that the API's quantities are the
 * invoices' and never drift from them.
 *
 * Each month of the range is read in the time zone of the contract in
 * effect for it (contract_in_effect), as statements and invoices read it:
 * by hour from usage_hourly, by day or month from the rollup in that zone
 * (schema 018: by month, a whole month's row per group, a part month's
 * days). Pure: builds SQL text from fixed fragments; thread-safe. */
#ifndef GPUMETER_BILLING_USAGE_H
#define GPUMETER_BILLING_USAGE_H

#include <stdbool.h>
#include <stddef.h>

enum usage_grain { USAGE_BY_HOUR, USAGE_BY_DAY, USAGE_BY_MONTH };

/* The longest range usage_sql reads, in months touched (a year and a day
 * touches 13). */
#define USAGE_MAX_MONTHS 13

/* Writes to sql (len bytes) the query of a customer's usage by grain, and
 * by job and by model when asked. Parameters: $1 the customer's code, $2
 * and $3 the first and last day (YYYY-MM-DD, inclusive, at most
 * USAGE_MAX_MONTHS months touched), $4 the page size, $5 the rows skipped.
 * Columns: time (YYYY-MM-DDTHH:00, YYYY-MM-DD or YYYY-MM, local), job and
 * model ('' when not grouped by them), meter, quantity in base units
 * (bigint), the number of rows of every page (bigint); ordered by those
 * columns. False when sql is too small. */
bool usage_sql(enum usage_grain grain, bool by_job, bool by_model, char *sql, size_t len);

#endif
