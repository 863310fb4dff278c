/* tokens: trainers' token reports, metered against the collector state.
 *
 * tokens_collect reads JSON lines {"job","account","tokens" (cumulative),
 * "time", optional "model_params", "start"}. Billed tokens follow the
 * high-water mark of the job within its account (two accounts' jobs of the
 * same name are two jobs): a report below it (a restart from a checkpoint)
 * bills nothing until the counter passes the mark again. A job's first report
 * bills its whole count: trainers count from zero at job start. Returns the
 * number of lines accepted. Not thread-safe: one collector thread owns the
 * cycle and its state. */
#ifndef GPUMETER_TOKENS_H
#define GPUMETER_TOKENS_H

#include "ingest/cycle.h"
#include "ingest/rejects.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

long tokens_collect(struct cycle *cy, const char *text, size_t len, struct rejects *r);

/* One cumulative count of a job, from a JSON line or a trainer log
 * (trainer_log.h). */
struct tokens_report {
    const char *job, *account;
    int64_t tokens, model_params, time_ms, start_ms;
    bool has_params, has_start;
};

/* Meters one valid report under the high-water-mark rule above: the one
 * rule every token input (JSON lines, trainer logs) goes through. */
void tokens_meter(struct cycle *cy, const struct tokens_report *l);

/* Whether a report stamped time_ms may be metered in cy: not later than
 * the collection time cy->at_ms (--at, else now) plus cy->max_future_ms
 * (rating.max_future_s, the allowance the rater gives clocks ahead). False,
 * with why in why[cap]: the report is a bad line, never billed, and does not
 * move its job's high-water mark (a line stamped in year 9999 would
 * otherwise hold every later report below it). Every token input (JSON
 * lines, trainer logs) asks before tokens_meter. Pure. */
bool tokens_time_ok(const struct cycle *cy, int64_t time_ms, char *why, size_t cap);

/* The number (from 1, as tokens_collect counts lines) of the first line
 * whose report names an account outside patterns (reporters.h), that
 * account into account[cap]; 0 when every account is allowed. A line that
 * is no JSON object or names no account string is left to tokens_collect,
 * which counts it bad. Pure; thread-safe. */
long tokens_foreign_line(const char *text, size_t len, const char *patterns, char *account,
                         size_t cap);

#endif
