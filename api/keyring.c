/* keyring: live API keys' ids and digests in memory (see keyring.h). A
 * sorted array: looked up by binary search on the id (public), its digest
 * compared in constant time. */
#include "api/keyring.h"

#include "core/alloc.h"
#include "core/db.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char id[13];
    char digest[65];
    int64_t learned_ms; /* 0 when read by a load */
};

struct keyring {
    pthread_mutex_t lock;
    struct entry *e;
    size_t n, cap;
    int64_t claimed_ms; /* the last load claimed, -1 before any */
    long loads;
};

struct keyring *keyring_new(void)
{
    struct keyring *k = xcalloc(1, sizeof *k);
    pthread_mutex_init(&k->lock, NULL);
    k->claimed_ms = -1;
    return k;
}

void keyring_free(struct keyring *k)
{
    if (!k) return;
    free(k->e);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

static bool well_formed(const char *id, const char *digest)
{
    return strlen(id) == 12 && strlen(digest) == 64;
}

/* The index of id, or where it would go (*found false); under the lock. */
static size_t position(const struct keyring *k, const char *id, bool *found)
{
    size_t lo = 0, hi = k->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(k->e[mid].id, id);
        if (!c) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

enum keyring_match keyring_match(struct keyring *k, const char *id, const char *digest)
{
    if (!well_formed(id, digest)) return KEYRING_UNKNOWN;
    pthread_mutex_lock(&k->lock);
    bool found;
    size_t i = position(k, id, &found);
    enum keyring_match m = !found ? KEYRING_UNKNOWN
                           : !CRYPTO_memcmp(k->e[i].digest, digest, 64) ? KEYRING_MATCH
                                                                         : KEYRING_MISMATCH;
    pthread_mutex_unlock(&k->lock);
    return m;
}

/* Puts (id, digest) in the ring; under the lock. */
static void put(struct keyring *k, const char *id, const char *digest, int64_t learned_ms)
{
    bool found;
    size_t i = position(k, id, &found);
    if (!found) {
        ALLOC_GROW(k->e, k->n, k->cap, 64);
        memmove(&k->e[i + 1], &k->e[i], (k->n - i) * sizeof *k->e);
        k->n++;
        snprintf(k->e[i].id, sizeof k->e[i].id, "%s", id);
    }
    snprintf(k->e[i].digest, sizeof k->e[i].digest, "%s", digest);
    k->e[i].learned_ms = learned_ms;
}

void keyring_learn(struct keyring *k, const char *id, const char *digest, int64_t now_ms)
{
    if (!well_formed(id, digest)) return;
    pthread_mutex_lock(&k->lock);
    put(k, id, digest, now_ms > 0 ? now_ms : 1);
    pthread_mutex_unlock(&k->lock);
}

void keyring_forget(struct keyring *k, const char *id)
{
    pthread_mutex_lock(&k->lock);
    bool found;
    size_t i = position(k, id, &found);
    if (found) {
        memmove(&k->e[i], &k->e[i + 1], (k->n - i - 1) * sizeof *k->e);
        k->n--;
    }
    pthread_mutex_unlock(&k->lock);
}

bool keyring_load_due(struct keyring *k, int64_t now_ms)
{
    pthread_mutex_lock(&k->lock);
    bool due = k->claimed_ms < 0 || now_ms - k->claimed_ms >= KEYRING_RELOAD_MS;
    if (due) k->claimed_ms = now_ms;
    pthread_mutex_unlock(&k->lock);
    return due;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->id, ((const struct entry *)b)->id);
}

bool keyring_load(struct keyring *k, PGconn *conn)
{
    PGresult *res = db_query(conn, "read the API keys",
                             "SELECT id, sha256 FROM api_key WHERE revoked_at IS NULL", 0, NULL);
    if (!res) return false;
    size_t n = (size_t)PQntuples(res);
    struct entry *e = xcalloc(n ? n : 1, sizeof *e);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = PQgetvalue(res, (int)i, 0), *digest = PQgetvalue(res, (int)i, 1);
        if (!well_formed(id, digest)) continue; /* the schema's CHECKs forbid it */
        snprintf(e[kept].id, sizeof e[kept].id, "%s", id);
        snprintf(e[kept].digest, sizeof e[kept].digest, "%s", digest);
        kept++;
    }
    PQclear(res);
    qsort(e, kept, sizeof *e, by_id);
    pthread_mutex_lock(&k->lock);
    /* keys learned since this load was claimed may be newer than its read */
    struct entry *old = k->e;
    size_t old_n = k->n;
    k->e = e, k->n = kept, k->cap = n ? n : 1;
    for (size_t i = 0; i < old_n; i++)
        if (old[i].learned_ms && old[i].learned_ms >= k->claimed_ms)
            put(k, old[i].id, old[i].digest, old[i].learned_ms);
    k->loads++;
    pthread_mutex_unlock(&k->lock);
    free(old);
    return true;
}

long keyring_loads(struct keyring *k)
{
    pthread_mutex_lock(&k->lock);
    long n = k->loads;
    pthread_mutex_unlock(&k->lock);
    return n;
}

long keyring_size(struct keyring *k)
{
    pthread_mutex_lock(&k->lock);
    long n = (long)k->n;
    pthread_mutex_unlock(&k->lock);
    return n;
}
