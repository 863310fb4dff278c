/* hami: HAMi vGPU monitor and scheduler scrapes to device readings (see hami.h). */
#include "core/alloc.h"
#include "core/decimal.h"
#include "ingest/prom.h"
#include "ingest/hami.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum hami_label {
    H_UUID,     /* 2.4 monitor, legacy scheduler */
    H_UUID_NEW, /* 2.10 monitor, hami_* scheduler */
    H_NAMESPACE,
    H_NAMESPACE_NEW,
    H_POD,
    H_POD_NEW,
    H_NODE,
    H_NODE_ID,
    H_NODE_NEW,
    H_CONTAINER,
    H_CONTAINER_NEW,
    H_USED_CORE,
    NLABELS
};
static const char *const hami_names[NLABELS] = {
    "deviceuuid", "device_uuid",  "podnamespace",    "namespace",     "podname", "pod",
    "nodename",   "nodeid",       "node",            "containeridx", "container_index",
    "deviceusedcore"};

/* What a series is to the collector. */
enum series { S_OTHER, S_TENANT, S_CORES, S_CORES_LEGACY, S_PODS_DEVICE };

/* The per-container usage series name the pod on a device: 2.4-2.9
 * Device_*_desc_of_container, 2.10 hami_container_*. The scheduler states
 * a container's cores percent as the value of hami_vgpu_core_allocated_ratio
 * (legacy name vGPUCoreAllocated), or before 2.8 in vGPUPodsDeviceAllocated's
 * deviceusedcore label. The rest of HAMi's names are known and not metered;
 * any other is bad input. */
static bool classify_series(const char *name, enum series *out)
{
    static const char *const other[] = {"Host",  "GPUDevice", "QuotaUsed", "hami_",
                                        "vGPU",  "nodeGPU"};
    if (!strcmp(name, "Device_memory_desc_of_container") ||
        !strcmp(name, "Device_utilization_desc_of_container") ||
        !strcmp(name, "Device_last_kernel_of_container") ||
        !strncmp(name, "hami_container_", 15))
        *out = S_TENANT;
    else if (!strcmp(name, "hami_vgpu_core_allocated_ratio"))
        *out = S_CORES;
    else if (!strcmp(name, "vGPUCoreAllocated"))
        *out = S_CORES_LEGACY;
    else if (!strcmp(name, "vGPUPodsDeviceAllocated"))
        *out = S_PODS_DEVICE;
    else {
        for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
            if (!strncmp(name, other[i], strlen(other[i]))) {
                *out = S_OTHER;
                return true;
            }
        return false;
    }
    return true;
}

/* One container's cores on one device, as one series stated them. */
struct statement {
    char uuid[66], ns[66], pod[66], container[66];
    bool legacy; /* a legacy name: the hami_* one wins when both are there */
    int64_t share;
};

struct hami_ctx {
    struct device_source *src;
    struct statement *v;
    size_t n, cap;
};

static const char *either(const char *a, const char *b)
{
    return a ? a : b;
}

/* Cores percent (a whole or decimal number 0..100) to parts of
 * DEVICE_SHARE_WHOLE, exactly (percent x 10^4 = parts per million); false
 * when not such a number. */
static bool cores_share(const char *v, int64_t *share)
{
    int64_t pct_e4;
    if (!decimal_parse(v, strlen(v), 4, DECIMAL_TRUNCATE, &pct_e4) || pct_e4 < 0 ||
        pct_e4 > DEVICE_SHARE_WHOLE)
        return false;
    *share = pct_e4;
    return true;
}

/* The reading of GPU uuid, at the node its labels name. */
static struct device_reading *device_at(struct device_source *src, const char *const *l,
                                        const char *uuid)
{
    const char *reported = either(either(l[H_NODE], l[H_NODE_ID]), l[H_NODE_NEW]);
    struct device_reading *r = device_get(src->set, uuid, "", device_node(src, reported), uuid);
    if (!r->model[0]) {
        snprintf(r->model, sizeof r->model, "%s", src->model);
        strcpy(r->vendor, "nvidia");
    }
    /* the monitor's series name no node, the scheduler's do: a node named
     * wins over the default whatever the order of the lines */
    if (reported && !src->node_override) snprintf(r->node, sizeof r->node, "%s", reported);
    return r;
}

static void remember(struct hami_ctx *c, const char *const *l, const char *uuid, const char *ns,
                     const char *pod, bool legacy, int64_t share)
{
    ALLOC_GROW(c->v, c->n, c->cap, 16);
    struct statement *st = &c->v[c->n++];
    snprintf(st->uuid, sizeof st->uuid, "%s", uuid);
    snprintf(st->ns, sizeof st->ns, "%s", ns);
    snprintf(st->pod, sizeof st->pod, "%s", pod);
    snprintf(st->container, sizeof st->container, "%s",
             either(either(l[H_CONTAINER], l[H_CONTAINER_NEW]), ""));
    st->legacy = legacy;
    st->share = share;
}

static void hami_sample(const struct prom_sample *s, void *ctx)
{
    struct hami_ctx *c = ctx;
    struct device_source *src = c->src;
    const char *l[NLABELS], *bad = "deviceuuid";
    enum series kind;
    if (!classify_series(s->name, &kind)) {
        rejects_bad_line(src->rejects, s->lineno, "unknown metric %.64s (not a HAMi series)",
                        s->name);
        return;
    }
    if (!prom_is_number(s->value)) {
        rejects_bad_line(src->rejects, s->lineno, "value of %.64s is not a number", s->name);
        return;
    }
    if (!prom_names(s, hami_names, NLABELS, l, &bad)) {
        rejects_bad_line(src->rejects, s->lineno, "label %s is too long or not printable", bad);
        return;
    }
    const char *uuid = either(l[H_UUID], l[H_UUID_NEW]);
    const char *ns = either(l[H_NAMESPACE], l[H_NAMESPACE_NEW]);
    const char *pod = either(l[H_POD], l[H_POD_NEW]);
    if (kind == S_OTHER) { /* a device series (GPUDevice*, hami_gpu_*): the GPU is there */
        if (uuid) device_at(src, l, uuid);
        return;
    }
    if (!uuid || !ns || !pod) {
        rejects_bad_line(src->rejects, s->lineno, "%.64s without its device or pod labels",
                        s->name);
        return;
    }
    int64_t share = 0;
    bool ok = true;
    if (kind == S_CORES || kind == S_CORES_LEGACY)
        ok = cores_share(s->value, &share);
    else if (kind == S_PODS_DEVICE)
        ok = l[H_USED_CORE] && cores_share(l[H_USED_CORE], &share);
    if (!ok) {
        rejects_bad_line(src->rejects, s->lineno, "%.64s: cores allocated not a percent 0-100",
                        s->name);
        return;
    }
    struct device_reading *r = device_at(src, l, uuid);
    if (!device_add_tenant(r, ns, pod)) {
        rejects_bad_line(src->rejects, s->lineno, "more than %d tenants on %s", DEVICE_MAX_TENANTS,
                        r->device);
        return;
    }
    /* 0 cores is HAMi's "no core limit" (gpucores unset): no share stated,
     * so the device falls back to the equal split, never a free ride */
    if (kind != S_TENANT && share > 0) remember(c, l, uuid, ns, pod, kind != S_CORES, share);
}

static int by_container(const void *a, const void *b)
{
    const struct statement *x = a, *y = b;
    int k = strcmp(x->uuid, y->uuid);
    if (!k) k = strcmp(x->ns, y->ns);
    if (!k) k = strcmp(x->pod, y->pod);
    if (!k) k = strcmp(x->container, y->container);
    return k ? k : (int)x->legacy - (int)y->legacy; /* the hami_* name first */
}

static bool same_pod(const struct statement *x, const struct statement *y)
{
    return !strcmp(x->uuid, y->uuid) && !strcmp(x->ns, y->ns) && !strcmp(x->pod, y->pod);
}

/* A pod's share of a device: its containers' cores added up (each container
 * once: the first of its statements in by_container order, so a scheduler
 * run with --legacy-metrics, which writes both names, counts once), at most
 * the whole device. */
static void state_shares(struct hami_ctx *c)
{
    if (c->n == 0) return; /* qsort of no array is undefined */
    qsort(c->v, c->n, sizeof *c->v, by_container);
    for (size_t i = 0, j; i < c->n; i = j) {
        int64_t sum = 0;
        for (j = i; j < c->n && same_pod(&c->v[i], &c->v[j]); j++)
            if (j == i || strcmp(c->v[j].container, c->v[j - 1].container)) sum += c->v[j].share;
        struct device_reading *r = device_get(c->src->set, c->v[i].uuid, "", "", c->v[i].uuid);
        device_set_share(r, c->v[i].ns, c->v[i].pod,
                         sum < DEVICE_SHARE_WHOLE ? sum : DEVICE_SHARE_WHOLE);
    }
}

void hami_parse(const char *text, size_t len, struct device_source *src)
{
    struct hami_ctx c = {.src = src};
    prom_parse(text, len, src->rejects, hami_sample, &c);
    state_shares(&c);
    free(c.v);
}
