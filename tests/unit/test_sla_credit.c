/* The SLA credit alone (pricing/sla.h; pure, linked without libpq like
 * test_pricing): docs/contracts.md "SLA"'s three worked cases to the fen,
 * the tier bounds compared exactly (at a bound nothing, one ms under the
 * tier), metered 0, a year of 100,000 GPUs without overflow, the affected
 * charges by kind, model and site, and the credit line settle_bill adds
 * (before vouchers, its tax, the take-or-pay minimum shrunk). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pricing/settle.h"
#include "pricing/sla.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MS_HOUR INT64_C(3600000)

/* docs/contracts.md "SLA": below 99.5 credits 10, below 99.0 credits 25,
 * cap 20. */
static struct sla terms(void)
{
    struct sla s = {.present = true,
                    .measured = SLA_MEASURED_RESERVED,
                    .nreserved = 1,
                    .target_ppm = 995000,
                    .tiers = {{995000, 100000}, {990000, 250000}},
                    .ntiers = 2,
                    .cap_ppm = 200000,
                    .commitment_shrink = true};
    return s;
}

static void expect_credit(const struct sla_credit *c, int tier, int64_t ppm, int64_t amount)
{
    if (c->tier != tier || c->credit_ppm != ppm || c->amount != amount)
        fail_msg("expected tier %d, %lld ppm, credit %lld; got tier %d, %lld ppm, credit %lld",
                 tier, (long long)ppm, (long long)amount, c->tier, (long long)c->credit_ppm,
                 (long long)c->amount);
}

/* 8 H800 x 744 h = 5,952 device-hours; affected 100,000.00. */
static void test_worked_cases(void **state)
{
    (void)state;
    struct sla s = terms();
    struct sla_credit c;
    int64_t metered = 5952 * MS_HOUR;
    /* 1: 40 h of downtime (46 less 6 in maintenance): 99.3279..%, first tier */
    assert_true(sla_credit_compute(&s, metered, 40 * MS_HOUR, 10000000, &c));
    expect_credit(&c, 0, 100000, 1000000);
    assert_true(c.measured && !c.capped);
    assert_int_equal(c.availability_ppm, 993279);
    /* 2: 70 h: 98.8239..%, second tier, 25% capped to 20%: 20,000.00 */
    assert_true(sla_credit_compute(&s, metered, 70 * MS_HOUR, 10000000, &c));
    expect_credit(&c, 1, 200000, 2000000);
    assert_true(c.capped);
    assert_int_equal(c.availability_ppm, 988239);
    /* 3: the 100,000.00 minimum shrunk to 5,912 / 5,952: 99,327.956.. */
    assert_int_equal(sla_shrink(10000000, metered, 40 * MS_HOUR), 9932796);
    char detail[129];
    assert_true(sla_credit_compute(&s, metered, 70 * MS_HOUR, 10000000, &c));
    sla_credit_detail(&s, &c, 10000000, 2, detail, sizeof detail);
    assert_string_equal(detail, "98.8239% < 99%: 20% (上限 cap) x 100000.00");
}

/* Availability exactly at a bound is not under it; one ms more down is. */
static void test_bounds_exact(void **state)
{
    (void)state;
    struct sla s = terms();
    struct sla_credit c;
    int64_t metered = 1000000; /* 1 ms is 1 ppm */
    assert_true(sla_credit_compute(&s, metered, 5000, 1000, &c)); /* 99.5% exactly */
    expect_credit(&c, -1, 0, 0);
    assert_true(c.measured);
    assert_true(sla_credit_compute(&s, metered, 5001, 1000, &c));
    expect_credit(&c, 0, 100000, 100);
    assert_true(sla_credit_compute(&s, metered, 10000, 1000, &c)); /* 99.0% exactly */
    expect_credit(&c, 0, 100000, 100);
    assert_true(sla_credit_compute(&s, metered, 10001, 1000, &c));
    expect_credit(&c, 1, 200000, 200);
    /* 99.49996..%: under the bound, however close (shown as 99.4999) */
    assert_true(sla_credit_compute(&s, 3000001, 15001, 1000, &c));
    assert_int_equal(c.availability_ppm, 994999);
    expect_credit(&c, 0, 100000, 100);
    /* the credit rounds once, half away from zero: 10% of 0.05 is 0.005 */
    assert_true(sla_credit_compute(&s, metered, 5001, 5, &c));
    assert_int_equal(c.amount, 1);
    assert_true(sla_credit_compute(&s, metered, 5001, 4, &c));
    assert_int_equal(c.amount, 0);
}

/* Nothing reported in the month: nothing measured, no credit, no shrink. */
static void test_metered_zero(void **state)
{
    (void)state;
    struct sla s = terms();
    struct sla_credit c;
    assert_true(sla_credit_compute(&s, 0, 0, 10000000, &c));
    assert_false(c.measured);
    expect_credit(&c, -1, 0, 0);
    assert_int_equal(sla_shrink(10000000, 0, 0), 10000000);
}

/* A year of 100,000 GPUs in ms (3.15 x 10^15) and the largest amounts. */
static void test_huge(void **state)
{
    (void)state;
    struct sla s = terms();
    struct sla_credit c;
    int64_t metered = INT64_C(100000) * 365 * 24 * MS_HOUR;
    assert_true(sla_credit_compute(&s, metered, 1, INT64_MAX, &c));
    assert_int_equal(c.availability_ppm, 999999);
    expect_credit(&c, -1, 0, 0);
    assert_true(sla_credit_compute(&s, metered, metered / 2, INT64_MAX, &c));
    /* INT64_MAX x 0.2 = 1844674407370955161.4 */
    expect_credit(&c, 1, 200000, INT64_C(1844674407370955161));
    assert_true(sla_credit_compute(&s, INT64_MAX, INT64_MAX, INT64_MAX, &c));
    assert_int_equal(c.availability_ppm, 0);
    assert_int_equal(sla_shrink(INT64_MAX, INT64_MAX, 1), INT64_MAX - 1);
    assert_int_equal(sla_shrink(INT64_MAX, metered, metered / 2), INT64_MAX / 2 + 1);
}

static struct bill_line *add(struct bill *b, enum line_kind kind, const char *meter,
                             const char *model, const char *site, int64_t amount)
{
    struct bill_line *l = bill_add_line(b);
    l->kind = kind;
    snprintf(l->meter, sizeof l->meter, "%s", meter);
    snprintf(l->model, sizeof l->model, "%s", model);
    snprintf(l->site, sizeof l->site, "%s", site);
    l->amount = amount;
    l->quantity = 1;
    l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
    return l;
}

/* Affected: GPU time and floors of the reserved models (the same
 * accelerator however telemetry names it), energy of their model on their
 * site, the shortfall net of carry-forward; nothing else. */
static void test_affected(void **state)
{
    (void)state;
    struct sla_month m = {0};
    struct sla_cell *cell = sla_month_add_cell(&m);
    strcpy(cell->model, "NVIDIA H800"); /* as dcgm-exporter reports it; plans say "H800" */
    strcpy(cell->site, "sh-lingang");
    struct bill b = {0};
    add(&b, LINE_USAGE, "gpu_ms", "H800", "", 1000);
    add(&b, LINE_GPU_FLOOR, "gpu_ms", "H800", "", 200);
    add(&b, LINE_USAGE, "gpu_ms", "A800", "", 5000);
    add(&b, LINE_USAGE, "energy_mj", "H800", "sh-lingang", 30);
    add(&b, LINE_USAGE, "energy_mj", "H800", "bj-yizhuang", 70);
    add(&b, LINE_SHORTFALL, "", "", "", 400);
    add(&b, LINE_CARRY_FORWARD, "", "", "", -100);
    add(&b, LINE_SUBSIDY, "", "", "", -9);
    add(&b, LINE_PRIOR_PERIOD, "gpu_ms", "H800", "", 11);
    int64_t sum = -1;
    assert_true(sla_affected(&b, &m, &sum));
    assert_int_equal(sum, 1000 + 200 + 30 + 400 - 100);
    bill_free(&b);
    sla_month_free(&m);
}

/* settle_bill with the month's evidence: the shrunk minimum bills the
 * shortfall, the credit line (negative, taxed like any line) comes after
 * take-or-pay and before the vouchers, and the totals hold. */
static void test_settle_adds_the_line(void **state)
{
    (void)state;
    struct contract k = {.tax_ppm = 60000};
    strcpy(k.currency, "CNY");
    k.sla = terms();
    k.commit.kind = COMMIT_MONEY;
    k.commit.amount_micro = INT64_C(100000) * 1000000; /* 100,000.00 */
    k.commit.meters = ~0u;
    struct sla_month m = {.metered_ms = 5952 * MS_HOUR, .downtime_ms = 40 * MS_HOUR};
    strcpy(sla_month_add_cell(&m)->model, "H800");
    struct bill b = {.minor_digits = 2};
    strcpy(b.currency, "CNY");
    add(&b, LINE_USAGE, "gpu_ms", "H800", "", 8000000); /* 80,000.00 */
    struct settle_terms t = {.k = &k, .period = 682, .sla = &m};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    /* minimum 99,327.96: shortfall 19,327.96; affected 99,327.96; 10% */
    assert_int_equal(b.n, 3);
    assert_int_equal(b.lines[1].kind, LINE_SHORTFALL);
    assert_int_equal(b.lines[1].amount, 1932796);
    /* the line says what the minimum was shrunk from and to */
    assert_string_equal(b.lines[1].detail, "SLA: 100000.00 -> 99327.96");
    assert_int_equal(b.lines[2].kind, LINE_SLA_CREDIT);
    assert_int_equal(b.lines[2].amount, -993280);
    assert_string_equal(b.lines[2].detail, "99.3279% < 99.5%: 10% x 99327.96");
    assert_int_equal(b.subtotal, 8000000 + 1932796 - 993280);
    int64_t tax = 0;
    assert_true(bill_line_tax(&b.lines[2], b.tax_ppm, &tax));
    assert_int_equal(tax, -59597); /* -9,932.80 x 6% = -595.968 */
    assert_true(bill_totals_hold(&b));
    /* meeting the target: no line, the minimum whole */
    bill_free(&b);
    memset(&b, 0, sizeof b);
    b.minor_digits = 2;
    strcpy(b.currency, "CNY");
    add(&b, LINE_USAGE, "gpu_ms", "H800", "", 8000000);
    m.downtime_ms = 29 * MS_HOUR; /* 99.5127% */
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.n, 2);
    assert_int_equal(b.lines[1].kind, LINE_SHORTFALL); /* 100,000.00 x 5,923 / 5,952 */
    assert_int_equal(b.lines[1].amount, 9951277 - 8000000);
    bill_free(&b);
    sla_month_free(&m);
}

/* The credit comes off the charges it was computed on before the
 * vouchers: a 50% pre-tax voucher on GPU time pays half of what the H800
 * line still costs after the credit (900.00), not of 1,000.00; the A800
 * line, not affected, is covered whole. */
static void test_credit_before_vouchers(void **state)
{
    (void)state;
    struct contract k = {.tax_ppm = 60000};
    strcpy(k.currency, "CNY");
    k.sla = terms();
    struct sla_month m = {.metered_ms = 1000000, .downtime_ms = 5001}; /* 99.4999%: 10% */
    strcpy(sla_month_add_cell(&m)->model, "H800");
    struct voucher v = {.face_micro = INT64_C(1000000) * 1000000, .coverage_ppm = 500000,
                        .yearly_cap_micro = -1, .pre_tax = true, .meters = ~0u};
    strcpy(v.code, "v1");
    strcpy(v.program, "p");
    strcpy(v.currency, "CNY");
    struct voucher_state vs = {.v = &v};
    struct bill b = {.minor_digits = 2};
    strcpy(b.currency, "CNY");
    add(&b, LINE_USAGE, "gpu_ms", "H800", "", 100000);
    add(&b, LINE_USAGE, "gpu_ms", "A800", "", 20000);
    struct settle_terms t = {.k = &k, .period = 682, .sla = &m, .vouchers = &vs, .nvouchers = 1};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.n, 4);
    assert_int_equal(b.lines[2].kind, LINE_SLA_CREDIT);
    assert_int_equal(b.lines[2].amount, -10000);
    assert_int_equal(b.lines[3].kind, LINE_VOUCHER_DISCOUNT);
    assert_int_equal(b.lines[3].amount, -(45000 + 10000));
    assert_int_equal(b.subtotal, 100000 + 20000 - 10000 - 55000);
    assert_true(bill_totals_hold(&b));
    bill_free(&b);
    sla_month_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_cases),   cmocka_unit_test(test_bounds_exact),
        cmocka_unit_test(test_metered_zero),   cmocka_unit_test(test_huge),
        cmocka_unit_test(test_affected),       cmocka_unit_test(test_settle_adds_the_line),
        cmocka_unit_test(test_credit_before_vouchers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
