/* event_intern: a batch's decoded events, their repeated part kept once.
 *
 * A decoded event (struct usage_event, core/event.h) is about 1.3 KB of
 * fixed arrays, nearly all of it strings that repeat from one event to the
 * next: a collector's source, cluster and site, a GPU's account, job and
 * model. A batch of 100,000 events kept whole held 130 MB, and the rater
 * keeps two batches alive (docs/rating.md#memory). So a batch keeps each
 * event as its numbers (struct event_numbers, 80 bytes) and a pointer to
 * its *head*: the event with those numbers and its signature zeroed,
 * interned so that equal heads are stored once per batch.
 *
 * A head never moves and stays valid until event_intern_reset, so commit
 * code may keep pointers to its strings until the batch's transaction
 * ends. Two events share a head only if every byte of what remains is
 * equal (event_decode zeroes the whole event first), so sharing never
 * merges events that differ. Not thread-safe: one per batch, used by the
 * batch's thread of the moment (batch.h). */
#ifndef GPUMETER_EVENT_INTERN_H
#define GPUMETER_EVENT_INTERN_H

#include "core/event.h"

#include <stddef.h>
#include <stdint.h>

/* What differs from event to event of one source, account and job. A
 * usage event has quantities and a capacity event devices, allocated and
 * idle energy, never both (core/event.h decodes each kind's own), so they
 * share their bytes: 56 bytes a message, not 80; which one a record holds
 * is its head's kind. */
struct event_numbers {
    int64_t seq, start_ms, end_ms;
    union {
        int64_t qty[METER_COUNT];                                /* usage and health */
        struct { int64_t devices, allocated_ms, idle_energy_mj; }; /* capacity */
    };
};
_Static_assert(METER_COUNT >= 3, "a capacity event's numbers fit in the quantities' place");

struct event_intern {
    struct usage_event **chunks; /* EVENT_INTERN_CHUNK heads each */
    size_t nchunks, chunks_cap;
    uint32_t n;       /* heads */
    uint64_t *hashes; /* of each head, for rehashing */
    size_t hashes_cap;
    uint32_t *slot; /* open addressing over heads, slot_cap a power of two */
    size_t slot_cap;
};

#define EVENT_INTERN_CHUNK 256

/* Copies ev's numbers to *num and returns the interned head of the rest
 * (ev's numbers and signature are zeroed on the way). */
const struct usage_event *event_intern_split(struct event_intern *in, struct usage_event *ev,
                                             struct event_numbers *num);
/* The numbers of a whole event (for callers that hold whole events). */
void event_numbers_of(const struct usage_event *ev, struct event_numbers *num);
/* The inverse: writes num into ev (a copy of a head), making it whole again
 * but for its signature. */
void event_numbers_put(const struct event_numbers *num, struct usage_event *ev);
/* Bytes the heads and their index hold. */
size_t event_intern_bytes(const struct event_intern *in);
/* Forgets every head; keeps one chunk and a small index for the next batch
 * and returns the rest to the allocator. */
void event_intern_reset(struct event_intern *in);
void event_intern_free(struct event_intern *in);

#endif
