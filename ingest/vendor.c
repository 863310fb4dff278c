/* vendor: domestic accelerators' exporters through one profile table (see vendor.h). */
#include "core/invariant.h"
#include "ingest/vendor.h"
#include "ingest/dcgm.h"
#include "ingest/prom.h"

#include <stdbool.h>
#include <string.h>

/* The labels a profile names, in this order. */
enum vendor_label { V_ID, V_NODE, V_MODEL, V_NAMESPACE, V_POD, V_LABELS };
static const size_t vendor_max[V_LABELS] = {[V_POD] = PROM_POD_MAX}; /* a pod is the event's job */

struct vendor_profile {
    const char *vendor;       /* as the catalogue spells it */
    const char *prefix;       /* every series of the exporter starts with it */
    const char *share_prefix; /* series of a share of a chip (not metered yet), or NULL */
    const char *power_metric;
    bool power_in_mw;
    const char *labels[V_LABELS];
};

/* MetaX mx-exporter (docs/collectors.md, "metax"): labels from its manual's
 * sample line, pod labels as HAMi-WebUI and dashboards query them; board
 * power in mW (HAMi-WebUI: "mx_board_power ... // mW", divided by 1000). */
static const struct vendor_profile metax = {
    "metax", "mx_", "mx_sgpu_", "mx_board_power", true,
    {"uuid", "Hostname", "modelName", "namespace", "pod"}};

/* Iluvatar CoreX ix-exporter (Deep-Spark/ix-exporter, pkg/collector/const.go
 * labels; README sample: ix_power_usage 54..131 on BI-V100/MR-V50, watts). */
static const struct vendor_profile iluvatar = {
    "iluvatar", "ix_", NULL, "ix_power_usage", false,
    {"uuid", "node_name", "name", "namespace", "pod"}};

struct vendor_scrape {
    const struct vendor_profile *p;
    struct device_source *src;
};

static bool starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* The series a Prometheus client library writes about the exporter's own
 * process when it serves the default registry (mx-exporter is Python's
 * prometheus_client: python_gc_*, python_info, process_*; a Go exporter:
 * go_*, process_*, promhttp_*). They name no chip and carry no usage:
 * skipped, not bad lines, so a real scrape is not a page of warnings. */
static bool is_client_runtime(const char *name)
{
    static const char *const runtime[] = {"python_", "process_", "go_", "promhttp_"};
    for (size_t i = 0; i < sizeof runtime / sizeof runtime[0]; i++)
        if (starts_with(name, runtime[i])) return true;
    return false;
}

static void vendor_sample(const struct prom_sample *s, void *ctx)
{
    const struct vendor_scrape *v = ctx;
    const struct vendor_profile *p = v->p;
    struct device_source *src = v->src;
    const char *l[V_LABELS], *bad = "value";
    if (is_client_runtime(s->name)) return;
    if (!starts_with(s->name, p->prefix)) {
        rejects_bad_line(src->rejects, s->lineno, "unknown metric %.64s", s->name);
        return;
    }
    if (!prom_names(s, p->labels, vendor_max, V_LABELS, l, &bad) || !prom_is_number(s->value)) {
        rejects_bad_line(src->rejects, s->lineno, "%s of %.64s is not valid", bad, s->name);
        return;
    }
    if (p->share_prefix && starts_with(s->name, p->share_prefix)) {
        /* A share of a chip: its pod is counted, never billed the whole
         * chip nor dropped unseen, until shares of it are metered. */
        if (l[V_POD])
            rejects_bad_line(src->rejects, s->lineno,
                            "%.64s of pod %.64s: shares of a chip are not metered yet", s->name,
                            l[V_POD]);
        return;
    }
    if (!l[V_ID]) {
        rejects_bad_line(src->rejects, s->lineno, "%s of %.64s is missing", p->labels[V_ID],
                        s->name);
        return;
    }
    const struct dcgm_chip chip = {.node = device_node(src, l[V_NODE]),
                                   .kind = p->vendor,
                                   .id = l[V_ID],
                                   .model = l[V_MODEL],
                                   .vendor = p->vendor,
                                   .ns = l[V_NAMESPACE],
                                   .pod = l[V_POD],
                                   .power_metric = p->power_metric,
                                   .power_in_mw = p->power_in_mw,
                                   .id_is_global = true};
    dcgm_chip_sample(s, src, &chip);
}

static void vendor_parse(const struct vendor_profile *p, const char *text, size_t len,
                         struct device_source *src)
{
    assert(p && src && src->set && src->rejects);
    struct vendor_scrape v = {p, src};
    prom_parse(text, len, src->rejects, vendor_sample, &v);
    dcgm_tenants_from_map(src);
}

void vendor_parse_metax(const char *text, size_t len, struct device_source *src)
{
    vendor_parse(&metax, text, len, src);
}

void vendor_parse_iluvatar(const char *text, size_t len, struct device_source *src)
{
    vendor_parse(&iluvatar, text, len, src);
}
