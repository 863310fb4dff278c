/* timeutil: RFC 3339 UTC times and exact hour splitting (see timeutil.h). */
#include "timeutil.h"

#include "core/invariant.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil: exact for any proleptic Gregorian date. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void time_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : dim[m - 1];
}

bool time_parse_rfc3339(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, se, frac = 0;
    if (strlen(s) < 20) return false;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3) frac = frac * 10 + (*p - '0');
        if (n < 1 || n > 3) return false;
        for (; n < 3; n++)
            frac *= 10;
    }
    if (p[0] != 'Z' || p[1] != '\0') return false;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        se > 59)
        return false;
    int64_t days = time_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = days * MS_PER_DAY + h * MS_PER_HOUR + mi * 60000LL + se * MS_PER_SECOND + frac;
    return true;
}

bool time_parse_rfc3339_zoned(const char *s, int64_t *ms)
{
    size_t n = strlen(s);
    if (n > 6 && (s[n - 6] == '+' || s[n - 6] == '-')) {
        char utc[TIME_TEXT_LEN];
        int64_t offset;
        if (n - 6 + 2 > sizeof utc || !time_parse_utc_offset(s + n - 6, &offset)) return false;
        memcpy(utc, s, n - 6);
        strcpy(utc + n - 6, "Z");
        if (!time_parse_rfc3339(utc, ms)) return false;
        /* 08:00+08:00 is 00:00Z; the instant stays in the years a UTC
         * time is read in (1970 to 9999), so what is printed back in UTC
         * reads again */
        int64_t utc_ms = *ms - offset, end = time_days_from_civil(10000, 1, 1) * MS_PER_DAY;
        if (utc_ms < 0 || utc_ms >= end) return false;
        *ms = utc_ms;
        return true;
    }
    return time_parse_rfc3339(s, ms);
}

/* Writes v as exactly width decimal digits, zero-padded; returns the end. */
static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

/* The UTC day of ms, rounded down. */
static int64_t day_of(int64_t ms)
{
    return ms >= 0 ? ms / MS_PER_DAY : -((-ms + MS_PER_DAY - 1) / MS_PER_DAY);
}

/* Writes the time of day, ms from midnight, as "HH:MM:SS[.fff]Z" and its
 * NUL, as both of time_format_rfc3339's ways do. */
static void put_time_of_day(char *p, int64_t rem)
{
    int h = (int)(rem / MS_PER_HOUR), mi = (int)(rem / 60000 % 60), s = (int)(rem / 1000 % 60);
    int f = (int)(rem % 1000);
    p = put_digits(p, (unsigned)h, 2), *p++ = ':';
    p = put_digits(p, (unsigned)mi, 2), *p++ = ':';
    p = put_digits(p, (unsigned)s, 2);
    if (f) *p++ = '.', p = put_digits(p, (unsigned)f, 3);
    *p++ = 'Z';
    *p = '\0';
}

void time_format_rfc3339_after(int64_t ms, int64_t day_ms, const char day_text[TIME_TEXT_LEN],
                               char buf[TIME_TEXT_LEN])
{
    const char *t = strchr(day_text, 'T');
    if (day_of(ms) != day_of(day_ms) || !t) {
        time_format_rfc3339(ms, buf);
        return;
    }
    size_t date = (size_t)(t - day_text) + 1; /* "YYYY-MM-DDT", wider outside 0-9999 */
    memcpy(buf, day_text, date);
    put_time_of_day(buf + date, ms - day_of(ms) * MS_PER_DAY);
}

void time_format_rfc3339(int64_t ms, char buf[TIME_TEXT_LEN])
{
    int64_t days = day_of(ms);
    int64_t rem = ms - days * MS_PER_DAY;
    int y;
    unsigned m, d;
    time_civil_from_days(days, &y, &m, &d);
    int h = (int)(rem / MS_PER_HOUR), mi = (int)(rem / 60000 % 60), s = (int)(rem / 1000 % 60);
    int f = (int)(rem % 1000);
    if (y < 0 || y > 9999) { /* rare: let printf widen the year */
        if (f)
            snprintf(buf, TIME_TEXT_LEN, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, h, mi, s,
                     f);
        else
            snprintf(buf, TIME_TEXT_LEN, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, h, mi, s);
        return;
    }
    /* The common case by hand: every signed event formats two instants,
     * and printf was a fifth of a signing rater's time. */
    char *p = buf;
    p = put_digits(p, (unsigned)y, 4), *p++ = '-';
    p = put_digits(p, m, 2), *p++ = '-';
    p = put_digits(p, d, 2), *p++ = 'T';
    put_time_of_day(p, rem);
}

bool time_parse_date(const char *s, int64_t *out)
{
    int y, m, d, yy;
    unsigned mm, dd;
    if (!s || strlen(s) != 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || y < 1970 || m < 1 || m > 12 || d < 1)
        return false;
    int64_t days = time_days_from_civil(y, (unsigned)m, (unsigned)d);
    time_civil_from_days(days, &yy, &mm, &dd); /* 2026-02-30 comes back as 03-02 */
    if (yy != y || (int)mm != m || (int)dd != d) return false;
    *out = days;
    return true;
}

void time_month_first_day(const char *period, char buf[16])
{
    snprintf(buf, 16, "%.7s-01", period);
}

bool time_parse_month(const char *s, int *year, int *month)
{
    int y, m;
    if (strlen(s) != 7 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m)) return false;
    if (y < 1970 || m < 1 || m > 12) return false;
    *year = y;
    *month = m;
    return true;
}

/* The year and month of "YYYY-MM..." (a month, or a day's first 7
 * characters) and what is wrong with them, for the *_problem functions. */
static const char *month_part_problem(const char *s, const char *form, int *y, int *m, char *why,
                                      size_t n)
{
    size_t len = strlen(form);
    bool shape = strlen(s) == len && digits(s, 4, y) && s[4] == '-' && digits(s + 5, 2, m) &&
                 (len == 7 || (s[7] == '-' && isdigit((unsigned char)s[8]) &&
                               isdigit((unsigned char)s[9])));
    if (!shape) snprintf(why, n, "not in the form %s", form);
    else if (*y < 1970) snprintf(why, n, "year %d is before 1970", *y);
    else if (*m < 1 || *m > 12) snprintf(why, n, "month %d is not 01..12", *m);
    else return NULL;
    return why;
}

const char *time_month_problem(const char *s, char *why, size_t n)
{
    int y, m;
    return month_part_problem(s, "YYYY-MM", &y, &m, why, n);
}

const char *time_date_problem(const char *s, char *why, size_t n)
{
    int y, m, d = 0;
    int64_t days;
    if (month_part_problem(s, "YYYY-MM-DD", &y, &m, why, n)) return why;
    if (time_parse_date(s, &days)) return NULL;
    digits(s + 8, 2, &d);
    snprintf(why, n, "day %d is not 01..%02d in %.7s", d, days_in_month(y, m), s);
    return why;
}

int64_t time_floor_hour(int64_t ms)
{
    int64_t h = ms / MS_PER_HOUR;
    if (ms < 0 && ms % MS_PER_HOUR) h--;
    return h * MS_PER_HOUR;
}

void time_split_hours(int64_t start_ms, int64_t end_ms, int64_t quantity, time_hour_emit emit,
                      void *ctx)
{
    assert(start_ms <= end_ms && quantity >= 0); /* the contract (event_decode checks both) */
    int64_t total = end_ms - start_ms;
    if (total == 0) {
        emit(time_floor_hour(start_ms), quantity, ctx);
        return;
    }
    int64_t given = 0, emitted = 0;
    for (int64_t h = time_floor_hour(start_ms); h < end_ms; h += MS_PER_HOUR) {
        int64_t upto = (h + MS_PER_HOUR < end_ms ? h + MS_PER_HOUR : end_ms) - start_ms;
        int64_t cum = (int64_t)((__int128)quantity * upto / total);
        assert(cum >= given); /* parts are never negative */
        if (cum - given > 0 || upto == total) {
            emit(h, cum - given, ctx);
            emitted += cum - given;
        }
        given = cum;
    }
    assert(emitted == quantity); /* the parts sum to the whole */
}

bool time_parse_utc_offset(const char *s, int64_t *ms)
{
    int h, m;
    char sign;
    if (strlen(s) != 6 || sscanf(s, "%c%2d:%2d", &sign, &h, &m) != 3 ||
        (sign != '+' && sign != '-') || h < 0 || h > 14 || m < 0 || m > 59)
        return false;
    *ms = (sign == '-' ? -1 : 1) * (h * MS_PER_HOUR + m * 60000LL);
    return true;
}

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_now_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int64_t time_monotonic_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

int64_t time_coarse_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC_COARSE);
}

int64_t time_month_of_day(int64_t days)
{
    int y;
    unsigned m, d;
    time_civil_from_days(days, &y, &m, &d);
    return ((int64_t)y - 1970) * 12 + (m - 1);
}

void time_format_date(int64_t days, char out[16])
{
    int y;
    unsigned m, d;
    time_civil_from_days(days, &y, &m, &d);
    snprintf(out, 16, "%04d-%02u-%02u", y, m, d);
}

void time_format_month(int64_t month, char out[16])
{
    int64_t y = 1970 + (month >= 0 ? month / 12 : (month - 11) / 12);
    snprintf(out, 16, "%04d-%02d", (int)(y % 100000), (int)(month - (y - 1970) * 12 + 1));
}

void time_current_month(char out[8])
{
    char now[TIME_TEXT_LEN];
    time_format_rfc3339(time_now_ms(), now);
    memcpy(out, now, 7); /* "YYYY-MM" of "YYYY-MM-DDTHH:MM:SS...Z" */
    out[7] = '\0';
}
