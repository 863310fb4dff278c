/* project_month: the investor's month of a project (issue 37,
 * docs/investor.md, "The investor's month"): the figures `report project`
 * prints, and the pure rules that make them from the project document
 * (terms/project_doc.h), its debt schedule (pricing/debt.h) and what the
 * database read (billing/project_report.c). Every figure is in the
 * project currency's minor unit, exact; DSCR is a ratio of two of them,
 * printed with two decimals rounded down (toward minus infinity).
 *
 * The returns (docs/investor.md, "Backlog, payback, NPV and IRR"): the
 * flows pricing/returns.h judges, month 0 the purchase of the fleets
 * (negative), then each month's CFADS from the project's first month
 * through the period, then the contracted backlog's months, each its
 * commitments less the period's operating cost (before debt service, as
 * CFADS is); and the NPV, IRR and payback month of them.
 * Pure; thread-safe. */
#ifndef GPUMETER_PROJECT_MONTH_H
#define GPUMETER_PROJECT_MONTH_H

#include "pricing/debt.h"
#include "terms/project_doc.h"

#include <stdbool.h>
#include <stdint.h>

struct project_month {
    int64_t revenue;      /* subtotal of the month's standing invoices of its contracts */
    int64_t collected;    /* payments applied to those invoices, value date in the month */
    int64_t energy;       /* yield's energy cost of its fleets' cells */
    int64_t fixed;        /* fixed costs in effect some day of the month */
    int64_t operating;    /* energy + fixed */
    int64_t cfads;        /* collected - operating */
    int64_t debt_service; /* schedule payments due in the month */
    int64_t installed, allocated; /* GPU-hours in ms, yield's */
    int64_t purchase;     /* the fleets' purchase cost, the yield's (devices x cost) */
};

/* One month of the contracted backlog: the commitments of the project's
 * contracts in effect that month, those of customers in default apart. */
struct project_backlog_month {
    int64_t month;      /* months since 1970-01 */
    int contracts;      /* contracts counted in committed */
    int64_t committed;  /* minor units, customers not in default */
    int64_t in_default; /* minor units, customers in default (not in committed) */
};

/* The returns of a list of flows: NPV (none without a discount rate, or
 * when it does not fit), IRR in micro a year (none: returns.h), payback
 * month index (-1: none). */
struct project_returns {
    bool has_npv, has_irr;
    int64_t npv, irr_micro;
    int payback;
};

/* The fixed costs of p in effect on some day of [first, last] (days):
 * each such cost's whole monthly amount. */
int64_t project_month_fixed(const struct project *p, int64_t first, int64_t last);

/* The payments of rows[0 .. n-1] due in [first, last]. */
int64_t project_month_debt_service(const struct debt_row *rows, int n, int64_t first,
                                   int64_t last);

/* operating and cfads from the other figures. */
void project_month_close(struct project_month *m);

/* DSCR = cfads / debt_service as hundredths, rounded toward minus
 * infinity; false (no DSCR) when debt_service is 0. */
bool project_month_dscr(int64_t cfads, int64_t debt_service, int64_t *hundredths);

/* allocated / installed as hundredths of a percent, rounded down; false
 * when nothing was installed. */
bool project_month_utilisation(int64_t allocated, int64_t installed, int64_t *bp);

/* The flows into flows[0 .. returned months] (RETURNS_MAX_MONTHS + 1
 * slots): -purchase, cfads[0 .. ncfads-1], then for each of the backlog's
 * months (backlog[0 .. nbacklog-1], as many as fit) its committed less
 * operating. ncfads is 1 .. RETURNS_MAX_MONTHS (asserted). */
int project_month_flows(int64_t purchase, const int64_t *cfads, int ncfads,
                        const struct project_backlog_month *backlog, int nbacklog,
                        int64_t operating, int64_t *flows);

/* The backlog's months to project: up to its last month with a commitment
 * counted (committed > 0); the months after it (only customers in
 * default) are not projected. */
int project_month_backlog_span(const struct project_backlog_month *backlog, int n);

/* The months of one project read once for many reports (the lender
 * pack's columns, docs/investor.md, "The lender pack"): each month's
 * figures as the reader gave them, kept by month, so a report of month k
 * after one of month k - 1 reads one month, not all since the first. The
 * cached month is the reader's own result, never recomputed: one
 * definition of each figure. reads counts the reader's calls (a test and
 * the pack's debug line check the pack stays linear). Zero-initialise;
 * free with project_month_cache_free. Not thread-safe: one per report run. */
struct project_month_cache {
    int64_t first;           /* the month of v[0] (months since 1970-01) */
    int n, cap;              /* months held from first on */
    struct project_month *v;
    bool *have;              /* have[i]: v[i] was read */
    long reads;              /* reader calls */
};

/* Reads month into m for a cache: false (logged by the reader) when it
 * fails. ctx is the caller's. */
typedef bool (*project_month_reader)(void *ctx, int64_t month, struct project_month *m);

/* month's figures into m: c's when it holds them, else read's (counted in
 * c->reads, kept when it succeeds). c NULL: read's, always. */
bool project_month_cache_get(struct project_month_cache *c, int64_t month,
                             project_month_reader read, void *ctx, struct project_month *m);
/* Like project_month_cache_get but always calls read (for a caller that
 * needs what the reader sets beside m, such as the version in effect),
 * then keeps m. */
bool project_month_cache_read(struct project_month_cache *c, int64_t month,
                              project_month_reader read, void *ctx, struct project_month *m);
void project_month_cache_free(struct project_month_cache *c);

/* NPV at rate_micro (when has_rate), IRR and payback of flows[0 .. months]. */
void project_month_returns(const int64_t *flows, int months, bool has_rate, int64_t rate_micro,
                           struct project_returns *out);

#endif
