/* Time: RFC 3339 UTC parse/format, months, and the exact hour split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/strbuf.h"
#include "core/timeutil.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static void test_parse_and_format(void **state)
{
    (void)state;
    int64_t ms = 0;
    char buf[TIME_TEXT_LEN];
    assert_true(time_parse_rfc3339("1970-01-01T00:00:00Z", &ms));
    assert_int_equal(ms, 0);
    assert_true(time_parse_rfc3339("2026-10-01T08:30:15.5Z", &ms));
    assert_int_equal(ms, 1790843415500LL);
    time_format_rfc3339(ms, buf);
    assert_string_equal(buf, "2026-10-01T08:30:15.500Z");
    assert_true(time_parse_rfc3339("2024-02-29T23:59:59Z", &ms));
    time_format_rfc3339(ms, buf);
    assert_string_equal(buf, "2024-02-29T23:59:59Z");
    const char *bad[] = {
        "2026-10-01 08:00:00Z",      "2026-10-01T08:00:00",   "2026-10-01T08:00:00+08:00",
        "2025-02-29T00:00:00Z",      "2026-13-01T00:00:00Z",  "2026-10-01T24:00:00Z",
        "2026-10-01T08:00:00.1234Z", "2026-10-01T08:00:00.Z", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(time_parse_rfc3339(bad[i], &ms));
}

/* Billing dates and months as text: a leap day, and December's month index
 * (months since 1970-01) not rolling into the next year. */
static void test_date_and_month_text(void **state)
{
    (void)state;
    char out[16];
    time_format_date(time_days_from_civil(2028, 2, 29), out);
    assert_string_equal(out, "2028-02-29");
    time_format_month((2026 - 1970) * 12 + 11, out);
    assert_string_equal(out, "2026-12");
    time_format_month((2027 - 1970) * 12, out);
    assert_string_equal(out, "2027-01");
    assert_int_equal(time_month_of_day(time_days_from_civil(2026, 12, 31)),
                     (2026 - 1970) * 12 + 11);
}

static void test_month(void **state)
{
    (void)state;
    int y = 0, m = 0;
    assert_true(time_parse_month("2026-10", &y, &m));
    assert_int_equal(y, 2026);
    assert_int_equal(m, 10);
    assert_false(time_parse_month("2026-13", &y, &m));
    assert_false(time_parse_month("2026-1", &y, &m));
    assert_false(time_parse_month("2026-10-01", &y, &m));
}

struct parts {
    int n;
    int64_t hour[64], part[64], sum;
};

static void collect(int64_t hour, int64_t part, void *ctx)
{
    struct parts *p = ctx;
    p->hour[p->n] = hour;
    p->part[p->n++] = part;
    p->sum += part;
}

static void test_split_across_an_hour_boundary(void **state)
{
    (void)state;
    struct parts p = {0};
    int64_t t0 = 10 * MS_PER_HOUR;
    time_split_hours(t0 + 30 * 60000, t0 + 90 * 60000, 7, collect, &p);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.hour[0], t0);
    assert_int_equal(p.part[0], 3); /* floor(7 * 30/60) */
    assert_int_equal(p.hour[1], t0 + MS_PER_HOUR);
    assert_int_equal(p.part[1], 4);
}

static void test_split_parts_always_sum_to_the_whole(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t start = (int64_t)(x % (1000 * MS_PER_HOUR));
        int64_t len = (int64_t)((x >> 20) % (40 * MS_PER_HOUR));
        int64_t qty = (int64_t)((x >> 7) % 9007199254740991ULL);
        struct parts p = {0};
        time_split_hours(start, start + len, qty, collect, &p);
        assert_int_equal(p.sum, qty);
        assert_true(p.n <= 42);
        for (int k = 1; k < p.n; k++)
            assert_true(p.hour[k] > p.hour[k - 1]);
    }
}

static void test_split_zero_length_window(void **state)
{
    (void)state;
    struct parts p = {0};
    time_split_hours(5 * MS_PER_HOUR + 5, 5 * MS_PER_HOUR + 5, 11, collect, &p);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.hour[0], 5 * MS_PER_HOUR);
    assert_int_equal(p.part[0], 11);
}

/* The hand-written formatters (no printf: the signing rater formats two
 * instants, a dozen integers and strings per event) agree with printf over
 * every shape: each field's width, milliseconds or not, years outside
 * 0000-9999, and the integer extremes. */
static void test_fast_formatters_agree_with_printf(void **state)
{
    (void)state;
    int64_t at[] = {0,
                    1,
                    999,
                    1000,
                    59999,
                    1790843415500LL,
                    1790843415000LL,
                    -1,
                    -86400001LL,
                    253402300799999LL /* 9999-12-31T23:59:59.999Z */,
                    253402300800000LL /* 10000-01-01 */,
                    -62167219200001LL /* before year 0 */};
    char fast[TIME_TEXT_LEN], slow[TIME_TEXT_LEN];
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        time_format_rfc3339(at[i], fast);
        int64_t days = at[i] >= 0 ? at[i] / MS_PER_DAY : -((-at[i] + MS_PER_DAY - 1) / MS_PER_DAY);
        int64_t rem = at[i] - days * MS_PER_DAY;
        int y;
        unsigned m, d;
        time_civil_from_days(days, &y, &m, &d);
        int f = (int)(rem % 1000);
        snprintf(slow, sizeof slow,
                 f ? "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ" : "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m,
                 d, (int)(rem / MS_PER_HOUR), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), f);
        assert_string_equal(fast, slow);
    }
    time_format_rfc3339(253402300799999LL, fast);
    assert_string_equal(fast, "9999-12-31T23:59:59.999Z");
    long long ints[] = {0, 1, -1, 9, 10, -10, 1LL << 53, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        struct strbuf sb = STRBUF_INIT;
        sb_put_int(&sb, ints[i]);
        snprintf(slow, sizeof slow, "%lld", ints[i]);
        assert_string_equal(sb_str(&sb), slow);
        sb_free(&sb);
    }
    /* every byte but NUL, through the JSON string writer */
    char all[256];
    for (int c = 1; c < 256; c++)
        all[c - 1] = (char)c;
    all[255] = '\0';
    struct strbuf sb = STRBUF_INIT;
    sb_put_json_string(&sb, all);
    const char *want =
        "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\u0008\\t\\n\\u000b\\u000c\\r";
    assert_memory_equal(sb_str(&sb), want, strlen(want));
    const char *mid = strstr(sb_str(&sb), "\\u001f !\\\"#");
    assert_non_null(mid);
    assert_non_null(strstr(sb_str(&sb), "[\\\\]"));
    /* two quotes; 28 control bytes as six-character escapes and three
     * (tab, newline, return) as two; 224 bytes as they are, and one more
     * byte each for the escaped quote and backslash */
    assert_int_equal(sb.len, 2 + 28 * 6 + 3 * 2 + 224 + 2);
    assert_int_equal((unsigned char)sb.buf[sb.len - 2], 0xff);
    sb_free(&sb);
}

/* time_format_rfc3339_after (event_encode's end, its date copied from
 * the start's text when both are on one UTC day) writes what
 * time_format_rfc3339 writes: same day or not, before 1970 and outside
 * years 0000-9999 (whose dates are wider), with milliseconds or not. */
static void test_format_after_agrees(void **state)
{
    (void)state;
    int64_t day_starts[] = {0, 1790812800000LL, -MS_PER_DAY, -62167219200000LL - MS_PER_DAY,
                            253402300800000LL, 253402214400000LL /* 9999-12-31 */};
    int64_t offsets[] = {0, 1, 999, 1000, 30000, 59999, MS_PER_HOUR, MS_PER_DAY - 1, MS_PER_DAY,
                         MS_PER_DAY + 1, 35 * MS_PER_DAY};
    char day_text[TIME_TEXT_LEN], got[TIME_TEXT_LEN], want[TIME_TEXT_LEN];
    for (size_t d = 0; d < sizeof day_starts / sizeof day_starts[0]; d++)
        for (size_t a = 0; a < sizeof offsets / sizeof offsets[0]; a++)
            for (size_t b = a; b < sizeof offsets / sizeof offsets[0]; b++) {
                int64_t from = day_starts[d] + offsets[a], to = day_starts[d] + offsets[b];
                time_format_rfc3339(from, day_text);
                time_format_rfc3339_after(to, from, day_text, got);
                time_format_rfc3339(to, want);
                if (strcmp(got, want))
                    fail_msg("%lld after %lld: expected %s, got %s", (long long)to,
                             (long long)from, want, got);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_month),
        cmocka_unit_test(test_split_across_an_hour_boundary),
        cmocka_unit_test(test_split_parts_always_sum_to_the_whole),
        cmocka_unit_test(test_split_zero_length_window),
        cmocka_unit_test(test_date_and_month_text),
        cmocka_unit_test(test_fast_formatters_agree_with_printf),
        cmocka_unit_test(test_format_after_agrees),
    };
    return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
