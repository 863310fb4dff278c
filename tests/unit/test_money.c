/* Money: half-up rounding at the one rounding point, 128-bit products,
 * overflow reported, exact decimal format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/dies.h"

#include "core/money.h"
#include "core/timeutil.h"
#include "core/units.h"

#include <string.h>

static int64_t rounded(__int128 num, int64_t den)
{
    int64_t out = 12345;
    assert_true(money_div_round(num, den, &out));
    return out;
}

static void test_div_round_half_away_from_zero(void **state)
{
    (void)state;
    assert_int_equal(rounded(5, 2), 3);
    assert_int_equal(rounded(-5, 2), -3);
    assert_int_equal(rounded(4, 2), 2);
    assert_int_equal(rounded(7, 3), 2);
    assert_int_equal(rounded(2, 3), 1);
    assert_int_equal(rounded(1, 3), 0);
    assert_int_equal(rounded(-1, 3), 0);
    assert_int_equal(rounded(14999, 10000), 1);
    assert_int_equal(rounded(15000, 10000), 2);
}

static int64_t line(int64_t qty, int64_t price, int64_t units, int digits)
{
    int64_t out = -1;
    assert_true(money_line_amount(qty, price, units, digits, &out));
    return out;
}

static void test_line_amount_rounds_once_to_the_fen(void **state)
{
    (void)state;
    /* one GPU-hour at 16.80 CNY */
    assert_int_equal(line(3600000, 16800000, 3600000, 2), 1680);
    /* 1 GPU-ms at 16.80/h is 0.00000467 CNY */
    assert_int_equal(line(1, 16800000, 3600000, 2), 0);
    /* 5000 tokens at 1.00/M = 0.005 CNY: exactly half a fen rounds up */
    assert_int_equal(line(5000, 1000000, 1000000, 2), 1);
    assert_int_equal(line(4999, 1000000, 1000000, 2), 0);
    /* 1115.742222 GPU-h at 9.50 = 10599.551111 -> 10599.55 */
    assert_int_equal(line(4016672000, 9500000, 3600000, 2), 1059955);
    /* JPY has no minor unit: 1 GPU-hour at 1234.5 JPY rounds to 1235 */
    assert_int_equal(line(3600000, 1234500000, 3600000, 0), 1235);
    /* negative quantities (adjustments) round symmetrically */
    assert_int_equal(line(-5000, 1000000, 1000000, 2), -1);
}

static void test_line_amount_uses_128_bit_products(void **state)
{
    (void)state;
    /* 9e15 tokens x 9e12 micro-CNY overflows 64 bits; the result fits */
    assert_int_equal(line(9000000000000000LL, 9000000000000LL, 1000000, 2), 8100000000000000000LL);
}

static void test_overflow_is_reported(void **state)
{
    (void)state;
    int64_t out = 0;
    assert_false(money_line_amount(INT64_MAX, INT64_MAX, 1, 2, &out));
    assert_false(money_line_amount(1, 1, 0, 2, &out));
    assert_false(money_line_amount(1, 1, 1, 7, &out));
    assert_false(money_add(INT64_MAX, 1, &out));
    assert_true(money_add(INT64_MAX - 1, 1, &out));
    assert_int_equal(out, INT64_MAX);
}

/* The product of a x b is exact in 256 bits; only the quotient must fit. */
static void test_mul_div_beyond_128_bits(void **state)
{
    (void)state;
    int64_t out = 0;
    unsigned __int128 big = (unsigned __int128)1 << 100;
    /* 2^100 x 2^80 / 2^125 = 2^55 */
    assert_true(
        money_mul_div_round(big, (unsigned __int128)1 << 80, (unsigned __int128)1 << 125, &out));
    assert_int_equal(out, (int64_t)1 << 55);
    /* 10^20 x 10^20 / (2 x 10^27) = 5 x 10^12 */
    unsigned __int128 e20 = (unsigned __int128)10000000000 * 10000000000;
    unsigned __int128 e27 = (unsigned __int128)1000000000 * 1000000000 * 1000000000;
    assert_true(money_mul_div_round(e20, e20, 2 * e27, &out));
    assert_int_equal(out, 5000000000000LL);
    /* rounding at 256 bits: (2^127 + 1) x 6 / 2^67 = 3 x 2^61 and a sliver,
     * rounded down; (2^127 + 2^65) / 2^66 = 2^61 + 1/2, rounded up */
    unsigned __int128 t127 = (unsigned __int128)1 << 127;
    assert_true(money_mul_div_round(t127 + 1, 6, (unsigned __int128)1 << 67, &out));
    assert_int_equal(out, 3LL << 61);
    assert_true(money_mul_div_round(t127 + ((unsigned __int128)1 << 65), 2,
                                    (unsigned __int128)1 << 67, &out));
    assert_int_equal(out, (1LL << 61) + 1);
    assert_true(money_mul_div_round(t127 + ((unsigned __int128)1 << 65) - 1, 2,
                                    (unsigned __int128)1 << 67, &out));
    assert_int_equal(out, 1LL << 61); /* just under the half: down */
    assert_false(money_mul_div_round(big, big, 1, &out));
    assert_false(money_mul_div_round(1, 1, 0, &out));
    assert_true(money_mul_div_round(INT64_MAX, 1, 1, &out));
    assert_int_equal(out, INT64_MAX);
    assert_false(money_mul_div_round((unsigned __int128)INT64_MAX + 1, 1, 1, &out));
    assert_true(money_mul_div_round(3, 1, 2, &out)); /* 1.5 -> 2 */
    assert_int_equal(out, 2);
}

static void test_apply_ppm_is_tax_on_the_subtotal(void **state)
{
    (void)state;
    int64_t tax = 0;
    assert_true(money_apply_ppm(3380123, 60000, &tax)); /* 6% of 33801.23 = 2028.0738 */
    assert_int_equal(tax, 202807);
    assert_true(money_apply_ppm(1919158, 60000, &tax)); /* 1151.4948 */
    assert_int_equal(tax, 115149);
    assert_true(money_apply_ppm(25, 100000, &tax)); /* 10% of 0.25 = 0.025 -> 0.03 */
    assert_int_equal(tax, 3);
}

static void test_format_trimmed(void **state)
{
    (void)state;
    char buf[40];
    money_format_trimmed(74400000000, 8, buf, sizeof buf);
    assert_string_equal(buf, "744");
    money_format_trimmed(1680000000, 8, buf, sizeof buf);
    assert_string_equal(buf, "16.8");
    money_format_trimmed(-5, 8, buf, sizeof buf);
    assert_string_equal(buf, "-0.00000005");
    money_format_trimmed(0, 8, buf, sizeof buf);
    assert_string_equal(buf, "0");
    money_format_trimmed(60000, 6, buf, sizeof buf);
    assert_string_equal(buf, "0.06");
    money_format_trimmed(123, 0, buf, sizeof buf);
    assert_string_equal(buf, "123");
    money_format_trimmed(INT64_MIN, 18, buf, sizeof buf);
    assert_string_equal(buf, "-9.223372036854775808");
}

static void test_format(void **state)
{
    (void)state;
    char buf[32];
    money_format(123456, 2, buf, sizeof buf);
    assert_string_equal(buf, "1234.56");
    money_format(-5, 2, buf, sizeof buf);
    assert_string_equal(buf, "-0.05");
    money_format(0, 2, buf, sizeof buf);
    assert_string_equal(buf, "0.00");
    money_format(1235, 0, buf, sizeof buf);
    assert_string_equal(buf, "1235");
    money_format(16800000, 6, buf, sizeof buf);
    assert_string_equal(buf, "16.800000");
    money_format(INT64_MIN, 2, buf, sizeof buf);
    assert_string_equal(buf, "-92233720368547758.08");
}

/* money_split: the shares sum to the amount exactly, in weight order by
 * cumulative floors, negative amounts mirrored, zero weights get nothing. */
static void test_split_is_exact(void **state)
{
    (void)state;
    int64_t share[4];
    const int64_t w[] = {2057142, 21600000};
    assert_true(money_split(87314, w, 2, share));
    assert_int_equal(share[0], 7592); /* floor(87314 x 2057142 / 23657142) */
    assert_int_equal(share[1], 79722);
    assert_true(money_split(-87314, w, 2, share));
    assert_int_equal(share[0], -7592);
    assert_int_equal(share[1], -79722);
    const int64_t thirds[] = {1, 0, 1, 1};
    assert_true(money_split(100, thirds, 4, share));
    assert_int_equal(share[0], 33);
    assert_int_equal(share[1], 0);
    assert_int_equal(share[2], 33);
    assert_int_equal(share[3], 34);
    const int64_t none[] = {0, 0};
    share[0] = share[1] = 7;
    assert_false(money_split(5, none, 2, share));
    assert_int_equal(share[0] + share[1], 0);
    /* a fleet's month: 10^13 fen over weights near 2^62 stays exact */
    const int64_t big[] = {INT64_MAX / 3, INT64_MAX / 3, INT64_MAX / 3};
    assert_true(money_split(10000000000000LL, big, 3, share));
    assert_int_equal(share[0] + share[1] + share[2], 10000000000000LL);
}

static void split_negative_weight(void)
{
    const int64_t w[] = {3, -1, 2};
    int64_t share[3];
    money_split(100, w, 3, share);
}

static void ignore_part(int64_t hour_ms, int64_t part, void *ctx)
{
    (void)hour_ms, (void)part, (void)ctx;
}

static void split_backwards_window(void)
{
    time_split_hours(2 * MS_PER_HOUR, MS_PER_HOUR, 5, ignore_part, NULL);
}

/* The preconditions the headers state are asserted, in every build
 * (core/invariant.h): a caller that breaks one stops there. */
static void test_broken_preconditions_abort(void **state)
{
    (void)state;
    dies(split_negative_weight, "money_split with a negative weight");
    dies(split_backwards_window, "time_split_hours with end before start");
}

/* GPU-hours, million tokens and kWh for people: six decimals, rounded once
 * half away from zero, exact in 128 bits (core/units.h). */
static void test_units_format(void **state)
{
    (void)state;
    char b[40];
    assert_true(units_format(8745326000LL, MS_PER_HOUR, b, sizeof b));
    assert_string_equal(b, "2429.257222"); /* 2429.2572222... */
    assert_true(units_format(5400000, MS_PER_HOUR, b, sizeof b));
    assert_string_equal(b, "1.500000");
    assert_true(units_format(1800, MS_PER_HOUR, b, sizeof b));
    assert_string_equal(b, "0.000500"); /* 0.0005 exactly */
    assert_true(units_format(1799, MS_PER_HOUR, b, sizeof b));
    assert_string_equal(b, "0.000500"); /* 0.00049972... rounds up once */
    assert_true(units_format(1, MS_PER_HOUR, b, sizeof b));
    assert_string_equal(b, "0.000000");
    assert_true(units_format(1800000000LL, UNITS_MJ_PER_KWH, b, sizeof b));
    assert_string_equal(b, "0.500000");
    assert_true(units_format(11111111111LL, UNITS_MJ_PER_KWH, b, sizeof b));
    assert_string_equal(b, "3.086420"); /* 3.0864197530... */
    assert_true(units_format(1234567, UNITS_TOKENS_PER_MILLION, b, sizeof b));
    assert_string_equal(b, "1.234567");
    assert_true(units_format(INT64_MAX, UNITS_TOKENS_PER_MILLION, b, sizeof b));
    assert_string_equal(b, "9223372036854.775807");
    assert_true(units_format(-5400000, MS_PER_HOUR, b, sizeof b));
    assert_string_equal(b, "-1.500000");
}

/* What a person may type as an amount or quantity: plain decimals only. */
static void test_text_plain(void **state)
{
    (void)state;
    const char *good[] = {"0", "12", "0.5", "12.50", "100.00", "9223372036854775807"};
    const char *bad[] = {"", "1.", ".5", "01", "00000000000000000001.00", "+1", "-1", "1e1",
                         " 1", "1 ", "1,5", "1..5", "\xef\xbc\x91", "1:1", "0x10"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!money_text_plain(good[i])) fail_msg("expected \"%s\" plain, it was refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (money_text_plain(bad[i])) fail_msg("expected \"%s\" refused, it was taken", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_div_round_half_away_from_zero),
        cmocka_unit_test(test_line_amount_rounds_once_to_the_fen),
        cmocka_unit_test(test_line_amount_uses_128_bit_products),
        cmocka_unit_test(test_overflow_is_reported),
        cmocka_unit_test(test_mul_div_beyond_128_bits),
        cmocka_unit_test(test_apply_ppm_is_tax_on_the_subtotal),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_trimmed),
        cmocka_unit_test(test_split_is_exact),
        cmocka_unit_test(test_broken_preconditions_abort),
        cmocka_unit_test(test_units_format),
        cmocka_unit_test(test_text_plain),
    };
    return cmocka_run_group_tests_name("money", tests, NULL, NULL);
}
