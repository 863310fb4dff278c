/* index_swap: a contract's fixed-for-floating settlement on the realised
 * compute price index (issue 37; docs/investor.md, "Fixed-for-floating",
 * docs/contracts.md, "Fixed-for-floating settlement").
 *
 * The customer pays the fixed price and receives the index (floating) on a
 * notional quantity of GPU time a month: the month's line is
 *
 *     notional GPU-hours x (fixed - index)
 *
 * positive when the index fixed below the fixed price (the customer owes
 * the difference), negative when above (a credit). The index is the
 * GPU-hour series of the swap's model and the contract's currency, of the
 * month lag_months before the invoice's, at its newest publication
 * (price_index_latest, schema 056); it must be published, not withheld and
 * final, or the month cannot be settled. Everything is an integer: the
 * index in micro-units a GPU-hour, the notional in GPU-ms, the amount
 * rounded once, half away from zero, to the currency's minor unit. A
 * later revision of the index month is settled on a later invoice by
 * index_swap_revision: the settlement at the new value less the one at
 * the value last settled (docs/investor.md, "An index revision after
 * issue").
 * Pure: no I/O; thread-safe. */
#ifndef GPUMETER_INDEX_SWAP_H
#define GPUMETER_INDEX_SWAP_H

#include "pricing/bill.h"
#include "pricing/terms.h"

#include <stdbool.h>
#include <stdint.h>

/* The publication a swap settles at (price_index_latest's row). */
struct index_fixing {
    bool published;     /* a publication exists for the month, model, currency */
    bool withheld;      /* its price is NULL (fewer contracts than the minimum) */
    bool final;         /* status 'final' */
    char month[8];      /* YYYY-MM, the index month */
    int revision;
    char published_at[32]; /* UTC, "YYYY-MM-DD HH:MM:SS" */
    int64_t price_micro;
};

/* The settlement's amount in minor units: notional_ms x (fixed_micro -
 * index_micro) / (3,600,000 x 10^(6 - minor_digits)), exact in 128 bits,
 * rounded once half away from zero. The one definition of the amount:
 * the month's line (index_swap_lines) and the pass that settles a later
 * revision of the index both compute it here. False when it does not fit
 * an amount. notional_ms >= 0, prices >= 0, minor_digits 0..6. */
bool index_swap_amount(int64_t notional_ms, int64_t fixed_micro, int64_t index_micro,
                       int minor_digits, int64_t *amount);

/* Whether swap s settles month period (months since 1970-01): within its
 * from..until. A terminated contract has no month after its last. */
bool index_swap_settles(const struct index_swap *s, int64_t period);

/* The index month swap s fixes against for month period, YYYY-MM. */
void index_swap_fixing_month(const struct index_swap *s, int64_t period, char out[8]);

/* Appends one index_swap line per swap of k that settles period, at
 * fixings[i] (one per k->swaps[i], in order; ignored for swaps that do not
 * settle the month): model, quantity (the notional, GPU-ms), unit_price
 * (the fixed price, micro), amount, the fixing (index_* fields) and a
 * detail naming notional, fixed, index month, value (6 decimals),
 * revision and publication date. False (err names the model and month)
 * when a fixing is missing, withheld or provisional, or the amount does
 * not fit: the month is not billed. */
bool index_swap_lines(struct bill *b, const struct contract *k, int64_t period,
                      const struct index_fixing *fixings, char *err, size_t errlen);

/* One index_swap line of an issued month (its quantity the notional,
 * its unit price the fixed price, its model the series) and the value its
 * month was last settled at: the newest revision recorded for its index
 * month, model and currency among the lines of invoices that stand
 * (billing/index_revision.c). */
struct index_swap_settled {
    char model[65];
    int64_t notional_ms, fixed_micro;
    char index_month[8]; /* YYYY-MM */
    int revision;
    int64_t price_micro;
};

/* An index revision after issue of settled line s, at publication newest
 * (published, not withheld, final; of s's index month): an index_revision
 * line adjusting month adjusts (YYYY-MM) whose amount is the settlement
 * at the newest value less the settlement at the value last settled,
 *
 *     index_swap_amount(newest) - index_swap_amount(settled),
 *
 * the difference of two settlements each rounded once (as late usage
 * differences two rated months): what was billed for the line is its
 * settlement at the value last settled (the month's line, then each
 * revision's difference). Quantity 0 (no GPU time), unit price the fixed
 * price, the new publication in its index use (link.on false) and a
 * detail naming notional, fixed, the new value, its revision and date,
 * and the value it replaces. Amount 0 when both round to the same minor
 * unit: no line is made of it. False when a settlement or the difference
 * does not fit an amount. */
bool index_swap_revision(const struct index_swap_settled *s, const struct index_fixing *newest,
                         const char *adjusts, int minor_digits, struct bill_line *l);

#endif
