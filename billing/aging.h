/* aging: the receivables aging report (`gpumeter report receivables`,
 * GET /v1/receivables; docs/receivables.md "Aging and DSO"): what each
 * customer owes per currency, in buckets of days past due (current, 1-30,
 * 31-60, 61-90, over 90), with the currency's total and DSO, as the ledger
 * stood at the end of a local day. The figures are schema 032's
 * receivables_aging, the one definition; this only formats them.
 * Thread-safe: all state is the caller's (one connection per caller). */
#ifndef GPUMETER_AGING_H
#define GPUMETER_AGING_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

enum aging_result {
    AGING_OK,
    AGING_FAILED,      /* the query failed (logged) */
    AGING_NO_CUSTOMER, /* customer names none: never an empty report for a typo */
};

/* The report as of day as_of ("YYYY-MM-DD"; NULL: today in the default
 * time zone) for customer (a code; NULL: every customer) in format, into
 * out (only when AGING_OK). A customer in default at the end of that day
 * (an invoice open more than default_after_days past due:
 * customer_default_at, the one definition) carries the day it entered
 * default: "in default since" (text), default_since (CSV, JSON). */
enum aging_result aging_report(PGconn *conn, const char *as_of, const char *customer,
                               long default_after_days, enum report_format format,
                               struct strbuf *out);

#endif
