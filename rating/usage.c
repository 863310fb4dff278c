/* usage: hourly split, merge and upsert of rated events (see usage.h). */
#include "rating/usage.h"

#include "core/catalogue.h"
#include "core/db.h"
#include "core/strset.h"
#include "core/timeutil.h"
#include "core/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { METER_GPU_MS, METER_TOKENS, METER_ENERGY };
static const char *const meter_code[] = {"gpu_ms", "tokens", "energy_mj"};

struct split_ctx {
    struct usage_set *u;
    const struct usage_event *ev;
    int meter;
    const char *model, *vendor;
};

static void push(int64_t hour_ms, int64_t part, void *ctx)
{
    struct split_ctx *c = ctx;
    struct usage_set *u = c->u;
    ALLOC_GROW(u->v, u->n, u->cap, 4096);
    bool tokens = c->meter == METER_TOKENS; /* billed whatever hardware ran them */
    u->v[u->n++] = (struct usage_cell){
        c->ev, tokens ? "" : c->model, tokens ? "" : c->vendor, hour_ms, c->meter, part, 1};
}

static void canonical(struct usage_set *u, const struct usage_event *ev)
{
    if (!strcmp(u->last_reported, ev->model) && u->last_model) return;
    snprintf(u->last_reported, sizeof u->last_reported, "%s", ev->model);
    const struct accelerator *a = ev->model[0] ? catalogue_find(ev->model) : NULL;
    u->last_model = a ? a->model : NULL;
    u->last_vendor = a ? a->vendor : NULL;
}

void usage_add(struct usage_set *u, const struct usage_event *ev)
{
    static const unsigned bit[] = {EVENT_HAS_GPU_MS, EVENT_HAS_TOKENS, EVENT_HAS_ENERGY};
    const int64_t qty[] = {ev->gpu_ms, ev->tokens, ev->energy_mj};
    canonical(u, ev);
    struct split_ctx c = {u, ev, 0, u->last_model ? u->last_model : ev->model,
                          u->last_model ? u->last_vendor : ev->vendor};
    for (int m = 0; m < 3; m++) {
        if (!(ev->has & bit[m])) continue;
        c.meter = m;
        time_split_hours(ev->start_ms, ev->end_ms, qty[m], push, &c);
    }
}

static const char *cell_model(const struct usage_cell *g)
{
    return g->model;
}

static const char *cell_vendor(const struct usage_cell *g)
{
    return g->vendor;
}

/* The parameter count of the trained model, on token cells only. */
static int64_t cell_params(const struct usage_cell *g)
{
    return g->meter == METER_TOKENS && (g->ev->has & EVENT_HAS_MODEL_PARAMS) ? g->ev->model_params
                                                                             : 0;
}

static int cell_cmp(const void *pa, const void *pb)
{
    const struct usage_cell *a = pa, *b = pb;
    int c;
    if (a->hour_ms != b->hour_ms) return a->hour_ms < b->hour_ms ? -1 : 1;
    if (a->meter != b->meter) return a->meter - b->meter;
    if (a->ev == b->ev) return 0;
    if (cell_params(a) != cell_params(b)) return cell_params(a) < cell_params(b) ? -1 : 1;
    if ((c = strcmp(a->ev->account, b->ev->account))) return c;
    if ((c = strcmp(cell_model(a), cell_model(b)))) return c;
    if ((c = strcmp(cell_vendor(a), cell_vendor(b)))) return c;
    if ((c = strcmp(a->ev->site, b->ev->site))) return c;
    if ((c = strcmp(a->ev->cluster, b->ev->cluster))) return c;
    return strcmp(a->ev->job, b->ev->job);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x9e3779b97f4a7c15ULL;
}

/* The strings an event gives all its cells. */
static uint64_t event_hash(const struct usage_event *ev)
{
    uint64_t h = strset_hash(ev->account);
    h = mix(h, strset_hash(ev->site));
    h = mix(h, strset_hash(ev->cluster));
    return mix(h, strset_hash(ev->job));
}

/* Merges equal cells through a hash table, then sorts the (far fewer)
 * merged cells so that concurrent raters upsert rows in one order and
 * cannot deadlock. */
static void merge(struct usage_set *u)
{
    size_t cap = 64;
    while (cap < 2 * u->n)
        cap *= 2;
    size_t *slot = xmalloc(cap * sizeof *slot), w = 0;
    memset(slot, 0xff, cap * sizeof *slot);
    const struct usage_event *ev = NULL;
    uint64_t ev_hash = 0;
    for (size_t i = 0; i < u->n; i++) {
        struct usage_cell *c = &u->v[i];
        if (c->ev != ev) { /* an event's cells share these strings: hash them once */
            ev = c->ev;
            ev_hash = event_hash(ev);
        }
        uint64_t h = mix(ev_hash, strset_hash(c->model)); /* the vendor follows the model */
        h = mix(h, (uint64_t)cell_params(c));
        size_t j = mix(h, mix((uint64_t)c->hour_ms, (uint64_t)c->meter + 1)) & (cap - 1);
        for (; slot[j] != SIZE_MAX; j = (j + 1) & (cap - 1))
            if (cell_cmp(&u->v[slot[j]], c) == 0) break;
        if (slot[j] == SIZE_MAX) {
            u->v[w] = *c;
            slot[j] = w++;
        } else {
            u->v[slot[j]].quantity += c->quantity;
            u->v[slot[j]].events += c->events;
        }
    }
    free(slot);
    u->n = w;
    qsort(u->v, u->n, sizeof *u->v, cell_cmp);
}

bool usage_write(PGconn *conn, struct usage_set *u)
{
    if (!u->n) return true;
    merge(u);
    struct db_columns arr;
    db_columns_open(&arr, 11);
    for (size_t i = 0; i < u->n; i++) {
        const struct usage_cell *g = &u->v[i];
        db_array_add(&arr.v[0], g->ev->account);
        db_array_add_int(&arr.v[1], g->hour_ms / 1000);
        db_array_add(&arr.v[2], meter_code[g->meter]);
        db_array_add(&arr.v[3], cell_model(g));
        db_array_add(&arr.v[4], cell_vendor(g));
        db_array_add(&arr.v[5], g->ev->site);
        db_array_add(&arr.v[6], g->ev->cluster);
        db_array_add(&arr.v[7], g->ev->job);
        db_array_add_int(&arr.v[8], g->quantity);
        db_array_add_int(&arr.v[9], g->events);
        db_array_add_int(&arr.v[10], cell_params(g));
    }
    const char *p[11];
    db_columns_close(&arr, p, 0);
    /* Locks the counters the usage triggers move (schema 009) in customer
     * order, so that concurrent raters cannot deadlock on them. */
    bool ok =
        db_exec(conn, "move the usage versions", "SELECT usage_version_bump($1::text[])", 1, p);
    /* A catalogue lookup per month of the batch; the partition is made only
     * for a month that has none yet (schema 017). */
    ok = ok && db_exec(conn, "make the months' usage partitions",
                       "SELECT usage_hourly_partition(m) FROM (SELECT DISTINCT "
                       "(date_trunc('month', to_timestamp(h) AT TIME ZONE 'UTC'))::date AS m "
                       "FROM unnest($1::bigint[]) h ORDER BY 1) s",
                       1, p + 1);
    ok =
        ok &&
        db_exec(
            conn, "write hourly usage",
            "INSERT INTO usage_hourly AS u (account, hour, meter, model, vendor, site, cluster, "
            "job, "
            "quantity, events, first_ingest, last_ingest, model_params) "
            "SELECT a, to_timestamp(h), m, mo, v, s, c, j, q, e, now(), now(), mp FROM unnest("
            "$1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
            "$8::text[], $9::bigint[], $10::bigint[], $11::bigint[]) "
            "AS t(a, h, m, mo, v, s, c, j, q, e, mp) "
            "ON CONFLICT (account, hour, meter, model, vendor, site, cluster, job, model_params) "
            "DO UPDATE SET "
            "quantity = u.quantity + excluded.quantity, events = u.events + excluded.events, "
            "last_ingest = now()",
            11, p);
    db_columns_free(&arr);
    return ok;
}

void usage_free(struct usage_set *u)
{
    free(u->v);
    memset(u, 0, sizeof *u);
}
