/* progress: how far a long batch is, on stderr: "done / total" and the
 * elapsed time, as a bar redrawn in place on a terminal, or as a line every
 * five seconds (and at the end) when stderr is a file or pipe. Silent when
 * GPUMETER_QUIET is set. One per command, on its main thread. */
#ifndef GPUMETER_PROGRESS_H
#define GPUMETER_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    const char *what;
    long done, total;
    int64_t start_ms, shown_ms;
    bool tty, quiet, started;
};

/* Counts one more of total (total may only be known at the first step). */
void progress_step(struct progress *p, const char *what, long total);
void progress_end(struct progress *p);

#endif
