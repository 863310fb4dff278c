/* device_health: rated health events into device_health rows.
 *
 * device_health_add keeps a health event (kind "health",
 * core/event.h) of the batch; device_health_write inserts one row per event
 * into device_health (schema 047) in the caller's transaction, the same
 * one that saves the batch's offsets and sequence numbers, so a health
 * window is stored exactly once like usage. A window is stored whole, not
 * split into hours: availability is read per device and window
 * (docs/availability.md). Accelerators go under their catalogue name like
 * usage. Not
 * thread-safe; one set per batch. */
#ifndef GPUMETER_DEVICE_HEALTH_H
#define GPUMETER_DEVICE_HEALTH_H

#include "core/event.h"
#include "rating/event_intern.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct device_health_window {
    const struct usage_event *ev; /* its strings, state and reasons */
    int64_t seq, start_ms, end_ms;
};

struct device_health_set {
    struct device_health_window *v;
    size_t n, cap;
};

/* ev supplies the strings, state and reasons (its numbers are not read),
 * num the seq and window; ev must outlive the set until
 * device_health_write, num need not. */
void device_health_add(struct device_health_set *hs, const struct usage_event *ev,
                       const struct event_numbers *num);
/* Inserts the windows (none: nothing to do); false after logging. */
bool device_health_write(PGconn *conn, const struct device_health_set *hs);
void device_health_free(struct device_health_set *hs);

#endif
