/* capacity: rated capacity events into hourly capacity rows.
 *
 * capacity_add splits a capacity event's installed time (devices x window),
 * allocated time and idle energy across the UTC hours of its window with
 * the same exact split as usage (time_split_hours), and classifies its idle
 * time: a node that allocated nothing in the window is idle whole, any
 * other idle time is stranded beside allocated devices. capacity_write
 * merges equal cells and adds them to capacity_hourly (schema 015) in the
 * caller's transaction; accelerators go under their catalogue name like
 * usage. Not
 * thread-safe; one set per batch. */
#ifndef GPUMETER_CAPACITY_H
#define GPUMETER_CAPACITY_H

#include "core/event.h"
#include "rating/event_intern.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct capacity_cell {
    const struct usage_event *ev; /* supplies site, cluster, node */
    const char *model, *vendor;   /* catalogue names */
    int64_t hour_ms;
    int64_t installed_ms, allocated_ms, idle_whole_ms, idle_stranded_ms, idle_energy_mj, energy_ms;
    int64_t events;
};

struct capacity_set {
    struct capacity_cell *v;
    size_t n, cap;
};

/* ev supplies the strings and kind (its numbers are not read), num the
 * numbers; ev must outlive the set until capacity_write, num need not. */
void capacity_add(struct capacity_set *cs, const struct usage_event *ev,
                  const struct event_numbers *num);
/* Merges and upserts the cells (none: nothing to do); false after logging. */
bool capacity_write(PGconn *conn, struct capacity_set *cs);
void capacity_free(struct capacity_set *cs);

#endif
