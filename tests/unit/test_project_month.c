/* The investor's month's pure rules (billing/project_month.h,
 * docs/investor.md "The investor's month"): fixed costs in effect some day
 * of the month at their whole monthly amount; debt service as the
 * schedule's payments due in the month; CFADS = collected - (energy +
 * fixed); DSCR in hundredths rounded toward minus infinity, none without
 * debt service; utilisation in hundredths of a percent rounded down;
 * the returns' flows (the purchase, CFADS to date, the backlog's months
 * less the period's operating cost), the months of the backlog projected,
 * NPV/IRR/payback of them (none without a discount rate); the report's
 * rows as text, CSV and JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "billing/project_figures.h"
#include "billing/project_month.h"
#include "core/strbuf.h"
#include "pricing/returns.h"
#include "core/timeutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* docs/investor.md's example of the math (test_returns.c): 1,200.00 out,
 * twelve months of 80.00, then six backlog months of 80.00 committed less
 * 20.00 of operating cost; a seventh month with only a customer in
 * default is not projected. */
static void test_flows(void **state)
{
    (void)state;
    int64_t cfads[12], flows[RETURNS_MAX_MONTHS + 1];
    struct project_backlog_month b[7] = {{0}};
    for (int k = 0; k < 12; k++)
        cfads[k] = 8000;
    for (int k = 0; k < 7; k++)
        b[k].month = k, b[k].committed = k < 6 ? 8000 : 0, b[k].in_default = 5000;
    int span = project_month_backlog_span(b, 7);
    EXPECT(span, 6);
    int months = project_month_flows(120000, cfads, 12, b, span, 2000, flows);
    EXPECT(months, 18);
    EXPECT(flows[0], -120000);
    EXPECT(flows[12], 8000);
    EXPECT(flows[13], 6000);
    EXPECT(flows[18], 6000);
    struct project_returns r;
    project_month_returns(flows, months, true, 120000, &r);
    assert_true(r.has_npv && r.has_irr);
    EXPECT(r.npv, 900);       /* 9.00 */
    EXPECT(r.irr_micro, 130422); /* 13.0422% */
    EXPECT(r.payback, 16);
    project_month_returns(flows, 12, false, 0, &r);
    assert_false(r.has_npv); /* no discount rate: no NPV */
    assert_true(r.has_irr);
    EXPECT(r.irr_micro, -393181);
    EXPECT(r.payback, -1);
    /* a month inside the span with nothing committed still costs */
    b[2].committed = 0;
    EXPECT(project_month_backlog_span(b, 7), 6);
    months = project_month_flows(120000, cfads, 12, b, 6, 2000, flows);
    EXPECT(flows[15], -2000);
    /* no more months than returns.h judges */
    int64_t many[RETURNS_MAX_MONTHS] = {0};
    EXPECT(project_month_flows(0, many, RETURNS_MAX_MONTHS - 2, b, 6, 0, flows),
           RETURNS_MAX_MONTHS);
}

static void test_figures(void **state)
{
    (void)state;
    struct project_figures f = {0};
    project_figures_money(&f, "cfads", -2000, 2);
    project_figures_text(&f, "dscr", NULL);
    project_figures_month(&f, "payback_to_date", (2027 - 1970) * 12 + 3);
    project_figures_month(&f, "payback_with_backlog", -1);
    const char *want[3] = {
        "project p (version of 2026-01-01), 2026-12, money in CNY\n\n"
        "cfads                                  -20.00\n"
        "dscr                                     none\n"
        "payback_to_date                       2027-04\n"
        "payback_with_backlog                     none\n",
        "figure,value\ncfads,-20.00\ndscr,\npayback_to_date,2027-04\npayback_with_backlog,\n",
        "{\"project\":\"p\",\"effective_from\":\"2026-01-01\",\"period\":\"2026-12\","
        "\"currency\":\"CNY\",\"cfads\":\"-20.00\",\"dscr\":null,\"payback_to_date\":\"2027-04\","
        "\"payback_with_backlog\":null}\n"};
    const enum report_format fmt[3] = {REPORT_TEXT, REPORT_CSV, REPORT_JSON};
    for (int i = 0; i < 3; i++) {
        struct strbuf out = STRBUF_INIT;
        project_figures_put(&f, "p", "2026-01-01", "2026-12", "CNY", fmt[i], &out);
        if (strcmp(sb_str(&out), want[i]))
            fail_msg("format %d: expected [%s], got [%s]", i, want[i], sb_str(&out));
        sb_free(&out);
    }
    struct project_backlog_month b[1] = {{(2027 - 1970) * 12, 1, 10000, 5000}};
    struct strbuf out = STRBUF_INIT;
    project_figures_put_backlog(b, 1, 2, "p", "2026-01-01", "2026-12", "CNY", REPORT_CSV, &out);
    if (strcmp(sb_str(&out), "month,contracts,backlog,in_default\n2027-01,1,100.00,50.00\n"))
        fail_msg("the curve: got [%s]", sb_str(&out));
    sb_free(&out);
}

/* A fake month reader for the cache: each month's cfads is its index,
 * calls counted; month fail_at fails. */
struct fake_reader {
    long calls;
    int64_t fail_at;
};

static bool fake_read(void *ctx, int64_t month, struct project_month *m)
{
    struct fake_reader *f = ctx;
    f->calls++;
    if (month == f->fail_at) return false;
    memset(m, 0, sizeof *m);
    m->cfads = month * 100, m->revenue = month;
    return true;
}

/* The lender pack's pattern: for each column at from .. to, the months
 * since the first from the cache, the column's own read. */
static long pack_reads(int64_t first, int64_t from, int64_t to, struct fake_reader *f)
{
    struct project_month_cache c = {0};
    struct project_month m;
    for (int64_t at = from; at <= to; at++) {
        int64_t sum = 0, want = 0;
        for (int64_t k = first; k < at; k++) {
            assert_true(project_month_cache_get(&c, k, fake_read, f, &m));
            if (m.cfads != k * 100 || m.revenue != k)
                fail_msg("month %lld: expected cfads %lld, got %lld", (long long)k,
                         (long long)(k * 100), (long long)m.cfads);
            sum += m.cfads, want += k * 100;
        }
        assert_true(project_month_cache_read(&c, at, fake_read, f, &m));
        assert_int_equal(m.cfads, at * 100);
        assert_int_equal(sum, want);
    }
    long reads = c.reads;
    project_month_cache_free(&c);
    return reads;
}

static void test_month_cache(void **state)
{
    (void)state;
    /* 120 columns after 24 months before --from: 24 + 120 reads, not ~8,600 */
    struct fake_reader f = {0, -1};
    const int64_t first = 600, from = 624, to = 743;
    long reads = pack_reads(first, from, to, &f);
    if (reads != 24 + 120 || f.calls != 24 + 120)
        fail_msg("expected 144 month reads, got %ld (reader called %ld times)", reads, f.calls);
    /* from the first month: one read a column */
    f.calls = 0;
    assert_int_equal(pack_reads(first, first, first + 59, &f), 60);
    /* without a cache, every call reads */
    struct project_month m;
    f.calls = 0;
    assert_true(project_month_cache_get(NULL, 5, fake_read, &f, &m));
    assert_true(project_month_cache_get(NULL, 5, fake_read, &f, &m));
    assert_int_equal(f.calls, 2);
    /* a failed read is not kept: the next asks again */
    struct project_month_cache c = {0};
    f = (struct fake_reader){0, 7};
    assert_true(project_month_cache_get(&c, 6, fake_read, &f, &m));
    assert_false(project_month_cache_get(&c, 7, fake_read, &f, &m));
    assert_false(project_month_cache_get(&c, 7, fake_read, &f, &m));
    assert_int_equal(f.calls, 3);
    /* a held month is the reader's, not read again; read always reads */
    assert_true(project_month_cache_get(&c, 6, fake_read, &f, &m));
    assert_int_equal(m.cfads, 600);
    assert_int_equal(f.calls, 3);
    assert_true(project_month_cache_read(&c, 6, fake_read, &f, &m));
    assert_int_equal(f.calls, 4);
    assert_int_equal(c.reads, 4);
    project_month_cache_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_costs),   cmocka_unit_test(test_debt_service),
        cmocka_unit_test(test_cfads),         cmocka_unit_test(test_dscr),
        cmocka_unit_test(test_utilisation),   cmocka_unit_test(test_flows),
        cmocka_unit_test(test_figures),     cmocka_unit_test(test_month_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
