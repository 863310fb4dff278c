/* cache: versioned API responses in memory (see cache.h). */
#include "api/cache.h"
#include "core/alloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS   16384 /* a power of two */
#define STRIPES 64

struct entry {
    char *key; /* NULL: empty */
    int64_t version;
    const char *content_type;
    char *body;
    size_t len;
};

struct cache {
    size_t max_bytes;
    atomic_size_t bytes;
    atomic_long hits, misses;
    atomic_uint_fast64_t generation;
    pthread_mutex_t locks[STRIPES];
    struct entry slots[SLOTS];
};

static size_t slot_of(const char *key)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)(h ^ (h >> 32)) & (SLOTS - 1);
}

struct cache *cache_new(size_t max_bytes)
{
    if (!max_bytes) return NULL;
    struct cache *c = xcalloc(1, sizeof *c);
    c->max_bytes = max_bytes;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return c;
}

static size_t entry_size(const struct entry *e)
{
    return e->key ? strlen(e->key) + 1 + e->len : 0;
}

static void entry_clear(struct cache *c, struct entry *e)
{
    atomic_fetch_sub(&c->bytes, entry_size(e));
    free(e->key);
    free(e->body);
    memset(e, 0, sizeof *e);
}

void cache_free(struct cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < SLOTS; i++)
        entry_clear(c, &c->slots[i]);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&c->locks[i]);
    free(c);
}

bool cache_get(struct cache *c, const char *key, int64_t version, struct strbuf *out,
               const char **content_type)
{
    if (!c) return false;
    size_t i = slot_of(key);
    pthread_mutex_t *lock = &c->locks[i % STRIPES];
    pthread_mutex_lock(lock);
    const struct entry *e = &c->slots[i];
    bool hit = e->key && e->version == version && !strcmp(e->key, key);
    if (hit) {
        sb_append(out, e->body, e->len);
        *content_type = e->content_type;
    }
    pthread_mutex_unlock(lock);
    atomic_fetch_add(hit ? &c->hits : &c->misses, 1);
    return hit;
}

void cache_put(struct cache *c, const char *key, int64_t version, const char *content_type,
               const char *body, size_t len)
{
    if (!c) return;
    size_t i = slot_of(key), size = strlen(key) + 1 + len;
    pthread_mutex_t *lock = &c->locks[i % STRIPES];
    pthread_mutex_lock(lock);
    struct entry *e = &c->slots[i];
    entry_clear(c, e);
    /* Reserve the bytes first: concurrent puts together stay within max. */
    if (atomic_fetch_add(&c->bytes, size) + size <= c->max_bytes) {
        e->key = xstrdup(key);
        e->body = xmalloc(len ? len : 1);
        memcpy(e->body, body, len);
        e->len = len;
        e->version = version;
        e->content_type = content_type;
    } else {
        atomic_fetch_sub(&c->bytes, size);
    }
    pthread_mutex_unlock(lock);
}

uint64_t cache_generation(const struct cache *c)
{
    return c ? atomic_load(&c->generation) : 0;
}

void cache_invalidate(struct cache *c)
{
    if (!c) return;
    atomic_fetch_add(&c->generation, 1);
    for (size_t i = 0; i < SLOTS; i++) {
        pthread_mutex_t *lock = &c->locks[i % STRIPES];
        pthread_mutex_lock(lock);
        entry_clear(c, &c->slots[i]);
        pthread_mutex_unlock(lock);
    }
}

size_t cache_bytes(const struct cache *c)
{
    return c ? atomic_load(&c->bytes) : 0;
}

void cache_counts(const struct cache *c, long *hits, long *misses)
{
    *hits = c ? atomic_load(&c->hits) : 0;
    *misses = c ? atomic_load(&c->misses) : 0;
}
