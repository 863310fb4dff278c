/* Settling a bill without commitments, subsidies or vouchers: subtotal =
 * sum of the lines, tax once on the subtotal, total = subtotal + tax = due;
 * a credit month is negative; a subtotal too large to tax is an error, not
 * a wrapped number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pricing/settle.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void usage_line(struct bill *b, const char *meter, const char *model, int64_t amount)
{
    struct bill_line *l = bill_add_line(b);
    strcpy(l->meter, meter);
    strcpy(l->model, model);
    l->amount = amount;
}

static void test_lines_then_tax_once(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    struct bill b = {.minor_digits = 2};
    strcpy(b.currency, "CNY");
    usage_line(&b, "gpu_ms", "A800", 1059955);
    usage_line(&b, "gpu_ms", "H800", 1823278);
    struct settle_terms t = {.k = &k};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.n, 2); /* no adjustment lines */
    assert_int_equal(b.subtotal, 1059955 + 1823278);
    assert_int_equal(b.tax, 172994); /* 6% of 28832.33 = 1729.9398 -> 1729.94 */
    assert_int_equal(b.total, b.subtotal + b.tax);
    assert_int_equal(b.claimed, 0);
    assert_int_equal(b.due, b.total);
    assert_int_equal(b.nledger, 0);
    bill_free(&b);
}

/* A month of only a prior-period credit (usage rated lower after its
 * invoice was issued) is a credit balance, taxed the same way: -100.00,
 * tax -6.00, total and due -106.00. */
static void test_a_credit_month_is_negative_not_an_error(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    struct bill b = {.minor_digits = 2};
    usage_line(&b, "gpu_ms", "H800", -10000);
    b.lines[0].kind = LINE_PRIOR_PERIOD;
    struct settle_terms t = {.k = &k};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.subtotal, -10000);
    assert_int_equal(b.tax, -600);
    assert_int_equal(b.total, -10600);
    assert_int_equal(b.due, -10600);
    bill_free(&b);
}

static void test_untaxable_subtotal_is_an_error(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 1000000};
    struct bill b = {.minor_digits = 2};
    usage_line(&b, "tokens", "", INT64_MAX / 2 + 1);
    struct settle_terms t = {.k = &k};
    char err[256];
    assert_false(settle_bill(&b, &t, err, sizeof err));
    assert_non_null(strstr(err, "cannot be taxed"));
    bill_free(&b);
}

/* A simulation's grouping (bill_line_model_order): lines made in the
 * order usage came (hour by hour, so band by band) come out by model, then
 * band; an adjustment after every usage line. */
static void test_simulation_groups_by_model_then_band(void **state)
{
    (void)state;
    static const struct {
        enum line_kind kind;
        const char *meter, *model, *band;
    } made[] = {
        {LINE_USAGE, "gpu_ms", "H800", "peak"},   {LINE_USAGE, "gpu_ms", "A800", "peak"},
        {LINE_SHORTFALL, "", "", ""},             {LINE_USAGE, "gpu_ms", "H800", "valley"},
        {LINE_USAGE, "energy_mj", "A800", "peak"}, {LINE_USAGE, "gpu_ms", "A800", "valley"},
    };
    struct bill_line l[6] = {0};
    for (int i = 0; i < 6; i++) {
        l[i].kind = made[i].kind;
        strcpy(l[i].meter, made[i].meter);
        strcpy(l[i].model, made[i].model);
        strcpy(l[i].band, made[i].band);
    }
    /* an insertion sort: stable, as the simulation's index keeps ties */
    int order[6] = {0, 1, 2, 3, 4, 5};
    for (int i = 1; i < 6; i++)
        for (int j = i; j > 0 && bill_line_model_order(&l[order[j - 1]], &l[order[j]]) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    char got[128] = "";
    for (int i = 0; i < 6; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s %s %s", i ? "," : "",
                 l[order[i]].model, l[order[i]].band, l[order[i]].meter);
    assert_string_equal(got, "A800 peak energy_mj,A800 peak gpu_ms,A800 valley gpu_ms,"
                             "H800 peak gpu_ms,H800 valley gpu_ms,  ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_then_tax_once),
        cmocka_unit_test(test_a_credit_month_is_negative_not_an_error),
        cmocka_unit_test(test_untaxable_subtotal_is_an_error),
        cmocka_unit_test(test_simulation_groups_by_model_then_band),
    };
    return cmocka_run_group_tests_name("billing", tests, NULL, NULL);
}
