/* device_health: insert rated health windows (see device_health.h). */
#include "rating/device_health.h"

#include "core/alloc.h"
#include "core/catalogue.h"
#include "core/db.h"
#include "core/invariant.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>

void device_health_add(struct device_health_set *hs, const struct usage_event *ev,
                       const struct event_numbers *num)
{
    assert(ev->kind == EVENT_KIND_HEALTH);
    assert((ev->state == HEALTH_UP) == (ev->nreasons == 0)); /* the codec's rule */
    ALLOC_GROW(hs->v, hs->n, hs->cap, 256);
    hs->v[hs->n++] = (struct device_health_window){ev, num->seq, num->start_ms, num->end_ms};
}

bool device_health_write(PGconn *conn, const struct device_health_set *hs)
{
    if (!hs->n) return true;
    struct db_columns arr;
    db_columns_open(&arr, 13);
    struct strbuf reasons = STRBUF_INIT;
    for (size_t i = 0; i < hs->n; i++) {
        const struct device_health_window *w = &hs->v[i];
        const struct usage_event *ev = w->ev;
        const struct accelerator *a = catalogue_find(ev->model);
        /* codes hold no comma (core/event.c), so one text per window */
        sb_reset(&reasons);
        for (int k = 0; k < ev->nreasons; k++) {
            if (k) sb_putc(&reasons, ',');
            sb_puts(&reasons, ev->reasons[k]);
        }
        const char *text[] = {ev->source, ev->cluster, ev->site, ev->node, ev->device,
                              a ? a->model : ev->model, a ? a->vendor : ev->vendor};
        db_array_add_int(&arr.v[0], w->seq);
        for (int k = 0; k < 7; k++)
            db_array_add(&arr.v[1 + k], text[k]);
        db_array_add_int(&arr.v[8], w->start_ms);
        db_array_add_int(&arr.v[9], w->end_ms);
        db_array_add_int(&arr.v[10], w->end_ms - w->start_ms);
        db_array_add(&arr.v[11], event_health_state(ev->state));
        db_array_add(&arr.v[12], sb_str(&reasons));
    }
    sb_free(&reasons);
    const char *p[13];
    db_columns_close(&arr, p, 0);
    bool ok = db_exec(
        conn, "write device health",
        "INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, "
        "start_at, end_at, window_ms, state, reasons) "
        "SELECT so, sq, cl, si, n, d, mo, v, timestamptz 'epoch' + s * interval '1 millisecond', "
        "timestamptz 'epoch' + e * interval '1 millisecond', w, st, string_to_array(r, ',') "
        "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
        "$7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], "
        "$13::text[]) AS t(sq, so, cl, si, n, d, mo, v, s, e, w, st, r)",
        13, p);
    db_columns_free(&arr);
    return ok;
}

void device_health_free(struct device_health_set *hs)
{
    free(hs->v);
    memset(hs, 0, sizeof *hs);
}
