/* usage: hourly split, merge and upsert of rated events (see usage.h). */
#include "rating/usage.h"

#include "core/catalogue.h"
#include "core/db.h"
#include "core/invariant.h"
#include "core/meter.h"
#include "core/strset.h"
#include "core/timeutil.h"
#include "core/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct split_ctx {
    struct usage_set *u;
    const struct usage_event *ev;
    int meter;
    uint32_t key;
    const char *model, *vendor;
    int64_t model_params;
};

static uint64_t mix(uint64_t h, uint64_t v);
static bool same_cell(const struct usage_cell *a, const struct usage_cell *b);

static size_t cell_slot_of(const struct usage_set *u, const struct usage_cell *c)
{
    uint64_t h = mix(mix((uint64_t)c->key + 1, (uint64_t)c->model_params),
                     mix((uint64_t)c->hour_ms, (uint64_t)c->meter + 1));
    size_t j = (h ^ (h >> 29)) & (u->cell_slot_cap - 1);
    for (; u->cell_slot[j] != UINT32_MAX; j = (j + 1) & (u->cell_slot_cap - 1))
        if (same_cell(&u->v[u->cell_slot[j]], c)) break;
    return j;
}

static void cells_rehash(struct usage_set *u)
{
    u->cell_slot_cap = u->cell_slot_cap ? 2 * u->cell_slot_cap : 4096;
    free(u->cell_slot);
    u->cell_slot = xmalloc(u->cell_slot_cap * sizeof *u->cell_slot);
    memset(u->cell_slot, 0xff, u->cell_slot_cap * sizeof *u->cell_slot);
    for (size_t i = 0; i < u->n; i++)
        u->cell_slot[cell_slot_of(u, &u->v[i])] = (uint32_t)i;
}

/* Adds a part to its cell, merging equal cells as they come (integer keys
 * through a hash table), so that a set holds a cell per hourly row of the
 * batch, not one per event, meter and hour: 200,000 of those for 100,000
 * events of the bench, 17 MiB, against about 8,000 rows. */
static void push(int64_t hour_ms, int64_t part, void *ctx)
{
    struct split_ctx *c = ctx;
    struct usage_set *u = c->u;
    struct usage_cell cell = {c->ev,  c->model,        c->vendor, hour_ms, c->meter,
                              c->key, c->model_params, part,      1};
    if (2 * (u->n + 1) > u->cell_slot_cap) cells_rehash(u);
    size_t j = cell_slot_of(u, &cell);
    if (u->cell_slot[j] != UINT32_MAX) {
        u->v[u->cell_slot[j]].quantity += part;
        u->v[u->cell_slot[j]].events++;
        return;
    }
    assert(u->n < UINT32_MAX);
    ALLOC_GROW(u->v, u->n, u->cap, 4096);
    u->v[u->n] = cell;
    u->cell_slot[j] = (uint32_t)u->n++;
}

static void canonical(struct usage_set *u, const struct usage_event *ev)
{
    if (!strcmp(u->last_reported, ev->model) && u->last_model) return;
    snprintf(u->last_reported, sizeof u->last_reported, "%s", ev->model);
    const struct accelerator *a = ev->model[0] ? catalogue_find(ev->model) : NULL;
    u->last_model = a ? a->model : NULL;
    u->last_vendor = a ? a->vendor : NULL;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x9e3779b97f4a7c15ULL;
}

static bool key_equal(const struct usage_key *k, const struct usage_event *ev, const char *model,
                      const char *vendor)
{
    return (k->ev == ev ||
            (!strcmp(k->ev->account, ev->account) && !strcmp(k->ev->site, ev->site) &&
             !strcmp(k->ev->cluster, ev->cluster) && !strcmp(k->ev->job, ev->job))) &&
           (k->model == model || !strcmp(k->model, model)) &&
           (k->vendor == vendor || !strcmp(k->vendor, vendor));
}

static void rehash(struct usage_set *u)
{
    u->slot_cap = u->slot_cap ? u->slot_cap * 2 : 256;
    free(u->slot);
    u->slot = xmalloc(u->slot_cap * sizeof *u->slot);
    memset(u->slot, 0xff, u->slot_cap * sizeof *u->slot);
    for (uint32_t i = 0; i < u->nkeys; i++) {
        size_t j = u->keys[i].hash & (u->slot_cap - 1);
        while (u->slot[j] != UINT32_MAX)
            j = (j + 1) & (u->slot_cap - 1);
        u->slot[j] = i;
    }
}

/* The id of the event's strings with this model and vendor (base: the hash
 * of account, site, cluster and job). */
static uint32_t intern(struct usage_set *u, const struct usage_event *ev, uint64_t base,
                       const char *model, const char *vendor)
{
    if (2 * ((size_t)u->nkeys + 1) > u->slot_cap) rehash(u);
    uint64_t h = mix(mix(base, strset_hash(model)), strset_hash(vendor));
    size_t j = h & (u->slot_cap - 1);
    for (; u->slot[j] != UINT32_MAX; j = (j + 1) & (u->slot_cap - 1)) {
        const struct usage_key *k = &u->keys[u->slot[j]];
        if (k->hash == h && key_equal(k, ev, model, vendor)) return u->slot[j];
    }
    ALLOC_GROW(u->keys, u->nkeys, u->keys_cap, 256);
    u->keys[u->nkeys] = (struct usage_key){ev, model, vendor, h};
    u->slot[j] = u->nkeys;
    return u->nkeys++;
}

void usage_add(struct usage_set *u, const struct usage_event *ev, const struct event_numbers *num)
{
    canonical(u, ev);
    const char *model = u->last_model ? u->last_model : ev->model;
    const char *vendor = u->last_model ? u->last_vendor : ev->vendor;
    uint64_t base =
        mix(mix(mix(strset_hash(ev->account), strset_hash(ev->site)), strset_hash(ev->cluster)),
            strset_hash(ev->job));
    uint32_t hardware_key = event_on_hardware(ev) ? intern(u, ev, base, model, vendor) : 0;
    for (int m = 0; m < METER_COUNT; m++) {
        if (!(ev->has & EVENT_HAS_QTY(m))) continue;
        /* tokens are billed whatever hardware ran them, by the model's size */
        bool by_size = meter_rows[m].by_model_size;
        struct split_ctx c = {u,
                              ev,
                              m,
                              by_size ? intern(u, ev, base, "", "") : hardware_key,
                              by_size ? "" : model,
                              by_size ? "" : vendor,
                              by_size && (ev->has & EVENT_HAS_MODEL_PARAMS) ? ev->model_params : 0};
        assert(meter_rows[m].split == METER_SPLIT_BY_TIME); /* the only split there is */
        time_split_hours(num->start_ms, num->end_ms, num->qty[m], push, &c);
    }
}

/* The order rows are written in, the same in every rater (no deadlocks). */
static int cell_cmp(const void *pa, const void *pb)
{
    const struct usage_cell *a = pa, *b = pb;
    int c;
    if (a->hour_ms != b->hour_ms) return a->hour_ms < b->hour_ms ? -1 : 1;
    if (a->meter != b->meter) return a->meter - b->meter;
    if (a->key == b->key && a->model_params == b->model_params) return 0;
    if (a->model_params != b->model_params) return a->model_params < b->model_params ? -1 : 1;
    if ((c = strcmp(a->ev->account, b->ev->account))) return c;
    if ((c = strcmp(a->model, b->model))) return c;
    if ((c = strcmp(a->vendor, b->vendor))) return c;
    if ((c = strcmp(a->ev->site, b->ev->site))) return c;
    if ((c = strcmp(a->ev->cluster, b->ev->cluster))) return c;
    return strcmp(a->ev->job, b->ev->job);
}

static bool same_cell(const struct usage_cell *a, const struct usage_cell *b)
{
    return a->hour_ms == b->hour_ms && a->meter == b->meter && a->key == b->key &&
           a->model_params == b->model_params;
}

/* Sorts the cells (merged as they were added, push) so that concurrent
 * raters upsert rows in one order and cannot deadlock. */
static void sort_cells(struct usage_set *u)
{
    qsort(u->v, u->n, sizeof *u->v, cell_cmp);
}

bool usage_write(PGconn *conn, struct usage_set *u)
{
    if (!u->n) return true;
    sort_cells(u);
    struct db_columns arr;
    db_columns_open(&arr, 11);
    for (size_t i = 0; i < u->n; i++) {
        const struct usage_cell *g = &u->v[i];
        db_array_add(&arr.v[0], g->ev->account);
        db_array_add_int(&arr.v[1], g->hour_ms / 1000);
        db_array_add(&arr.v[2], meter_rows[g->meter].code);
        db_array_add(&arr.v[3], g->model);
        db_array_add(&arr.v[4], g->vendor);
        db_array_add(&arr.v[5], g->ev->site);
        db_array_add(&arr.v[6], g->ev->cluster);
        db_array_add(&arr.v[7], g->ev->job);
        db_array_add_int(&arr.v[8], g->quantity);
        db_array_add_int(&arr.v[9], g->events);
        db_array_add_int(&arr.v[10], g->model_params);
    }
    const char *p[11];
    db_columns_close(&arr, p, 0);
    /* A catalogue lookup per month of the batch; the partition is made only
     * for a month that has none yet (schema 017), before any row two
     * transactions share is locked. */
    bool ok = db_exec(conn, "make the months' usage partitions",
                      "SELECT usage_hourly_partition(m) FROM (SELECT DISTINCT "
                      "(date_trunc('month', to_timestamp(h) AT TIME ZONE 'UTC'))::date AS m "
                      "FROM unnest($1::bigint[]) h ORDER BY 1) s",
                      1, p + 1);
    /* Then the customers' usage versions (schema 009, this connection's
     * slot, 071), and usage_hourly_add (schema 078): the customers' days,
     * the rollup rows with their quantities in key order, the hourly rows
     * in cell_cmp's order, and the hours of the groups those rows made;
     * each table in one pass and in one order of tables
     * (docs/rating.md#the-commit-split-over-connections, "Lock order"), so
     * that concurrent transactions, a rater's split batch or two raters,
     * cannot deadlock on them. */
    ok = ok &&
         db_exec(conn, "move the usage versions", "SELECT usage_version_bump($1::text[])", 1, p);
    ok = ok && db_exec(conn, "write hourly usage and its rollup",
                       "SELECT usage_hourly_add($1::text[], $2::bigint[], $3::text[], "
                       "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
                       "$9::bigint[], $10::bigint[], $11::bigint[])",
                       11, p);
    db_columns_free(&arr);
    return ok;
}

void usage_free(struct usage_set *u)
{
    free(u->v);
    free(u->cell_slot);
    free(u->keys);
    free(u->slot);
    memset(u, 0, sizeof *u);
}
