/* health: health events from a scrape's signals (see health.h). */
#include "ingest/health.h"

#include "core/alloc.h"
#include "core/health_reasons.h"
#include "core/invariant.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a device was last seen, for device_gone: "hseen <scope>" then its
 * key, node, device, model and vendor, each after a newline (no label
 * value holds one: cycle_ident_valid); values: [0] when it was last seen,
 * [1] where its health is metered up to. The key carries what a gone
 * window's event names, since a state entry holds only numbers. */
#define SEEN_PREFIX "hseen "
enum { SEEN_AT, SEEN_METERED_TO };

static void seen_key(struct strbuf *key, const struct cycle *cy, const struct device_reading *g)
{
    sb_printf(key, SEEN_PREFIX "%s\n%s\n%s\n%s\n%s\n%s", cy->scope ? cy->scope : "", g->key,
              g->node, g->device, g->model, g->vendor);
}

/* Adds a reason by its code: its state is the table's, degraded when the
 * table has no entry; a reason the table rates up is not listed. */
static void add_reason(struct usage_event *ev, const char *code)
{
    const struct health_reason *r = health_reason_find(code);
    enum health_state state = r ? r->state : HEALTH_DEGRADED;
    if (state == HEALTH_UP) return;
    assert(ev->nreasons < EVENT_MAX_REASONS); /* health_derive adds at most seven */
    snprintf(ev->reasons[ev->nreasons++], sizeof ev->reasons[0], "%s", code);
    if (state > ev->state) ev->state = state;
}

/* A counter went up since the previous scrape (prev -1: first seen, no
 * news; lower: the counters were reset with the GPU, no news either). */
static bool rose(bool has, int64_t now, int64_t prev)
{
    return has && prev >= 0 && now > prev;
}

void health_derive(const struct device_signals *now, int64_t prev[4], struct usage_event *ev)
{
    char code[EVENT_REASON_MAX + 1];
    ev->state = HEALTH_UP;
    ev->nreasons = 0;
    if (now->has_xid && now->xid != 0 && now->xid != prev[0]) {
        snprintf(code, sizeof code, "xid:%lld", (long long)now->xid);
        add_reason(ev, code);
    }
    if (rose(now->has_ecc_dbe, now->ecc_dbe, prev[1])) add_reason(ev, "ecc_dbe");
    if (rose(now->has_ras_ue, now->ras_ue, prev[1])) add_reason(ev, "dcu_ue");
    if (now->has_row_remap_failure && now->row_remap_failure != 0)
        add_reason(ev, "row_remap_failure");
    if (rose(now->has_nvlink_replay, now->nvlink_replay, prev[2]) ||
        rose(now->has_nvlink_recovery, now->nvlink_recovery, prev[3]))
        add_reason(ev, "nvlink_errors");
    if (now->has_chip_health && now->chip_health != 1) {
        snprintf(code, sizeof code, "npu_health:%lld", (long long)now->chip_health);
        add_reason(ev, code);
    }
    if (now->has_card_health && now->card_health != 1) {
        snprintf(code, sizeof code, "mlu_health:%lld", (long long)now->card_health);
        add_reason(ev, code);
    }
    /* a signal not in this scrape keeps what the last one said */
    if (now->has_xid) prev[0] = now->xid;
    /* one slot for the uncorrectable count: a GPU's DBE or a DCU's UE (a
     * device is read from one exporter, never both) */
    assert(!(now->has_ecc_dbe && now->has_ras_ue));
    if (now->has_ecc_dbe) prev[1] = now->ecc_dbe;
    if (now->has_ras_ue) prev[1] = now->ras_ue;
    if (now->has_nvlink_replay) prev[2] = now->nvlink_replay;
    if (now->has_nvlink_recovery) prev[3] = now->nvlink_recovery;
}

/* The device's signals: the first reading of it that carries each. */
static struct device_signals merged(const struct device_reading *g, size_t n)
{
    struct device_signals m = {0};
    for (size_t i = 0; i < n; i++) {
        const struct device_signals *s = &g[i].signals;
        if (s->has_xid && !m.has_xid) m.has_xid = true, m.xid = s->xid;
        if (s->has_ecc_dbe && !m.has_ecc_dbe) m.has_ecc_dbe = true, m.ecc_dbe = s->ecc_dbe;
        if (s->has_row_remap_failure && !m.has_row_remap_failure)
            m.has_row_remap_failure = true, m.row_remap_failure = s->row_remap_failure;
        if (s->has_chip_health && !m.has_chip_health)
            m.has_chip_health = true, m.chip_health = s->chip_health;
        if (s->has_card_health && !m.has_card_health)
            m.has_card_health = true, m.card_health = s->card_health;
        if (s->has_ras_ue && !m.has_ras_ue) m.has_ras_ue = true, m.ras_ue = s->ras_ue;
        if (s->has_nvlink_replay && !m.has_nvlink_replay)
            m.has_nvlink_replay = true, m.nvlink_replay = s->nvlink_replay;
        if (s->has_nvlink_recovery && !m.has_nvlink_recovery)
            m.has_nvlink_recovery = true, m.nvlink_recovery = s->nvlink_recovery;
    }
    return m;
}

void health_meter(struct cycle *cy, const struct device_reading *g, size_t n, bool charged,
                  int64_t start_ms)
{
    if (!cy->health) return;
    char key[200];
    snprintf(key, sizeof key, "health %s", g->key);
    bool created;
    struct state_entry *e = state_get(cy->state, key, &created);
    struct device_signals now = merged(g, n);
    if (created && now.has_xid) e->v[0] = now.xid; /* an XID from before --health is no news */
    struct usage_event ev = {.kind = EVENT_KIND_HEALTH, .start_ms = start_ms, .end_ms = cy->at_ms};
    health_derive(&now, e->v, &ev);
    e->touched_ms = cy->at_ms;
    struct strbuf sk = STRBUF_INIT;
    seen_key(&sk, cy, g);
    struct state_entry *seen = state_get(cy->state, sk.buf, &created);
    sb_free(&sk);
    /* back after device_gone windows: the next window starts where they ended */
    if (!created && seen->v[SEEN_METERED_TO] > ev.start_ms) ev.start_ms = seen->v[SEEN_METERED_TO];
    seen->v[SEEN_AT] = seen->v[SEEN_METERED_TO] = cy->at_ms;
    seen->touched_ms = cy->at_ms;
    if (!charged || ev.start_ms >= ev.end_ms) return;
    if (strlen(g->device) >= sizeof ev.device) { /* the contract's 64 bytes */
        cy->st.bad_lines++;
        log_warn("%s %.96s: a device name longer than 64 bytes has no health event", g->node,
                 g->device);
        return;
    }
    snprintf(ev.node, sizeof ev.node, "%s", g->node);
    memcpy(ev.device, g->device, strlen(g->device) + 1);
    snprintf(ev.model, sizeof ev.model, "%s", g->model);
    snprintf(ev.vendor, sizeof ev.vendor, "%s", g->vendor);
    cycle_emit(cy, g->node, &ev);
}

/* A down window for reason from start_ms to now, of the device of a
 * "hseen" entry, named from its key. A device name too long for an event
 * never had one (health_meter): none now. */
static void emit_missing(struct cycle *cy, struct state_entry *e, const char *reason,
                         int64_t start_ms)
{
    /* scope, device key, node, device, model, vendor; the scope may be "" */
    char *copy = xstrdup(e->key + strlen(SEEN_PREFIX)), *field[6] = {0};
    field[0] = copy;
    for (int i = 1; i < 6 && field[i - 1]; i++) {
        char *nl = strchr(field[i - 1], '\n');
        if (nl) *nl = '\0';
        field[i] = nl ? nl + 1 : NULL;
    }
    const char *node = field[2], *device = field[3], *model = field[4], *vendor = field[5];
    struct usage_event ev = {.kind = EVENT_KIND_HEALTH,
                             .start_ms = start_ms,
                             .end_ms = cy->at_ms,
                             .state = HEALTH_DOWN,
                             .nreasons = 1};
    if (node && device && model && vendor && strlen(device) < sizeof ev.device) {
        snprintf(ev.reasons[0], sizeof ev.reasons[0], "%s", reason);
        snprintf(ev.node, sizeof ev.node, "%s", node);
        memcpy(ev.device, device, strlen(device) + 1);
        snprintf(ev.model, sizeof ev.model, "%s", model);
        snprintf(ev.vendor, sizeof ev.vendor, "%s", vendor);
        cycle_emit(cy, node, &ev);
        log_warn("%s %s: down (%s) in %s", node, device, reason,
                 cy->scope ? cy->scope : "its input");
    }
    e->v[SEEN_METERED_TO] = cy->at_ms;
    free(copy);
}

static int by_key(const void *a, const void *b)
{
    return strcmp((*(struct state_entry *const *)a)->key, (*(struct state_entry *const *)b)->key);
}

/* The devices last seen in cy->scope and not in this round, by key. */
static struct state_entry **missing(const struct cycle *cy, size_t *n)
{
    struct strbuf prefix = STRBUF_INIT;
    sb_printf(&prefix, SEEN_PREFIX "%s\n", cy->scope ? cy->scope : "");
    struct state_entry **v = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < cy->state->nbuckets; i++)
        for (struct state_entry *e = cy->state->buckets[i]; e; e = e->next) {
            if (strncmp(e->key, prefix.buf, prefix.len) || e->v[SEEN_AT] >= cy->at_ms) continue;
            if (e->v[SEEN_METERED_TO] >= cy->at_ms) continue;
            ALLOC_GROW(v, *n, cap, 8);
            v[(*n)++] = e;
        }
    if (*n) qsort(v, *n, sizeof *v, by_key);
    sb_free(&prefix);
    return v;
}

void health_gone(struct cycle *cy)
{
    if (!cy->health) return;
    size_t n;
    struct state_entry **gone = missing(cy, &n);
    for (size_t i = 0; i < n; i++)
        if (cy->at_ms - gone[i]->v[SEEN_AT] <= cy->max_gap_ms) /* within the gap rule */
            emit_missing(cy, gone[i], "device_gone", gone[i]->v[SEEN_METERED_TO]);
    free(gone);
}

void health_scrape_failed(struct cycle *cy)
{
    if (!cy->health) return;
    size_t n;
    struct state_entry **down = missing(cy, &n);
    for (size_t i = 0; i < n; i++) {
        struct state_entry *e = down[i];
        int64_t start = e->v[SEEN_METERED_TO], earliest = cy->at_ms - cy->max_gap_ms;
        emit_missing(cy, e, "scrape_failed", start > earliest ? start : earliest);
        e->touched_ms = cy->at_ms; /* kept while its input is listed and failing */
    }
    free(down);
}
