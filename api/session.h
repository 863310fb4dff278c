/* session: the web console's sign-in sessions (docs/console.md#sign-in).
 *
 * Signing in exchanges an API key, once, for a random session token that
 * travels only in an HttpOnly cookie. The table maps the token's SHA-256 to
 * the key it was made from; every request through a session presents that
 * key to keys_verify again, so a revoked key ends its sessions on their
 * next request. A session ends at sign-out, after api.session_idle_s
 * unused or api.session_max_s after its sign-in, whichever comes first.
 * One key holds at most api.sessions_per_key sessions: signing in again
 * ends that key's oldest (by sign-in), so one key cannot fill the table.
 * A table full of live sessions of many keys takes a new sign-in by ending
 * the least recently used session of the key holding the most (so the
 * sign-in of a valid key always succeeds, and the cost falls on whoever
 * holds most). Sessions live in the server's memory only: a restart signs
 * everyone out.
 * Each session also has a random CSRF token (docs/console.md#writes),
 * made at sign-in beside the session token and kept here as given: the
 * console holds it in memory and sends it as X-CSRF-Token on every request
 * that changes something, which a page on another site cannot read or
 * forge although the browser sends the cookie for it.
 * Thread-safe: one mutex guards the table. */
#ifndef GPUMETER_SESSION_H
#define GPUMETER_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_TOKEN_LEN 64 /* hex characters of 32 random bytes */
#define SESSION_KEY_MAX   96 /* a key is gmk_<12>_<64>: 81 characters */
#define SESSION_COOKIE    "gm_session"

struct sessions;

/* capacity: sessions in all; per_key: sessions one key holds (>= 1). */
struct sessions *sessions_new(size_t capacity, size_t per_key, long idle_s, long max_s);
void sessions_free(struct sessions *s);

/* A new session for key (already verified) at now_ms, ending another as
 * above when the key or the table is full; writes its token and its CSRF
 * token (SESSION_TOKEN_LEN + 1 bytes each; csrf may be NULL when the caller
 * does not need it) and returns true, or false when the key is too long or
 * randomness fails. */
bool session_start(struct sessions *s, const char *key, int64_t now_ms, char *token, char *csrf);

/* The key of a live session into key (SESSION_KEY_MAX bytes) and marks it
 * used at now_ms; false for an unknown, ended or expired token. */
bool session_key(struct sessions *s, const char *token, int64_t now_ms, char *key);

/* The CSRF token of the live session of token into csrf
 * (SESSION_TOKEN_LEN + 1 bytes); false for an unknown or ended token. */
bool session_csrf(struct sessions *s, const char *token, char *csrf);

/* True when csrf is the CSRF token of token's live session, compared in
 * constant time; false for a missing or wrong csrf or an unknown token. */
bool session_csrf_ok(struct sessions *s, const char *token, const char *csrf);

/* Ends the session of token, if any. */
void session_end(struct sessions *s, const char *token);

/* Live sessions at now_ms (for /metrics and tests). */
size_t session_count(struct sessions *s, int64_t now_ms);

/* Sessions ended by a sign-in: for their key's cap, and for a full table. */
void session_evictions(struct sessions *s, long *per_key, long *table_full);

#endif
