/* jobs: job-level sources, metered against the collector state.
 *
 * sacct_collect reads `sacct --parsable2` (or `-p`, trailing '|') output
 * with a header line, or with columns named by `columns` when the output has
 * none. Only job rows count (JobID without a '.': steps repeat the job's
 * figures); rows without a GPU in AllocTRES are not GPU jobs. GPUs come from
 * typed `gres/gpu:<type>=N` entries (one event per type) or else from
 * `gres/gpu=N`. The state keeps per job how much elapsed time and energy was
 * already emitted, so a running job is emitted up to the scrape time and a
 * finished job exactly up to Start + ElapsedRaw, once, however often it is
 * polled. Times are the controller's local time at utc_offset_min.
 *
 * tokens_collect reads JSON lines {"job","account","tokens" (cumulative),
 * "time", optional "model_params", "start"}. Billed tokens follow the
 * high-water mark of the job within its account (two accounts' jobs of the
 * same name are two jobs): a report below it (a restart from a checkpoint)
 * bills nothing until the counter passes the mark again. A job's first report
 * bills its whole count: trainers count from zero at job start. Returns the
 * number of lines accepted. */
#ifndef GPUMETER_JOBS_H
#define GPUMETER_JOBS_H

#include "ingest/cycle.h"
#include "ingest/report.h"

#include <stddef.h>

struct sacct_opts {
    const char *columns; /* "JobID|Account|..." for --noheader output, or NULL */
    const char *model;   /* GPU model of untyped gres/gpu */
    int utc_offset_min;
};

void sacct_collect(struct cycle *cy, const char *text, size_t len, const struct sacct_opts *o,
                   struct report *r);
long tokens_collect(struct cycle *cy, const char *text, size_t len, struct report *r);

#endif
