/* report_format: what the operator's reports (`report yield`, `report
 * capacity`, GET /v1/operator/yield and /capacity: yield.h, idle.h) share:
 * the output formats and how every report prints GPU time, money per
 * GPU-hour and percentages. Each figure is rounded once, half up, through
 * core/money. Pure; thread-safe. */
#ifndef GPUMETER_REPORT_FORMAT_H
#define GPUMETER_REPORT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_JSON };

/* "text", "csv", "json"; false for anything else. */
bool report_format_parse(const char *s, enum report_format *out);

/* ms as GPU-hours with 3 decimals, rounded half up: how every report
 * prints GPU time. */
void report_gpu_hours(int64_t ms, char *buf, size_t len);

/* amount (minor units of digits decimals) per GPU-hour of ms, rounded half
 * up; "-" when ms <= 0 or the result does not fit. */
void report_per_gpu_hour(int64_t amount, int64_t ms, int digits, char *buf, size_t len);

/* part of whole in percent with 1 decimal, rounded half up; "-" when whole
 * <= 0 or the result does not fit. */
void report_percent(int64_t part, int64_t whole, char *buf, size_t len);

/* availability in parts per million as a percent with 4 decimals,
 * exactly (999583 -> "99.9583"): how `report availability`, fleet and
 * customer, prints it. ppm at most 1000000; a negative ppm (nothing was
 * metered) is "-". */
void report_ppm_percent(int64_t ppm, char *buf, size_t len);

#endif
