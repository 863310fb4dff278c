/* flusher: commits one batch on a second thread while the rater consumes
 * and decodes the next (docs/rating.md#two-threads).
 *
 * flusher_start swaps the caller's full batch with the flusher's empty one
 * and returns at once; flusher_wait blocks until the batch in flight, if
 * any, has committed (or failed) and hands back its outcome. At most one
 * batch is in flight, and while it is, the connections and the dead-letter
 * producer passed to flusher_start belong to the flusher's thread: the
 * caller must flusher_wait before it touches either, and must drop what it
 * consumed meanwhile when the outcome is not FLUSH_OK (it resumes from the
 * stored offsets). Exactly once is unchanged: each batch's part on each
 * connection is one transaction with its partitions' offsets (batch.h), and
 * batches commit in consumption order.
 * One owner thread calls these; the flusher's own thread is internal. */
#ifndef GPUMETER_FLUSHER_H
#define GPUMETER_FLUSHER_H

#include "rating/batch.h"

#include <stdbool.h>
#include <stdint.h>

struct flusher;

struct flush_outcome {
    enum flush_result result;
    size_t events;              /* messages in the batch */
    int64_t ms;                 /* wall time of its commit */
    struct batch_counts counts; /* what it committed */
};

/* NULL (after logging) when the thread cannot be started. */
struct flusher *flusher_new(void);
/* Hands *b over (ctx is copied, epochs included) and leaves *b empty. The
 * previous batch must have been waited for. */
/* conns (batch_flush's, which must outlive the batch in flight) and the
 * connections in it belong to the flusher until the batch is waited for. */
void flusher_start(struct flusher *f, struct batch *b, PGconn *const *conns, size_t nconns,
                   const struct flush_ctx *ctx);
/* False when no batch was in flight; else waits and fills *out. */
bool flusher_wait(struct flusher *f, struct flush_outcome *out);
/* As flusher_wait, but false at once while the batch is still committing. */
bool flusher_done(struct flusher *f, struct flush_outcome *out);
/* Waits for a batch in flight, stops the thread and frees everything. */
void flusher_free(struct flusher *f);

#endif
