/* A project's debt schedule alone (pricing/debt.h; pure, linked without
 * libpq like test_pricing): docs/investor.md "The debt schedule"'s worked
 * annuity to the fen, every row; linear and bullet; a drawdown in the
 * middle of the first period under act/365; an interest of exactly half a
 * fen rounded away from zero; a first period whose interest exceeds the
 * level payment; due dates keeping to month ends; the 30/360 bond basis at month ends; the
 * last payment closing the loan to 0 over 600 periods at 100%. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/timeutil.h"
#include "pricing/debt.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int64_t day(int y, unsigned m, unsigned d)
{
    return time_days_from_civil(y, m, d);
}

static struct debt_terms one_drawdown(int64_t amount, int64_t rate_micro, enum debt_day_count dc,
                                      enum debt_repayment r, int months, int64_t drawn,
                                      int64_t first_due, int n)
{
    struct debt_terms t;
    memset(&t, 0, sizeof t);
    t.drawdowns[0] = (struct debt_drawdown){drawn, amount};
    t.ndrawdowns = 1;
    t.rate_micro = rate_micro;
    t.day_count = dc;
    t.repayment = r;
    t.months_per_period = months;
    t.first_due = first_due;
    t.payments = n;
    return t;
}

/* opening, interest, principal, payment, closing of row k, in fen */
static void expect_row(const struct debt_row *r, int k, int64_t opening, int64_t interest,
                       int64_t principal, int64_t payment, int64_t closing)
{
    if (r->opening != opening || r->interest != interest || r->principal != principal ||
        r->payment != payment || r->closing != closing)
        fail_msg("row %d: expected opening %lld interest %lld principal %lld payment %lld "
                 "closing %lld; got %lld %lld %lld %lld %lld",
                 k, (long long)opening, (long long)interest, (long long)principal,
                 (long long)payment, (long long)closing, (long long)r->opening,
                 (long long)r->interest, (long long)r->principal, (long long)r->payment,
                 (long long)r->closing);
}

/* docs/investor.md: 1,000,000.00 at 6% over 12 monthly payments, 30/360,
 * drawn 2026-01-01, first due 2026-02-01: A = 86,066.4297... -> 86,066.43,
 * the last payment 86,066.42 closes the loan. */
static void test_annuity_worked_example(void **state)
{
    (void)state;
    static const int64_t want[12][5] = {
        {0, 500000, 8106643, 8606643, 91893357}, /* drawn 1,000,000.00 */
        {91893357, 459467, 8147176, 8606643, 83746181},
        {83746181, 418731, 8187912, 8606643, 75558269},
        {75558269, 377791, 8228852, 8606643, 67329417},
        {67329417, 336647, 8269996, 8606643, 59059421},
        {59059421, 295297, 8311346, 8606643, 50748075},
        {50748075, 253740, 8352903, 8606643, 42395172},
        {42395172, 211976, 8394667, 8606643, 34000505},
        {34000505, 170003, 8436640, 8606643, 25563865},
        {25563865, 127819, 8478824, 8606643, 17085041},
        {17085041, 85425, 8521218, 8606643, 8563823},
        {8563823, 42819, 8563823, 8606642, 0},
    };
    int64_t a = 0;
    assert_true(debt_annuity_payment(100000000, 60000, 1, 12, &a));
    assert_int_equal(a, 8606643);
    struct debt_terms t = one_drawdown(100000000, 60000, DEBT_30_360, DEBT_ANNUITY, 1,
                                       day(2026, 1, 1), day(2026, 2, 1), 12);
    struct debt_row rows[12];
    assert_true(debt_schedule(&t, rows));
    assert_int_equal(rows[0].drawn, 100000000);
    for (int k = 0; k < 12; k++) {
        assert_int_equal(rows[k].due_day, day(2026 + (k + 1) / 12, (unsigned)(k + 1) % 12 + 1, 1));
        expect_row(&rows[k], k, want[k][0], want[k][1], want[k][2], want[k][3], want[k][4]);
    }
}

/* 1,000,000.00 at 6%, 4 quarterly equal parts of 250,000.00, 30/360:
 * interest 15,000.00, 11,250.00, 7,500.00, 3,750.00. */
static void test_linear(void **state)
{
    (void)state;
    struct debt_terms t = one_drawdown(100000000, 60000, DEBT_30_360, DEBT_LINEAR, 3,
                                       day(2026, 1, 1), day(2026, 4, 1), 4);
    struct debt_row r[4];
    assert_true(debt_schedule(&t, r));
    expect_row(&r[0], 0, 0, 1500000, 25000000, 26500000, 75000000);
    expect_row(&r[1], 1, 75000000, 1125000, 25000000, 26125000, 50000000);
    expect_row(&r[2], 2, 50000000, 750000, 25000000, 25750000, 25000000);
    expect_row(&r[3], 3, 25000000, 375000, 25000000, 25375000, 0);
    assert_int_equal(r[3].due_day, day(2027, 1, 1));
}

/* A bullet under act/365 from a month's end keeps to month ends: 30, 28
 * and 31 days, 4,931.506849... -> 4,931.51, 4,602.739726... -> 4,602.74,
 * 5,095.890410... -> 5,095.89 with the whole principal. */
static void test_bullet_act365_month_ends(void **state)
{
    (void)state;
    struct debt_terms t = one_drawdown(100000000, 60000, DEBT_ACT_365, DEBT_BULLET, 1,
                                       day(2026, 1, 1), day(2026, 1, 31), 3);
    struct debt_row r[3];
    assert_true(debt_schedule(&t, r));
    assert_int_equal(r[1].due_day, day(2026, 2, 28));
    assert_int_equal(r[2].due_day, day(2026, 3, 31));
    expect_row(&r[0], 0, 0, 493151, 0, 493151, 100000000);
    expect_row(&r[1], 1, 100000000, 460274, 0, 460274, 100000000);
    expect_row(&r[2], 2, 100000000, 509589, 100000000, 100509589, 0);
}

/* 500,000.00 drawn 2026-01-01 and 500,000.00 on 2026-01-16, due
 * 2026-01-31 (act/365): 500,000 x 30 + 500,000 x 15 = 22,500,000
 * yuan-days x 6% / 365 = 3,698.630136... -> 3,698.63. */
static void test_drawdown_mid_period(void **state)
{
    (void)state;
    struct debt_terms t = one_drawdown(50000000, 60000, DEBT_ACT_365, DEBT_BULLET, 1,
                                       day(2026, 1, 1), day(2026, 1, 31), 2);
    t.drawdowns[1] = (struct debt_drawdown){day(2026, 1, 16), 50000000};
    t.ndrawdowns = 2;
    struct debt_row r[2];
    assert_true(debt_schedule(&t, r));
    assert_int_equal(r[0].drawn, 100000000);
    assert_int_equal(r[0].from_day, day(2026, 1, 1));
    expect_row(&r[0], 0, 0, 369863, 0, 369863, 100000000);
    /* 28 days on 1,000,000.00: 4,602.74 */
    expect_row(&r[1], 1, 100000000, 460274, 100000000, 100460274, 0);
}

/* A first due date on a month's last day keeps to month ends (February
 * 28 -> March 31); one on the 30th is clamped in February only. */
static void test_due_dates(void **state)
{
    (void)state;
    struct debt_terms t =
        one_drawdown(100, 0, DEBT_ACT_365, DEBT_BULLET, 1, day(2026, 1, 1), day(2026, 2, 28), 3);
    assert_int_equal(debt_due_day(&t, 1), day(2026, 3, 31));
    assert_int_equal(debt_due_day(&t, 2), day(2026, 4, 30));
    t.first_due = day(2026, 1, 30);
    assert_int_equal(debt_due_day(&t, 1), day(2026, 2, 28));
    assert_int_equal(debt_due_day(&t, 2), day(2026, 3, 30));
    t.months_per_period = 3;
    assert_int_equal(debt_due_day(&t, 4), day(2027, 1, 30));
}

/* 1.00 at 6% for a 30/360 month is 0.5 fen: rounded away from zero, 1. */
static void test_half_fen_rounds_up(void **state)
{
    (void)state;
    struct debt_terms t =
        one_drawdown(100, 60000, DEBT_30_360, DEBT_BULLET, 1, day(2026, 1, 1), day(2026, 2, 1), 1);
    struct debt_row r[1];
    assert_true(debt_schedule(&t, r));
    expect_row(&r[0], 0, 0, 1, 100, 101, 0);
}

/* A first period of two years (720 days 30/360) costs 120,000.00 of
 * interest, more than the level payment 86,066.43: no principal, the
 * payment is the interest; the later payments are level and the last
 * takes what is left. */
static void test_annuity_long_first_period(void **state)
{
    (void)state;
    struct debt_terms t = one_drawdown(100000000, 60000, DEBT_30_360, DEBT_ANNUITY, 1,
                                       day(2024, 2, 1), day(2026, 2, 1), 12);
    struct debt_row r[12];
    assert_true(debt_schedule(&t, r));
    expect_row(&r[0], 0, 0, 12000000, 0, 12000000, 100000000);
    expect_row(&r[1], 1, 100000000, 500000, 8106643, 8606643, 91893357);
    for (int k = 1; k < 11; k++) assert_int_equal(r[k].payment, 8606643);
    assert_int_equal(r[11].closing, 0);
    assert_true(r[11].payment > 8606643);
}

/* ISDA 2006 4.16(f): D1 31 -> 30; D2 31 -> 30 only when D1 is 30 or 31. */
static void test_30_360_bond_basis(void **state)
{
    (void)state;
    assert_int_equal(debt_days(DEBT_30_360, day(2026, 1, 31), day(2026, 2, 28)), 28);
    assert_int_equal(debt_days(DEBT_30_360, day(2026, 1, 30), day(2026, 3, 31)), 60);
    assert_int_equal(debt_days(DEBT_30_360, day(2026, 1, 15), day(2026, 3, 31)), 76);
    assert_int_equal(debt_days(DEBT_ACT_360, day(2026, 1, 31), day(2026, 2, 28)), 28);
    enum debt_day_count d;
    assert_true(debt_day_count_parse("act/365", &d) && d == DEBT_ACT_365);
    assert_true(debt_day_count_parse("30/360", &d) && d == DEBT_30_360);
    assert_false(debt_day_count_parse("act/act", &d));
}

/* 600 monthly payments at 100% a year: the exact annuity needs ~14,000
 * bits and the loan still closes at 0 with every payment level but the
 * last. */
static void test_long_annuity_closes(void **state)
{
    (void)state;
    struct debt_terms t = one_drawdown(123456789012, DEBT_MAX_RATE_MICRO, DEBT_30_360,
                                       DEBT_ANNUITY, 1, day(2026, 1, 1), day(2026, 2, 1), 600);
    static struct debt_row r[600];
    int64_t a = 0;
    assert_true(debt_annuity_payment(123456789012, DEBT_MAX_RATE_MICRO, 1, 600, &a));
    /* i = 1/12: A is B/12 plus a vanishing part, B/12 = 10,288,065,751 */
    assert_int_equal(a, 10288065751);
    assert_true(debt_schedule(&t, r));
    for (int k = 0; k < 599; k++) assert_int_equal(r[k].payment, a);
    assert_int_equal(r[599].closing, 0);
    /* no rate: B / n rounded once, the last payment the rest */
    assert_true(debt_annuity_payment(100, 0, 1, 3, &a));
    assert_int_equal(a, 33);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_annuity_worked_example),
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_bullet_act365_month_ends),
        cmocka_unit_test(test_drawdown_mid_period),
        cmocka_unit_test(test_due_dates),
        cmocka_unit_test(test_half_fen_rounds_up),
        cmocka_unit_test(test_annuity_long_first_period),
        cmocka_unit_test(test_30_360_bond_basis),
        cmocka_unit_test(test_long_annuity_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
