/* dedup: per-source sequence windows (see dedup.h). */
#include "rating/dedup.h"

#include "core/db.h"
#include "core/log.h"
#include "core/alloc.h"
#include "core/invariant.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int window_cmp(const void *pa, const void *pb)
{
    const struct seq_window *a = pa, *b = pb;
    return strcmp(a->source, b->source);
}

/* "{3,5,9}" from PostgreSQL into w->above. */
static void parse_above(struct seq_window *w, const char *text)
{
    for (const char *p = text; *p;) {
        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        char *end;
        int64_t v = strtoll(p, &end, 10);
        ALLOC_GROW(w->above, w->n, w->cap, 16);
        w->above[w->n++] = v;
        p = end;
    }
}

/* The names of the windows whose stored[] is want, as an array literal. */
static void names_where(const struct dedup *d, const bool *stored, bool want, struct strbuf *arr)
{
    db_array_open(arr);
    for (size_t i = 0; i < d->n; i++)
        if (stored[i] == want) db_array_add(arr, d->v[i].source);
    db_array_close(arr);
}

/* Reads and locks the stored windows of the sources not yet read (stored[]
 * false), marking those it finds. */
static bool read_windows(struct dedup *d, PGconn *conn, bool *stored, bool again)
{
    struct strbuf arr = STRBUF_INIT;
    names_where(d, stored, false, &arr);
    const char *p[] = {sb_str(&arr)};
    PGresult *res = db_query(conn, again ? "read the dedup state of the batch's new sources"
                                         : "read the dedup state of the batch's sources",
                             "SELECT source, contiguous_seq, above, cluster FROM source_seq "
                             "WHERE source = ANY($1::text[]) ORDER BY source FOR UPDATE",
                             1, p);
    sb_free(&arr);
    if (!res) return false;
    for (int r = 0; r < PQntuples(res); r++) {
        struct seq_window *hit = dedup_find(d, PQgetvalue(res, r, 0));
        if (!hit) continue;
        db_get_int64(res, r, 1, &hit->contiguous);
        parse_above(hit, PQgetvalue(res, r, 2));
        snprintf(hit->cluster, sizeof hit->cluster, "%s", PQgetvalue(res, r, 3));
        stored[hit - d->v] = true;
    }
    PQclear(res);
    return true;
}

/* Empty rows (nothing accepted, no cluster: what no row means) for the
 * sources with none, in source order; one a concurrent transaction is
 * making is waited for and left as it commits. */
static bool insert_missing(const struct dedup *d, PGconn *conn, const bool *stored)
{
    struct strbuf arr = STRBUF_INIT;
    names_where(d, stored, false, &arr);
    const char *p[] = {sb_str(&arr)};
    bool ok = db_exec(conn, "make the dedup state of new sources",
                      "INSERT INTO source_seq (source, contiguous_seq, above, cluster) "
                      "SELECT s, 0, '{}', '' FROM unnest($1::text[]) AS s ORDER BY s "
                      "ON CONFLICT (source) DO NOTHING",
                      1, p);
    sb_free(&arr);
    return ok;
}

bool dedup_load(struct dedup *d, PGconn *conn, const char *const *sources, size_t n)
{
    d->v = xcalloc(n ? n : 1, sizeof *d->v);
    for (size_t i = 0; i < n; i++)
        d->v[i].source = sources[i];
    qsort(d->v, n, sizeof *d->v, window_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || strcmp(d->v[w - 1].source, d->v[i].source)) d->v[w++] = d->v[i];
    d->n = w;
    bool *stored = xcalloc(w ? w : 1, sizeof *stored);
    bool ok = read_windows(d, conn, stored, false);
    size_t missing = 0;
    for (size_t i = 0; i < w; i++)
        missing += !stored[i];
    /* A source seen for the first time has no row to lock, so two
     * transactions meeting it at once (its events on two partitions, two
     * connections or raters) would both start from an empty window and the
     * second's save would overwrite the first's. Its row is made first
     * instead: the second insert waits for the first transaction and finds
     * its row, which it then reads locked as any other. */
    if (ok && missing) ok = insert_missing(d, conn, stored) && read_windows(d, conn, stored, true);
    free(stored);
    return ok;
}

struct seq_window *dedup_find(struct dedup *d, const char *source)
{
    if (d->last && !strcmp(d->last->source, source)) return d->last; /* runs of one source */
    struct seq_window key = {.source = source};
    struct seq_window *w = bsearch(&key, d->v, d->n, sizeof *d->v, window_cmp);
    if (w) d->last = w;
    return w;
}

static bool in_above(const struct seq_window *w, int64_t seq)
{
    size_t lo = w->head, hi = w->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->above[mid] == seq) return true;
        if (w->above[mid] < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool dedup_seen(const struct seq_window *w, int64_t seq)
{
    return seq <= w->contiguous || in_above(w, seq);
}

/* Moves contiguous over the run at the head of above. */
static void advance(struct seq_window *w)
{
    while (w->head < w->n && w->above[w->head] == w->contiguous + 1) {
        w->contiguous++;
        w->head++;
    }
    if (w->head == w->n) w->head = w->n = 0;
}

/* The window's order (dedup.h), where accepting seq at above[i] touched
 * it: the seqs above contiguous ascend, none adjacent to it (advance took
 * those), so a seq is found by bisection and none is counted twice. */
static void assert_ordered(const struct seq_window *w, size_t i)
{
    assert(w->head <= w->n && w->n <= w->cap);
    assert(w->head == w->n || w->above[w->head] > w->contiguous + 1);
    assert(i <= w->head || i >= w->n || w->above[i - 1] < w->above[i]);
    assert(i + 1 >= w->n || w->above[i] < w->above[i + 1]);
}

void dedup_accept(struct dedup *d, struct seq_window *w, int64_t seq, const char *cluster)
{
    assert(!dedup_seen(w, seq)); /* the caller asks dedup_seen first: a seq is accepted once */
    w->dirty = true;
    if (!w->cluster[0]) snprintf(w->cluster, sizeof w->cluster, "%s", cluster);
    if (seq == w->contiguous + 1) { /* the common case: in order */
        w->contiguous = seq;
        advance(w);
        return;
    }
    if (w->n == w->cap) {
        if (w->head) { /* reuse the consumed front */
            memmove(w->above, w->above + w->head, (w->n - w->head) * sizeof *w->above);
            w->n -= w->head;
            w->head = 0;
        } else {
            w->cap = w->cap ? w->cap * 2 : 16;
            w->above = xreallocarray(w->above, w->cap, sizeof *w->above);
        }
    }
    size_t i = w->n;
    while (i > w->head &&
           w->above[i - 1] > seq) { /* insertion from the top: arrivals are near it */
        w->above[i] = w->above[i - 1];
        i--;
    }
    w->above[i] = seq;
    w->n++;
    assert_ordered(w, i);
    if (w->n - w->head > DEDUP_MAX_ABOVE) {
        log_warn("source %s: seq %" PRId64 " still missing after %d later events; taken as lost",
                 w->source, w->contiguous + 1, DEDUP_MAX_ABOVE);
        d->gaps_closed++;
        w->contiguous = w->above[w->head] - 1;
        advance(w);
        assert_ordered(w, w->head);
    }
}

bool dedup_save(struct dedup *d, PGconn *conn)
{
    struct strbuf src = STRBUF_INIT, seq = STRBUF_INIT, above = STRBUF_INIT, one = STRBUF_INIT,
                  cluster = STRBUF_INIT;
    db_array_open(&src);
    db_array_open(&cluster);
    db_array_open(&seq);
    db_array_open(&above);
    size_t changed = 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct seq_window *w = &d->v[i];
        if (!w->dirty) continue;
        changed++;
        db_array_add(&src, w->source);
        db_array_add(&cluster, w->cluster);
        db_array_add_int(&seq, w->contiguous);
        sb_reset(&one);
        sb_putc(&one, '{');
        for (size_t k = w->head; k < w->n; k++)
            sb_printf(&one, "%s%" PRId64, k > w->head ? "," : "", w->above[k]);
        sb_putc(&one, '}');
        db_array_add(&above, sb_str(&one));
    }
    db_array_close(&src);
    db_array_close(&seq);
    db_array_close(&above);
    db_array_close(&cluster);
    const char *p[] = {sb_str(&src), sb_str(&seq), sb_str(&above), sb_str(&cluster)};
    bool ok = !changed ||
              db_exec(conn, "store the dedup state",
                      "INSERT INTO source_seq AS s (source, contiguous_seq, above, cluster) "
                      "SELECT s, c, a::bigint[], k FROM unnest($1::text[], $2::bigint[], "
                      "$3::text[], $4::text[]) AS t(s, c, a, k) ON CONFLICT (source) DO UPDATE SET "
                      "contiguous_seq = excluded.contiguous_seq, above = excluded.above, "
                      "cluster = excluded.cluster, updated_at = now()",
                      4, p);
    sb_free(&src);
    sb_free(&seq);
    sb_free(&above);
    sb_free(&one);
    sb_free(&cluster);
    return ok;
}

void dedup_free(struct dedup *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].above);
    free(d->v);
    memset(d, 0, sizeof *d);
}
