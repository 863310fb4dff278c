/* batch: consumed messages awaiting their one PostgreSQL transaction.
 *
 * Each message ends as exactly one of (docs/rating.md):
 *  - dead letter: undecodable, invalid or absurd, a missing or forged
 *    signature, a cluster without a key while signing is required, a
 *    source claimed from another cluster than its own, ending too far in
 *    the future, or refused by PostgreSQL itself; copied to the dead-letter
 *    topic and kept in dead_letter;
 *  - duplicate: its (source, seq) was accepted before (dedup.h);
 *  - parked: accepted, but its account has no customer yet; kept in
 *    parked_event and rated when the mapping appears (park.h);
 *  - rated: split into hourly usage (usage.h).
 * batch_flush commits all of it with the dedup state, the next offset of
 * every partition and the counters (consumed = rated + duplicates +
 * dead_lettered + parked, a CHECK in PostgreSQL) in one transaction per
 * commit connection, each holding all of its partitions (below), and
 * only if every partition is still held at the epoch it was consumed under:
 * a rater that lost a partition (a zombie) cannot commit for it.
 *
 * No single message can stop rating: when PostgreSQL refuses the batch for
 * its data (SQLSTATE classes 22, 23, 54 and raised exceptions, never a lost
 * connection or a permission), the batch is committed in halves until the
 * message that fails alone is found, and that message becomes a dead letter
 * (rejected_by_database, with PostgreSQL's message) while the rest commits.
 * Not thread-safe: a batch has one thread at a time, the consuming one until
 * batch_flush, then the flusher's (flusher.h) until that returns; batch_flush
 * itself hands each connection's share of the messages to a thread of its
 * own and joins them before it returns (the dead-letter producer under a
 * lock). */
#ifndef GPUMETER_BATCH_H
#define GPUMETER_BATCH_H

#include "core/config.h"
#include "core/event.h"
#include "core/strbuf.h"
#include "rating/dlq.h"
#include "rating/event_intern.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reasons beyond the codec's (event_error_code). */
#define REASON_BAD_SIGNATURE   "bad_signature"
#define REASON_UNKNOWN_CLUSTER "unknown_cluster" /* no key for it, and signing is required */
#define REASON_SOURCE_CLUSTER  "source_cluster"  /* the source belongs to another cluster */
#define REASON_FUTURE_TIME     "future_time"
#define REASON_REJECTED        "rejected_by_database"
/* Every dead-letter reason code, for counting. */
#define DEAD_REASONS 10
extern const char *const dead_reason_codes[DEAD_REASONS];

/* A decoded event's signature, checked when it is consumed (batch_add),
 * on the consuming thread rather than the committing one. */
enum batch_sig { SIG_NO_KEY, SIG_VALID, SIG_INVALID };

/* A message's payload is kept only where its canonical encoding could not
 * give it back byte for byte: a message that does not decode, or that
 * decodes but was spelled otherwise than event_encode spells it. For every
 * other message (all a collector sends) the batch keeps only its signature
 * and rebuilds the exact bytes from its head and numbers in the rare case
 * they are needed after decoding: a dead letter or a parked event. */
struct batch_msg {
    int64_t offset;
    /* the decoded event, when err == EVENT_OK: its strings and kind in a
     * head shared by the batch's events that differ only in their numbers
     * (event_intern.h), and its numbers */
    const struct usage_event *head;
    char *reason;          /* when err != EVENT_OK or rejected; NULL otherwise (rare, so
                              kept off the message: a batch holds 100,000 of them) */
    struct event_numbers num;
    int32_t partition;
    uint32_t at, len;      /* in batch.bytes: the payload, or only the signature when rebuilt */
    enum event_error err;
    enum batch_sig sig;    /* under its cluster's key (hmac.<cluster>), when err == EVENT_OK */
    bool rejected;         /* isolated as the message PostgreSQL refuses */
    bool signed_event;     /* it carried a signature, right or wrong */
    bool rebuilt;          /* its payload is event_encode of head, num and signature */
    uint8_t slot;          /* batch_flush's: the connection its partition commits on */
};

struct batch_counts {
    long long consumed, rated, duplicates, dead_lettered, parked, late, gaps_closed;
    long long dead_by_reason[DEAD_REASONS];
    long long retries; /* transactions run again after a deadlock or serialization failure */
};

struct partition_epoch {
    int32_t partition;
    int64_t epoch;
};

struct batch {
    struct batch_msg *msgs;
    size_t n, cap;
    struct strbuf bytes;       /* the payloads kept and signatures, back to back (above) */
    struct event_intern heads; /* of the decoded events */
    struct strbuf encoded;     /* batch_add's canonical encoding of the message it adds */
};

/* What a batch may hold before it is committed, whatever its count
 * (rate --batch): its messages, payloads kept and heads. 100,000 events
 * of a usual stream hold about 13 MiB; a stream whose every event has
 * strings of its own (a job per event) or is spelled otherwise than
 * event_encode spells it reaches the bound first and commits smaller
 * batches, so the rater's two batches stay within 2 x 64 MiB. */
#define BATCH_MAX_BYTES ((size_t)64 << 20)

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
    int64_t now_ms;        /* ingest time */
    bool signing_required; /* config_signing_required */
};

/* Decodes one message, checks its signature under cfg's key for its
 * cluster, and keeps it. */
void batch_add(struct batch *b, const struct config *cfg, int32_t partition, int64_t offset,
               const char *payload, size_t len);
/* Commits and empties the batch (also when FENCED or FAILED: the caller
 * replays from the stored offsets), adding what it committed to *counts.
 * A batch refused for one message's data commits without it (above).
 * With nconns > 1 the commit is split by partition (docs/rating.md#the-
 * commit-split-over-connections): the batch's partitions are dealt out to
 * the connections in turn, and each connection commits, on a thread of its
 * own (the caller's for conns[0]), one transaction holding everything of
 * its partitions and their offsets, so a partition is wholly committed or
 * wholly not whatever happens between the transactions. A transaction
 * aborted by a deadlock or serialization failure (SQLSTATE 40P01, 40001)
 * is run again from its start. FENCED if any part was fenced, else FAILED
 * if any part failed: the caller replays every partition from its stored
 * offset (those that committed are not read again). conns[1..] are
 * reconnected here when lost; conns[0] is the caller's to reconnect. */
enum flush_result batch_flush(struct batch *b, PGconn *const *conns, size_t nconns,
                              const struct flush_ctx *ctx, struct batch_counts *counts);
/* Makes conn, batch_flush's conns[slot], move its own part of each
 * customer's usage version (schema 071), so that the connections of a
 * batch do not queue on one row per customer; conns[0] keeps slot 0, the
 * one every other writer moves. False after logging. */
bool batch_conn_slot(PGconn *conn, int slot);
/* Sets *out to the exact bytes message m of batch b was consumed as. */
void batch_msg_payload(const struct batch *b, const struct batch_msg *m, struct strbuf *out);
/* Bytes the batch holds now (what BATCH_MAX_BYTES bounds). */
size_t batch_held_bytes(const struct batch *b);
/* Whether the batch is due for its commit: max_messages of them, or
 * BATCH_MAX_BYTES held. */
bool batch_full(const struct batch *b, long long max_messages);
/* Empties the batch; keeps its arrays for the next one up to what a batch
 * within BATCH_MAX_BYTES needs, and returns more to the allocator. */
void batch_clear(struct batch *b);
void batch_counts_add(struct batch_counts *to, const struct batch_counts *from);
void batch_free(struct batch *b);

#endif
