/* price: the charge of one usage line under a plan price (plan_doc.h).
 *
 * price_amount is pure and exact: the quantity in base units (GPU-ms,
 * tokens, mJ), the price's steps, a time-of-use multiplier in ppm (1000000
 * for none), rounded once to the currency's minor unit, half away from zero:
 *   flat:      q x p x m
 *   graduated: (sum over steps of the part of q inside the step x its price) x m
 *   volume:    q x (the price of the step q falls in) x m
 * all divided by (units_per_price x 10^6 x 10^6 / 10^minor_digits). Step
 * bounds are in price units (GPU-hours, million tokens, kWh): a quantity
 * exactly on a bound belongs to the lower step. docs/plans.md works
 * examples to the fen. */
#ifndef GPUMETER_PRICE_H
#define GPUMETER_PRICE_H

#include "invoice/plan_doc.h"

#include <stdbool.h>
#include <stdint.h>

bool price_amount(const struct price *p, int64_t quantity, int64_t units_per_price,
                  int64_t multiplier_ppm, int minor_digits, int64_t *amount);

#endif
