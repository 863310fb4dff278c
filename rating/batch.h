/* batch: consumed messages awaiting their one PostgreSQL transaction.
 *
 * batch_flush commits, atomically: the hourly usage of the events it rates,
 * the highest seq rated per source, the next offset of every partition it
 * holds messages for, the rejected messages with their reasons, and the
 * per-partition counters (consumed = rated + duplicates + rejected). All of
 * it or none of it lands, so a crash at any point replays from the stored
 * offsets and rates every event exactly once.
 *
 * Dedup rule: within one source, messages are taken in offset order and an
 * event whose seq is at or below the highest seq already rated for that
 * source is a duplicate. */
#ifndef GPUMETER_BATCH_H
#define GPUMETER_BATCH_H

#include "core/event.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct batch_msg {
    int32_t partition;
    int64_t offset;
    enum event_error err;
    struct usage_event ev; /* when err == EVENT_OK */
    char reason[256];      /* when err != EVENT_OK */
    char *payload;         /* copy kept for rejects only */
    size_t len;
};

struct batch_counts {
    long long consumed, rated, duplicates, rejected;
};

struct batch {
    const char *topic;
    struct batch_msg *msgs;
    size_t n, cap;
};

/* Decodes and keeps one message. */
void batch_add(struct batch *b, int32_t partition, int64_t offset, const char *payload, size_t len);
/* Commits and empties the batch, adding what it did to *counts; false (batch
 * kept, transaction rolled back) after printing why. */
bool batch_flush(struct batch *b, PGconn *conn, struct batch_counts *counts);
void batch_free(struct batch *b);

#endif
