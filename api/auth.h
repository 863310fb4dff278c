/* auth: who a request's credential is, under failed-authentication limits
 * that cannot be turned against a valid key (docs/api.md#limits-and-errors).
 *
 * A failed authentication counts against what failed: the key id it
 * presented (gmk_<id>_..., when the credential has that shape) and the
 * client's address (the forwarded one behind api.trusted_proxies; for
 * IPv6, its /64, which one host is given whole). Once
 * either has failed api.auth_failures_per_min times within the minute, a
 * request presenting it is "limited": its credential is still checked, but
 * reaches the database only when the keyring (keyring.h) knows it as a
 * live key with this digest, so a guess costs PostgreSQL nothing (at most
 * one keyring load a second, in all). A valid key or console session is
 * answered as ever; only a credential that is not valid gets 429.
 * A valid key's use is written to api_key.last_used_at at most once a
 * minute per key id (a token bucket per id, bucket.h: a key sharing a
 * slot with another is written more often, never less), so "last used"
 * costs no write per request and is exact to the minute.
 * Thread-safe. */
#ifndef GPUMETER_AUTH_H
#define GPUMETER_AUTH_H

#include "api/keys.h"

#include <libpq-fe.h>
#include <stdbool.h>

enum auth_result {
    AUTH_OK,
    AUTH_INVALID, /* 401: no valid credential */
    AUTH_LIMITED, /* 429: not valid, and its key id or address is over its limit */
    AUTH_ERROR,   /* 503: the database did not answer */
};

struct auth;

struct auth *auth_new(long failures_per_min);
void auth_free(struct auth *a);

/* Checks presented (a bearer key or a session's key; NULL for none) from
 * client address addr, on the caller's connection (prepared: its slots,
 * db_query_prepared); fills who on AUTH_OK. asked: as keys_verify. guess:
 * whether a failure counts (a credential the client presented; not a stale
 * session cookie or no credential at all, which are never limited either:
 * the console must see 401 to sign in again). */
enum auth_result auth_check(struct auth *a, PGconn *conn, unsigned *prepared,
                            const char *presented, const char *asked, const char *addr,
                            bool guess, struct caller *who);

struct auth_counts {
    long failures;             /* invalid credentials presented (401 or 429) */
    long limited;              /* of which answered 429 */
    long served_while_limited; /* valid credentials answered though their id or address was over */
    long keyring_loads;
};
void auth_counts(struct auth *a, struct auth_counts *out);

#endif
