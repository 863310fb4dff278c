/* What a yield cell costs the operator (billing/yield_cost.h): each local
 * hour at its time-of-use band's multiplier (pricing's plan_band_at, bands
 * wrapping past midnight), x PUE x price per kWh, rounded half up once;
 * facility kWh, purchase and depreciation rounded once; a cost too large
 * for 64 bits is refused, not wrapped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "billing/yield_cost.h"

#include <stdint.h>
#include <string.h>

#define KWH_MJ 3600000000LL

/* 0.50 per kWh, x1.2 from 08:00 to 22:00 and x0.5 from 22:00 to 08:00
 * (wrapping), or flat. */
static struct tariff banded(bool bands)
{
    struct tariff t;
    memset(&t, 0, sizeof t);
    t.price_per_kwh_micro = 500000;
    if (bands) {
        t.bands[0] = (struct band){"day", 8, 22, 1200000};
        t.bands[1] = (struct band){"night", 22, 8, 500000};
        t.nbands = 2;
    }
    return t;
}

static void test_each_hour_at_its_band(void **state)
{
    (void)state;
    int64_t mj[YIELD_HOURS] = {0}, cost = -1;
    struct tariff t = banded(true);
    mj[10] = KWH_MJ; /* 1 kWh x 1.2 x PUE 1.25 x 0.50 = 0.75 */
    assert_true(yield_energy_cost(mj, &t, 1250000, 2, &cost));
    assert_int_equal(cost, 75);
    mj[10] = 0;
    mj[23] = KWH_MJ; /* night, past 22:00: x 0.5 -> 0.3125 */
    mj[7] = KWH_MJ;  /* night, before 08:00 */
    assert_true(yield_energy_cost(mj, &t, 1250000, 2, &cost));
    assert_int_equal(cost, 63); /* 0.625 rounded half up, once for both hours */
    mj[23] = mj[7] = 0;
    mj[8] = mj[21] = KWH_MJ; /* the band's first and last hours */
    mj[22] = KWH_MJ;         /* 22:00 is the night band's */
    assert_true(yield_energy_cost(mj, &t, 1000000, 4, &cost));
    assert_int_equal(cost, 12000 + 2500); /* (1.2 + 1.2 + 0.5) x 0.50, 4 decimals */
}

static void test_flat_and_half_up_once(void **state)
{
    (void)state;
    int64_t mj[YIELD_HOURS] = {0}, cost = -1;
    struct tariff t = banded(false);
    for (int h = 0; h < YIELD_HOURS; h++)
        mj[h] = KWH_MJ / 100; /* 0.01 kWh: 0.005 an hour, 0.01 if rounded per hour */
    assert_true(yield_energy_cost(mj, &t, 1000000, 2, &cost));
    assert_int_equal(cost, 12); /* 24 x 0.005 = 0.12, rounded once */
}

static void test_kwh_purchase_depreciation(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_true(yield_facility_mkwh(KWH_MJ, 1250000, &v));
    assert_int_equal(v, 1250);
    assert_true(yield_facility_mkwh(1800000, 1000000, &v)); /* 0.5 thousandths: up */
    assert_int_equal(v, 1);
    /* 16 devices at 2,000,000.00 over 60 months */
    assert_true(yield_purchase(16, 2000000LL * 1000000, 2, &v));
    assert_int_equal(v, 3200000000LL);
    assert_true(yield_depreciation(16, 2000000LL * 1000000, 60, 2, &v));
    assert_int_equal(v, 53333333); /* 533,333.333... */
    assert_true(yield_depreciation(1, 1000000, 3, 2, &v)); /* 1.00 / 3 = 0.333 */
    assert_int_equal(v, 33);
    assert_true(yield_depreciation(1, 2000000, 3, 2, &v)); /* 0.666 -> 0.67 */
    assert_int_equal(v, 67);
}

static void test_too_large_is_refused(void **state)
{
    (void)state;
    int64_t mj[YIELD_HOURS], cost = 0;
    struct tariff t = banded(true);
    t.price_per_kwh_micro = 10000000000LL; /* the most a tariff may charge */
    for (int h = 0; h < YIELD_HOURS; h++)
        mj[h] = INT64_MAX;
    assert_true(yield_energy_cost(mj, &t, 5000000, 2, &cost)); /* still fits: 2.8e17 */
    assert_int_equal(cost, 279263208893658490LL);
    t.bands[0].multiplier_ppm = 1000000000; /* x1000 by day: 3e20 fen does not */
    assert_false(yield_energy_cost(mj, &t, 5000000, 2, &cost));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_hour_at_its_band),
        cmocka_unit_test(test_flat_and_half_up_once),
        cmocka_unit_test(test_kwh_purchase_depreciation),
        cmocka_unit_test(test_too_large_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
