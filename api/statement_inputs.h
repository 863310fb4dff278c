/* statement_inputs: what GET /v1/statement priced a customer's month from,
 * kept in memory so that the next statement of that customer and month is
 * priced again from it, with no query but the key's (issue 38; docs/api.md,
 * "Statements").
 *
 * An entry is billing's store_month (the month's inputs read once, or the
 * issued invoice that stands for it) and the customer's balances, kept with
 * the two versions it was read at: the customer's usage_version (schema 009:
 * its usage, accounts and contracts) and the global statement_version
 * (schema 065: everything else a statement reads). Both are read in the
 * query that checks the API key, before any input, so a lookup hits only
 * while nothing the inputs came from has changed: never stale.
 *
 * Bounded: at most max_bytes (store_month_bytes) of entries; the least
 * recently used go first, so a new entry is always kept unless it alone is
 * larger than the bound (then its request is answered and nothing kept).
 * A request holds its entry by reference while pricing from it, so an
 * entry evicted meanwhile is freed by the last one to let go.
 * Thread-safe: one mutex over the table and the list; pricing happens
 * outside it, from inputs that are immutable (billing.h). */
#ifndef GPUMETER_STATEMENT_INPUTS_H
#define GPUMETER_STATEMENT_INPUTS_H

#include "billing/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct statement_inputs;

/* What a statement needs besides store_month's bills: the ledger's
 * balances as balances_read gave them (billing/balances.h). */
struct statement_balances {
    bool known;
    int64_t deposit_held, prepaid;
};

struct statement_entry {
    const struct store_month *month;
    struct statement_balances balances;
};

/* NULL when max_bytes is 0: every lookup then misses, nothing is kept. */
struct statement_inputs *statement_inputs_new(size_t max_bytes);
void statement_inputs_free(struct statement_inputs *c);

/* The entry of customer's period read at these versions, held for the
 * caller until statement_inputs_release; NULL on a miss. */
const struct statement_entry *statement_inputs_get(struct statement_inputs *c,
                                                   const char *customer, const char *period,
                                                   int64_t usage_version,
                                                   int64_t statement_version);
void statement_inputs_release(struct statement_inputs *c, const struct statement_entry *e);
/* Keeps month (taking it: freed by the cache, or at once when it cannot be
 * kept) as customer's period read at these versions, replacing an older
 * entry of the same customer and period. generation is
 * statement_inputs_generation's, read before the query that read the
 * versions: a month read before an invalidation is not kept. */
void statement_inputs_put(struct statement_inputs *c, const char *customer, const char *period,
                          int64_t usage_version, int64_t statement_version, uint64_t generation,
                          struct store_month *month, struct statement_balances balances);

/* Versions are a server's: after a reconnect, which may reach a promoted
 * standby that lacks the old primary's last commits and reuses their
 * version numbers for other inputs (docs/operations.md, "Database
 * failover"), nothing kept may be used. statement_inputs_invalidate forgets
 * every entry and moves the generation (as cache_invalidate, cache.h). 0
 * and nothing without a cache. */
uint64_t statement_inputs_generation(struct statement_inputs *c);
void statement_inputs_invalidate(struct statement_inputs *c);

/* Bytes held, entries held, and lookups that hit / missed since the start. */
void statement_inputs_counts(struct statement_inputs *c, size_t *bytes, size_t *entries,
                             long *hits, long *misses);

#endif
