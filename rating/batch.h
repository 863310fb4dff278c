/* batch: consumed messages awaiting their one PostgreSQL transaction.
 *
 * Each message ends as exactly one of (docs/rating.md):
 *  - dead letter: undecodable, invalid or absurd, a missing or forged
 *    signature (when its cluster has a key), or ending too far in the
 *    future; copied to the dead-letter topic and kept in dead_letter;
 *  - duplicate: its (source, seq) was accepted before (dedup.h);
 *  - parked: accepted, but its account has no customer yet; kept in
 *    parked_event and rated when the mapping appears (park.h);
 *  - rated: split into hourly usage (usage.h).
 * batch_flush commits all of it with the dedup state, the next offset of
 * every partition and the counters (consumed = rated + duplicates +
 * dead_lettered + parked, a CHECK in PostgreSQL) in one transaction, and
 * only if every partition is still held at the epoch it was consumed under:
 * a rater that lost a partition (a zombie) cannot commit for it. */
#ifndef GPUMETER_BATCH_H
#define GPUMETER_BATCH_H

#include "core/config.h"
#include "core/event.h"
#include "core/strbuf.h"
#include "rating/dlq.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reasons beyond the codec's (event_error_code). */
#define REASON_BAD_SIGNATURE "bad_signature"
#define REASON_FUTURE_TIME   "future_time"
/* Every dead-letter reason code, for counting. */
#define DEAD_REASONS 7
extern const char *const dead_reason_codes[DEAD_REASONS];

struct batch_msg {
    int32_t partition;
    int64_t offset;
    size_t at, len; /* payload bytes in batch.bytes */
    enum event_error err;
    struct usage_event ev; /* when err == EVENT_OK */
    char reason[200];      /* when err != EVENT_OK */
};

struct batch_counts {
    long long consumed, rated, duplicates, dead_lettered, parked, late, gaps_closed;
    long long dead_by_reason[DEAD_REASONS];
};

struct partition_epoch {
    int32_t partition;
    int64_t epoch;
};

struct batch {
    struct batch_msg *msgs;
    size_t n, cap;
    struct strbuf bytes; /* every payload, back to back */
};

enum flush_result {
    FLUSH_OK,
    FLUSH_FENCED, /* a partition is held by a newer epoch: this process is a zombie for it */
    FLUSH_FAILED, /* nothing committed (database or dead-letter topic unavailable) */
};

struct flush_ctx {
    const struct config *cfg;
    const char *topic;
    const struct partition_epoch *epochs; /* of the partitions this process holds */
    size_t nepochs;
    struct dlq *dlq;
    int64_t now_ms; /* ingest time */
};

/* Decodes and keeps one message. */
void batch_add(struct batch *b, int32_t partition, int64_t offset, const char *payload, size_t len);
/* Commits and empties the batch (also when FENCED or FAILED: the caller
 * replays from the stored offsets), adding what it committed to *counts. */
enum flush_result batch_flush(struct batch *b, PGconn *conn, const struct flush_ctx *ctx,
                              struct batch_counts *counts);
void batch_clear(struct batch *b);
void batch_free(struct batch *b);

#endif
