/* project_month: the investor's month of a project (issue 37,
 * docs/investor.md, "The investor's month"): the figures `report project`
 * prints, and the pure rules that make them from the project document
 * (terms/project_doc.h), its debt schedule (pricing/debt.h) and what the
 * database read (billing/project_report.c). Every figure is in the
 * project currency's minor unit, exact; DSCR is a ratio of two of them,
 * printed with two decimals rounded down (toward minus infinity).
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

#endif
