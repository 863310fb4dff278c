/* keyring: the public id and SHA-256 of every live API key, in the
 * server's memory, so that a key id or a client address over its
 * failed-authentication limit (auth.h) costs PostgreSQL nothing per guess
 * while a valid key is still told from a guess.
 *
 * An id's digest never changes (a key is created, then only revoked), so a
 * presented key whose id is here with another digest is certainly not
 * valid; a key here with its digest is only probably valid (it may have
 * been revoked since): keys_verify, on the database, has the last word.
 * The ring is read whole from api_key (keyring_load), lazily and at most
 * once per KEYRING_RELOAD_MS, learns every key keys_verify accepts and
 * forgets one keys_verify finds revoked.
 * Thread-safe: one mutex; keyring_load queries on the caller's connection
 * outside it. */
#ifndef GPUMETER_KEYRING_H
#define GPUMETER_KEYRING_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#define KEYRING_RELOAD_MS 1000

enum keyring_match {
    KEYRING_UNKNOWN,  /* no such id in the ring */
    KEYRING_MATCH,    /* the id with this digest: valid unless revoked since */
    KEYRING_MISMATCH, /* the id with another digest: a wrong key */
};

struct keyring;

struct keyring *keyring_new(void);
void keyring_free(struct keyring *k);

/* id: 12 hex characters; digest: the SHA-256 hex of the whole key. */
enum keyring_match keyring_match(struct keyring *k, const char *id, const char *digest);
void keyring_learn(struct keyring *k, const char *id, const char *digest, int64_t now_ms);
void keyring_forget(struct keyring *k, const char *id);

/* Claims the next load at now_ms: true when no load was claimed in the
 * last KEYRING_RELOAD_MS (then the caller runs keyring_load). */
bool keyring_load_due(struct keyring *k, int64_t now_ms);
/* Replaces the ring with the unrevoked keys read on conn, keeping what was
 * learned since the load was claimed; false (ring unchanged) when the
 * query failed. */
bool keyring_load(struct keyring *k, PGconn *conn);
/* Loads done, and keys in the ring (for /metrics and tests). */
long keyring_loads(struct keyring *k);
long keyring_size(struct keyring *k);

#endif
