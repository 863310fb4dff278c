/* spool: batch files committed by rename, recycled on delivery (see spool.h). */
#include "ingest/spool.h"

#include "core/fileio.h"
#include "core/log.h"
#include "core/alloc.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "gpumeter-spool 1"

static void batch_path(const struct spool *sp, int64_t no, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%020" PRId64 ".batch", sp->dir, no);
}

/* A delivered batch's file kept for reuse: never a batch name, so never
 * loaded; whatever it holds is written over or removed. */
static void recycle_path(const struct spool *sp, int k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/recycle-%d.spool", sp->dir, k);
}

static void append(struct spool *sp, struct spool_batch *b)
{
    if (sp->tail)
        sp->tail->next_batch = b;
    else
        sp->head = b;
    sp->tail = b;
    sp->count++;
    sp->bytes += (int64_t)b->file_bytes;
}

static struct spool_batch *batch_new(int64_t no, const char *lines, size_t len, size_t nmsg,
                                     size_t file_bytes)
{
    struct spool_batch *b = xcalloc(1, sizeof *b);
    b->data = xmalloc(len + 1);
    memcpy(b->data, lines, len);
    b->data[len] = '\0';
    b->no = no;
    b->len = len;
    b->nmsg = nmsg;
    b->file_bytes = file_bytes;
    return b;
}

/* Parses one batch file; the newest state it carries goes to *st. */
static bool load_batch(struct spool *sp, const char *name, struct state *st)
{
    char path[4352]; /* dir and a d_name of up to 255 bytes */
    snprintf(path, sizeof path, "%s/%s", sp->dir, name);
    struct strbuf f = STRBUF_INIT;
    size_t nmsg, len, slen;
    int hdr = 0;
    bool ok = file_read_all(path, &f) &&
              sscanf(sb_str(&f), MAGIC " %zu %zu %zu\n%n", &nmsg, &len, &slen, &hdr) == 3 &&
              hdr > 0 && (size_t)hdr + len + slen + 4 == f.len &&
              !memcmp(f.buf + f.len - 4, "END\n", 4);
    if (!ok) {
        log_error("spool file %s is damaged; it was left in place", path);
        log_hint("Move it aside to let the collector start; its events were not sent.");
        sb_free(&f);
        return false;
    }
    int64_t no = strtoll(name, NULL, 10);
    struct state snap;
    state_init(&snap);
    if (!state_parse(&snap, f.buf + hdr + len, slen)) ok = false;
    if (ok && snap.batch > st->batch) {
        state_free(st);
        *st = snap;
    } else {
        state_free(&snap);
    }
    if (ok) append(sp, batch_new(no, f.buf + hdr, len, nmsg, f.len));
    sb_free(&f);
    return ok;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_batch(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n == 26 && !strcmp(d->d_name + 20, ".batch");
}

bool spool_open(struct spool *sp, const char *dir, int64_t max_bytes, struct state *st)
{
    memset(sp, 0, sizeof *sp);
    snprintf(sp->dir, sizeof sp->dir, "%s", dir);
    sp->max_bytes = max_bytes;
    if (!file_make_dir(dir)) {
        log_error("cannot create spool directory %s: %s", dir, strerror(errno));
        return false;
    }
    struct dirent **names;
    int n = scandir(dir, &names, is_batch, by_name);
    if (n < 0) {
        log_error("cannot read spool directory %s: %s", dir, strerror(errno));
        return false;
    }
    char path[4200];
    for (int k = 0; k < SPOOL_RECYCLED; k++) { /* from before: nothing to keep */
        recycle_path(sp, k, path, sizeof path);
        unlink(path);
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        if (ok) ok = load_batch(sp, names[i]->d_name, st);
        free(names[i]);
    }
    free(names);
    if (ok && sp->count)
        log_info("spool holds %zu undelivered batches (%lld bytes) from before; sending them first",
                 sp->count, (long long)sp->bytes);
    return ok;
}

bool spool_commit(struct spool *sp, int64_t no, const struct strbuf *lines, size_t nmsg,
                  const struct strbuf *state_text)
{
    struct strbuf f = STRBUF_INIT;
    sb_printf(&f, MAGIC " %zu %zu %zu\n", nmsg, lines->len, state_text->len);
    sb_append(&f, lines->buf, lines->len);
    sb_append(&f, state_text->buf, state_text->len);
    sb_puts(&f, "END\n");
    bool ok = sp->bytes + (int64_t)f.len <= sp->max_bytes;
    char path[4200];
    batch_path(sp, no, path, sizeof path);
    if (!ok) {
        log_error("spool %s is full (%lld of %lld bytes): this round was not collected", sp->dir,
                  (long long)sp->bytes, (long long)sp->max_bytes);
        log_detail("Kafka has not acknowledged the events already spooled. The usage stays in "
                   "the source counters and is collected once the spool drains.");
        log_hint("Check the broker; raise --spool-max-mb if the outage is expected to last.");
    } else {
        char reuse[4200] = "";
        for (int k = 0; !reuse[0] && k < SPOOL_RECYCLED; k++)
            if (sp->recycle[k] == RECYCLE_READY) {
                recycle_path(sp, k, reuse, sizeof reuse);
                sp->recycle[k] = RECYCLE_NONE; /* consumed, written or removed */
            }
        if (!(ok = file_write_atomic_reusing(path, f.buf, f.len, reuse[0] ? reuse : NULL)))
            log_error("cannot write spool batch %s: %s: this round was not collected", path,
                      strerror(errno));
        for (int k = 0; ok && k < SPOOL_RECYCLED; k++) /* the directory sync made them durable */
            if (sp->recycle[k] == RECYCLE_PENDING) sp->recycle[k] = RECYCLE_READY;
    }
    if (ok)
        append(sp, batch_new(no, lines->buf, lines->len, nmsg, f.len));
    else
        sp->full++;
    sb_free(&f);
    return ok;
}

static void batch_free(struct spool_batch *b)
{
    free(b->data);
    free(b);
}

void spool_pop(struct spool *sp)
{
    struct spool_batch *b = sp->head;
    char path[4200], keep[4200];
    batch_path(sp, b->no, path, sizeof path);
    /* Like the unlink it replaces, the rename needs no sync: a batch that
     * reappears after a crash is sent again, and its events are duplicates
     * the rater drops. */
    int k = 0;
    while (k < SPOOL_RECYCLED && sp->recycle[k] != RECYCLE_NONE)
        k++;
    if (k < SPOOL_RECYCLED) recycle_path(sp, k, keep, sizeof keep);
    if (k < SPOOL_RECYCLED && rename(path, keep) == 0)
        sp->recycle[k] = RECYCLE_PENDING;
    else if (unlink(path) != 0 && errno != ENOENT)
        log_warn("cannot remove delivered spool batch %s: %s (it will be sent again)", path,
                 strerror(errno));
    sp->head = b->next_batch;
    if (!sp->head) sp->tail = NULL;
    sp->count--;
    sp->bytes -= (int64_t)b->file_bytes;
    batch_free(b);
}

void spool_close(struct spool *sp)
{
    char path[4200];
    for (int k = 0; k < SPOOL_RECYCLED;
         k++) /* a stopped collector leaves only what is undelivered */
        if (sp->recycle[k] != RECYCLE_NONE) {
            recycle_path(sp, k, path, sizeof path);
            unlink(path);
            sp->recycle[k] = RECYCLE_NONE;
        }
    while (sp->head) {
        struct spool_batch *b = sp->head;
        sp->head = b->next_batch;
        batch_free(b);
    }
    sp->tail = NULL;
    sp->count = 0;
}
