/* yield_cost: a yield cell's costs (see yield_cost.h). */
#include "billing/yield_cost.h"

#include "core/invariant.h"
#include "core/money.h"
#include "core/units.h"
#include "pricing/plan.h"

/* The scale of ppm (multipliers, PUE) and of micro-unit prices; mJ per
 * kWh is core/units.h's. */
#define MILLION    1000000LL

bool yield_energy_cost(const int64_t mj_by_hour[YIELD_HOURS], const struct tariff *t,
                       int64_t pue_ppm, int digits, int64_t *out)
{
    assert(pue_ppm >= 0 && t->price_per_kwh_micro >= 0);
    unsigned __int128 weighted = 0, rate; /* sum of mJ x multiplier (ppm) */
    for (int h = 0; h < YIELD_HOURS; h++) {
        assert(mj_by_hour[h] >= 0);
        const struct band *b = plan_band_at(t->bands, t->nbands, h);
        int64_t mult = b ? b->multiplier_ppm : MILLION;
        assert(mult >= 0); /* a document's decimals are (doc_decimal) */
        unsigned __int128 part = (unsigned __int128)mj_by_hour[h] * (uint64_t)mult;
        if (__builtin_add_overflow(weighted, part, &weighted)) return false;
    }
    if (__builtin_mul_overflow((unsigned __int128)pue_ppm * (uint64_t)t->price_per_kwh_micro,
                               (unsigned __int128)money_pow10(digits), &rate))
        return false;
    unsigned __int128 per = (unsigned __int128)UNITS_MJ_PER_KWH * MILLION * MILLION * MILLION;
    return money_mul_div_round(weighted, rate, per, out);
}

bool yield_facility_mkwh(int64_t mj, int64_t pue_ppm, int64_t *out)
{
    assert(mj >= 0 && pue_ppm >= 0);
    return money_mul_div_round((uint64_t)mj, (uint64_t)pue_ppm,
                               (unsigned __int128)(UNITS_MJ_PER_KWH / 1000) * MILLION, out);
}

bool yield_purchase(int64_t devices, int64_t cost_micro, int digits, int64_t *out)
{
    assert(devices >= 0 && cost_micro >= 0);
    return money_mul_div_round((unsigned __int128)devices * (uint64_t)cost_micro,
                               (unsigned __int128)money_pow10(digits), MILLION, out);
}

bool yield_depreciation(int64_t devices, int64_t cost_micro, int64_t life_months, int digits,
                        int64_t *out)
{
    assert(devices >= 0 && cost_micro >= 0 && life_months > 0);
    return money_mul_div_round((unsigned __int128)devices * (uint64_t)cost_micro,
                               (unsigned __int128)money_pow10(digits),
                               (unsigned __int128)MILLION * life_months, out);
}
