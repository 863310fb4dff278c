/* session: see session.h. The table is small (api.max_connections is the
 * scale of its users) and a lookup compares SHA-256 digests in constant
 * time over every slot, so a token's position or prefix leaks nothing. A
 * sign-in scans the table once (its key's sessions, a free slot); only a
 * table full of live sessions sorts it by key to find who holds most. */
#include "api/session.h"

#include "core/alloc.h"
#include "core/invariant.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    unsigned char digest[SHA256_DIGEST_LENGTH]; /* of the token; the token is never kept */
    char key[SESSION_KEY_MAX];
    char csrf[SESSION_TOKEN_LEN + 1]; /* handed back by GET /v1/me, so kept as is */
    int64_t started_ms, used_ms;
    bool live;
};

struct sessions {
    pthread_mutex_t lock;
    struct slot *slots;
    size_t n, per_key;
    int64_t idle_ms, max_ms;
    long evicted_per_key, evicted_full;
};

struct sessions *sessions_new(size_t capacity, size_t per_key, long idle_s, long max_s)
{
    assert(capacity >= 1 && per_key >= 1);
    struct sessions *s = xcalloc(1, sizeof *s);
    s->per_key = per_key;
    pthread_mutex_init(&s->lock, NULL);
    s->slots = xcalloc(capacity, sizeof *s->slots);
    s->n = capacity;
    s->idle_ms = (int64_t)idle_s * 1000;
    s->max_ms = (int64_t)max_s * 1000;
    return s;
}

void sessions_free(struct sessions *s)
{
    if (!s) return;
    OPENSSL_cleanse(s->slots, s->n * sizeof *s->slots);
    free(s->slots);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static bool expired(const struct sessions *s, const struct slot *x, int64_t now_ms)
{
    return now_ms - x->used_ms >= s->idle_ms || now_ms - x->started_ms >= s->max_ms;
}

static void clear(struct slot *x)
{
    OPENSSL_cleanse(x, sizeof *x);
}

static void digest_of(const char *token, unsigned char *out)
{
    SHA256((const unsigned char *)token, strlen(token), out);
}

static int by_key(const void *a, const void *b)
{
    return strcmp((*(struct slot *const *)a)->key, (*(struct slot *const *)b)->key);
}

/* In a table full of live sessions: the least recently used session of the
 * key holding the most (of those keys, the one used longest ago). */
static struct slot *busiest_lru(struct sessions *s)
{
    struct slot **order = xcalloc(s->n, sizeof *order);
    for (size_t i = 0; i < s->n; i++)
        order[i] = &s->slots[i];
    qsort(order, s->n, sizeof *order, by_key);
    struct slot *victim = NULL;
    size_t most = 0;
    for (size_t i = 0, j; i < s->n; i = j) {
        struct slot *lru = order[i];
        for (j = i; j < s->n && !strcmp(order[j]->key, order[i]->key); j++)
            if (order[j]->used_ms < lru->used_ms) lru = order[j];
        if (j - i > most || (j - i == most && lru->used_ms < victim->used_ms)) {
            most = j - i;
            victim = lru;
        }
    }
    free(order);
    return victim;
}

/* The slot a sign-in of key takes at now_ms: its key's oldest session when
 * the key holds per_key, else a free (or expired) slot, else the busiest
 * key's least recently used. Under the lock. */
static struct slot *slot_for(struct sessions *s, const char *key, int64_t now_ms)
{
    struct slot *oldest = NULL, *free_slot = NULL;
    size_t mine = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct slot *x = &s->slots[i];
        if (!x->live || expired(s, x, now_ms)) {
            if (!free_slot) free_slot = x;
        } else if (!strcmp(x->key, key)) {
            mine++;
            if (!oldest || x->started_ms < oldest->started_ms) oldest = x;
        }
    }
    if (mine >= s->per_key) {
        s->evicted_per_key++;
        return oldest;
    }
    if (free_slot) return free_slot;
    s->evicted_full++;
    return busiest_lru(s);
}

/* SESSION_TOKEN_LEN hex characters of fresh randomness into out. */
static bool random_hex(char *out)
{
    unsigned char raw[SESSION_TOKEN_LEN / 2];
    if (RAND_bytes(raw, sizeof raw) != 1) return false;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    OPENSSL_cleanse(raw, sizeof raw);
    return true;
}

bool session_start(struct sessions *s, const char *key, int64_t now_ms, char *token, char *csrf)
{
    char anti[SESSION_TOKEN_LEN + 1];
    if (strlen(key) >= SESSION_KEY_MAX || !random_hex(token) || !random_hex(anti)) return false;
    if (csrf) memcpy(csrf, anti, sizeof anti);
    pthread_mutex_lock(&s->lock);
    struct slot *x = slot_for(s, key, now_ms);
    assert(x);
    clear(x);
    digest_of(token, x->digest);
    snprintf(x->key, sizeof x->key, "%s", key);
    memcpy(x->csrf, anti, sizeof anti);
    OPENSSL_cleanse(anti, sizeof anti);
    x->started_ms = x->used_ms = now_ms;
    x->live = true;
    pthread_mutex_unlock(&s->lock);
    return true;
}

/* The slot of token, or NULL; called under the lock. */
static struct slot *find(struct sessions *s, const char *token)
{
    if (strlen(token) != SESSION_TOKEN_LEN ||
        strspn(token, "0123456789abcdef") != SESSION_TOKEN_LEN)
        return NULL;
    unsigned char d[SHA256_DIGEST_LENGTH];
    digest_of(token, d);
    struct slot *found = NULL;
    for (size_t i = 0; i < s->n; i++)
        if (s->slots[i].live && !CRYPTO_memcmp(s->slots[i].digest, d, sizeof d))
            found = &s->slots[i];
    return found;
}

bool session_key(struct sessions *s, const char *token, int64_t now_ms, char *key)
{
    pthread_mutex_lock(&s->lock);
    struct slot *x = find(s, token);
    bool ok = x && !expired(s, x, now_ms);
    if (ok) {
        x->used_ms = now_ms;
        memcpy(key, x->key, SESSION_KEY_MAX);
    } else if (x) {
        clear(x);
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

bool session_csrf(struct sessions *s, const char *token, char *csrf)
{
    pthread_mutex_lock(&s->lock);
    struct slot *x = find(s, token);
    if (x) memcpy(csrf, x->csrf, sizeof x->csrf);
    pthread_mutex_unlock(&s->lock);
    return x != NULL;
}

bool session_csrf_ok(struct sessions *s, const char *token, const char *csrf)
{
    if (!csrf || strlen(csrf) != SESSION_TOKEN_LEN) return false;
    pthread_mutex_lock(&s->lock);
    struct slot *x = find(s, token);
    bool ok = x && !CRYPTO_memcmp(x->csrf, csrf, SESSION_TOKEN_LEN);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

void session_end(struct sessions *s, const char *token)
{
    pthread_mutex_lock(&s->lock);
    struct slot *x = find(s, token);
    if (x) clear(x);
    pthread_mutex_unlock(&s->lock);
}

size_t session_count(struct sessions *s, int64_t now_ms)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n; i++)
        n += s->slots[i].live && !expired(s, &s->slots[i], now_ms);
    pthread_mutex_unlock(&s->lock);
    return n;
}

void session_evictions(struct sessions *s, long *per_key, long *table_full)
{
    pthread_mutex_lock(&s->lock);
    *per_key = s->evicted_per_key;
    *table_full = s->evicted_full;
    pthread_mutex_unlock(&s->lock);
}
