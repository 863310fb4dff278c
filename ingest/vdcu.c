/* vdcu: Hygon vDCU compute-unit shares (see vdcu.h). */
#include "core/alloc.h"
#include "ingest/vdcu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vdcu_share {
    char key[170], vdcu[17], ns[65], pod[EVENT_JOB_MAX + 1]; /* the pod is the event's job */
    int64_t units;
    long lineno;
};

struct vdcu_card {
    char key[170];
    int64_t units;
};

void vdcu_note(struct vdcu_shares *s, const char *key, const char *vdcu, int64_t units,
               const char *ns, const char *pod, long lineno)
{
    ALLOC_GROW(s->v, s->n, s->cap, 16);
    struct vdcu_share *v = &s->v[s->n++];
    snprintf(v->key, sizeof v->key, "%s", key);
    snprintf(v->vdcu, sizeof v->vdcu, "%s", vdcu);
    snprintf(v->ns, sizeof v->ns, "%s", ns);
    snprintf(v->pod, sizeof v->pod, "%s", pod);
    v->units = units;
    v->lineno = lineno;
}

void vdcu_card_units(struct vdcu_shares *s, const char *key, int64_t units)
{
    for (size_t i = 0; i < s->ncards; i++)
        if (!strcmp(s->cards[i].key, key)) {
            s->cards[i].units = units;
            return;
        }
    ALLOC_GROW(s->cards, s->ncards, s->cards_cap, 8);
    struct vdcu_card *c = &s->cards[s->ncards++];
    snprintf(c->key, sizeof c->key, "%s", key);
    c->units = units;
}

static int by_pod(const void *a, const void *b)
{
    const struct vdcu_share *x = a, *y = b;
    int k = strcmp(x->key, y->key);
    if (!k) k = strcmp(x->ns, y->ns);
    if (!k) k = strcmp(x->pod, y->pod);
    if (!k) k = strcmp(x->vdcu, y->vdcu);
    return k ? k : (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

static bool same_pod(const struct vdcu_share *x, const struct vdcu_share *y)
{
    return !strcmp(x->key, y->key) && !strcmp(x->ns, y->ns) && !strcmp(x->pod, y->pod);
}

static int64_t card_units(const struct vdcu_shares *s, const char *key)
{
    for (size_t i = 0; i < s->ncards; i++)
        if (!strcmp(s->cards[i].key, key)) return s->cards[i].units;
    return 0;
}

void vdcu_apply(struct vdcu_shares *s, struct device_source *src)
{
    if (s->n) qsort(s->v, s->n, sizeof *s->v, by_pod);
    for (size_t i = 0, j; i < s->n; i = j) {
        int64_t units = 0;
        /* each vDCU once: its series repeat it (temp, sclk, utilization, memory) */
        for (j = i; j < s->n && same_pod(&s->v[i], &s->v[j]); j++)
            if (j == i || strcmp(s->v[j].vdcu, s->v[j - 1].vdcu)) units += s->v[j].units;
        const struct vdcu_share *v = &s->v[i];
        int64_t total = card_units(s, v->key);
        if (total <= 0) {
            rejects_bad_line(src->rejects, v->lineno,
                             "vDCU %s of %s: the card's dcu_compute_unit_count is not in the scrape",
                             v->vdcu, v->key);
            continue;
        }
        /* rounded down: a share never bills a compute unit it does not hold */
        int64_t share = units >= total ? DEVICE_SHARE_WHOLE : units * DEVICE_SHARE_WHOLE / total;
        struct device_reading *r = device_get(src->set, v->key, "", "", v->key);
        if (!device_set_share(r, v->ns, v->pod, share))
            rejects_bad_line(src->rejects, v->lineno, "more than %d tenants on %s",
                             DEVICE_MAX_TENANTS, r->device);
    }
    free(s->v);
    free(s->cards);
    memset(s, 0, sizeof *s);
}
