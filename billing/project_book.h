/* project_book: a project's investor's report read from the database
 * (issue 37; docs/investor.md, "The investor's month" and "Backlog,
 * payback, NPV and IRR"), for `report project` (billing/project_report.c)
 * and whatever else prints the same rows (project_figures.h).
 *
 * For the project version in effect on the period's last day: the month
 * (revenue, cash, the fleets' energy, fixed costs, CFADS, debt service,
 * DSCR, utilisation: project_month.h's rules); every month from the
 * project's first (its first version's effective_from month) through the
 * period, each by the same month function with the version in effect on
 * its own last day, for CFADS to date; the purchase cost of the fleets
 * (the yield's, billing/yield_engine.h: devices x cost of the asset
 * versions in effect in the period); the contracted backlog: each month
 * after the period, the take-or-pay commitment (pricing/settle.h's
 * settle_commitment_value) of each of the project's contracts in effect
 * that month (schema's contract_in_effect: its `until`, its termination),
 * an open-ended contract for PROJECT_BACKLOG_OPEN_MONTHS, customers in
 * default at the period's end (customer_default_at, schema 036) apart;
 * and payback, NPV and IRR to date and with the backlog
 * (pricing/returns.h). Thread-safe with one connection per thread. */
#ifndef GPUMETER_PROJECT_BOOK_H
#define GPUMETER_PROJECT_BOOK_H

#include "billing/project_figures.h"
#include "billing/project_month.h"
#include "terms/project_doc.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* The months an open-ended contract (no `until`, not terminated) is
 * counted in the backlog after the period. */
#define PROJECT_BACKLOG_OPEN_MONTHS 36

struct project_book {
    struct project *p;  /* the version in effect on the period's last day */
    char from[16];      /* its effective_from */
    int digits;         /* the currency's minor digits */
    struct project_month month;
    int64_t first_month; /* months since 1970-01: the first version's */
    int64_t cfads_to_date;
    struct project_backlog_month *backlog; /* every month with a commitment */
    int nbacklog;
    struct project_figures figures; /* the report's rows */
};

/* Reads code's report for period (YYYY-MM, valid), customers in default
 * after default_after_days days past due; false after logging why (no
 * version in effect, a database error, more months than returns.h
 * judges). Free b with project_book_free either way. */
bool project_book_read(PGconn *conn, const char *code, const char *period,
                       long default_after_days, struct project_book *b);
/* project_book_read with cache (NULL: none) holding code's months read
 * before (project_month.h's project_month_cache): a month it holds is not
 * read again, and the months read are kept in it (the period's always
 * read, for the version in effect). For reports of successive months of
 * one project on one connection (the lender pack): month k after month
 * k - 1 reads one month. The same figures as project_book_read's. */
bool project_book_read_cached(PGconn *conn, const char *code, const char *period,
                              long default_after_days, struct project_month_cache *cache,
                              struct project_book *b);
void project_book_free(struct project_book *b);
/* Whether period (YYYY-MM, valid) is more months after code's first month
 * than project_book_read judges (RETURNS_MAX_MONTHS): why a read of a
 * project that exists failed when its version is in effect (GET
 * /v1/project says so rather than "no version"). False when it is not, or
 * code is unknown. */
bool project_book_beyond(PGconn *conn, const char *code, const char *period);

#endif
