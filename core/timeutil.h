/* timeutil: UTC instants as int64 milliseconds since the Unix epoch.
 *
 * The event contract carries RFC 3339 UTC times ("2026-10-01T08:00:00Z",
 * optionally with milliseconds); this module parses and prints exactly that,
 * with no dependency on the process time zone. It also splits a usage window
 * across UTC hour boundaries in integer arithmetic so the parts always sum to
 * the whole. Pure (no libc time zone state); thread-safe. */
#ifndef GPUMETER_TIMEUTIL_H
#define GPUMETER_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIME_TEXT_LEN 48 /* room for any int64 instant */
#define MS_PER_SECOND 1000LL
#define MS_PER_HOUR   3600000LL
#define MS_PER_DAY    86400000LL

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);
void time_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);
/* Months since 1970-01 of the month a day falls in (billing periods). */
int64_t time_month_of_day(int64_t days);
/* Days since 1970-01-01 as "YYYY-MM-DD"; months since 1970-01 as
 * "YYYY-MM". */
void time_format_date(int64_t days, char out[16]);
void time_format_month(int64_t month, char out[16]);

/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" (1 to 3 fraction digits) to ms. */
bool time_parse_rfc3339(const char *s, int64_t *ms);
/* The same with the zone either "Z" or a UTC offset "+HH:MM" / "-HH:MM"
 * ("2026-12-12T02:00:00+08:00"), as documents people write carry it; the
 * instant in UTC is within 1970 to 9999 like time_parse_rfc3339's. */
bool time_parse_rfc3339_zoned(const char *s, int64_t *ms);
/* Prints ms as "YYYY-MM-DDTHH:MM:SS.fffZ" (".fff" only when non-zero). */
void time_format_rfc3339(int64_t ms, char buf[TIME_TEXT_LEN]);
/* The same for ms given day_ms and its text (time_format_rfc3339's) of an
 * instant before it: when both are on one UTC day the date is copied from
 * day_text, not worked out again (an event's end is nearly always on its
 * start's day). */
void time_format_rfc3339_after(int64_t ms, int64_t day_ms, const char day_text[TIME_TEXT_LEN],
                               char buf[TIME_TEXT_LEN]);

/* "+HH:MM" or "-HH:MM" (hours up to 14) to a signed offset in ms. */
bool time_parse_utc_offset(const char *s, int64_t *ms);

/* Wall-clock now, and a monotonic clock for intervals and timeouts. */
int64_t time_now_ms(void);
/* The current month in UTC, "YYYY-MM". */
void time_current_month(char out[8]);
int64_t time_monotonic_ms(void);
/* The same clock read coarsely (a few ms of resolution, no clock read):
 * for loops that check a deadline once per message. */
int64_t time_coarse_ms(void);

/* "YYYY-MM" with month 01..12. */
bool time_parse_month(const char *s, int *year, int *month);
/* "YYYY-MM-DD", a real calendar day from 1970 to 9999, as days since
 * 1970-01-01; false for anything else (2026-02-30, 0000-01-01, "2026-1-1"). */
bool time_parse_date(const char *s, int64_t *days);
/* Why s is not what time_parse_month (time_date_problem: time_parse_date)
 * takes, in words for a person ("month 13 is not 01..12", "day 30 is not
 * 01..28 in 2026-02", "not in the form YYYY-MM"), written to why; NULL when
 * it is. */
const char *time_month_problem(const char *s, char *why, size_t n);
const char *time_date_problem(const char *s, char *why, size_t n);
/* The first day of period "YYYY-MM" as "YYYY-MM-01" (the SQL date of a
 * month everywhere); period must have been checked by time_parse_month. */
void time_month_first_day(const char *period, char buf[16]);

/* The start of the UTC hour holding ms (also before 1970). */
int64_t time_floor_hour(int64_t ms);

/* Calls emit(hour_start_ms, part, ctx) for each UTC hour that [start, end)
 * overlaps, giving the hour quantity * overlap / (end - start) rounded so that
 * the parts sum exactly to quantity: part_i = floor(q*c_i/T) - floor(q*c_{i-1}/T)
 * where c_i is the cumulative overlap. A zero-length window puts all of the
 * quantity in the hour of start. Requires start <= end, quantity >= 0. */
typedef void (*time_hour_emit)(int64_t hour_ms, int64_t part, void *ctx);
void time_split_hours(int64_t start_ms, int64_t end_ms, int64_t quantity, time_hour_emit emit,
                      void *ctx);

#endif
