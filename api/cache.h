/* cache: responses of the statements API kept in memory, each with the
 * data version it was computed at (schema 009: usage_version).
 *
 * A lookup hits only when the key and the version both match, so a stale
 * response is never served: a change to the data moves the version in the
 * same transaction. The cache holds at most max_bytes of keys and bodies;
 * a response that does not fit is not kept. Slots are direct-mapped (one
 * entry per hash slot, a newer one replaces it) and locked in stripes, so
 * server threads rarely wait on each other. Thread-safe. */
#ifndef GPUMETER_CACHE_H
#define GPUMETER_CACHE_H

#include "core/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cache;

/* NULL when max_bytes is 0: every call below then does nothing (misses). */
struct cache *cache_new(size_t max_bytes);
void cache_free(struct cache *c);

/* On a hit appends the body to out, sets *content_type and returns true. */
bool cache_get(struct cache *c, const char *key, int64_t version, struct strbuf *out,
               const char **content_type);
/* content_type must be a string that outlives the cache (a literal). */
void cache_put(struct cache *c, const char *key, int64_t version, const char *content_type,
               const char *body, size_t len);

/* Versions are a server's: after a reconnect, which may reach a promoted
 * standby that lacks the old primary's last commits and reuses their
 * version numbers for other data (docs/operations.md, "Database
 * failover"), nothing kept may be served. cache_invalidate forgets every
 * entry and moves the generation; callers put the generation, read before
 * their query, in each key, so that an answer computed on the old server
 * and put after the move is never found. 0 without a cache. */
uint64_t cache_generation(const struct cache *c);
void cache_invalidate(struct cache *c);

/* Bytes held now, and lookups that hit / missed since the start. */
size_t cache_bytes(const struct cache *c);
void cache_counts(const struct cache *c, long *hits, long *misses);

#endif
