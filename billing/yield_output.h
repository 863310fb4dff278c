/* yield_output: the yield's rows as text, CSV or JSON (docs/operator.md,
 * "Yield": the columns), for yield.c. Money through core/money's
 * money_format, GPU time and rates through report_format.h. Reentrant:
 * writes only to the caller's strbuf.
 * Thread-safe: writes the caller's rows to the caller's buffer. */
#ifndef GPUMETER_YIELD_OUTPUT_H
#define GPUMETER_YIELD_OUTPUT_H

#include "billing/report_format.h"
#include "billing/yield_engine.h"
#include "core/strbuf.h"

struct yield_fmt {
    struct strbuf *out;
    int digits; /* of the report's currency */
    enum report_format format;
};

/* Sorts rows by site, node, model, the unallocated row last. */
void yield_sort_rows(struct yield_cells *rows);
/* The rows' table(s); payback: with margin to date, purchase and payback
 * (not by node). */
void yield_put_rows(const struct yield_cells *rows, enum yield_by by, bool payback,
                    const struct yield_fmt *f);
/* The by-token training section: per accelerator model a row per model
 * size, then "all" with its token revenue. Sorts t. */
void yield_put_tokens(struct yield_tokens *t, const struct yield_fmt *f);

#endif
