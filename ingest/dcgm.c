/* dcgm: dcgm-exporter and npu-exporter scrapes to device readings (see telemetry.h). */
#include "core/decimal.h"
#include "ingest/prom.h"
#include "ingest/telemetry.h"

#include <stdio.h>
#include <string.h>

/* Prometheus values: a decimal with optional sign, NaN or +/-Inf. */
static bool is_number(const char *v)
{
    if (!strcmp(v, "NaN") || !strcmp(v, "+Inf") || !strcmp(v, "-Inf")) return true;
    int64_t ignored;
    if (*v == '-') v++;
    return decimal_parse(v, strlen(v), 0, DECIMAL_TRUNCATE, &ignored);
}

static const char *first_label(const struct prom_sample *s, const char *a, const char *b)
{
    const char *v = prom_label(s, a);
    return v ? v : prom_label(s, b);
}

/* Every label that names something must be printable and fit its field. */
static const char *check_idents(const struct prom_sample *s, const char *const *names)
{
    for (; *names; names++) {
        const char *v = prom_label(s, *names);
        if (v && !ident_valid(v, 65)) return *names;
    }
    return NULL;
}

/* Reads a power (W, to mW) or energy (mJ) sample; false when not a valid one. */
static bool read_quantity(const struct prom_sample *s, int scale, bool *has, int64_t *out)
{
    int64_t max = scale ? DEVICE_MAX_POWER_MW : DEVICE_MAX_ENERGY_MJ;
    if (!decimal_parse(s->value, strlen(s->value), scale, DECIMAL_TRUNCATE, out) || *out > max)
        return false;
    *has = true;
    return true;
}

static void set_tenant(struct device_reading *r, const char *account, const char *job)
{
    snprintf(r->account, sizeof r->account, "%s", account);
    snprintf(r->job, sizeof r->job, "%s", job ? job : "");
}

static void dcgm_sample(const struct prom_sample *s, void *ctx)
{
    static const char *const idents[] = {"UUID",     "Hostname",  "hostname", "modelName",
                                         "GPU_I_ID", "namespace", "pod",      "pod_namespace",
                                         "pod_name", "pod_uid",   "hpc_job",  NULL};
    struct device_source *src = ctx;
    if (strncmp(s->name, "DCGM_", 5)) {
        report_bad_line(src->report, s->lineno, "unknown metric %.64s", s->name);
        return;
    }
    if (!is_number(s->value)) {
        report_bad_line(src->report, s->lineno, "value of %.64s is not a number", s->name);
        return;
    }
    const char *uuid = prom_label(s, "UUID"), *bad = check_idents(s, idents);
    if (!uuid || bad) {
        report_bad_line(src->report, s->lineno, "label %s is missing, too long or not printable",
                        bad ? bad : "UUID");
        return;
    }
    const char *node = first_label(s, "Hostname", "hostname"), *inst = prom_label(s, "GPU_I_ID");
    struct device_reading *r =
        device_get(src->set, node ? node : src->node, uuid, inst ? inst : "");
    const char *model = prom_label(s, "modelName");
    snprintf(r->model, sizeof r->model, "%s", model ? model : src->model);
    strcpy(r->vendor, "nvidia");
    const char *profile = prom_label(s, "GPU_I_PROFILE");
    if (inst && profile && !device_mig_slices(profile, r->model, &r->slices, &r->slices_total))
        report_bad_line(src->report, s->lineno, "MIG profile %.32s not understood", profile);
    const char *ns = first_label(s, "namespace", "pod_namespace");
    const char *pod = first_label(s, "pod", "pod_name"), *job = prom_label(s, "hpc_job");
    if (!pod) pod = prom_label(s, "pod_uid");
    if (ns && *ns && pod && *pod) {
        set_tenant(r, ns, pod);
    } else if (job && *job) {
        const char *mapped = account_map_find(src->map, "job", job);
        char fallback[80];
        snprintf(fallback, sizeof fallback, "job:%.64s", job);
        set_tenant(r, mapped ? mapped : fallback, job);
    }
    bool ok = true;
    if (!strcmp(s->name, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"))
        ok = read_quantity(s, 0, &r->has_energy, &r->energy_mj);
    else if (!strcmp(s->name, "DCGM_FI_DEV_POWER_USAGE"))
        ok = read_quantity(s, 3, &r->has_power, &r->power_mw);
    if (!ok)
        report_bad_line(src->report, s->lineno, "%s is not a plausible non-negative number",
                        s->name);
}

void dcgm_parse(const char *text, size_t len, struct device_source *src)
{
    prom_parse(text, len, src->report, dcgm_sample, src);
}

static void npu_sample(const struct prom_sample *s, void *ctx)
{
    static const char *const idents[] = {"id", "model_name", "namespace", "pod_name", NULL};
    struct device_source *src = ctx;
    if (strncmp(s->name, "npu_", 4) && strncmp(s->name, "machine_npu", 11)) {
        report_bad_line(src->report, s->lineno, "unknown metric %.64s", s->name);
        return;
    }
    const char *bad = check_idents(s, idents), *id = prom_label(s, "id");
    if (!is_number(s->value) || bad) {
        report_bad_line(src->report, s->lineno, "%s of %.64s is not valid", bad ? bad : "value",
                        s->name);
        return;
    }
    if (!id) return; /* machine-level series carry no chip */
    char device[40];
    snprintf(device, sizeof device, "npu-%s", id);
    struct device_reading *r = device_get(src->set, src->node, device, "");
    const char *model = prom_label(s, "model_name");
    snprintf(r->model, sizeof r->model, "%s", model ? model : src->model);
    strcpy(r->vendor, "huawei");
    const char *pod = prom_label(s, "pod_name"), *ns = prom_label(s, "namespace");
    if (pod && *pod) set_tenant(r, ns && *ns ? ns : "default", pod);
    if (!strcmp(s->name, "npu_chip_info_power") &&
        !read_quantity(s, 3, &r->has_power, &r->power_mw))
        report_bad_line(src->report, s->lineno,
                        "npu_chip_info_power is not a plausible non-negative number");
}

void npu_parse(const char *text, size_t len, struct device_source *src)
{
    prom_parse(text, len, src->report, npu_sample, src);
}
