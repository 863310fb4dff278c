/* batch: dedup, hourly split, aggregation and the one commit (see batch.h). */
#include "rating/batch.h"

#include "core/db.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <stdlib.h>
#include <string.h>

enum { METER_GPU_MS, METER_TOKENS, METER_ENERGY };
static const char *const meter_code[] = {"gpu_ms", "tokens", "energy_mj"};

/* One (account, hour, meter, ...) cell of usage_hourly. */
struct agg {
    const struct usage_event *ev; /* supplies account, model, vendor, site, cluster, job */
    int64_t hour_ms;
    int meter;
    int64_t quantity, parts;
};

struct aggs {
    struct agg *v;
    size_t n, cap;
    const struct usage_event *ev;
    int meter;
};

struct source_max {
    const char *source;
    int64_t stored; /* -1 when the source is new */
    int64_t max;
};

void batch_add(struct batch *b, int32_t partition, int64_t offset, const char *payload, size_t len)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->msgs = realloc(b->msgs, b->cap * sizeof *b->msgs);
        if (!b->msgs) abort();
    }
    struct batch_msg *m = &b->msgs[b->n++];
    m->partition = partition;
    m->offset = offset;
    m->payload = NULL;
    m->len = 0;
    m->err = event_decode(payload, len, &m->ev, m->reason, sizeof m->reason);
    if (m->err) {
        m->payload = malloc(len ? len : 1);
        if (!m->payload) abort();
        memcpy(m->payload, payload, len);
        m->len = len;
    }
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->msgs[i].payload);
    b->n = 0;
}

void batch_free(struct batch *b)
{
    batch_clear(b);
    free(b->msgs);
    b->msgs = NULL;
    b->cap = 0;
}

static void agg_push(int64_t hour_ms, int64_t part, void *ctx)
{
    struct aggs *a = ctx;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 4096;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
        if (!a->v) abort();
    }
    a->v[a->n++] = (struct agg){a->ev, hour_ms, a->meter, part, 1};
}

/* Tokens are billed whatever hardware ran them, so their cells carry no
 * accelerator. */
static const char *agg_model(const struct agg *g)
{
    return g->meter == METER_TOKENS ? "" : g->ev->model;
}

static const char *agg_vendor(const struct agg *g)
{
    return g->meter == METER_TOKENS ? "" : g->ev->vendor;
}

static int agg_cmp(const void *pa, const void *pb)
{
    const struct agg *a = pa, *b = pb;
    int c;
    if (a->hour_ms != b->hour_ms) return a->hour_ms < b->hour_ms ? -1 : 1;
    if (a->meter != b->meter) return a->meter - b->meter;
    if ((c = strcmp(a->ev->account, b->ev->account))) return c;
    if ((c = strcmp(agg_model(a), agg_model(b)))) return c;
    if ((c = strcmp(agg_vendor(a), agg_vendor(b)))) return c;
    if ((c = strcmp(a->ev->site, b->ev->site))) return c;
    if ((c = strcmp(a->ev->cluster, b->ev->cluster))) return c;
    return strcmp(a->ev->job, b->ev->job);
}

/* Splits each rated event's quantities into hours, then merges equal cells. */
static void aggregate(struct aggs *a, const struct usage_event *ev)
{
    static const unsigned bit[] = {EVENT_HAS_GPU_MS, EVENT_HAS_TOKENS, EVENT_HAS_ENERGY};
    const int64_t qty[] = {ev->gpu_ms, ev->tokens, ev->energy_mj};
    a->ev = ev;
    for (int m = 0; m < 3; m++) {
        if (!(ev->has & bit[m])) continue;
        a->meter = m;
        time_split_hours(ev->start_ms, ev->end_ms, qty[m], agg_push, a);
    }
}

static void merge_aggs(struct aggs *a)
{
    if (!a->n) return;
    qsort(a->v, a->n, sizeof *a->v, agg_cmp);
    size_t w = 0;
    for (size_t i = 1; i < a->n; i++) {
        if (agg_cmp(&a->v[w], &a->v[i]) == 0) {
            a->v[w].quantity += a->v[i].quantity;
            a->v[w].parts += a->v[i].parts;
        } else {
            a->v[++w] = a->v[i];
        }
    }
    a->n = w + 1;
}

static bool upsert_usage(PGconn *conn, const struct aggs *a)
{
    struct strbuf arr[10] = {{0}};
    for (int k = 0; k < 10; k++)
        db_array_open(&arr[k]);
    for (size_t i = 0; i < a->n; i++) {
        const struct agg *g = &a->v[i];
        db_array_add(&arr[0], g->ev->account);
        db_array_add_int(&arr[1], g->hour_ms / 1000);
        db_array_add(&arr[2], meter_code[g->meter]);
        db_array_add(&arr[3], agg_model(g));
        db_array_add(&arr[4], agg_vendor(g));
        db_array_add(&arr[5], g->ev->site);
        db_array_add(&arr[6], g->ev->cluster);
        db_array_add(&arr[7], g->ev->job);
        db_array_add_int(&arr[8], g->quantity);
        db_array_add_int(&arr[9], g->parts);
    }
    const char *p[10];
    for (int k = 0; k < 10; k++) {
        db_array_close(&arr[k]);
        p[k] = sb_str(&arr[k]);
    }
    bool ok = db_exec(
        conn, "write hourly usage",
        "INSERT INTO usage_hourly AS u (account, hour, meter, model, vendor, site, cluster, job, "
        "quantity, events, first_ingest, last_ingest) "
        "SELECT a, to_timestamp(h), m, mo, v, s, c, j, q, e, now(), now() FROM unnest("
        "$1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
        "$8::text[], $9::bigint[], $10::bigint[]) AS t(a, h, m, mo, v, s, c, j, q, e) "
        "ON CONFLICT (account, hour, meter, model, vendor, site, cluster, job) DO UPDATE SET "
        "quantity = u.quantity + excluded.quantity, events = u.events + excluded.events, "
        "last_ingest = now()",
        10, p);
    for (int k = 0; k < 10; k++)
        sb_free(&arr[k]);
    return ok;
}

static int source_cmp(const void *pa, const void *pb)
{
    const struct source_max *a = pa, *b = pb;
    return strcmp(a->source, b->source);
}

/* Distinct sources of the decoded messages, with their stored highest seq,
 * read under row locks so concurrent raters serialise per source. */
static struct source_max *load_sources(PGconn *conn, const struct batch *b, size_t *count)
{
    struct source_max *s = calloc(b->n ? b->n : 1, sizeof *s);
    if (!s) abort();
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (!b->msgs[i].err) s[n++] = (struct source_max){b->msgs[i].ev.source, -1, -1};
    qsort(s, n, sizeof *s, source_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || strcmp(s[w - 1].source, s[i].source)) s[w++] = s[i];
    *count = w;
    struct strbuf arr = STRBUF_INIT;
    db_array_open(&arr);
    for (size_t i = 0; i < w; i++)
        db_array_add(&arr, s[i].source);
    db_array_close(&arr);
    const char *p[] = {sb_str(&arr)};
    PGresult *res =
        db_query(conn, "read the highest rated seq per source",
                 "SELECT source, max_seq FROM source_seq WHERE source = ANY($1::text[]) "
                 "FOR UPDATE",
                 1, p);
    sb_free(&arr);
    if (!res) {
        free(s);
        return NULL;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        struct source_max key = {PQgetvalue(res, r, 0), 0, 0};
        struct source_max *hit = bsearch(&key, s, w, sizeof *s, source_cmp);
        if (hit && db_get_int64(res, r, 1, &hit->stored)) hit->max = hit->stored;
    }
    PQclear(res);
    return s;
}

static bool save_sources(PGconn *conn, const struct source_max *s, size_t n)
{
    struct strbuf src = STRBUF_INIT, seq = STRBUF_INIT;
    db_array_open(&src);
    db_array_open(&seq);
    for (size_t i = 0; i < n; i++) {
        if (s[i].max == s[i].stored) continue;
        db_array_add(&src, s[i].source);
        db_array_add_int(&seq, s[i].max);
    }
    db_array_close(&src);
    db_array_close(&seq);
    const char *p[] = {sb_str(&src), sb_str(&seq)};
    bool ok = db_exec(conn, "store the highest rated seq per source",
                      "INSERT INTO source_seq AS s (source, max_seq) "
                      "SELECT * FROM unnest($1::text[], $2::bigint[]) "
                      "ON CONFLICT (source) DO UPDATE SET max_seq = excluded.max_seq, "
                      "updated_at = now()",
                      2, p);
    sb_free(&src);
    sb_free(&seq);
    return ok;
}

struct partition_tally {
    int32_t partition;
    int64_t next_offset;
    struct batch_counts c;
};

static struct partition_tally *tally_for(struct partition_tally *t, size_t *n, int32_t partition)
{
    for (size_t i = 0; i < *n; i++)
        if (t[i].partition == partition) return &t[i];
    t[*n] = (struct partition_tally){partition, 0, {0}};
    return &t[(*n)++];
}

static bool save_partitions(PGconn *conn, const char *topic, const struct partition_tally *t,
                            size_t n)
{
    struct strbuf arr[6] = {{0}};
    for (int k = 0; k < 6; k++)
        db_array_open(&arr[k]);
    for (size_t i = 0; i < n; i++) {
        db_array_add_int(&arr[0], t[i].partition);
        db_array_add_int(&arr[1], t[i].next_offset);
        db_array_add_int(&arr[2], t[i].c.consumed);
        db_array_add_int(&arr[3], t[i].c.rated);
        db_array_add_int(&arr[4], t[i].c.duplicates);
        db_array_add_int(&arr[5], t[i].c.rejected);
    }
    const char *p[7] = {topic};
    for (int k = 0; k < 6; k++) {
        db_array_close(&arr[k]);
        p[k + 1] = sb_str(&arr[k]);
    }
    const char *counters[6] = {topic, p[1], p[3], p[4], p[5], p[6]};
    bool ok =
        db_exec(conn, "store consumer offsets",
                "INSERT INTO consumer_offset AS o (topic, partition, next_offset) "
                "SELECT $1, * FROM unnest($2::int[], $3::bigint[]) "
                "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset, "
                "updated_at = now()",
                3, p) &&
        db_exec(conn, "update rating counters",
                "INSERT INTO rating_counter AS r (topic, partition, consumed, rated, duplicates, "
                "rejected) SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::bigint[], "
                "$5::bigint[], $6::bigint[]) "
                "ON CONFLICT (topic, partition) DO UPDATE SET "
                "consumed = r.consumed + excluded.consumed, rated = r.rated + excluded.rated, "
                "duplicates = r.duplicates + excluded.duplicates, "
                "rejected = r.rejected + excluded.rejected",
                6, counters);
    for (int k = 0; k < 6; k++)
        sb_free(&arr[k]);
    return ok;
}

static bool save_reject(PGconn *conn, const char *topic, const struct batch_msg *m)
{
    char part[16], off[24];
    snprintf(part, sizeof part, "%d", m->partition);
    snprintf(off, sizeof off, "%lld", (long long)m->offset);
    const char *p[] = {topic, part, off, event_error_code(m->err), m->reason, m->payload};
    const int len[] = {0, 0, 0, 0, 0, (int)m->len};
    const int fmt[] = {0, 0, 0, 0, 0, 1};
    PGresult *res = PQexecParams(conn,
                                 "INSERT INTO rejected_event (topic, partition, kafka_offset, "
                                 "reason_code, reason, payload) VALUES ($1, $2, $3, $4, $5, $6)",
                                 6, NULL, p, len, fmt, 0);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        log_error("could not set aside a rejected event");
        log_detail("%s", PQerrorMessage(conn));
    }
    PQclear(res);
    return ok;
}

/* Classifies every message (rated, duplicate, rejected) in offset order per
 * source, feeding rated events to the aggregation. */
static void classify(struct batch *b, struct source_max *src, size_t nsrc,
                     struct partition_tally *tally, size_t *ntally, struct aggs *a)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct batch_msg *m = &b->msgs[i];
        struct partition_tally *t = tally_for(tally, ntally, m->partition);
        if (m->offset + 1 > t->next_offset) t->next_offset = m->offset + 1;
        t->c.consumed++;
        if (m->err) {
            t->c.rejected++;
            continue;
        }
        struct source_max key = {m->ev.source, 0, 0};
        struct source_max *s = bsearch(&key, src, nsrc, sizeof *src, source_cmp);
        if (m->ev.seq <= s->max) {
            t->c.duplicates++;
            continue;
        }
        s->max = m->ev.seq;
        t->c.rated++;
        aggregate(a, &m->ev);
    }
}

bool batch_flush(struct batch *b, PGconn *conn, struct batch_counts *counts)
{
    if (!b->n) return true;
    size_t nsrc = 0, ntally = 0;
    struct aggs a = {0};
    struct partition_tally *tally = calloc(b->n, sizeof *tally);
    if (!tally) abort();
    bool ok = db_begin(conn);
    struct source_max *src = ok ? load_sources(conn, b, &nsrc) : NULL;
    ok = src != NULL;
    if (ok) {
        classify(b, src, nsrc, tally, &ntally, &a);
        merge_aggs(&a);
        ok = (a.n == 0 || upsert_usage(conn, &a)) && save_sources(conn, src, nsrc) &&
             save_partitions(conn, b->topic, tally, ntally);
    }
    for (size_t i = 0; ok && i < b->n; i++)
        if (b->msgs[i].err) ok = save_reject(conn, b->topic, &b->msgs[i]);
    ok = ok && db_commit(conn);
    if (ok) {
        for (size_t i = 0; i < ntally; i++) {
            counts->consumed += tally[i].c.consumed;
            counts->rated += tally[i].c.rated;
            counts->duplicates += tally[i].c.duplicates;
            counts->rejected += tally[i].c.rejected;
        }
        batch_clear(b);
    } else {
        db_rollback(conn);
    }
    free(a.v);
    free(src);
    free(tally);
    return ok;
}
