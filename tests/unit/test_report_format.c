/* report_format: availability in parts per million as the reports and the
 * invoice's evidence pages print it (report_ppm_percent), exactly, and "-"
 * when nothing was metered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "billing/report_format.h"
#include <string.h>

static void expect(int64_t ppm, const char *want)
{
    char got[32];
    report_ppm_percent(ppm, got, sizeof got);
    if (strcmp(got, want)) fail_msg("expected %lld ppm as \"%s\", got \"%s\"", (long long)ppm, want, got);
}

static void test_ppm_as_percent_exactly(void **state)
{
    (void)state;
    expect(999583, "99.9583");
    expect(833333, "83.3333"); /* 83.3333...%, already rounded down in ppm */
    expect(1000000, "100.0000");
    expect(500000, "50.0000");
    expect(5, "0.0005");
    expect(0, "0.0000");
}

static void test_nothing_metered_is_a_dash(void **state)
{
    (void)state;
    expect(-1, "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ppm_as_percent_exactly),
        cmocka_unit_test(test_nothing_metered_is_a_dash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
