/* dcgm: dcgm-exporter, npu-exporter and dcu-exporter scrapes to device readings (see dcgm.h). */
#include "core/decimal.h"
#include "ingest/prom.h"
#include "ingest/dcgm.h"
#include "ingest/vdcu.h"

#include <stdio.h>
#include <string.h>

/* The labels that name things, found in one pass over the sample. */
enum dcgm_label {
    L_UUID,
    L_UUID_LOWER,
    L_HOSTNAME,
    L_HOSTNAME_OLD,
    L_MODEL,
    L_INSTANCE,
    L_PROFILE,
    L_NAMESPACE,
    L_NAMESPACE_OLD,
    L_POD,
    L_POD_OLD,
    L_POD_UID,
    L_JOB,
    NLABELS
};
static const char *const dcgm_names[NLABELS] = {
    "UUID",      "uuid",          "hostname", "Hostname", "modelName", "GPU_I_ID", "GPU_I_PROFILE",
    "namespace", "pod_namespace", "pod",      "pod_name", "pod_uid",   "hpc_job"};
/* A pod name is the event's job (prom.h); every other label its 64-byte field. */
static const size_t dcgm_max[NLABELS] = {[L_POD] = PROM_POD_MAX, [L_POD_OLD] = PROM_POD_MAX};

/* Metric names are matched exactly, case included, as Prometheus defines
 * them: dcgm-exporter 2.x-4.x writes DCGM_FI_* (and DCGM_EXP_*), 1.x wrote
 * lower-case dcgm_* names of its own (dcgm_power_usage, never dcgm_fi_*).
 * A lower-cased paste of the newer names (dcgm_fi_dev_power_usage) is not
 * a series dcgm-exporter writes: it is a bad line, never a device read as
 * idle capacity. */
static bool is_dcgm_metric(const char *name)
{
    if (!strncmp(name, "DCGM_", 5)) return true;
    return !strncmp(name, "dcgm_", 5) && strncmp(name, "dcgm_fi_", 8) &&
           strncmp(name, "dcgm_exp_", 9);
}

static bool is_energy(const char *name)
{
    return !strcmp(name, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION") ||
           !strcmp(name, "dcgm_total_energy_consumption");
}

static bool is_power(const char *name)
{
    return !strcmp(name, "DCGM_FI_DEV_POWER_USAGE") || !strcmp(name, "dcgm_power_usage");
}

/* Framebuffer memory used, in MiB (dcgm-exporter's default counters:
 * "DCGM_FI_DEV_FB_USED, gauge, Framebuffer memory used (in MiB)."; 1.x and
 * its 1.x-compatibility-metrics.csv: "dcgm_fb_used, gauge, Framebuffer
 * memory used (in MiB)."). */
static bool is_fb_used(const char *name)
{
    return !strcmp(name, "DCGM_FI_DEV_FB_USED") || !strcmp(name, "dcgm_fb_used");
}

/* The health signals of dcgm-exporter's etc/default-counters.csv, where
 * each is kept (health.h): DCGM_FI_DEV_XID_ERRORS ("Value of the last XID
 * error encountered", on by default), DCGM_FI_DEV_ROW_REMAP_FAILURE
 * ("Whether remapping of rows has failed", on by default) and
 * DCGM_FI_DEV_ECC_DBE_VOL_TOTAL ("Total number of double-bit volatile ECC
 * errors", listed there commented out: on where the operator enables it);
 * DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL ("Total number of NVLink
 * retries") and DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL ("Total number
 * of NVLink recovery errors"), commented out there too. The CRC counters
 * are not read: DCGM's health watch warns on them only (docs/availability.md). */
static bool *health_signal(struct device_signals *g, const char *name, int64_t **value)
{
    if (!strcmp(name, "DCGM_FI_DEV_XID_ERRORS")) return *value = &g->xid, &g->has_xid;
    if (!strcmp(name, "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL"))
        return *value = &g->ecc_dbe, &g->has_ecc_dbe;
    if (!strcmp(name, "DCGM_FI_DEV_ROW_REMAP_FAILURE"))
        return *value = &g->row_remap_failure, &g->has_row_remap_failure;
    if (!strcmp(name, "DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL"))
        return *value = &g->nvlink_replay, &g->has_nvlink_replay;
    if (!strcmp(name, "DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL"))
        return *value = &g->nvlink_recovery, &g->has_nvlink_recovery;
    /* npu-exporter: "npu_chip_info_health_status: the npu health status",
     * 1 when healthy */
    if (!strcmp(name, "npu_chip_info_health_status"))
        return *value = &g->chip_health, &g->has_chip_health;
    /* mlu-exporter (examples/metrics.yaml): "The health state of Cambricon
     * MLU, 1 means health, 0 means sick" */
    if (!strcmp(name, "mlu_health")) return *value = &g->card_health, &g->has_card_health;
    return NULL;
}

/* DCGM writes a blank (0x7ffffffffffffff0 and up for integers, 2^47 and up
 * for doubles) where a field has no value: not supported, not found, no
 * permission. Such a reading is no reading, not a bad line. */
static bool dcgm_blank(const char *v, int scale)
{
    int64_t whole;
    if (!decimal_parse(v, strlen(v), 0, DECIMAL_TRUNCATE, &whole)) return strlen(v) > 18;
    return scale ? whole >= 140737488355328LL : whole >= 0x7ffffffffffffff0LL;
}

/* Reads a power (W, to mW), energy (mJ) or memory (MiB) sample of r into
 * *out, every chip path's one reader (dcgm, npu, dcu, mlu, metax,
 * iluvatar, hami's dcgm join). A value that is not a plausible one, or a
 * repeat of the series in this scrape with another value, is a bad line
 * naming the metric and changes nothing: the first good value stands.
 * dcgm-exporter 4.x copies every series once per pod of a shared GPU with
 * the same value, so an equal repeat is no news; an unequal one means two
 * readings of one device, of which the scrape cannot say which is true,
 * and the first is kept rather than the last so that a line appended to
 * the scrape cannot rewrite what the exporter read. */
static void read_quantity(const struct prom_sample *s, struct device_source *src,
                          const struct device_reading *r, int scale, int64_t max, bool *has,
                          int64_t *out)
{
    if (dcgm_blank(s->value, scale)) return; /* no value */
    int64_t v;
    if (!decimal_parse(s->value, strlen(s->value), scale, DECIMAL_TRUNCATE, &v) || v > max)
        rejects_bad_line(src->rejects, s->lineno, "%s is not a plausible non-negative number",
                         s->name);
    else if (*has && v != *out)
        rejects_bad_line(src->rejects, s->lineno, "%.64s of %.96s repeated with another value",
                         s->name, r->device);
    else {
        *out = v;
        *has = true;
    }
}

/* Reads a health signal of r (an XID, an error count, a health status:
 * health_signal) into *out: a whole number, read exactly. A fraction is a
 * bad line naming the value and changes nothing, never truncated into a
 * code or a count (79.9 is no XID 79, a chip health 0.5 no status 0: either
 * would rate a device down on a value no exporter writes); a blank is no
 * reading, and a repeat with another value a bad line, as read_quantity's. */
static void read_signal(const struct prom_sample *s, struct device_source *src,
                        const struct device_reading *r, bool *has, int64_t *out)
{
    if (dcgm_blank(s->value, 0)) return; /* no value */
    int64_t v;
    if (!decimal_parse(s->value, strlen(s->value), 0, DECIMAL_EXACT, &v) || v > EVENT_INT_MAX)
        rejects_bad_line(src->rejects, s->lineno, "%s %.32s is not a whole non-negative number",
                         s->name, s->value);
    else if (*has && v != *out)
        rejects_bad_line(src->rejects, s->lineno, "%.64s of %.96s repeated with another value",
                         s->name, r->device);
    else {
        *out = v;
        *has = true;
    }
}

static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* A series naming a tenant adds it to the unit: several pods on one GPU
 * (time-slicing, MPS; dcgm-exporter 4.x writes one copy of every series
 * per pod, told apart by a vgpu label) share it (device.h). */
static void add_tenant(const struct prom_sample *s, struct device_source *src,
                       struct device_reading *r, const char *account, const char *job)
{
    if (!device_add_tenant(r, account, job))
        rejects_bad_line(src->rejects, s->lineno, "more than %d tenants on %s", DEVICE_MAX_TENANTS,
                        r->device);
}

/* Bare metal: a unit no series named a tenant for is the map's (gpu:, then
 * node:), once every series of the scrape is read, so a series without pod
 * labels never outranks one with them, whatever their order. */
void dcgm_tenants_from_map(struct device_source *src)
{
    for (size_t i = 0; i < src->set->n; i++) {
        struct device_reading *r = &src->set->v[i];
        const char *mapped = r->ntenants || r->too_many_tenants
                                 ? NULL
                                 : device_mapped_account(src, r->key, r->node);
        if (mapped) device_add_tenant(r, mapped, NULL);
    }
}

static const char *either(const char *a, const char *b)
{
    return a && *a ? a : b && *b ? b : NULL;
}

void dcgm_read_sample(const struct prom_sample *s, struct device_source *src)
{
    const char *l[NLABELS], *bad = "UUID";
    if (!is_dcgm_metric(s->name)) {
        rejects_bad_line(src->rejects, s->lineno, "unknown metric %.64s (names are case-sensitive)",
                        s->name);
        return;
    }
    if (!prom_is_number(s->value)) {
        rejects_bad_line(src->rejects, s->lineno, "value of %.64s is not a number", s->name);
        return;
    }
    if (!prom_names(s, dcgm_names, dcgm_max, NLABELS, l, &bad) ||
        !(l[L_UUID] = either(l[L_UUID], l[L_UUID_LOWER]))) {
        rejects_bad_line(src->rejects, s->lineno, "label %s is missing, too long or not printable",
                        bad);
        return;
    }
    const char *node = device_node(src, either(l[L_HOSTNAME], l[L_HOSTNAME_OLD]));
    const char *instance = l[L_INSTANCE] ? l[L_INSTANCE] : "";
    struct device_reading *r = device_get(src->set, l[L_UUID], instance, node, l[L_UUID]);
    if (!r->model[0]) {
        copy(r->model, sizeof r->model, l[L_MODEL] ? l[L_MODEL] : src->model);
        strcpy(r->vendor, "nvidia");
        if (l[L_INSTANCE] && l[L_PROFILE] &&
            !device_mig_slices(l[L_PROFILE], r->model, &r->slices, &r->slices_total))
            rejects_bad_line(src->rejects, s->lineno, "MIG profile %.32s not understood",
                            l[L_PROFILE]);
    }
    const char *ns = either(l[L_NAMESPACE], l[L_NAMESPACE_OLD]);
    const char *pod = either(either(l[L_POD], l[L_POD_OLD]), l[L_POD_UID]), *job = l[L_JOB];
    if (ns && pod) {
        add_tenant(s, src, r, ns, pod);
    } else if (job) {
        const char *mapped = accounts_find(src->map, "job", job);
        char fallback[80];
        snprintf(fallback, sizeof fallback, "job:%.64s", job);
        add_tenant(s, src, r, mapped ? mapped : fallback, job);
    }
    if (is_energy(s->name))
        read_quantity(s, src, r, 0, DEVICE_MAX_ENERGY_MJ, &r->has_energy, &r->energy_mj);
    else if (is_power(s->name))
        read_quantity(s, src, r, 3, DEVICE_MAX_POWER_MW, &r->has_power, &r->power_mw);
    else if (is_fb_used(s->name))
        read_quantity(s, src, r, 0, DEVICE_MAX_FB_MIB, &r->has_fb, &r->fb_used_mib);
    else {
        int64_t *value;
        bool *has = health_signal(&r->signals, s->name, &value);
        if (has) read_signal(s, src, r, has, value);
    }
}

static void dcgm_sample(const struct prom_sample *s, void *ctx)
{
    dcgm_read_sample(s, ctx);
}

void dcgm_parse(const char *text, size_t len, struct device_source *src)
{
    prom_parse(text, len, src->rejects, dcgm_sample, src);
    dcgm_tenants_from_map(src);
}

struct device_reading *dcgm_chip_sample(const struct prom_sample *s, struct device_source *src,
                                         const struct dcgm_chip *c)
{
    char device[80], key[170];
    if (c->id_is_global) {
        /* a UUID names the chip wherever it is, as dcgm's UUID does */
        snprintf(device, sizeof device, "%s", c->id);
        snprintf(key, sizeof key, "%s", c->id);
    } else {
        snprintf(device, sizeof device, "%s-%s", c->kind, c->id);
        snprintf(key, sizeof key, "%s/%s", c->node, device);
    }
    struct device_reading *r = device_get(src->set, key, "", c->node, device);
    if (!r->model[0] || (c->model && !r->model_reported)) {
        copy(r->model, sizeof r->model, c->model ? c->model : src->model);
        r->model_reported = c->model != NULL;
        copy(r->vendor, sizeof r->vendor, c->vendor);
    }
    if (c->pod) add_tenant(s, src, r, c->ns ? c->ns : "default", c->pod);
    int64_t *value;
    bool *has;
    if (!strcmp(s->name, c->power_metric))
        read_quantity(s, src, r, c->power_in_mw ? 0 : 3, DEVICE_MAX_POWER_MW, &r->has_power,
                      &r->power_mw);
    else if ((has = health_signal(&r->signals, s->name, &value))) {
        if (s->value[0] == '-' && !strcmp(s->name, "npu_chip_info_health_status")) {
            /* npu-exporter 26.1 writes -1 when the DCMI interface or
             * hccn_tool call failed (docs/availability.md, [npu-exporter-26.1]):
             * a status, read as the negative number it is */
            int64_t v;
            if (!decimal_parse(s->value + 1, strlen(s->value + 1), 0, DECIMAL_EXACT, &v) ||
                v > 1000)
                rejects_bad_line(src->rejects, s->lineno, "%s is not a plausible status", s->name);
            else if (*has && *value != -v)
                rejects_bad_line(src->rejects, s->lineno, "%.64s of %.96s repeated with another value",
                                 s->name, r->device);
            else
                *value = -v, *has = true;
        } else
            read_signal(s, src, r, has, value);
    }
    return r;
}

enum npu_label { N_ID, N_MODEL, N_NAMESPACE, N_POD, N_NAME, N_VDEV, NPU_LABELS };
static const char *const npu_names[NPU_LABELS] = {"id",       "model_name", "namespace",
                                                  "pod_name", "name",       "v_dev_id"};
static const size_t npu_max[NPU_LABELS] = {[N_POD] = PROM_POD_MAX};

/* npu-exporter's families: npu_* of a chip, container_npu_* (since 5.x:
 * the same chip labels, for the container using it), machine_* of the
 * node (machine_npu_nums; machine_card_nums since 6.x), vnpu_pod_* of a
 * vNPU, a share of a chip's AI cores. */
static bool is_npu_metric(const char *name)
{
    return !strncmp(name, "npu_", 4) || !strncmp(name, "container_npu_", 14) ||
           !strncmp(name, "machine_", 8) || !strncmp(name, "vnpu_", 5);
}

static void npu_sample(const struct prom_sample *s, void *ctx)
{
    struct device_source *src = ctx;
    const char *l[NPU_LABELS], *bad = "value";
    if (!is_npu_metric(s->name)) {
        rejects_bad_line(src->rejects, s->lineno, "unknown metric %.64s", s->name);
        return;
    }
    if (!prom_names(s, npu_names, npu_max, NPU_LABELS, l, &bad) || !prom_is_number(s->value)) {
        rejects_bad_line(src->rejects, s->lineno, "%s of %.64s is not valid", bad, s->name);
        return;
    }
    if (!l[N_ID]) return; /* machine-level series carry no chip */
    if (!strncmp(s->name, "vnpu_", 5)) {
        /* a share of the chip's AI cores: until such shares are metered
         * (docs/collectors.md) its pod is counted, never dropped unseen nor
         * billed the whole chip */
        if (l[N_POD])
            rejects_bad_line(src->rejects, s->lineno,
                            "vNPU %.16s of NPU %.16s: AI-core shares are not metered yet",
                            l[N_VDEV] ? l[N_VDEV] : "?", l[N_ID]);
        return;
    }
    /* model_name (npu-exporter since late 2023), else the "name" label that
     * older ones put on npu_chip_info_name or on every chip series */
    const char *model = l[N_MODEL] ? l[N_MODEL] : l[N_NAME];
    const struct dcgm_chip npu = {src->node, "npu",          l[N_ID],  model,
                             "huawei",  l[N_NAMESPACE], l[N_POD], "npu_chip_info_power",
                             false,     false};
    dcgm_chip_sample(s, src, &npu);
}

void dcgm_parse_npu(const char *text, size_t len, struct device_source *src)
{
    prom_parse(text, len, src->rejects, npu_sample, src);
    dcgm_tenants_from_map(src);
}

/* Hygon dcu-exporter (see dcgm.h). Its label sets, dcu_* and vdcu_*, are
 * fixed in the exporter; device_id is the board serial, node the host's
 * /etc/hostname, name the board's subsystem name (often empty). */
enum dcu_label { D_SERIAL, D_NODE, D_NAME, D_NAMESPACE, D_POD, D_VDCU, D_UNITS, DCU_LABELS };
static const char *const dcu_names[DCU_LABELS] = {
    "device_id",    "node",         "name",              "dcu_pod_namespace",
    "dcu_pod_name", "vdcu_minor_number", "vdcu_computer_unit"};
static const size_t dcu_max[DCU_LABELS] = {[D_POD] = PROM_POD_MAX};

/* No DCU has a million compute units (a K100_AI has 120): more is bad input. */
#define DCU_MAX_UNITS 1000000

/* dcu-exporter's uncorrectable RAS error count, one series per card and
 * RAS block (label block_type; main.go's dcuUE, from the DCU library's
 * per-block CE/UE counts). Its sibling dcu_ce_count (correctable) is
 * validated, not read: a corrected error costs no work. */
#define DCU_UE "dcu_ue_count"

static bool ue_count(const char *v, int64_t *n)
{
    return decimal_parse(v, strlen(v), 0, DECIMAL_EXACT, n) && *n >= 0 && *n <= EVENT_INT_MAX;
}

/* The card's UE count is the sum over its blocks: the exporter writes each
 * (card, block) once (a GaugeVec sets one series per label set), so a rise
 * of any block is a rise of the sum. A sum past the event contract's
 * integers is a bad line and leaves the sum as it was. */
static void ras_ue_add(const struct prom_sample *s, struct device_source *src,
                       struct device_reading *r, int64_t ue)
{
    struct device_signals *g = &r->signals;
    if (g->has_ras_ue && ue > EVENT_INT_MAX - g->ras_ue) {
        rejects_bad_line(src->rejects, s->lineno, DCU_UE " of %.96s sums past %lld", r->device,
                         (long long)EVENT_INT_MAX);
        return;
    }
    g->ras_ue = g->has_ras_ue ? g->ras_ue + ue : ue;
    g->has_ras_ue = true;
}

struct dcu_ctx {
    struct device_source *src;
    struct vdcu_shares shares;
};

static bool compute_units(const char *v, int64_t *units)
{
    return decimal_parse(v, strlen(v), 0, DECIMAL_EXACT, units) && *units >= 0 &&
           *units <= DCU_MAX_UNITS;
}

static void dcu_sample(const struct prom_sample *s, void *ctx)
{
    struct dcu_ctx *dc = ctx;
    struct device_source *src = dc->src;
    const char *l[DCU_LABELS], *bad = "value";
    if (strncmp(s->name, "dcu_", 4) && strncmp(s->name, "vdcu_", 5)) {
        rejects_bad_line(src->rejects, s->lineno, "unknown metric %.64s", s->name);
        return;
    }
    bool ok = prom_names(s, dcu_names, dcu_max, DCU_LABELS, l, &bad) && prom_is_number(s->value);
    if (ok && !l[D_SERIAL]) {
        ok = false;
        bad = "device_id";
    }
    if (!ok) {
        rejects_bad_line(src->rejects, s->lineno, "%s of %.64s is missing or not valid", bad,
                        s->name);
        return;
    }
    int64_t units = 0;
    if (l[D_VDCU] && (!l[D_UNITS] || !compute_units(l[D_UNITS], &units))) {
        rejects_bad_line(src->rejects, s->lineno,
                        "vDCU %.16s of %.32s: vdcu_computer_unit is not a count of compute units",
                        l[D_VDCU], l[D_SERIAL]);
        return;
    }
    if (!strcmp(s->name, "dcu_compute_unit_count") && !compute_units(s->value, &units)) {
        rejects_bad_line(src->rejects, s->lineno, "dcu_compute_unit_count is not a count");
        return;
    }
    int64_t ue = 0;
    bool is_ue = !strcmp(s->name, DCU_UE);
    if (is_ue && !ue_count(s->value, &ue)) {
        rejects_bad_line(src->rejects, s->lineno, DCU_UE " %.32s is not a count of errors",
                         s->value);
        return;
    }
    /* serial plus node: the node label is the host's /etc/hostname; a vDCU
     * is a share of its card (vdcu.h), its pod never the whole card's */
    const struct dcgm_chip dcu = {device_node(src, l[D_NODE]), "dcu", l[D_SERIAL], l[D_NAME], "hygon",
                             l[D_NAMESPACE], l[D_VDCU] ? NULL : l[D_POD], "dcu_power_usage", false, false};
    struct device_reading *r = dcgm_chip_sample(s, src, &dcu);
    if (l[D_VDCU] && l[D_POD])
        vdcu_note(&dc->shares, r->key, l[D_VDCU], units,
                  l[D_NAMESPACE] ? l[D_NAMESPACE] : "default", l[D_POD], s->lineno);
    else if (!strcmp(s->name, "dcu_compute_unit_count"))
        vdcu_card_units(&dc->shares, r->key, units);
    else if (is_ue)
        ras_ue_add(s, src, r, ue);
}

void dcgm_parse_dcu(const char *text, size_t len, struct device_source *src)
{
    struct dcu_ctx dc = {.src = src};
    prom_parse(text, len, src->rejects, dcu_sample, &dc);
    vdcu_apply(&dc.shares, src);
    dcgm_tenants_from_map(src);
}
