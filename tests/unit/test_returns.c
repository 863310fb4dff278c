/* A project's returns alone (pricing/returns.h; pure, linked without
 * libpq like test_debt): docs/investor.md "Payback, NPV and IRR"'s worked
 * example (a purchase of 1,200.00, twelve months of 80.00, a backlog of
 * six months of 60.00) to the fen and the micro-rate, checked by hand on
 * two flows whose IRR is exactly 12%; an NPV of exactly half a fen rounded
 * away from zero both ways; no IRR without a sign change; an NPV beyond
 * int64 refused; 480 months at the highest rate within the limbs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pricing/returns.h"

#include <stdint.h>
#include <string.h>

/* month 0 the purchase, 1..12 the CFADS to date, 13..18 the backlog */
static void worked_flows(int64_t *f)
{
    f[0] = -120000;
    for (int k = 1; k <= 12; k++) f[k] = 8000;
    for (int k = 13; k <= 18; k++) f[k] = 6000;
}

static void test_worked_example(void **state)
{
    (void)state;
    int64_t f[19], npv = 0, irr = 0;
    worked_flows(f);
    /* 12% a year, 1% a month: -1200 + 900.4062 + 308.5915 = 8.9977 */
    assert_true(returns_npv(f, 18, 120000, &npv));
    assert_int_equal(npv, 900);
    assert_true(returns_npv(f, 18, 0, &npv));
    assert_int_equal(npv, 12000);
    assert_true(returns_irr(f, 18, &irr));
    assert_int_equal(irr, 130422);
    assert_int_equal(returns_npv_sign(f, 18, 130422), 1);
    assert_int_equal(returns_npv_sign(f, 18, 130423), -1);
    assert_int_equal(returns_payback_month(f, 18), 16);
    /* to date only: no payback yet, a negative NPV and IRR */
    assert_true(returns_npv(f, 12, 120000, &npv));
    assert_int_equal(npv, -29959);
    assert_true(returns_irr(f, 12, &irr));
    assert_int_equal(irr, -393181);
    assert_int_equal(returns_payback_month(f, 12), -1);
}

static void test_exact_twelve_percent(void **state)
{
    (void)state;
    /* 1% a month: 101.00 in a month and 102.01 in two repay 100.00 */
    int64_t one[] = {-10000, 10100}, two[] = {-10000, 0, 10201}, npv = 7, irr = 0;
    assert_true(returns_npv(one, 1, 120000, &npv));
    assert_int_equal(npv, 0);
    assert_int_equal(returns_npv_sign(one, 1, 120000), 0);
    assert_true(returns_irr(one, 1, &irr));
    assert_int_equal(irr, 120000);
    assert_true(returns_irr(two, 2, &irr));
    assert_int_equal(irr, 120000);
    assert_int_equal(returns_payback_month(one, 1), 1);
}

static void test_half_fen_away_from_zero(void **state)
{
    (void)state;
    /* -80% a year: 1 + i = 11.2 / 12, so 0.07 a month on is worth 0.075 */
    int64_t up[] = {0, 7}, down[] = {0, -7}, npv = 0;
    assert_true(returns_npv(up, 1, -800000, &npv));
    assert_int_equal(npv, 8);
    assert_true(returns_npv(down, 1, -800000, &npv));
    assert_int_equal(npv, -8);
}

static void test_no_irr(void **state)
{
    (void)state;
    int64_t gain[] = {100, 5}, loss[] = {-100, 5}, zero[] = {0, 0, 0}, irr = 42;
    assert_false(returns_irr(gain, 1, &irr));
    /* 5 back on 100: the root is below -99.9999% */
    assert_false(returns_irr(loss, 1, &irr));
    assert_false(returns_irr(zero, 2, &irr));
    assert_int_equal(irr, 42);
    assert_int_equal(returns_payback_month(loss, 1), -1);
    assert_int_equal(returns_payback_month(zero, 2), 0);
}

static void test_beyond_int64(void **state)
{
    (void)state;
    int64_t f[] = {INT64_MAX, INT64_MAX}, npv = 0;
    assert_false(returns_npv(f, 1, 0, &npv));
    int64_t g[] = {INT64_MIN + 1, INT64_MAX}; /* -1 + 0 */
    assert_true(returns_npv(g, 1, 0, &npv));
    assert_int_equal(npv, 0);
}

static void test_longest_within_limbs(void **state)
{
    (void)state;
    static int64_t f[RETURNS_MAX_MONTHS + 1];
    for (int k = 0; k <= RETURNS_MAX_MONTHS; k++) f[k] = k == 0 ? INT64_MIN + 1 : INT64_MAX;
    assert_int_equal(returns_npv_sign(f, RETURNS_MAX_MONTHS, RETURNS_MAX_RATE), 1);
    assert_int_equal(returns_npv_sign(f, RETURNS_MAX_MONTHS, RETURNS_MIN_RATE), 1);
    int64_t irr = 0;
    assert_false(returns_irr(f, RETURNS_MAX_MONTHS, &irr));
}

static void test_rate_text(void **state)
{
    (void)state;
    char t[RETURNS_RATE_TEXT];
    returns_rate_text(130422, t);
    assert_string_equal(t, "13.0422%");
    returns_rate_text(-393181, t);
    assert_string_equal(t, "-39.3181%");
    returns_rate_text(-1, t);
    assert_string_equal(t, "-0.0001%");
    returns_rate_text(0, t);
    assert_string_equal(t, "0.0000%");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_exact_twelve_percent),
        cmocka_unit_test(test_half_fen_away_from_zero),
        cmocka_unit_test(test_no_irr),
        cmocka_unit_test(test_beyond_int64),
        cmocka_unit_test(test_longest_within_limbs),
        cmocka_unit_test(test_rate_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
