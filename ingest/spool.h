/* spool: the collector's durable outbox.
 *
 * Each collection round that produced events commits one batch file: the
 * events ("source<TAB>json" lines) and the collector state after the round,
 * written with an atomic rename (core/fileio.h). That rename is the commit
 * point: after it the round's windows are consumed and its events will
 * reach Kafka, whatever crashes next. A batch is deleted only when Kafka
 * acknowledged every event in it. Batches are numbered and delivered in
 * order. A delivered batch's file is kept, under a recycle name, for a
 * later batch to be written over (at most SPOOL_RECYCLED of them): renaming
 * costs less than deleting a file and allocating a new one. A recycled file
 * is written over only once a later commit's directory sync has made its
 * rename durable, so a power loss can never show new bytes under an old
 * batch's name. The total size is bounded: a batch that does not fit is refused
 * (the caller keeps its state, so the usage stays in the source counters and
 * is collected later) and counted in `full`.
 * Not thread-safe: one collector (held by its state directory's lock) owns a spool. */
#ifndef GPUMETER_SPOOL_H
#define GPUMETER_SPOOL_H

#include "core/strbuf.h"
#include "ingest/state.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spool_batch {
    int64_t no;
    char *data; /* event lines */
    size_t len, nmsg, file_bytes;
    size_t next;                /* offset of the first line not yet handed to Kafka */
    size_t sent, acked, failed; /* message counts */
    int64_t retry_at_ms;        /* after a failure, when to send again */
    struct spool_batch *next_batch;
};

#define SPOOL_RECYCLED 8

struct spool {
    char dir[4000];
    /* recycle-N.spool: none, renamed (not yet durable), or durable and free to write over */
    enum { RECYCLE_NONE, RECYCLE_PENDING, RECYCLE_READY } recycle[SPOOL_RECYCLED];
    int64_t max_bytes, bytes;
    struct spool_batch *head, *tail;
    size_t count;
    long full; /* batches refused for lack of room or disk */
};

/* Opens (creating) dir and loads its committed batches. When the newest
 * batch carries a newer state than *st, *st is replaced by it (the crash
 * fell between the batch and the state file). False after logging. */
bool spool_open(struct spool *sp, const char *dir, int64_t max_bytes, struct state *st);
/* Commits batch `no`; false (logged) when it does not fit or cannot be written. */
bool spool_commit(struct spool *sp, int64_t no, const struct strbuf *lines, size_t nmsg,
                  const struct strbuf *state_text);
/* Removes the delivered head batch. */
void spool_pop(struct spool *sp);
/* Frees the batches and removes the recycled files. */
void spool_close(struct spool *sp);

#endif
