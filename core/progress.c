/* progress: batch progress on stderr (see progress.h). */
#include "progress.h"

#include "log.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void show(struct progress *p, bool last)
{
    double s = (double)(time_monotonic_ms() - p->start_ms) / 1000.0;
    if (p->tty) {
        int width = 30, fill = p->total ? (int)(p->done * width / p->total) : width;
        fprintf(stderr, "\r%s [%.*s%*s] %ld / %ld  %.1f s%s", p->what, fill,
                "##############################", width - fill, "", p->done, p->total, s,
                last ? "\n" : "");
    } else {
        log_info("%s: %ld / %ld done, %.1f s", p->what, p->done, p->total, s);
    }
    p->shown_ms = time_monotonic_ms();
}

void progress_step(struct progress *p, const char *what, long total)
{
    if (!p->started) {
        const char *q = getenv("GPUMETER_QUIET");
        p->started = true;
        p->what = what;
        p->quiet = q && *q && *q != '0';
        p->tty = isatty(STDERR_FILENO);
        p->start_ms = p->shown_ms = time_monotonic_ms();
    }
    p->total = total;
    p->done++;
    int64_t every = p->tty ? 100 : 5000;
    if (!p->quiet && time_monotonic_ms() - p->shown_ms >= every) show(p, false);
}

void progress_end(struct progress *p)
{
    if (p->started && !p->quiet && (p->tty || time_monotonic_ms() - p->start_ms >= 5000))
        show(p, true);
}
