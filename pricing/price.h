/* price: the charge of one usage line under a plan price (plan_doc.h).
 *
 * price_amount is pure and exact: the quantity in base units (GPU-ms,
 * tokens, mJ), the price's steps, and the line's factors m (time-of-use
 * band, site PUE, contract override, each in ppm, 1000000 for none), rounded
 * once to the currency's minor unit, half away from zero:
 *   flat:      q x p x m
 *   graduated: (sum over steps of the part of q inside the step x its price) x m
 *   volume:    q x (the price of the step q falls in) x m
 * all divided by (units_per_price x 10^6 x 10^18 / 10^minor_digits), the
 * product exact in 256 bits: false only when the rounded amount does not fit
 * int64 (docs/money.md, "Limits"). Step bounds are in price units (GPU-hours, million tokens, kWh):
 * a quantity exactly on a bound belongs to the lower step. docs/plans.md works examples to the fen.
 * Pure; thread-safe. */
#ifndef GPUMETER_PRICE_H
#define GPUMETER_PRICE_H

#include "pricing/plan.h"

#include <stdbool.h>
#include <stdint.h>

struct factors {
    int64_t band_ppm, pue_ppm, override_ppm;
};
#define FACTORS_NONE ((struct factors){1000000, 1000000, 1000000})

bool price_amount(const struct price *p, int64_t quantity, int64_t units_per_price,
                  struct factors f, int minor_digits, int64_t *amount);

#endif
