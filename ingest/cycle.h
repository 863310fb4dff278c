/* cycle: one collection round, the interface between a source and delivery.
 *
 * A source (dcgm, nvidia-smi, sacct, ...) turns one scrape taken at at_ms
 * into usage events with cycle_emit, reading and updating the collector's
 * state. cycle_emit fills in the source name "<kind>/<cluster>[/<node>]",
 * the next seq of that source (kept in the state), cluster, site and the
 * HMAC signature, and encodes the event as one "source<TAB>json" line. The
 * caller (collector.c) commits the lines and the state together or not at
 * all. Not thread-safe: one collector thread owns a cycle and its state. */
#ifndef GPUMETER_CYCLE_H
#define GPUMETER_CYCLE_H

#include "core/event.h"
#include "core/strbuf.h"
#include "ingest/state.h"

#include <stdbool.h>
#include <stdint.h>

struct cycle_stats {
    long bad_lines;      /* input lines skipped */
    long gaps;           /* windows longer than max_gap_ms, not charged */
    long resets;         /* counters that went down */
    long idle_units;     /* GPUs or instances with no allocation */
    int64_t idle_gpu_ms; /* unallocated capacity, never billed */
    long unusable;       /* inputs unusable as a whole (rejects_unusable) */
    long refused_rows;   /* rows that may hold usage but could not be read */
    long refused_units;  /* units with more tenants than can be real, not charged */
    long shared_units;   /* GPUs or instances split between several tenants */
    long shared_tenants; /* the shares they were split into */
};

struct cycle {
    struct state *state;
    int64_t at_ms;      /* time of the scrape */
    int64_t max_gap_ms; /* longer windows are reported, not charged */
    /* token reports stamped later than at_ms + this are bad lines (tokens.h):
     * rating.max_future_s, the rater's allowance for clocks ahead */
    int64_t max_future_ms;
    const char *kind, *cluster, *site;
    const char *hmac_key; /* NULL: events go unsigned */
    bool health;          /* --health: device sources emit health events (health.h) */
    const char *scope;    /* the input being metered (its URL, file): where health.h
                           * looks for devices gone from it; NULL is "" */
    struct strbuf out;
    long events;
    struct cycle_stats st;
};

void cycle_emit(struct cycle *cy, const char *node, struct usage_event *ev);

/* True when s is 1..cap-1 bytes that may be an identifier (core/utf8.h:
 * strict UTF-8, no control or bidirectional formatting characters): the
 * test every label value must pass before it names an account, job, node
 * or model, so a collector never sends what the rater would refuse. */
bool cycle_ident_valid(const char *s, size_t cap);

#endif
