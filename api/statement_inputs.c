/* statement_inputs: a statement's inputs kept by version, least recently
 * used first out (see statement_inputs.h). */
#include "api/statement_inputs.h"

#include "core/alloc.h"
#include "core/invariant.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096 /* a power of two */

struct item {
    struct statement_entry e; /* first: the caller's pointer is the item's */
    char *key;                /* "customer\nperiod" */
    int64_t usage_version, statement_version;
    size_t bytes;
    int refs;        /* the table's own (while in it) and each request's */
    bool in_table;
    struct item *next_in_bucket;
    struct item *newer, *older; /* the recency list */
};

struct statement_inputs {
    pthread_mutex_t lock;
    size_t max_bytes, bytes, entries;
    long hits, misses;
    uint64_t generation; /* moved by statement_inputs_invalidate */
    struct item *buckets[BUCKETS];
    struct item *newest, *oldest;
};

static size_t bucket_of(const char *key)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)(h ^ (h >> 32)) & (BUCKETS - 1);
}

static char *key_of(const char *customer, const char *period)
{
    size_t nc = strlen(customer), np = strlen(period);
    char *k = xmalloc(nc + np + 2);
    memcpy(k, customer, nc);
    k[nc] = '\n'; /* neither a customer code nor a period holds one */
    memcpy(k + nc + 1, period, np + 1);
    return k;
}

struct statement_inputs *statement_inputs_new(size_t max_bytes)
{
    if (!max_bytes) return NULL;
    struct statement_inputs *c = xcalloc(1, sizeof *c);
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void item_free(struct item *it)
{
    store_month_free((struct store_month *)it->e.month);
    free(it->key);
    free(it);
}

/* Drops one reference (under the lock); the last one frees the item. */
static void unref(struct item *it)
{
    assert(it->refs > 0);
    if (--it->refs == 0) item_free(it);
}

/* Takes it out of the table and the list (under the lock), dropping the
 * table's reference. */
static void unlink_item(struct statement_inputs *c, struct item *it)
{
    assert(it->in_table);
    struct item **p = &c->buckets[bucket_of(it->key)];
    while (*p != it)
        p = &(*p)->next_in_bucket;
    *p = it->next_in_bucket;
    if (it->newer) it->newer->older = it->older;
    else c->newest = it->older;
    if (it->older) it->older->newer = it->newer;
    else c->oldest = it->newer;
    it->in_table = false;
    c->bytes -= it->bytes;
    c->entries--;
    unref(it);
}

static void make_newest(struct statement_inputs *c, struct item *it)
{
    if (c->newest == it) return;
    if (it->newer || it->older || c->oldest == it) { /* in the list: out first */
        if (it->newer) it->newer->older = it->older;
        if (it->older) it->older->newer = it->newer;
        else c->oldest = it->newer;
    }
    it->older = c->newest;
    it->newer = NULL;
    if (c->newest) c->newest->newer = it;
    c->newest = it;
    if (!c->oldest) c->oldest = it;
}

void statement_inputs_free(struct statement_inputs *c)
{
    if (!c) return;
    while (c->oldest)
        unlink_item(c, c->oldest);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static struct item *find(struct statement_inputs *c, const char *key)
{
    struct item *it = c->buckets[bucket_of(key)];
    while (it && strcmp(it->key, key))
        it = it->next_in_bucket;
    return it;
}

const struct statement_entry *statement_inputs_get(struct statement_inputs *c,
                                                   const char *customer, const char *period,
                                                   int64_t usage_version,
                                                   int64_t statement_version)
{
    if (!c) return NULL;
    char *key = key_of(customer, period);
    pthread_mutex_lock(&c->lock);
    struct item *it = find(c, key);
    if (it && (it->usage_version != usage_version || it->statement_version != statement_version))
        it = NULL; /* read before a change: the put after this request's read replaces it */
    if (it) {
        it->refs++;
        make_newest(c, it);
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    free(key);
    return it ? &it->e : NULL;
}

void statement_inputs_release(struct statement_inputs *c, const struct statement_entry *e)
{
    if (!c || !e) return;
    pthread_mutex_lock(&c->lock);
    unref((struct item *)e);
    pthread_mutex_unlock(&c->lock);
}

uint64_t statement_inputs_generation(struct statement_inputs *c)
{
    if (!c) return 0;
    pthread_mutex_lock(&c->lock);
    uint64_t g = c->generation;
    pthread_mutex_unlock(&c->lock);
    return g;
}

void statement_inputs_invalidate(struct statement_inputs *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->lock);
    while (c->oldest) /* an entry a request holds is freed at its release */
        unlink_item(c, c->oldest);
    c->generation++;
    pthread_mutex_unlock(&c->lock);
}

void statement_inputs_put(struct statement_inputs *c, const char *customer, const char *period,
                          int64_t usage_version, int64_t statement_version, uint64_t generation,
                          struct store_month *month, struct statement_balances balances)
{
    if (!c || !store_month_keepable(month)) {
        store_month_free(month);
        return;
    }
    struct item *it = xcalloc(1, sizeof *it);
    it->e.month = month;
    it->e.balances = balances;
    it->key = key_of(customer, period);
    it->usage_version = usage_version;
    it->statement_version = statement_version;
    it->bytes = store_month_bytes(month) + sizeof *it + strlen(it->key) + 1;
    it->refs = 1;
    pthread_mutex_lock(&c->lock);
    struct item *old = find(c, it->key);
    /* a request that read older versions than the entry's keeps the newer */
    bool newer = !old || usage_version > old->usage_version ||
                 (usage_version == old->usage_version &&
                  statement_version > old->statement_version);
    if (it->bytes > c->max_bytes || !newer || generation != c->generation) {
        pthread_mutex_unlock(&c->lock);
        unref(it);
        return;
    }
    if (old) unlink_item(c, old);
    while (c->oldest && c->bytes + it->bytes > c->max_bytes) /* evict, never refuse */
        unlink_item(c, c->oldest);
    size_t b = bucket_of(it->key);
    it->next_in_bucket = c->buckets[b];
    c->buckets[b] = it;
    it->in_table = true;
    make_newest(c, it);
    c->bytes += it->bytes;
    c->entries++;
    assert(c->bytes <= c->max_bytes);
    pthread_mutex_unlock(&c->lock);
}

void statement_inputs_counts(struct statement_inputs *c, size_t *bytes, size_t *entries,
                             long *hits, long *misses)
{
    *bytes = *entries = 0;
    *hits = *misses = 0;
    if (!c) return;
    pthread_mutex_lock(&c->lock);
    *bytes = c->bytes;
    *entries = c->entries;
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->lock);
}
