/* bucket: token buckets by a short key (an API key id, a client address),
 * for gpumeter serve's request rate per key and failed-authentication
 * limits (docs/api.md#limits-and-errors).
 *
 * A fixed table of BUCKET_SLOTS, direct-mapped by a hash of the key: a key
 * new to its slot, or one colliding with the slot's key, starts full. So
 * the table never grows, and a collision only ever forgives. Thread-safe:
 * one mutex per table. */
#ifndef GPUMETER_BUCKET_H
#define GPUMETER_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

#define BUCKET_SLOTS 1024

struct buckets;

/* rate_per_s: tokens added a second; burst: the most a bucket holds. */
struct buckets *buckets_new(double rate_per_s, double burst);
void buckets_free(struct buckets *t);

/* Takes one token from key's bucket at now_ms if it has one; with take
 * false, only tells whether it has one. */
bool bucket_take(struct buckets *t, const char *key, int64_t now_ms, bool take);

#endif
