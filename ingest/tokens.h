/* tokens: trainers' token reports, metered against the collector state.
 *
 * tokens_collect reads JSON lines {"job","account","tokens" (cumulative),
 * "time", optional "model_params", "start"}. Billed tokens follow the
 * high-water mark of the job within its account (two accounts' jobs of the
 * same name are two jobs): a report below it (a restart from a checkpoint)
 * bills nothing until the counter passes the mark again. A job's first report
 * bills its whole count: trainers count from zero at job start. Returns the
 * number of lines accepted. */
#ifndef GPUMETER_TOKENS_H
#define GPUMETER_TOKENS_H

#include "ingest/cycle.h"
#include "ingest/report.h"

#include <stddef.h>

long tokens_collect(struct cycle *cy, const char *text, size_t len, struct report *r);

#endif
