/* The pricing engine alone: this binary links pricing/ and four core files
 * (money, catalogue, timeutil, alloc) and no libpq, no cJSON (Makefile,
 * PURE_UNIT; scripts/check-layout.sh checks what it links). Late usage
 * compared with what was invoiced, key by key; prior-period lines found per
 * customer; band lookup across midnight; line kinds by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pricing/charges.h"
#include "pricing/prior.h"
#include "pricing/settle.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct bill_line *line(struct prior_lines *p, const char *customer, const char *model,
                              int64_t quantity, int64_t amount)
{
    struct bill_line *l = prior_add(p, customer);
    strcpy(l->meter, "gpu_ms");
    strcpy(l->model, model);
    l->quantity = quantity;
    l->amount = amount;
    l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
    return l;
}

/* now: alpha H800 15 h (252.00), A800 2 h; beta H800 1 h.
 * invoiced: alpha H800 10 h (168.00) and H20 3 h (no longer rated); beta
 * H800 1 h (unchanged). Expect alpha +5 h H800, +2 h A800 (new key), -3 h
 * H20, in now's order then the vanished key; nothing for beta. */
/* Quantity and rate per unit, as the fapiao and FOCUS show them. */
static void test_per_unit(void **state)
{
    (void)state;
    struct bill_line l = {.kind = LINE_USAGE, .meter = "gpu_ms", .quantity = 36000000,
                          .unit_price = 16800000, .multiplier_ppm = 1000000,
                          .pue_ppm = 1000000, .override_ppm = 1000000, .amount = 16800};
    int64_t q, p;
    /* 10 GPU-hours at 16.80: the line's own rate */
    assert_true(bill_line_per_unit(&l, 2, 8, &q, &p));
    assert_int_equal(q, 1000000000);
    assert_int_equal(p, 1680000000);
    /* a peak band of 1.5x and an override of 0.9: 16.80 x 1.35 = 22.68 */
    l.multiplier_ppm = 1500000, l.override_ppm = 900000, l.amount = 22680;
    assert_true(bill_line_per_unit(&l, 2, 8, &q, &p));
    assert_int_equal(p, 2268000000);
    /* graduated: 10 hours that came to 150.00 do not fit any one step's
     * rate, so the rate is amount / quantity */
    l.multiplier_ppm = l.override_ppm = 1000000, l.amount = 15000;
    assert_true(bill_line_per_unit(&l, 2, 8, &q, &p));
    assert_int_equal(p, 1500000000);
    /* 1 GPU-ms is 0.00000028 hours to 8 places; 3 hours at 1/3 of a fen
     * would not meet the tolerance only past 0.01 */
    l.quantity = 1, l.amount = 0;
    assert_true(bill_line_per_unit(&l, 2, 8, &q, &p));
    assert_int_equal(q, 28);
    assert_int_equal(p, 1680000000);
    /* a credit (prior-period, negative): amount / quantity, negative */
    l.quantity = 36000000, l.amount = -16800, l.unit_price = 16800000;
    assert_true(bill_line_per_unit(&l, 2, 8, &q, &p));
    assert_int_equal(p, -1680000000);
    /* a credit note's line (schema 026 review, finding 2): quantity
     * negative, rate positive. 10 hours at 16.80 credited: -10 x 16.80 */
    l.quantity = -36000000, l.amount = -16800;
    assert_true(bill_line_per_unit(&l, 2, 8, &q, &p));
    assert_int_equal(q, -1000000000);
    assert_int_equal(p, 1680000000);
    /* 2.5 hours of a line an amount credit lowered: -2.5 x 16.80 = -42.00
     * misses -40.00, so -40.00 / -2.5 = 16.00 (q x p = amount) */
    l.quantity = -9000000, l.amount = -4000;
    assert_true(bill_line_per_unit(&l, 2, 8, &q, &p));
    assert_int_equal(q, -250000000);
    assert_int_equal(p, 1600000000);
    /* no quantity or no meter: no rate */
    l.quantity = 0;
    assert_false(bill_line_per_unit(&l, 2, 8, &q, &p));
    struct bill_line adj = {.kind = LINE_SHORTFALL, .quantity = 5, .amount = 100};
    assert_false(bill_line_per_unit(&adj, 2, 8, &q, &p));
}

static void test_diff_key_by_key(void **state)
{
    (void)state;
    struct prior_lines now = {0}, inv = {0}, out = {0};
    line(&now, "alpha", "H800", 15 * 3600000LL, 25200);
    line(&now, "alpha", "A800", 2 * 3600000LL, 2400);
    line(&now, "beta", "H800", 3600000, 1680);
    line(&inv, "beta", "H800", 3600000, 1680);
    line(&inv, "alpha", "H20", 3 * 3600000LL, 3000);
    line(&inv, "alpha", "H800", 10 * 3600000LL, 16800);
    prior_diff("2026-01", &now, &inv, &out);
    assert_int_equal(out.n, 3);
    assert_string_equal(out.v[0].line.model, "H800");
    assert_int_equal(out.v[0].line.quantity, 5 * 3600000LL);
    assert_int_equal(out.v[0].line.amount, 8400);
    assert_string_equal(out.v[1].line.model, "A800");
    assert_int_equal(out.v[1].line.amount, 2400);
    assert_string_equal(out.v[2].line.model, "H20");
    assert_int_equal(out.v[2].line.quantity, -3 * 3600000LL);
    assert_int_equal(out.v[2].line.amount, -3000);
    for (size_t i = 0; i < out.n; i++) {
        assert_string_equal(out.v[i].customer, "alpha");
        assert_int_equal(out.v[i].line.kind, LINE_PRIOR_PERIOD);
        assert_string_equal(out.v[i].line.adjusts, "2026-01");
        assert_string_equal(out.v[i].line.detail, "late usage of 2026-01");
    }
    prior_free(&now);
    prior_free(&inv);
    prior_free(&out);
}

/* What was invoiced for a key on two invoices (the month's and a later
 * prior_period line) counts once, summed. */
static void test_diff_sums_what_was_invoiced_twice(void **state)
{
    (void)state;
    struct prior_lines now = {0}, inv = {0}, out = {0};
    line(&now, "alpha", "H800", 16 * 3600000LL, 26880);
    line(&inv, "alpha", "H800", 10 * 3600000LL, 16800);
    line(&inv, "alpha", "H800", 5 * 3600000LL, 8400);
    prior_diff("2026-01", &now, &inv, &out);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].line.quantity, 3600000);
    assert_int_equal(out.v[0].line.amount, 1680);
    prior_free(&now);
    prior_free(&inv);
    prior_free(&out);
}

/* 20,000 customers, each one line late: one adjustment each, found by
 * prior_append for its bill (what made it quadratic before). */
static void test_many_customers(void **state)
{
    (void)state;
    struct prior_lines now = {0}, inv = {0}, out = {0};
    char c[32];
    for (int i = 19999; i >= 0; i--) {
        snprintf(c, sizeof c, "c%05d", i);
        line(&now, c, "H800", 2 * 3600000LL, 3360);
        line(&inv, c, "H800", 3600000, 1680);
    }
    prior_diff("2026-01", &now, &inv, &out);
    prior_sort(&out);
    assert_int_equal(out.n, 20000);
    struct bill b = {0};
    strcpy(b.customer, "c12345");
    prior_append(&out, &b);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.lines[0].amount, 1680);
    bill_free(&b);
    strcpy(b.customer, "d");
    prior_append(&out, &b);
    assert_int_equal(b.n, 0);
    prior_free(&now);
    prior_free(&inv);
    prior_free(&out);
}

/* prior_sort keeps each customer's lines in the order they came. */
static void test_sort_keeps_order_within_a_customer(void **state)
{
    (void)state;
    struct prior_lines p = {0};
    line(&p, "beta", "Z", 1, 1);
    line(&p, "alpha", "Y", 1, 2);
    line(&p, "beta", "A", 1, 3);
    line(&p, "alpha", "B", 1, 4);
    prior_sort(&p);
    struct bill b = {0};
    strcpy(b.customer, "beta");
    prior_append(&p, &b);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.lines[0].amount, 1);
    assert_int_equal(b.lines[1].amount, 3);
    bill_free(&b);
    prior_free(&p);
}

static void test_bands_and_kinds(void **state)
{
    (void)state;
    struct band night[] = {{"night", 22, 6, 500000}, {"peak", 9, 12, 1500000}};
    assert_string_equal(plan_band_at(night, 2, 23)->name, "night");
    assert_string_equal(plan_band_at(night, 2, 5)->name, "night");
    assert_null(plan_band_at(night, 2, 6));
    assert_string_equal(plan_band_at(night, 2, 11)->name, "peak");
    enum line_kind k;
    assert_true(bill_kind_parse("prior_period", &k));
    assert_int_equal(k, LINE_PRIOR_PERIOD);
    assert_string_equal(bill_kind_name(LINE_MAKEUP_DRAW), "makeup_draw");
    assert_false(bill_kind_parse("usage ", &k));
    assert_int_equal(meter_units("energy_mj")->per_price, 3600000000LL);
    assert_int_equal(meter_bit_code("tokens"), METER_BIT_TOKENS);
}

/* A plan priced and settled without a database: 10 H800 hours at 16.80 in
 * GPU-hour increments of an hour, 6% tax: 168.00 + 10.08 = 178.08. */
static void test_charges_then_settle(void **state)
{
    (void)state;
    static struct plan p = {.currency = "CNY", .has[METER_GPU] = true, .increment_s = 3600, .nmodels = 1};
    strcpy(p.models[0].model, "H800");
    p.models[0].price.nsteps = 1;
    p.models[0].price.up_to[0] = -1;
    p.models[0].price.unit_price[0] = 16800000;
    static struct contract k = {.tax_ppm = 60000, .currency = "CNY"};
    struct usage_row row = {"gpu_ms", "H800", "s", 0, 0, false, 1000000, 36000000};
    struct bill b = {.minor_digits = 2};
    char err[256];
    assert_true(charges_price(&p, &k, &row, 1, 2, &b, err, sizeof err));
    assert_int_equal(b.n, 1);
    assert_int_equal(b.lines[0].amount, 16800);
    struct settle_terms t = {.k = &k};
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.total, 17808);
    assert_int_equal(b.due, 17808);
    bill_free(&b);
}

/* A month's commitment in money (settle_commitment_value): a money
 * commitment's amount; GPU-hours at the shortfall price; a final month pro
 * rata to the days served, the units rounded once, then valued. */
static void test_commitment_value(void **state)
{
    (void)state;
    struct commitment money = {.kind = COMMIT_MONEY, .amount_micro = 1000000000};
    struct commitment hours = {.kind = COMMIT_GPU_HOURS, .gpu_ms = 100 * 3600000LL,
                               .shortfall_price = 12000000};
    struct commitment none = {.kind = COMMIT_NONE};
    int64_t v = -1;
    assert_true(settle_commitment_value(&money, 31, 31, 2, &v));
    if (v != 100000) fail_msg("1,000.00 a month: expected 100000, got %lld", (long long)v);
    /* 1,000.00 x 15 / 31 = 483.8709... -> 483.87 */
    assert_true(settle_commitment_value(&money, 15, 31, 2, &v));
    if (v != 48387) fail_msg("15 of 31 days: expected 48387, got %lld", (long long)v);
    /* 100 GPU-hours at 12.00 = 1,200.00; 15 of 30 days: 50 hours, 600.00 */
    assert_true(settle_commitment_value(&hours, 30, 30, 2, &v));
    if (v != 120000) fail_msg("100 GPU-hours: expected 120000, got %lld", (long long)v);
    assert_true(settle_commitment_value(&hours, 15, 30, 2, &v));
    if (v != 60000) fail_msg("50 GPU-hours: expected 60000, got %lld", (long long)v);
    assert_true(settle_commitment_value(&none, 30, 30, 2, &v));
    if (v != 0) fail_msg("no commitment: expected 0, got %lld", (long long)v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_unit),
        cmocka_unit_test(test_diff_key_by_key),
        cmocka_unit_test(test_diff_sums_what_was_invoiced_twice),
        cmocka_unit_test(test_many_customers),
        cmocka_unit_test(test_sort_keeps_order_within_a_customer),
        cmocka_unit_test(test_bands_and_kinds),
        cmocka_unit_test(test_charges_then_settle),
        cmocka_unit_test(test_commitment_value),
    };
    return cmocka_run_group_tests_name("pricing", tests, NULL, NULL);
}
