/* hami: HAMi vGPU monitor and scheduler scrapes to device readings (see hami.h). */
#include "core/decimal.h"
#include "ingest/prom.h"
#include "ingest/hami.h"

#include <stdio.h>
#include <string.h>

enum hami_label {
    H_UUID,     /* 2.4 monitor and scheduler */
    H_UUID_NEW, /* 2.10 monitor */
    H_NAMESPACE,
    H_NAMESPACE_NEW,
    H_POD,
    H_POD_NEW,
    H_NODE,
    H_NODE_ID,
    H_USED_CORE,
    NLABELS
};
static const char *const hami_names[NLABELS] = {
    "deviceuuid", "device_uuid", "podnamespace", "namespace",     "podname",
    "pod",        "nodename",    "nodeid",       "deviceusedcore"};

/* What a series is to the collector. */
enum series { S_OTHER, S_TENANT, S_CORES, S_PODS_DEVICE };

/* The per-container usage series name the pod on a device: 2.4-2.9
 * Device_*_desc_of_container, 2.10 hami_container_*. The scheduler's
 * vGPUCoreAllocated states a pod's cores percent as its value,
 * vGPUPodsDeviceAllocated (before 2.8) in its deviceusedcore label. The
 * rest of HAMi's names are known and not metered; any other is bad input. */
static bool classify_series(const char *name, enum series *out)
{
    static const char *const other[] = {"Host", "GPUDevice", "QuotaUsed", "hami_", "vGPU"};
    if (!strcmp(name, "Device_memory_desc_of_container") ||
        !strcmp(name, "Device_utilization_desc_of_container") ||
        !strcmp(name, "Device_last_kernel_of_container") ||
        !strncmp(name, "hami_container_", 15))
        *out = S_TENANT;
    else if (!strcmp(name, "vGPUCoreAllocated"))
        *out = S_CORES;
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

static const char *either(const char *a, const char *b)
{
    return a ? a : b;
}

/* Cores percent (a whole or decimal number 0..100) to parts of
 * DEVICE_SHARE_WHOLE, exactly (six decimals of a percent are kept: 4 of
 * them are below one part); false when not such a number. */
static bool cores_share(const char *v, int64_t *share)
{
    int64_t pct_e4; /* percent x 10^4 = parts per million */
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
    const char *reported = either(l[H_NODE], l[H_NODE_ID]);
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

static void hami_sample(const struct prom_sample *s, void *ctx)
{
    struct device_source *src = ctx;
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
    if (kind == S_OTHER) { /* a device series (GPUDevice*, Host*): the GPU is there */
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
    if (kind == S_CORES)
        ok = cores_share(s->value, &share);
    else if (kind == S_PODS_DEVICE)
        ok = l[H_USED_CORE] && cores_share(l[H_USED_CORE], &share);
    if (!ok) {
        rejects_bad_line(src->rejects, s->lineno, "%.64s: cores allocated not a percent 0-100",
                        s->name);
        return;
    }
    struct device_reading *r = device_at(src, l, uuid);
    /* 0 cores is HAMi's "no core limit" (gpucores unset): no share stated,
     * so the device falls back to the equal split, never a free ride */
    bool room = kind == S_TENANT || share == 0 ? device_add_tenant(r, ns, pod)
                                               : device_set_share(r, ns, pod, share);
    if (!room)
        rejects_bad_line(src->rejects, s->lineno, "more than %d tenants on %s", DEVICE_MAX_TENANTS,
                        r->device);
}

void hami_parse(const char *text, size_t len, struct device_source *src)
{
    prom_parse(text, len, src->rejects, hami_sample, src);
}
