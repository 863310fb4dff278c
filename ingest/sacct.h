/* sacct: Slurm accounting as GPU jobs, metered against the collector state.
 *
 * sacct_collect reads `sacct --parsable2` (or `-p`, trailing '|') output
 * with a header line, or with columns named by `columns` when the output has
 * none. Only job rows count (JobID without a '.': steps repeat the job's
 * figures); rows without a GPU in AllocTRES are not GPU jobs. GPUs come from
 * typed `gres/gpu:<type>=N` entries (one event per type) or else from
 * `gres/gpu=N`; Hygon DCUs likewise from `gres/dcu` (vendor hygon). A first
 * line without '|' (sacct's fixed-width table) is unusable input, with why.
 * The state keeps per job how much elapsed time and energy was
 * already emitted, so a running job is emitted up to the scrape time and a
 * finished job exactly up to Start + ElapsedRaw, once, however often it is
 * polled. Times are the controller's local time at utc_offset_min.
 *
 * sacct never escapes a '|' inside a field. With one free-text column
 * (JobName, Comment, WorkDir, ...) in the header, a row is split around it,
 * so its text may hold any number of bars; a row that cannot be placed
 * (two or more free-text columns, or too few fields) is refused with
 * rejects_refused_row, and the collector exits non-zero: billable time is
 * never skipped quietly.
 * Not thread-safe: one collector thread owns the state sacct_collect updates. */
#ifndef GPUMETER_SACCT_H
#define GPUMETER_SACCT_H

#include "ingest/cycle.h"
#include "ingest/rejects.h"

#include <stddef.h>

struct sacct_opts {
    const char *columns; /* "JobID|Account|..." for --noheader output, or NULL */
    const char *model;   /* GPU model of untyped gres/gpu (and gres/dcu when a Hygon model) */
    int utc_offset_min;
};

void sacct_collect(struct cycle *cy, const char *text, size_t len, const struct sacct_opts *o,
                   struct rejects *r);

#endif
