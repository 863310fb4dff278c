/* bucket: token buckets by key (see bucket.h). */
#include "api/bucket.h"

#include "core/alloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bucket {
    char key[48];
    double tokens;
    int64_t at_ms;
};

struct buckets {
    pthread_mutex_t lock;
    double rate_per_ms, burst;
    struct bucket slot[BUCKET_SLOTS];
};

struct buckets *buckets_new(double rate_per_s, double burst)
{
    struct buckets *t = xcalloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->rate_per_ms = rate_per_s / 1000.0;
    t->burst = burst;
    return t;
}

void buckets_free(struct buckets *t)
{
    if (!t) return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

bool bucket_take(struct buckets *t, const char *key, int64_t now_ms, bool take)
{
    unsigned h = 5381;
    for (const char *c = key; *c; c++)
        h = h * 33 + (unsigned char)*c;
    pthread_mutex_lock(&t->lock);
    struct bucket *b = &t->slot[h % BUCKET_SLOTS];
    if (strncmp(b->key, key, sizeof b->key - 1)) {
        snprintf(b->key, sizeof b->key, "%s", key);
        b->tokens = t->burst;
        b->at_ms = now_ms;
    }
    if (now_ms > b->at_ms) b->tokens += (double)(now_ms - b->at_ms) * t->rate_per_ms;
    if (b->tokens > t->burst) b->tokens = t->burst;
    b->at_ms = now_ms > b->at_ms ? now_ms : b->at_ms;
    bool ok = b->tokens >= 1.0;
    if (ok && take) b->tokens -= 1.0;
    pthread_mutex_unlock(&t->lock);
    return ok;
}
