/* dedup: which (source, seq) pairs were already accepted.
 *
 * The contract numbers each source's events 1, 2, 3, ... Per source the
 * rater keeps `contiguous` (every seq up to it was accepted) and `above`
 * (accepted seqs beyond it, ascending, while an earlier one is missing). A
 * seq at or below contiguous, or in above, is a duplicate. Accepting a seq
 * adds it and moves contiguous over any run that is now complete. So events
 * that arrive out of order (a collector's spool replayed after a newer
 * batch) are rated, never mistaken for duplicates. A gap that stays open
 * while DEDUP_MAX_ABOVE later seqs arrive is closed (logged and counted): its
 * seq is taken as lost upstream, which bounds the state of a broken source.
 * The windows are read FOR UPDATE and written in the batch's transaction.
 *
 * A window also records the cluster its source belongs to: the cluster of
 * the first event accepted from it ("" until then). The rater refuses an
 * event that claims a bound source from another cluster before it can use
 * up a seq (schema 010).
 * Not thread-safe: a dedup set belongs to one batch, used by one thread at
 * a time (the flusher while it commits). */
#ifndef GPUMETER_DEDUP_H
#define GPUMETER_DEDUP_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEDUP_MAX_ABOVE 10000

struct seq_window {
    const char *source; /* borrowed from the caller */
    char cluster[65];   /* the source's cluster, "" while unbound */
    int64_t contiguous;
    int64_t *above;
    size_t head, n, cap; /* above[head .. n) are live */
    bool dirty;
};

struct dedup {
    struct seq_window *v;
    size_t n;
    long gaps_closed;
    struct seq_window *last; /* the window found last */
};

/* Loads the windows of these sources (duplicates allowed), new ones empty. */
bool dedup_load(struct dedup *d, PGconn *conn, const char *const *sources, size_t n);
struct seq_window *dedup_find(struct dedup *d, const char *source);
bool dedup_seen(const struct seq_window *w, int64_t seq);
/* Accepts seq from an event of cluster (which binds an unbound source).
 * seq was not seen (dedup_seen false): asserted, as is the window's order
 * after it (core/invariant.h). */
void dedup_accept(struct dedup *d, struct seq_window *w, int64_t seq, const char *cluster);
/* Writes the windows that changed. */
bool dedup_save(struct dedup *d, PGconn *conn);
void dedup_free(struct dedup *d);

#endif
