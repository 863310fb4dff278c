/* mlu: Cambricon mlu-exporter scrapes to device readings (see mlu.h). */
#include "core/alloc.h"
#include "core/decimal.h"
#include "ingest/dcgm.h"
#include "ingest/mlu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mlu_label { M_UUID, M_NODE, M_MODEL, M_VF, M_TYPE, M_NAMESPACE, M_POD, MLU_LABELS };
static const char *const mlu_names[MLU_LABELS] = {"uuid", "node",      "model", "vf",
                                                  "type", "namespace", "pod"};
static const size_t mlu_max[MLU_LABELS] = {[M_POD] = PROM_POD_MAX};

#define MLU_POWER     "mlu_power_usage"
#define MLU_CONTAINER "mlu_container"

/* One mlu_container series that holds a card, joined once the scrape is read. */
struct holder {
    char key[170], uuid[66], ns[66], pod[PROM_POD_MAX + 1];
    long lineno;
};

struct mlu_ctx {
    struct device_source *src;
    struct holder *v;
    size_t n, cap;
};

/* The key a card is known by: its node and "mlu-<uuid>", as dcgm_chip_sample makes it. */
static void card_key(char *key, size_t cap, const char *node, const char *uuid)
{
    snprintf(key, cap, "%s/mlu-%s", node, uuid);
}

static struct device_reading *card_of(struct device_set *set, const char *key)
{
    for (size_t i = 0; i < set->n; i++)
        if (!strcmp(set->v[i].key, key)) return &set->v[i];
    return NULL;
}

/* An mlu_container series: value 1 holds the card for namespace/pod, 0 is
 * a card no container holds. A MIM or sMLU instance's series carries the
 * instance's uuid, never the card's, and its type says which it is. */
static void container_sample(const struct prom_sample *s, struct mlu_ctx *c, const char *const *l,
                             const char *node)
{
    struct rejects *rj = c->src->rejects;
    int64_t held;
    if (!decimal_parse(s->value, strlen(s->value), 0, DECIMAL_EXACT, &held) || held > 1) {
        rejects_bad_line(rj, s->lineno, MLU_CONTAINER " value %.32s is neither 0 nor 1", s->value);
        return;
    }
    bool named = l[M_NAMESPACE] && l[M_POD];
    if ((held == 1) != named) {
        rejects_bad_line(rj, s->lineno,
                         held ? MLU_CONTAINER " holds %.64s without its namespace and pod"
                              : MLU_CONTAINER " names a pod on %.64s yet holds it 0",
                         l[M_UUID]);
        return;
    }
    if (!held) return; /* the card's own series say it is there */
    const char *type = l[M_TYPE] ? l[M_TYPE] : "";
    if (strstr(type, ".mim-") || strstr(type, ".smlu")) {
        rejects_bad_line(rj, s->lineno,
                         "%.64s on instance %.64s: MIM and sMLU shares are not metered yet",
                         l[M_POD], l[M_UUID]);
        return;
    }
    ALLOC_GROW(c->v, c->n, c->cap, 16);
    struct holder *h = &c->v[c->n++];
    card_key(h->key, sizeof h->key, node, l[M_UUID]);
    snprintf(h->uuid, sizeof h->uuid, "%s", l[M_UUID]);
    snprintf(h->ns, sizeof h->ns, "%s", l[M_NAMESPACE]);
    snprintf(h->pod, sizeof h->pod, "%s", l[M_POD]);
    h->lineno = s->lineno;
}

/* The label (or "value") that makes s unusable, NULL when it is usable:
 * the series metered must name their card. l gets the labels. */
static const char *bad_label(const struct prom_sample *s, const char **l)
{
    const char *bad = "value";
    if (!prom_names(s, mlu_names, mlu_max, MLU_LABELS, l, &bad) || !prom_is_number(s->value))
        return bad;
    bool metered = !strcmp(s->name, MLU_POWER) || !strcmp(s->name, MLU_CONTAINER);
    return metered && !l[M_UUID] ? "uuid" : NULL;
}

static void mlu_sample(const struct prom_sample *s, void *ctx)
{
    struct mlu_ctx *c = ctx;
    struct device_source *src = c->src;
    const char *l[MLU_LABELS];
    if (strncmp(s->name, "mlu_", 4)) {
        rejects_bad_line(src->rejects, s->lineno, "unknown metric %.64s (not an mlu-exporter series)",
                         s->name);
        return;
    }
    const char *bad = bad_label(s, l);
    if (bad) {
        rejects_bad_line(src->rejects, s->lineno, "%s of %.64s is missing or not valid", bad,
                         s->name);
        return;
    }
    const char *node = device_node(src, l[M_NODE]);
    if (!strcmp(s->name, MLU_CONTAINER)) {
        container_sample(s, c, l, node);
        return;
    }
    /* machine-level series (mlu_machine_mlu_nums, ...) name no card; a vf
     * copy repeats its card's value under the VF's or instance's labels */
    if (!l[M_UUID] || l[M_VF]) return;
    const struct dcgm_chip mlu = {node, "mlu", l[M_UUID], l[M_MODEL], "cambricon", NULL, NULL, MLU_POWER,
                                  false, false};
    dcgm_chip_sample(s, src, &mlu);
}

/* The join on uuid: each holder's pod becomes a tenant of its card. */
static void join_holders(struct mlu_ctx *c)
{
    struct rejects *rj = c->src->rejects;
    for (size_t i = 0; i < c->n; i++) {
        const struct holder *h = &c->v[i];
        struct device_reading *r = card_of(c->src->set, h->key);
        if (!r)
            rejects_bad_line(rj, h->lineno, MLU_CONTAINER " names uuid %s, which no card series has",
                             h->uuid);
        else if (!device_add_tenant(r, h->ns, h->pod))
            rejects_bad_line(rj, h->lineno, "more than %d tenants on %s", DEVICE_MAX_TENANTS,
                             r->device);
    }
}

void mlu_parse(const char *text, size_t len, struct device_source *src)
{
    struct mlu_ctx c = {.src = src};
    prom_parse(text, len, src->rejects, mlu_sample, &c);
    join_holders(&c);
    dcgm_tenants_from_map(src);
    free(c.v);
}
