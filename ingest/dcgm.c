/* dcgm: dcgm-exporter and npu-exporter scrapes to device readings (see dcgm.h). */
#include "core/decimal.h"
#include "ingest/prom.h"
#include "ingest/dcgm.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A Prometheus sample value: a decimal in any notation, NaN or +/-Inf. Its
 * range is not checked here: only the values metered are read (and those
 * exactly, with core/decimal), and a counter beyond int64 in a series
 * nobody meters is not a bad line. */
static bool is_number(const char *v)
{
    if (!strcmp(v, "NaN") || !strcmp(v, "+Inf") || !strcmp(v, "-Inf") || !strcmp(v, "Inf"))
        return true;
    if (*v == '-' || *v == '+') v++;
    size_t digits = strspn(v, "0123456789");
    v += digits;
    if (*v == '.') {
        size_t frac = strspn(++v, "0123456789");
        digits += frac;
        v += frac;
    }
    if (!digits) return false;
    if (*v == 'e' || *v == 'E') {
        if (*++v == '+' || *v == '-') v++;
        size_t exp = strspn(v, "0123456789");
        if (!exp) return false;
        v += exp;
    }
    return *v == '\0';
}

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

/* The series metered, as dcgm-exporter names them and as scrapes are met in
 * the wild: 1.x's dcgm_* names, and names lower-cased on their way (a
 * relabelling rule, a paste through another tool). */
static bool is_energy(const char *name)
{
    return !strcasecmp(name, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION") ||
           !strcmp(name, "dcgm_total_energy_consumption");
}

static bool is_power(const char *name)
{
    return !strcasecmp(name, "DCGM_FI_DEV_POWER_USAGE") || !strcmp(name, "dcgm_power_usage");
}

/* False (naming the label) when a label that names something is too long
 * for its field or could not be a name (core/utf8.h: not UTF-8, control or
 * bidirectional formatting characters). Empty labels never get here: the
 * parser drops them as absent. */
static bool classify(const struct prom_sample *s, const char *const *names, int n, const char **out,
                     const char **bad)
{
    for (int k = 0; k < n; k++)
        out[k] = NULL;
    for (int i = 0; i < s->nlabels; i++)
        for (int k = 0; k < n; k++)
            if (s->labels[i].name[0] == names[k][0] && !strcmp(s->labels[i].name, names[k])) {
                out[k] = s->labels[i].value;
                if (!cycle_ident_valid(out[k], 65)) {
                    *bad = names[k];
                    return false;
                }
                break;
            }
    return true;
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

/* Reads a power (W, to mW) or energy (mJ) sample; false when not a valid one. */
static bool read_quantity(const struct prom_sample *s, int scale, bool *has, int64_t *out)
{
    int64_t max = scale ? DEVICE_MAX_POWER_MW : DEVICE_MAX_ENERGY_MJ;
    if (dcgm_blank(s->value, scale)) return true; /* no value */
    if (!decimal_parse(s->value, strlen(s->value), scale, DECIMAL_TRUNCATE, out) || *out > max)
        return false;
    *has = true;
    return true;
}

static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void set_tenant(struct device_reading *r, const char *account, const char *job)
{
    copy(r->account, sizeof r->account, account);
    copy(r->job, sizeof r->job, job ? job : "");
}

static const char *either(const char *a, const char *b)
{
    return a && *a ? a : b && *b ? b : NULL;
}

static void dcgm_sample(const struct prom_sample *s, void *ctx)
{
    struct device_source *src = ctx;
    const char *l[NLABELS], *bad = "UUID";
    if (strncasecmp(s->name, "DCGM_", 5)) {
        report_bad_line(src->report, s->lineno, "unknown metric %.64s", s->name);
        return;
    }
    if (!is_number(s->value)) {
        report_bad_line(src->report, s->lineno, "value of %.64s is not a number", s->name);
        return;
    }
    if (!classify(s, dcgm_names, NLABELS, l, &bad) ||
        !(l[L_UUID] = either(l[L_UUID], l[L_UUID_LOWER]))) {
        report_bad_line(src->report, s->lineno, "label %s is missing, too long or not printable",
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
            report_bad_line(src->report, s->lineno, "MIG profile %.32s not understood",
                            l[L_PROFILE]);
    }
    const char *ns = either(l[L_NAMESPACE], l[L_NAMESPACE_OLD]);
    const char *pod = either(either(l[L_POD], l[L_POD_OLD]), l[L_POD_UID]), *job = l[L_JOB];
    const char *mapped;
    if (r->account[0]) {
        /* already attributed by another series of this GPU */
    } else if (ns && pod) {
        set_tenant(r, ns, pod);
    } else if (job) {
        mapped = accounts_find(src->map, "job", job);
        char fallback[80];
        snprintf(fallback, sizeof fallback, "job:%.64s", job);
        set_tenant(r, mapped ? mapped : fallback, job);
    } else if ((mapped = device_mapped_account(src, l[L_UUID], r->node))) {
        set_tenant(r, mapped, NULL); /* bare metal: the operator's map */
    }
    bool ok = true;
    if (is_energy(s->name))
        ok = read_quantity(s, 0, &r->has_energy, &r->energy_mj);
    else if (is_power(s->name))
        ok = read_quantity(s, 3, &r->has_power, &r->power_mw);
    if (!ok)
        report_bad_line(src->report, s->lineno, "%s is not a plausible non-negative number",
                        s->name);
}

void dcgm_parse(const char *text, size_t len, struct device_source *src)
{
    prom_parse(text, len, src->report, dcgm_sample, src);
}

enum npu_label { N_ID, N_MODEL, N_NAMESPACE, N_POD, N_NAME, NPU_LABELS };
static const char *const npu_names[NPU_LABELS] = {"id", "model_name", "namespace", "pod_name",
                                                  "name"};

static void npu_sample(const struct prom_sample *s, void *ctx)
{
    struct device_source *src = ctx;
    const char *l[NPU_LABELS], *bad = "value";
    if (strncmp(s->name, "npu_", 4) && strncmp(s->name, "machine_npu", 11)) {
        report_bad_line(src->report, s->lineno, "unknown metric %.64s", s->name);
        return;
    }
    if (!classify(s, npu_names, NPU_LABELS, l, &bad) || !is_number(s->value)) {
        report_bad_line(src->report, s->lineno, "%s of %.64s is not valid", bad, s->name);
        return;
    }
    if (!l[N_ID]) return; /* machine-level series carry no chip */
    char device[80], key[170];
    snprintf(device, sizeof device, "npu-%s", l[N_ID]);
    snprintf(key, sizeof key, "%s/%s", src->node, device); /* NPU ids repeat on every node */
    struct device_reading *r = device_get(src->set, key, "", src->node, device);
    /* model_name (npu-exporter since late 2023), else the "name" label that
     * older ones put on npu_chip_info_name or on every chip series */
    const char *model = l[N_MODEL] ? l[N_MODEL] : l[N_NAME];
    if (!r->model[0] || (model && !r->model_reported)) {
        copy(r->model, sizeof r->model, model ? model : src->model);
        r->model_reported = model != NULL;
        strcpy(r->vendor, "huawei");
    }
    const char *mapped;
    if (r->account[0]) {
        /* already attributed */
    } else if (l[N_POD]) {
        set_tenant(r, l[N_NAMESPACE] ? l[N_NAMESPACE] : "default", l[N_POD]);
    } else if ((mapped = device_mapped_account(src, key, src->node))) {
        set_tenant(r, mapped, NULL);
    }
    if (!strcmp(s->name, "npu_chip_info_power") &&
        !read_quantity(s, 3, &r->has_power, &r->power_mw))
        report_bad_line(src->report, s->lineno,
                        "npu_chip_info_power is not a plausible non-negative number");
}

void dcgm_parse_npu(const char *text, size_t len, struct device_source *src)
{
    prom_parse(text, len, src->report, npu_sample, src);
}
