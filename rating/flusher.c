/* flusher: one batch in flight on a second thread (see flusher.h). */
#include "rating/flusher.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum state { IDLE, QUEUED, DONE, QUIT };

struct flusher {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    enum state state;   /* IDLE -> QUEUED (owner) -> DONE (thread) -> IDLE (owner) */
    struct batch batch; /* in flight while QUEUED; empty otherwise */
    PGconn *const *conns;
    size_t nconns;
    struct flush_ctx ctx;
    struct partition_epoch *epochs; /* ctx.epochs points here */
    size_t epochs_cap;
    struct flush_outcome out;
};

static void *flush_loop(void *arg)
{
    struct flusher *f = arg;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (f->state != QUEUED && f->state != QUIT)
            pthread_cond_wait(&f->cv, &f->mu);
        if (f->state == QUIT) break;
        pthread_mutex_unlock(&f->mu);
        /* The owner does not touch the batch, connection or context until DONE. */
        memset(&f->out, 0, sizeof f->out);
        f->out.events = f->batch.n;
        int64_t started = time_monotonic_ms();
        f->out.result = batch_flush(&f->batch, f->conns, f->nconns, &f->ctx, &f->out.counts);
        f->out.ms = time_monotonic_ms() - started;
        pthread_mutex_lock(&f->mu);
        f->state = DONE;
        pthread_cond_broadcast(&f->cv);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

struct flusher *flusher_new(void)
{
    struct flusher *f = xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    if (pthread_create(&f->thread, NULL, flush_loop, f)) {
        log_error("could not start the rater's commit thread");
        pthread_cond_destroy(&f->cv);
        pthread_mutex_destroy(&f->mu);
        free(f);
        return NULL;
    }
    return f;
}

void flusher_start(struct flusher *f, struct batch *b, PGconn *const *conns, size_t nconns,
                   const struct flush_ctx *ctx)
{
    pthread_mutex_lock(&f->mu);
    while (f->state == QUEUED) /* a caller's mistake; wait rather than race */
        pthread_cond_wait(&f->cv, &f->mu);
    struct batch empty = f->batch;
    f->batch = *b;
    *b = empty;
    f->conns = conns;
    f->nconns = nconns;
    f->ctx = *ctx;
    if (ctx->nepochs > f->epochs_cap) {
        f->epochs_cap = ctx->nepochs;
        f->epochs = xrealloc(f->epochs, f->epochs_cap * sizeof *f->epochs);
    }
    if (ctx->nepochs) memcpy(f->epochs, ctx->epochs, ctx->nepochs * sizeof *f->epochs);
    f->ctx.epochs = f->epochs;
    f->state = QUEUED;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

static bool take(struct flusher *f, bool wait, struct flush_outcome *out)
{
    pthread_mutex_lock(&f->mu);
    while (wait && f->state == QUEUED)
        pthread_cond_wait(&f->cv, &f->mu);
    bool had = f->state == DONE;
    if (had) {
        *out = f->out;
        f->state = IDLE;
    }
    pthread_mutex_unlock(&f->mu);
    return had;
}

bool flusher_wait(struct flusher *f, struct flush_outcome *out)
{
    return take(f, true, out);
}

bool flusher_done(struct flusher *f, struct flush_outcome *out)
{
    return take(f, false, out);
}

void flusher_free(struct flusher *f)
{
    if (!f) return;
    struct flush_outcome ignored;
    flusher_wait(f, &ignored);
    pthread_mutex_lock(&f->mu);
    f->state = QUIT;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    batch_free(&f->batch);
    free(f->epochs);
    free(f);
}
