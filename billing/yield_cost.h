/* yield_cost: what a cell of the yield (yield_engine.h) costs the operator,
 * each figure exact in integers and rounded once, half up, by core/money
 * (docs/operator.md, "Yield"):
 *  - energy at the site's tariff, each local hour of the operator's day at
 *    the multiplier of the band pricing's plan_band_at finds for it (the
 *    one time-of-use rule: pricing/plan.h), times the site's PUE;
 *  - facility energy in thousandths of a kWh;
 *  - straight-line depreciation by month, and the purchase cost.
 * Pure; thread-safe. */
#ifndef GPUMETER_YIELD_COST_H
#define GPUMETER_YIELD_COST_H

#include "terms/asset_doc.h"

#include <stdbool.h>
#include <stdint.h>

#define YIELD_HOURS 24

/* The cost in minor units (digits decimals, 0..18) of energy, mJ of IT
 * energy by local hour of the day (each >= 0), at PUE pue_ppm and tariff
 * t: the sum over hours of mJ x the hour's band multiplier (1 outside its
 * bands) x PUE x price per kWh / 3.6e9 mJ per kWh, rounded once. False if
 * it does not fit in int64. */
bool yield_energy_cost(const int64_t mj_by_hour[YIELD_HOURS], const struct tariff *t,
                       int64_t pue_ppm, int digits, int64_t *out);

/* mJ of IT energy (>= 0) at PUE pue_ppm as thousandths of a facility kWh,
 * rounded once. */
bool yield_facility_mkwh(int64_t mj, int64_t pue_ppm, int64_t *out);

/* devices x cost per device (micro-units; both >= 0) in minor units, and
 * that over life_months (> 0): the purchase and a month's depreciation,
 * each rounded once. */
bool yield_purchase(int64_t devices, int64_t cost_micro, int digits, int64_t *out);
bool yield_depreciation(int64_t devices, int64_t cost_micro, int64_t life_months, int digits,
                        int64_t *out);

#endif
