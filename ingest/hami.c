/* hami: HAMi vGPU monitor and scheduler scrapes to device readings (see hami.h). */
#include "core/alloc.h"
#include "core/decimal.h"
#include "core/log.h"
#include "ingest/dcgm.h"
#include "ingest/hami_pods.h"
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
    H_TYPE,        /* the device-level hami_* series' device type */
    H_TYPE_LEGACY,
    NLABELS
};
static const char *const hami_names[NLABELS] = {
    "deviceuuid", "device_uuid",  "podnamespace",    "namespace",     "podname", "pod",
    "nodename",   "nodeid",       "node",            "containeridx", "container_index",
    "deviceusedcore", "device_type", "devicetype"};
static const size_t hami_max[NLABELS] = {[H_POD] = PROM_POD_MAX, [H_POD_NEW] = PROM_POD_MAX};

/* An NVIDIA GPU as HAMi names it: NVML's UUID ("GPU-...", a MIG
 * instance's "MIG-..."), and NVIDIA's
 * type where a series states one. HAMi's scheduler states other vendors'
 * devices under the same names (its website's example: an Ascend 310P
 * share on device "aio-node74-arm-Ascend310P-0"); collect hami meters
 * NVIDIA GPUs only, so those are never a share of a --model GPU. */
static bool nvidia_gpu(const char *uuid, const char *type)
{
    return (!strncmp(uuid, "GPU-", 4) || !strncmp(uuid, "MIG-", 4)) &&
           (!type || !strncmp(type, "NVIDIA", 6));
}

/* What a series is to the collector. */
enum series {
    S_OTHER,
    S_TENANT,
    S_CORES,
    S_CORES_LEGACY,
    S_PODS_DEVICE,
    S_MEM,           /* a container's memory allocated, bytes */
    S_MEM_LEGACY,
    S_DEVICE_MEM,    /* a device's memory, bytes: what a memory share is of */
    S_DRA_MEM,       /* HAMi DRA's vGPUDeviceMemoryAllocated: MiB, names the pod only */
    S_DCGM           /* the node's dcgm-exporter, for the GPU's energy */
};

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
    else if (!strcmp(name, "vGPUCoreAllocated") || !strcmp(name, "vGPUDeviceCoreAllocated"))
        *out = S_CORES_LEGACY; /* HAMi DRA's name too (the website's DRA table) */
    else if (!strcmp(name, "vGPUDeviceMemoryAllocated"))
        *out = S_DRA_MEM;
    else if (!strcmp(name, "vGPUPodsDeviceAllocated"))
        *out = S_PODS_DEVICE;
    else if (!strcmp(name, "hami_vgpu_memory_allocated_bytes"))
        *out = S_MEM;
    else if (!strcmp(name, "vGPUMemoryAllocated"))
        *out = S_MEM_LEGACY;
    else if (!strcmp(name, "hami_gpu_memory_limit_bytes") || !strcmp(name, "GPUDeviceMemoryLimit"))
        *out = S_DEVICE_MEM;
    else if (!strncmp(name, "DCGM_", 5) || !strncmp(name, "dcgm_", 5))
        *out = S_DCGM; /* dcgm.c tells its own names from pastes */
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

/* One container's cores or memory on one device, as one series (or the
 * pod annotation) stated them. */
struct statement {
    char uuid[66], ns[66], pod[PROM_POD_MAX + 1], container[66];
    bool memory; /* value is memory allocated in bytes, else cores in parts of the whole */
    bool legacy; /* a legacy name: the hami_* one wins when both are there */
    int64_t value;
};

/* A device's memory, as the scheduler states it: what a memory share is of. */
struct device_memory {
    char uuid[66];
    int64_t bytes;
};

struct hami_ctx {
    struct device_source *src;
    bool memory_shares; /* --share memory */
    struct statement *v;
    size_t n, cap;
    struct device_memory *mem;
    size_t nmem, memcap;
    struct device_set dcgm;   /* the node's dcgm-exporter readings, joined at the end */
    struct device_source dsrc; /* how dcgm.c reads them */
};

/* No accelerator has a TiB of memory (device.h): a larger figure is bad input. */
#define HAMI_MAX_MEM_BYTES (DEVICE_MAX_FB_MIB << 20)

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

/* Bytes (a whole or decimal number, to the byte) of at most a TiB; false
 * when not such a number. */
static bool memory_bytes(const char *v, int64_t *bytes)
{
    return decimal_parse(v, strlen(v), 0, DECIMAL_TRUNCATE, bytes) && *bytes >= 0 &&
           *bytes <= HAMI_MAX_MEM_BYTES;
}

/* The reading of GPU uuid, at the node reported (NULL: the default). */
static struct device_reading *device_named(struct device_source *src, const char *reported,
                                           const char *uuid)
{
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

/* The reading of GPU uuid, at the node its labels name. */
static struct device_reading *device_at(struct device_source *src, const char *const *l,
                                        const char *uuid)
{
    return device_named(src, either(either(l[H_NODE], l[H_NODE_ID]), l[H_NODE_NEW]), uuid);
}

static void remember(struct hami_ctx *c, const char *uuid, const char *ns, const char *pod,
                     const char *container, bool memory, bool legacy, int64_t value)
{
    ALLOC_GROW(c->v, c->n, c->cap, 16);
    struct statement *st = &c->v[c->n++];
    snprintf(st->uuid, sizeof st->uuid, "%s", uuid);
    snprintf(st->ns, sizeof st->ns, "%s", ns);
    snprintf(st->pod, sizeof st->pod, "%s", pod);
    snprintf(st->container, sizeof st->container, "%s", container ? container : "");
    st->memory = memory;
    st->legacy = legacy;
    st->value = value;
}

static void device_memory_is(struct hami_ctx *c, const char *uuid, int64_t bytes)
{
    for (size_t i = 0; i < c->nmem; i++)
        if (!strcmp(c->mem[i].uuid, uuid)) {
            c->mem[i].bytes = bytes; /* the last statement stands */
            return;
        }
    ALLOC_GROW(c->mem, c->nmem, c->memcap, 8);
    snprintf(c->mem[c->nmem].uuid, sizeof c->mem[c->nmem].uuid, "%s", uuid);
    c->mem[c->nmem++].bytes = bytes;
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
    if (kind == S_DCGM) { /* read as collect dcgm reads it, joined on the UUID at the end */
        dcgm_read_sample(s, &c->dsrc);
        return;
    }
    if (!prom_is_number(s->value)) {
        rejects_bad_line(src->rejects, s->lineno, "value of %.64s is not a number", s->name);
        return;
    }
    if (!prom_names(s, hami_names, hami_max, NLABELS, l, &bad)) {
        rejects_bad_line(src->rejects, s->lineno, "label %s is too long or not printable", bad);
        return;
    }
    const char *uuid = either(l[H_UUID], l[H_UUID_NEW]);
    const char *ns = either(l[H_NAMESPACE], l[H_NAMESPACE_NEW]);
    const char *pod = either(l[H_POD], l[H_POD_NEW]);
    if (uuid && !nvidia_gpu(uuid, either(l[H_TYPE], l[H_TYPE_LEGACY]))) {
        /* another vendor's device: a pod's series of it is refused with
         * its reason (never billed as an NVIDIA GPU's share, never
         * dropped unseen); a device-level series puts no GPU in the round */
        if (kind != S_OTHER && kind != S_DEVICE_MEM)
            rejects_bad_line(src->rejects, s->lineno,
                             "%.64s of %.64s/%.64s on %.64s: not an NVIDIA GPU (HAMi's shares of "
                             "Ascend, DCU, MLU ... devices are not metered by collect hami)",
                             s->name, ns ? ns : "-", pod ? pod : "-", uuid);
        return;
    }
    if (uuid && (strchr(uuid, '[') || !strncmp(uuid, "MIG-", 4))) {
        /* a MIG instance (HAMi's dynamic MIG uuid[template-index], or an
         * NVML MIG- uuid): a part of a GPU no series states, nor which GPU;
         * never a whole GPU of its own (collect dcgm meters MIG) */
        if (kind != S_OTHER && kind != S_DEVICE_MEM)
            rejects_bad_line(src->rejects, s->lineno,
                             "%.64s of %.64s/%.64s on %.64s: a MIG instance (its part of the GPU "
                             "is not stated; not metered by collect hami)",
                             s->name, ns ? ns : "-", pod ? pod : "-", uuid);
        return;
    }
    if (kind == S_DEVICE_MEM && uuid) {
        int64_t bytes;
        if (!memory_bytes(s->value, &bytes)) {
            rejects_bad_line(src->rejects, s->lineno, "%.64s: not a memory size in bytes",
                            s->name);
            return;
        }
        device_memory_is(c, uuid, bytes);
        kind = S_OTHER;
    }
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
    else if (kind == S_MEM || kind == S_MEM_LEGACY)
        ok = memory_bytes(s->value, &share);
    if (!ok) {
        rejects_bad_line(src->rejects, s->lineno, "%.64s: %s", s->name,
                         kind == S_MEM || kind == S_MEM_LEGACY
                             ? "memory allocated not a size in bytes"
                             : "cores allocated not a percent 0-100");
        return;
    }
    struct device_reading *r = device_at(src, l, uuid);
    if (!device_add_tenant(r, ns, pod)) {
        rejects_bad_line(src->rejects, s->lineno, "more than %d tenants on %s", DEVICE_MAX_TENANTS,
                        r->device);
        return;
    }
    /* HAMi DRA states memory in MiB beside a GPUDeviceMemoryLimit in MiB,
     * where the non-DRA scheduler's is bytes: not read as a memory share,
     * said so under --share memory; the pod's cores share stands */
    if (kind == S_DRA_MEM && c->memory_shares)
        rejects_bad_line(src->rejects, s->lineno,
                         "%.64s of %.64s/%.64s: HAMi DRA's memory (MiB) is not read as a memory "
                         "share; the pod's cores share stands",
                         s->name, ns, pod);
    /* 0 cores is HAMi's "no core limit" (gpucores unset): no share stated,
     * so the device falls back to the equal split, never a free ride */
    const char *container = either(l[H_CONTAINER], l[H_CONTAINER_NEW]);
    bool memory = kind == S_MEM || kind == S_MEM_LEGACY;
    if (kind != S_TENANT && kind != S_DRA_MEM && share > 0)
        remember(c, uuid, ns, pod, container, memory, kind != S_CORES && kind != S_MEM, share);
    /* vGPUPodsDeviceAllocated states both: cores in a label, memory (bytes) as its value */
    int64_t bytes;
    if (kind == S_PODS_DEVICE && memory_bytes(s->value, &bytes) && bytes > 0)
        remember(c, uuid, ns, pod, container, true, true, bytes);
}

static int by_container(const void *a, const void *b)
{
    const struct statement *x = a, *y = b;
    int k = strcmp(x->uuid, y->uuid);
    if (!k) k = strcmp(x->ns, y->ns);
    if (!k) k = strcmp(x->pod, y->pod);
    if (!k) k = (int)x->memory - (int)y->memory;
    if (!k) k = strcmp(x->container, y->container);
    return k ? k : (int)x->legacy - (int)y->legacy; /* the hami_* name first */
}

static bool same_pod(const struct statement *x, const struct statement *y)
{
    return !strcmp(x->uuid, y->uuid) && !strcmp(x->ns, y->ns) && !strcmp(x->pod, y->pod);
}

static const struct device_memory *device_memory_of(const struct hami_ctx *c, const char *uuid)
{
    for (size_t i = 0; i < c->nmem; i++)
        if (!strcmp(c->mem[i].uuid, uuid)) return &c->mem[i];
    return NULL;
}

/* A pod's memory share: bytes allocated / the device's bytes, in parts of
 * the whole rounded down (never more than it holds), at most the whole;
 * DEVICE_SHARE_NONE when the device's memory is not in the input (a bad
 * line: the share cannot be known, and is not guessed). */
static int64_t memory_share(struct hami_ctx *c, const struct statement *st, int64_t bytes)
{
    const struct device_memory *m = device_memory_of(c, st->uuid);
    if (!m || m->bytes <= 0) {
        rejects_bad_line(c->src->rejects, 0,
                         "memory share of %.64s/%.64s on %.64s: the device's memory "
                         "(hami_gpu_memory_limit_bytes, GPUDeviceMemoryLimit) is not in the input",
                         st->ns, st->pod, st->uuid);
        return DEVICE_SHARE_NONE;
    }
    if (bytes >= m->bytes) return DEVICE_SHARE_WHOLE;
    return bytes * DEVICE_SHARE_WHOLE / m->bytes; /* < 2^40 x 10^6: no overflow */
}

/* The basis of an account's shares: its share: line in the operator's map
 * (a contract's own basis), else the collector's --share. */
static bool shares_by_memory(const struct hami_ctx *c, const char *account)
{
    const char *basis = accounts_find(c->src->map, "share", account);
    return basis ? !strcmp(basis, "memory") : c->memory_shares;
}

/* What one pod states of a device: its containers' cores and memory
 * added up (each container once), the first of its statements. */
struct pod_statement {
    const struct statement *first;
    int64_t sum[2];   /* cores, memory bytes */
    bool stated[2];
};

static bool same_device(const struct statement *x, const struct statement *y)
{
    return !strcmp(x->uuid, y->uuid);
}

/* The pods of one device and their shares, each on its own account's
 * basis (shares_by_memory): cores, or memory over the device's memory.
 * Shares of both bases on one device (contracts that chose them) are
 * clamped together by device_share_split, in (account, job) order, as any
 * stated shares are; what none covers is stranded. If a pod on the memory
 * basis cannot have a memory share (it states no memory: a bad line here;
 * the device's memory is not in the input: memory_share's), the whole
 * device falls back to cores, every pod on it: a basis no contract chose
 * is never mixed in by one pod's missing statement, and a pod is never
 * charged nothing for it. */
static void device_shares(struct hami_ctx *c, const struct pod_statement *p, size_t n)
{
    int64_t *share = xcalloc(n + 1, sizeof *share);
    bool cores_only = false;
    for (size_t k = 0; k < n; k++) {
        const struct statement *st = p[k].first;
        share[k] = DEVICE_SHARE_NONE;
        if (!shares_by_memory(c, st->ns)) continue;
        if (!p[k].stated[1]) {
            rejects_bad_line(c->src->rejects, 0,
                             "memory share of %.64s/%.64s on %.64s: no memory allocated is "
                             "stated; the device's pods are shared by their cores",
                             st->ns, st->pod, st->uuid);
            cores_only = true;
            continue;
        }
        share[k] = memory_share(c, st, p[k].sum[1]);
        if (share[k] == DEVICE_SHARE_NONE) cores_only = true;
    }
    for (size_t k = 0; k < n; k++) {
        const struct statement *st = p[k].first;
        if (cores_only || share[k] == DEVICE_SHARE_NONE)
            share[k] = !p[k].stated[0]                   ? DEVICE_SHARE_NONE
                       : p[k].sum[0] < DEVICE_SHARE_WHOLE ? p[k].sum[0]
                                                          : DEVICE_SHARE_WHOLE;
        if (share[k] == DEVICE_SHARE_NONE) continue;
        struct device_reading *r = device_get(c->src->set, st->uuid, "", "", st->uuid);
        device_set_share(r, st->ns, st->pod, share[k]);
    }
    free(share);
}

/* Each device's pods' shares: a pod's containers' cores (or memory, on its
 * account's memory basis) added up (each container once: the first of
 * its statements in by_container order, so a scheduler run with
 * --legacy-metrics, which writes both names, counts once), at most the
 * whole device (device_shares). */
static void state_shares(struct hami_ctx *c)
{
    if (c->n == 0) return; /* qsort of no array is undefined */
    qsort(c->v, c->n, sizeof *c->v, by_container);
    struct pod_statement *pods = xcalloc(c->n, sizeof *pods);
    size_t npods = 0, device_first = 0;
    for (size_t i = 0, j; i < c->n; i = j) {
        struct pod_statement *p = &pods[npods];
        *p = (struct pod_statement){.first = &c->v[i]};
        for (j = i; j < c->n && same_pod(&c->v[i], &c->v[j]); j++) {
            const struct statement *st = &c->v[j];
            if (j > i && st->memory == st[-1].memory && !strcmp(st->container, st[-1].container))
                continue; /* the same container under another name */
            p->sum[st->memory] += st->value; /* saturated: a hostile input cannot overflow it */
            if (p->sum[st->memory] > HAMI_MAX_MEM_BYTES) p->sum[st->memory] = HAMI_MAX_MEM_BYTES;
            p->stated[st->memory] = true;
        }
        npods++;
        if (j == c->n || !same_device(&c->v[i], &c->v[j])) {
            device_shares(c, &pods[device_first], npods - device_first);
            device_first = npods;
        }
    }
    free(pods);
}

/* The node's dcgm-exporter readings onto the GPUs HAMi names, by UUID: the
 * physical GPU's energy counter and power (device.c integrates and splits
 * them by the shares), its model when dcgm-exporter reports one, and its
 * node when no HAMi series named one. A GPU
 * only dcgm-exporter names is not HAMi's: not metered here. */
static void join_dcgm(struct hami_ctx *c)
{
    long unjoined = 0;
    for (size_t i = 0; i < c->dcgm.n; i++) {
        const struct device_reading *d = &c->dcgm.v[i];
        struct device_reading *r = NULL;
        for (size_t k = 0; k < c->src->set->n && !r; k++)
            if (!strcmp(c->src->set->v[k].key, d->key)) r = &c->src->set->v[k];
        if (!r) {
            unjoined += d->instance[0] == '\0';
            continue;
        }
        if (d->has_energy && !r->has_energy) r->has_energy = true, r->energy_mj = d->energy_mj;
        if (d->has_power && !r->has_power) r->has_power = true, r->power_mw = d->power_mw;
        if (d->model[0] && !r->model_reported) {
            snprintf(r->model, sizeof r->model, "%s", d->model);
            r->model_reported = true;
        }
        /* no HAMi series named the node (the monitor's carry none): the
         * exporter's Hostname, as collect dcgm takes it, over the default */
        if (!c->src->node_override && !strcmp(r->node, c->src->node) &&
            strcmp(d->node, c->src->node))
            snprintf(r->node, sizeof r->node, "%s", d->node);
    }
    if (unjoined)
        log_info("%s: %ld GPUs in dcgm-exporter's series that no HAMi series names: not "
                 "metered by collect hami",
                 c->src->rejects->origin, unjoined);
}

/* One device of a pod's annotation: the pod is its tenant, its cores and
 * memory statements as the scheduler's series would state them. */
static void pod_device(const struct hami_pod_device *d, void *ctx)
{
    struct hami_ctx *c = ctx;
    struct device_reading *r = device_named(c->src, d->node, d->uuid);
    if (!device_add_tenant(r, d->ns, d->pod)) {
        rejects_bad_line(c->src->rejects, 0, "more than %d tenants on %s", DEVICE_MAX_TENANTS,
                         r->device);
        return;
    }
    if (d->cores > 0)
        remember(c, d->uuid, d->ns, d->pod, d->container, false, true,
                 d->cores * (DEVICE_SHARE_WHOLE / 100));
    if (d->mem_mib > 0)
        remember(c, d->uuid, d->ns, d->pod, d->container, true, true, d->mem_mib << 20);
}

void hami_parse(const char *text, size_t len, struct device_source *src)
{
    hami_parse_pods(NULL, 0, NULL, false, text, len, src);
}

void hami_parse_pods(const char *pods, size_t pods_len, struct rejects *pods_rejects,
                     bool memory_shares, const char *text, size_t len, struct device_source *src)
{
    struct hami_ctx c = {.src = src, .memory_shares = memory_shares};
    c.dsrc = (struct device_source){src->node, src->node_override, "", NULL, NULL, &c.dcgm,
                                    src->rejects};
    if (pods) hami_pods_walk(pods, pods_len, pods_rejects, pod_device, &c);
    if (pods && pods_rejects->unusable[0]) { /* no allocation: the round is not read (hami.h) */
        device_set_free(src->set);
    } else {
        prom_parse(text, len, src->rejects, hami_sample, &c);
        state_shares(&c);
        join_dcgm(&c);
    }
    device_set_free(&c.dcgm);
    free(c.v);
    free(c.mem);
}
