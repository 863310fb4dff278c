/* log: every message a user sees, in PostgreSQL's three-part shape.
 *
 * An error is a primary line (short, factual, lower-case, no period), then an
 * optional DETAIL line in full sentences, then an optional HINT saying what to
 * do. All of it goes to stderr so stdout stays machine-readable (CSV, JSON).
 * Info lines are suppressed with GPUMETER_QUIET=1; debug lines appear with
 * GPUMETER_DEBUG=1. GPUMETER_LOG_FORMAT=json writes each line as one JSON
 * object (ts, level, msg) instead, for log shippers. Thread-safe: each line is one stdio call on
 * stderr. */
#ifndef GPUMETER_LOG_H
#define GPUMETER_LOG_H

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_detail(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_hint(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* One item of the error above it, printed as it is ("$.plan: unknown
 * plan"); level "detail" in JSON. */
void log_item(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
