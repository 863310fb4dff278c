/* A contract's fixed-for-floating settlement on the realised compute price
 * index (pricing/index_swap.h; docs/investor.md, "Fixed-for-floating"),
 * computed by hand: the customer pays fixed and receives the index on a
 * notional of GPU-hours, notional x (fixed - index), rounded once to the
 * fen, either sign; the month is not settled without a final, published
 * value; a swap settles only its months. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/timeutil.h"
#include "pricing/settle.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JAN_2026 ((2026 - 1970) * 12)

static struct index_fixing fixing(const char *month, int64_t price_micro)
{
    struct index_fixing f = {.published = true, .final = true, .revision = 1,
                             .price_micro = price_micro};
    snprintf(f.month, sizeof f.month, "%s", month);
    snprintf(f.published_at, sizeof f.published_at, "2026-02-03 09:00:00");
    return f;
}

/* 1000 GPU-hours at a fixed 16.00 against an index of 15.123456:
 * 1000 x 0.876544 = 876.544 -> 876.54 the customer owes; against
 * 17.333333: 1000 x -1.333333 = -1333.333 -> -1333.33, a credit. */
static void test_amount_by_hand_both_signs(void **state)
{
    (void)state;
    int64_t a = 0, notional = 1000 * MS_PER_HOUR;
    assert_true(index_swap_amount(notional, 16000000, 15123456, 2, &a));
    assert_int_equal(a, 87654);
    assert_true(index_swap_amount(notional, 16000000, 17333333, 2, &a));
    assert_int_equal(a, -133333);
    assert_true(index_swap_amount(notional, 16000000, 16000000, 2, &a));
    assert_int_equal(a, 0);
    /* a currency without minor units (JPY): 876.544 -> 877 */
    assert_true(index_swap_amount(notional, 16000000, 15123456, 0, &a));
    assert_int_equal(a, 877);
}

/* Half a fen rounds once, away from zero, in both signs: 0.5 GPU-hour x
 * 0.01 = 0.005 -> 0.01 owed; x -0.01 -> -0.01 credited. One GPU-ms less
 * is below the half: 0. */
static void test_half_a_fen_rounds_away_from_zero(void **state)
{
    (void)state;
    int64_t a = 0, half_hour = MS_PER_HOUR / 2;
    assert_true(index_swap_amount(half_hour, 16000000, 15990000, 2, &a));
    assert_int_equal(a, 1);
    assert_true(index_swap_amount(half_hour, 16000000, 16010000, 2, &a));
    assert_int_equal(a, -1);
    assert_true(index_swap_amount(half_hour - 1, 16000000, 15990000, 2, &a));
    assert_int_equal(a, 0);
    assert_true(index_swap_amount(half_hour - 1, 16000000, 16010000, 2, &a));
    assert_int_equal(a, 0);
}

/* The largest a document allows (100,000,000 GPU-hours, a fixed price of
 * 1,000,000) is exact; an index beyond any amount is refused, not
 * wrapped. */
static void test_limits_exact_or_refused(void **state)
{
    (void)state;
    int64_t a = 0, most = 100000000LL * MS_PER_HOUR;
    assert_true(index_swap_amount(most, 1000000LL * 1000000, 0, 2, &a));
    assert_int_equal(a, 100000000LL * 1000000 * 100);
    assert_false(index_swap_amount(most, 0, INT64_MAX, 2, &a));
}

static struct contract swap_contract(void)
{
    struct contract k = {.tax_ppm = 60000, .nswaps = 1};
    strcpy(k.currency, "CNY");
    strcpy(k.swaps[0].model, "H800");
    k.swaps[0].notional_ms = 1000 * MS_PER_HOUR;
    k.swaps[0].fixed_micro = 16000000;
    k.swaps[0].lag_months = 1;
    k.swaps[0].from_month = JAN_2026;
    k.swaps[0].until_month = JAN_2026 + 11;
    return k;
}

/* February 2026 (lag 1: January's index 15.123456) on a bill of 1,680.00
 * usage: the swap is its own line, 876.54, after the usage, taxed as every
 * line (6%: 52.59), its detail naming the notional, the fixed price, the
 * index month, the value used, the revision and the publication date;
 * the publication it used travels with the line. */
static void test_settled_as_its_own_taxed_line(void **state)
{
    (void)state;
    struct contract k = swap_contract();
    struct index_fixing f = fixing("2026-01", 15123456);
    struct bill b = {.minor_digits = 2};
    strcpy(b.currency, "CNY");
    struct bill_line *u = bill_add_line(&b);
    strcpy(u->meter, "gpu_ms");
    strcpy(u->model, "H800");
    u->amount = 168000;
    struct settle_terms t = {.k = &k, .period = JAN_2026 + 1, .fixings = &f};
    char err[256];
    if (!settle_bill(&b, &t, err, sizeof err)) fail_msg("expected settled, got: %s", err);
    assert_int_equal(b.n, 2);
    const struct bill_line *l = &b.lines[1];
    assert_int_equal(l->kind, LINE_INDEX_SWAP);
    assert_string_equal(bill_kind_name(l->kind), "index_swap");
    assert_string_equal(l->model, "H800");
    assert_int_equal(l->quantity, 1000 * MS_PER_HOUR);
    assert_int_equal(l->unit_price, 16000000);
    assert_int_equal(l->amount, 87654);
    assert_string_equal(l->detail, "1000 GPU-h x (16 - 15.123456) 2026-01 r1 2026-02-03");
    assert_string_equal(l->index.month, "2026-01");
    assert_false(l->index.link.on);
    assert_int_equal(l->index.revision, 1);
    assert_int_equal(l->index.index_micro, 15123456);
    assert_int_equal(b.subtotal, 168000 + 87654);
    assert_int_equal(b.tax, 10080 + 5259); /* 6% of 876.54 = 52.5924 -> 52.59 */
    assert_int_equal(b.total, b.subtotal + b.tax);
    bill_free(&b);
}

/* A negative settlement is a credit line, taxed negative: 1000 x (16 -
 * 17.333333) = -1333.33, tax -80.00 (-79.9998). */
static void test_a_credit_when_the_index_is_above_fixed(void **state)
{
    (void)state;
    struct contract k = swap_contract();
    struct index_fixing f = fixing("2026-01", 17333333);
    struct bill b = {.minor_digits = 2};
    struct settle_terms t = {.k = &k, .period = JAN_2026 + 1, .fixings = &f};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.n, 1);
    assert_int_equal(b.lines[0].amount, -133333);
    assert_int_equal(b.tax, -8000);
    assert_int_equal(b.total, -141333);
    bill_free(&b);
}

/* No value to settle at holds the month, naming model, month and
 * currency: never published, withheld, provisional. */
static void test_no_value_holds_the_month(void **state)
{
    (void)state;
    struct contract k = swap_contract();
    struct index_fixing none = {0}, withheld = fixing("2026-01", 0), provisional = fixing("2026-01", 15123456);
    snprintf(none.month, sizeof none.month, "2026-01");
    withheld.withheld = true;
    provisional.final = false;
    const struct {
        const struct index_fixing *f;
        const char *why;
    } cases[] = {{&none, "index_swap[0]: the price index of H800 for 2026-01 in CNY has never been "
                         "published: the month cannot be settled until it is published (gpumeter "
                         "index publish --period 2026-01)"},
                 /* publishing again changes nothing: fewer contracts stay fewer */
                 {&withheld, "index_swap[0]: the price index of H800 for 2026-01 in CNY is withheld "
                             "(fewer contributing contracts than index.min_contracts): the month "
                             "cannot be settled until a publication of it has a value"},
                 {&provisional, "index_swap[0]: the price index of H800 for 2026-01 in CNY is "
                                "provisional (the month is not yet issued whole): the month cannot be "
                                "settled until it is issued whole and published again (gpumeter index "
                                "publish --period 2026-01)"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bill b = {.minor_digits = 2};
        struct settle_terms t = {.k = &k, .period = JAN_2026 + 1, .fixings = cases[i].f};
        char err[256];
        assert_false(settle_bill(&b, &t, err, sizeof err));
        if (strcmp(err, cases[i].why)) fail_msg("expected: %s\ngot: %s", cases[i].why, err);
        bill_free(&b);
    }
}

/* A swap settles its months only: none before from or after until (a
 * terminated contract has no invoice after its last month), and with a
 * lag of 0 it fixes against the invoice's own month. */
static void test_settles_its_months_only(void **state)
{
    (void)state;
    struct contract k = swap_contract();
    assert_false(index_swap_settles(&k.swaps[0], JAN_2026 - 1));
    assert_true(index_swap_settles(&k.swaps[0], JAN_2026));
    assert_true(index_swap_settles(&k.swaps[0], JAN_2026 + 11));
    assert_false(index_swap_settles(&k.swaps[0], JAN_2026 + 12));
    char m[8];
    index_swap_fixing_month(&k.swaps[0], JAN_2026, m);
    assert_string_equal(m, "2025-12");
    k.swaps[0].lag_months = 0;
    index_swap_fixing_month(&k.swaps[0], JAN_2026, m);
    assert_string_equal(m, "2026-01");
    /* a month outside the swap needs no fixing: nothing appended */
    struct bill b = {.minor_digits = 2};
    struct index_fixing none = {0};
    struct settle_terms t = {.k = &k, .period = JAN_2026 + 12, .fixings = &none};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.n, 0);
    bill_free(&b);
}

/* February's line of 1,000 GPU-hours at 16.00, settled at January's
 * 17.333333 (revision 0), and its index revised (revision 1). */
static struct index_swap_settled settled_feb(int64_t hours, int64_t fixed, int64_t index)
{
    struct index_swap_settled s = {.notional_ms = hours * MS_PER_HOUR, .fixed_micro = fixed,
                                   .revision = 0, .price_micro = index};
    strcpy(s.model, "H800");
    strcpy(s.index_month, "2026-01");
    return s;
}

/* A revision up to 17.419355: 1000 x (16 - 17.419355) = -1419.355 ->
 * -1419.36 now, -1333.33 billed: -86.03 more credit; 100 at 17.50:
 * 8.0645 -> 8.06 now, 16.67 billed: -8.61. Down to 17.00: -1000.00 now,
 * +333.33 owed. The line adjusts February, names the new publication and
 * the value it replaces, carries no GPU time, and keeps the fixed price. */
static void test_revision_by_hand_both_signs(void **state)
{
    (void)state;
    struct index_swap_settled s = settled_feb(1000, 16000000, 17333333);
    struct index_fixing f = fixing("2026-01", 17419355);
    struct bill_line l;
    assert_true(index_swap_revision(&s, &f, "2026-02", 2, &l));
    assert_int_equal(l.amount, -8603);
    assert_int_equal(l.kind, LINE_INDEX_REVISION);
    assert_string_equal(l.model, "H800");
    assert_string_equal(l.meter, "");
    assert_string_equal(l.adjusts, "2026-02");
    assert_int_equal(l.quantity, 0);
    assert_int_equal(l.unit_price, 16000000);
    assert_string_equal(l.index.month, "2026-01");
    assert_false(l.index.link.on);
    assert_int_equal(l.index.revision, 1);
    assert_int_equal(l.index.index_micro, 17419355);
    assert_string_equal(l.index.published_at, "2026-02-03 09:00:00");
    assert_string_equal(l.detail, "1000 GPU-h x (16 - 17.419355) 2026-01 r1 2026-02-03, was "
                                  "17.333333 r0");
    s = settled_feb(100, 17500000, 17333333);
    assert_true(index_swap_revision(&s, &f, "2026-02", 2, &l));
    assert_int_equal(l.amount, -861);
    s = settled_feb(1000, 16000000, 17333333);
    f = fixing("2026-01", 17000000);
    assert_true(index_swap_revision(&s, &f, "2026-02", 2, &l));
    assert_int_equal(l.amount, 33333);
}

/* The difference of two settlements each rounded once, not the rounded
 * difference: 1 GPU-hour at 16.00 settled at 16.005 (-0.005 -> -0.01),
 * revised to 15.995 (0.005 -> 0.01): 0.02, where rounding 1 x 0.01 would
 * bill 0.01 and leave the month's total 0.01 short of its settlement. */
static void test_revision_differences_two_rounded_settlements(void **state)
{
    (void)state;
    struct index_swap_settled s = settled_feb(1, 16000000, 16005000);
    struct index_fixing f = fixing("2026-01", 15995000);
    struct bill_line l;
    assert_true(index_swap_revision(&s, &f, "2026-02", 2, &l));
    assert_int_equal(l.amount, 2);
}

/* A value that differs but settles to the same fen makes an amount of 0
 * (no line is made of it): 100 x (17.50 - 17.333334) = 16.6666 -> 16.67,
 * as billed. A settlement beyond any amount is refused, not wrapped. */
static void test_revision_to_the_same_fen_or_beyond_an_amount(void **state)
{
    (void)state;
    struct index_swap_settled s = settled_feb(100, 17500000, 17333333);
    struct index_fixing f = fixing("2026-01", 17333334);
    struct bill_line l;
    assert_true(index_swap_revision(&s, &f, "2026-02", 2, &l));
    assert_int_equal(l.amount, 0);
    s = settled_feb(100000000, 0, 0);
    f = fixing("2026-01", INT64_MAX);
    assert_false(index_swap_revision(&s, &f, "2026-02", 2, &l));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amount_by_hand_both_signs),
        cmocka_unit_test(test_half_a_fen_rounds_away_from_zero),
        cmocka_unit_test(test_limits_exact_or_refused),
        cmocka_unit_test(test_settled_as_its_own_taxed_line),
        cmocka_unit_test(test_a_credit_when_the_index_is_above_fixed),
        cmocka_unit_test(test_no_value_holds_the_month),
        cmocka_unit_test(test_settles_its_months_only),
        cmocka_unit_test(test_revision_by_hand_both_signs),
        cmocka_unit_test(test_revision_differences_two_rounded_settlements),
        cmocka_unit_test(test_revision_to_the_same_fen_or_beyond_an_amount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
