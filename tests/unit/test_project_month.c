/* The investor's month's pure rules (billing/project_month.h,
 * docs/investor.md "The investor's month"): fixed costs in effect some day
 * of the month at their whole monthly amount; debt service as the
 * schedule's payments due in the month; CFADS = collected - (energy +
 * fixed); DSCR in hundredths rounded toward minus infinity, none without
 * debt service; utilisation in hundredths of a percent rounded down. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "billing/project_month.h"
#include "core/timeutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int64_t day(int y, unsigned m, unsigned d)
{
    return time_days_from_civil(y, m, d);
}

#define EXPECT(got, want)                                                                  \
    do {                                                                                   \
        int64_t g_ = (got), w_ = (want);                                                   \
        if (g_ != w_) fail_msg("%s: expected %lld, got %lld", #got, (long long)w_, (long long)g_); \
    } while (0)

static void test_fixed_costs(void **state)
{
    (void)state;
    struct project *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->costs[0] = (struct project_cost){"rent", 12000000, day(2026, 1, 1), -1};
    p->costs[1] = (struct project_cost){"staff", 500000, day(2026, 3, 31), day(2026, 4, 1)};
    p->costs[2] = (struct project_cost){"insurance", 7, day(2026, 5, 1), -1};
    p->ncosts = 3;
    /* January: rent alone */
    EXPECT(project_month_fixed(p, day(2026, 1, 1), day(2026, 1, 31)), 12000000);
    /* March: staff starts on its last day, a whole month's amount */
    EXPECT(project_month_fixed(p, day(2026, 3, 1), day(2026, 3, 31)), 12500000);
    /* April: staff's last day is the 1st, still the whole month */
    EXPECT(project_month_fixed(p, day(2026, 4, 1), day(2026, 4, 30)), 12500000);
    /* May: staff ended, insurance started */
    EXPECT(project_month_fixed(p, day(2026, 5, 1), day(2026, 5, 31)), 12000007);
    /* December 2025: nothing yet */
    EXPECT(project_month_fixed(p, day(2025, 12, 1), day(2025, 12, 31)), 0);
    free(p);
}

static void test_debt_service(void **state)
{
    (void)state;
    struct debt_row rows[3] = {
        {.due_day = day(2026, 1, 31), .payment = 100},
        {.due_day = day(2026, 2, 28), .payment = 200},
        {.due_day = day(2026, 3, 1), .payment = 400},
    };
    EXPECT(project_month_debt_service(rows, 3, day(2026, 1, 1), day(2026, 1, 31)), 100);
    EXPECT(project_month_debt_service(rows, 3, day(2026, 2, 1), day(2026, 2, 28)), 200);
    EXPECT(project_month_debt_service(rows, 3, day(2026, 3, 1), day(2026, 3, 31)), 400);
    EXPECT(project_month_debt_service(rows, 3, day(2026, 4, 1), day(2026, 4, 30)), 0);
}

static void test_cfads(void **state)
{
    (void)state;
    struct project_month m = {.collected = 1000000, .energy = 123456, .fixed = 500000};
    project_month_close(&m);
    EXPECT(m.operating, 623456);
    EXPECT(m.cfads, 376544);
}

static void test_dscr(void **state)
{
    (void)state;
    int64_t h = -999;
    assert_true(project_month_dscr(200, 300, &h));
    EXPECT(h, 66); /* 0.666... -> 0.66 */
    assert_true(project_month_dscr(300, 200, &h));
    EXPECT(h, 150);
    assert_true(project_month_dscr(-200, 300, &h));
    EXPECT(h, -67); /* -0.666... rounds toward minus infinity */
    assert_true(project_month_dscr(0, 5, &h));
    EXPECT(h, 0);
    /* 128-bit: the largest CFADS times 100 does not overflow */
    assert_true(project_month_dscr(INT64_MAX, INT64_MAX, &h));
    EXPECT(h, 100);
    h = -999;
    assert_false(project_month_dscr(100, 0, &h));
    EXPECT(h, -999);
}

static void test_utilisation(void **state)
{
    (void)state;
    int64_t bp = -1;
    assert_true(project_month_utilisation(2, 3, &bp));
    EXPECT(bp, 6666); /* 66.666...% -> 66.66 */
    assert_true(project_month_utilisation(3, 3, &bp));
    EXPECT(bp, 10000);
    assert_false(project_month_utilisation(0, 0, &bp));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_costs),   cmocka_unit_test(test_debt_service),
        cmocka_unit_test(test_cfads),         cmocka_unit_test(test_dscr),
        cmocka_unit_test(test_utilisation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
