/* Pricing: lines rounded once, subtotal = sum of lines, tax on the
 * subtotal, total = subtotal + tax; unpriced models are errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "invoice/billing.h"

#include <string.h>

static struct bill_line *add(struct bill *b, const char *meter, const char *model, int64_t qty,
                             int64_t units, bool billed, bool meter_billed, int64_t price)
{
    struct bill_line *l = bill_add_line(b);
    strcpy(l->meter, meter);
    strcpy(l->model, model);
    l->quantity = qty;
    l->units_per_price = units;
    l->billed = billed;
    l->meter_billed = meter_billed;
    l->unit_price = price;
    return l;
}

static void test_prices_lines_then_tax(void **state)
{
    (void)state;
    struct bill b = {.minor_digits = 2, .tax_ppm = 60000};
    strcpy(b.customer, "alpha");
    add(&b, "gpu_ms", "A800", 4016672000, 3600000, true, true, 9500000);  /* 10599.551111 */
    add(&b, "gpu_ms", "H800", 3907024000, 3600000, true, true, 16800000); /* 18232.778666 */
    add(&b, "energy_mj", "H800", 999999, 3600000000LL, false, false, 0);  /* not billed */
    char err[256] = "";
    assert_true(bill_price(&b, err, sizeof err));
    assert_int_equal(b.lines[0].amount, 1059955);
    assert_int_equal(b.lines[1].amount, 1823278);
    assert_int_equal(b.lines[2].amount, 0);
    assert_int_equal(b.subtotal, 1059955 + 1823278);
    assert_int_equal(b.tax, 172994); /* 6% of 28832.33 = 1729.9398 -> 1729.94 */
    assert_int_equal(b.total, b.subtotal + b.tax);
    bill_free(&b);
}

static void test_unpriced_model_of_a_billed_meter_is_an_error(void **state)
{
    (void)state;
    struct bill b = {.minor_digits = 2};
    strcpy(b.customer, "beta");
    strcpy(b.plan, "gpu-standard");
    add(&b, "gpu_ms", "B200", 3600000, 3600000, false, true, 0);
    char err[256] = "";
    assert_false(bill_price(&b, err, sizeof err));
    assert_non_null(strstr(err, "no gpu_ms price for model \"B200\""));
    bill_free(&b);
}

static void test_overflow_is_an_error(void **state)
{
    (void)state;
    struct bill b = {.minor_digits = 2};
    add(&b, "tokens", "", INT64_MAX, 1, true, true, INT64_MAX);
    char err[256] = "";
    assert_false(bill_price(&b, err, sizeof err));
    assert_non_null(strstr(err, "overflows"));
    bill_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prices_lines_then_tax),
        cmocka_unit_test(test_unpriced_model_of_a_billed_meter_is_an_error),
        cmocka_unit_test(test_overflow_is_an_error),
    };
    return cmocka_run_group_tests_name("billing", tests, NULL, NULL);
}
