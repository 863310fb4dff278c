/* usage: rated events into hourly usage rows.
 *
 * usage_add splits each quantity of an event across the UTC hours its
 * window overlaps (time_split_hours: exact, the parts sum to the whole),
 * merging equal cells as it goes, and usage_write adds them to usage_hourly in one
 * statement, stamping ingest time. Hours are the finest grain: a day, a
 * month or a time-of-use band in any whole-hour time zone is a set of whole
 * hours, so every such boundary is split exactly too. Accelerators are
 * recorded under their catalogue model and vendor (core/catalogue.h), so
 * "NVIDIA H800" and "H800 80GB HBM3" are one H800 to every plan; a model the
 * catalogue does not know stays as reported. Token cells keep the trained
 * model's parameter count (plans price tokens by model size).
 * Not thread-safe: a usage set belongs to one batch, used by one thread at a time. */
#ifndef GPUMETER_USAGE_H
#define GPUMETER_USAGE_H

#include "core/event.h"
#include "rating/event_intern.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct usage_cell {
    const struct usage_event *ev; /* supplies account, site, cluster, job */
    const char *model, *vendor;   /* catalogue names; "" for tokens */
    int64_t hour_ms;
    int meter;
    uint32_t key;         /* interned (account, site, cluster, job, model, vendor) */
    int64_t model_params; /* token cells only; 0 otherwise */
    int64_t quantity, events;
};

/* The distinct string keys of a set's cells, each compared once per event
 * (usage_add) so that the merge compares integers. */
struct usage_key {
    const struct usage_event *ev;
    const char *model, *vendor;
    uint64_t hash;
};

struct usage_set {
    struct usage_cell *v; /* distinct cells: equal ones merge as they are added */
    size_t n, cap;
    uint32_t *cell_slot; /* open addressing over v, cell_slot_cap a power of two */
    size_t cell_slot_cap;
    struct usage_key *keys;
    uint32_t nkeys, keys_cap;
    uint32_t *slot; /* open addressing over keys, slot_cap a power of two */
    size_t slot_cap;
    char last_reported[65]; /* the last catalogue lookup, reused for runs */
    const char *last_model, *last_vendor;
};

/* ev supplies the strings, kind and model size (its numbers are not read),
 * num the window and quantities; ev must outlive the set until
 * usage_write, num need not. */
void usage_add(struct usage_set *u, const struct usage_event *ev, const struct event_numbers *num);
/* Merges and upserts the cells (none: nothing to do); false after logging.
 * Takes the rows other writers share in one order, each table in one pass
 * in key order (the month's partition, the usage versions, the customers'
 * days and the rollup, schema 074, then the hourly rows), so that
 * concurrent writers wait for each other but never deadlock. */
bool usage_write(PGconn *conn, struct usage_set *u);
void usage_free(struct usage_set *u);

#endif
