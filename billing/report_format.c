/* report_format: the operator's reports' formats and figures (see
 * report_format.h). */
#include "billing/report_format.h"

#include "core/invariant.h"
#include "core/money.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

bool report_format_parse(const char *s, enum report_format *out)
{
    static const char *const names[] = {"text", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i])) return *out = (enum report_format)i, true;
    return false;
}

void report_gpu_hours(int64_t ms, char *buf, size_t len)
{
    int64_t milli = 0;
    money_div_round(ms, MS_PER_HOUR / 1000, &milli); /* thousandths of a GPU-hour */
    money_format(milli, 3, buf, len);
}

void report_per_gpu_hour(int64_t amount, int64_t ms, int digits, char *buf, size_t len)
{
    int64_t v;
    if (ms <= 0 || !money_div_round((__int128)amount * MS_PER_HOUR, ms, &v)) {
        snprintf(buf, len, "-");
        return;
    }
    money_format(v, digits, buf, len);
}

void report_percent(int64_t part, int64_t whole, char *buf, size_t len)
{
    int64_t v;
    if (whole <= 0 || !money_div_round((__int128)part * 1000, whole, &v)) {
        snprintf(buf, len, "-");
        return;
    }
    money_format(v, 1, buf, len);
}

void report_ppm_percent(int64_t ppm, char *buf, size_t len)
{
    assert(ppm <= 1000000);
    if (ppm < 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%lld.%04lld", (long long)(ppm / 10000), (long long)(ppm % 10000));
}
