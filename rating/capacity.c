/* capacity: hourly split, merge and upsert of capacity events (see capacity.h). */
#include "rating/capacity.h"

#include "core/alloc.h"
#include "core/catalogue.h"
#include "core/db.h"
#include "core/invariant.h"
#include "core/timeutil.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct split {
    struct capacity_cell *first; /* the cell of the window's first hour */
    int64_t first_hour;
    size_t field; /* offset of the quantity in struct capacity_cell */
};

static void add_part(int64_t hour_ms, int64_t part, void *ctx)
{
    struct split *s = ctx;
    struct capacity_cell *c = &s->first[(hour_ms - s->first_hour) / MS_PER_HOUR];
    *(int64_t *)((char *)c + s->field) += part;
}

void capacity_add(struct capacity_set *cs, const struct usage_event *ev,
                  const struct event_numbers *num)
{
    if (num->end_ms <= num->start_ms) return; /* nothing installed in no time */
    const struct accelerator *a = catalogue_find(ev->model);
    int64_t first = time_floor_hour(num->start_ms);
    size_t hours = (size_t)((num->end_ms - first + MS_PER_HOUR - 1) / MS_PER_HOUR);
    size_t last = cs->n + hours - 1;
    while (last >= cs->cap)
        ALLOC_GROW(cs->v, last, cs->cap, 1024);
    struct capacity_cell *c = &cs->v[cs->n];
    for (size_t h = 0; h < hours; h++)
        c[h] = (struct capacity_cell){.ev = ev,
                                      .model = a ? a->model : ev->model,
                                      .vendor = a ? a->vendor : ev->vendor,
                                      .hour_ms = first + (int64_t)h * MS_PER_HOUR};
    int64_t window = num->end_ms - num->start_ms, installed = num->devices * window;
    struct split s = {c, first, offsetof(struct capacity_cell, installed_ms)};
    time_split_hours(num->start_ms, num->end_ms, installed, add_part, &s);
    s.field = offsetof(struct capacity_cell, allocated_ms);
    time_split_hours(num->start_ms, num->end_ms, num->allocated_ms, add_part, &s);
    if (ev->has & EVENT_HAS_IDLE_ENERGY) {
        s.field = offsetof(struct capacity_cell, idle_energy_mj);
        time_split_hours(num->start_ms, num->end_ms, num->idle_energy_mj, add_part, &s);
    }
    for (size_t h = 0; h < hours; h++) {
        /* A part of allocated never exceeds the part of installed: both are
         * floors of the same overlap, and allocated <= installed. */
        assert(c[h].allocated_ms <= c[h].installed_ms);
        int64_t idle = c[h].installed_ms - c[h].allocated_ms;
        if (num->allocated_ms == 0)
            c[h].idle_whole_ms = idle;
        else
            c[h].idle_stranded_ms = idle;
        if (ev->has & EVENT_HAS_IDLE_ENERGY) c[h].energy_ms = c[h].installed_ms;
        c[h].events = 1;
    }
    cs->n += hours;
}

static int cell_cmp(const void *pa, const void *pb)
{
    const struct capacity_cell *a = pa, *b = pb;
    int c;
    if (a->hour_ms != b->hour_ms) return a->hour_ms < b->hour_ms ? -1 : 1;
    if ((c = strcmp(a->ev->site, b->ev->site))) return c;
    if ((c = strcmp(a->ev->cluster, b->ev->cluster))) return c;
    if ((c = strcmp(a->ev->node, b->ev->node))) return c;
    if ((c = strcmp(a->model, b->model))) return c;
    return strcmp(a->vendor, b->vendor);
}

/* Sorted, then merged in place: concurrent raters upsert in one order. */
static void merge(struct capacity_set *cs)
{
    qsort(cs->v, cs->n, sizeof *cs->v, cell_cmp);
    size_t w = 0;
    for (size_t i = 0; i < cs->n; i++) {
        struct capacity_cell *c = &cs->v[i];
        if (w && cell_cmp(&cs->v[w - 1], c) == 0) {
            struct capacity_cell *m = &cs->v[w - 1];
            m->installed_ms += c->installed_ms;
            m->allocated_ms += c->allocated_ms;
            m->idle_whole_ms += c->idle_whole_ms;
            m->idle_stranded_ms += c->idle_stranded_ms;
            m->idle_energy_mj += c->idle_energy_mj;
            m->energy_ms += c->energy_ms;
            m->events += c->events;
        } else {
            cs->v[w++] = *c;
        }
    }
    cs->n = w;
}

bool capacity_write(PGconn *conn, struct capacity_set *cs)
{
    if (!cs->n) return true;
    merge(cs);
    struct db_columns arr;
    db_columns_open(&arr, 13);
    for (size_t i = 0; i < cs->n; i++) {
        const struct capacity_cell *g = &cs->v[i];
        db_array_add_int(&arr.v[0], g->hour_ms / 1000);
        db_array_add(&arr.v[1], g->ev->site);
        db_array_add(&arr.v[2], g->ev->cluster);
        db_array_add(&arr.v[3], g->ev->node);
        db_array_add(&arr.v[4], g->model);
        db_array_add(&arr.v[5], g->vendor);
        const int64_t q[7] = {
            g->installed_ms,   g->allocated_ms, g->idle_whole_ms, g->idle_stranded_ms,
            g->idle_energy_mj, g->energy_ms,    g->events};
        for (int k = 0; k < 7; k++)
            db_array_add_int(&arr.v[6 + k], q[k]);
    }
    const char *p[13];
    db_columns_close(&arr, p, 0);
    bool ok = db_exec(
        conn, "write hourly capacity",
        "INSERT INTO capacity_hourly AS c (hour, site, cluster, node, model, vendor, "
        "installed_ms, allocated_ms, idle_whole_ms, idle_stranded_ms, idle_energy_mj, energy_ms, "
        "events, first_ingest, last_ingest) "
        "SELECT to_timestamp(h), s, cl, n, mo, v, i, a, w, st, e, em, ev, now(), now() FROM unnest("
        "$1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], "
        "$8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[]) "
        "AS t(h, s, cl, n, mo, v, i, a, w, st, e, em, ev) "
        "ON CONFLICT (hour, site, cluster, node, model, vendor) DO UPDATE SET "
        "installed_ms = c.installed_ms + excluded.installed_ms, "
        "allocated_ms = c.allocated_ms + excluded.allocated_ms, "
        "idle_whole_ms = c.idle_whole_ms + excluded.idle_whole_ms, "
        "idle_stranded_ms = c.idle_stranded_ms + excluded.idle_stranded_ms, "
        "idle_energy_mj = c.idle_energy_mj + excluded.idle_energy_mj, "
        "energy_ms = c.energy_ms + excluded.energy_ms, "
        "events = c.events + excluded.events, last_ingest = now()",
        13, p);
    db_columns_free(&arr);
    return ok;
}

void capacity_free(struct capacity_set *cs)
{
    free(cs->v);
    memset(cs, 0, sizeof *cs);
}
