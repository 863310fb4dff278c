/* usage: rated events into hourly usage rows.
 *
 * usage_add splits each quantity of an event across the UTC hours its
 * window overlaps (time_split_hours: exact, the parts sum to the whole) and
 * usage_write merges equal cells and adds them to usage_hourly in one
 * statement, stamping ingest time. Hours are the finest grain: a day, a
 * month or a time-of-use band in any whole-hour time zone is a set of whole
 * hours, so every such boundary is split exactly too. Events must outlive
 * the set until usage_write. */
#ifndef GPUMETER_USAGE_H
#define GPUMETER_USAGE_H

#include "core/event.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct usage_cell {
    const struct usage_event *ev; /* supplies account, model, vendor, site, cluster, job */
    int64_t hour_ms;
    int meter;
    int64_t quantity, events;
};

struct usage_set {
    struct usage_cell *v;
    size_t n, cap;
};

void usage_add(struct usage_set *u, const struct usage_event *ev);
/* Merges and upserts the cells (none: nothing to do); false after logging. */
bool usage_write(PGconn *conn, struct usage_set *u);
void usage_reset(struct usage_set *u);
void usage_free(struct usage_set *u);

#endif
