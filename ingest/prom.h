/* prom: the Prometheus text exposition format, as served by dcgm-exporter
 * and Ascend npu-exporter.
 *
 * prom_parse walks a whole scrape and calls back once per well-formed sample
 * with its name, unescaped labels and the value as text (callers parse it
 * exactly with core/decimal). A label with an empty value is absent, as
 * Prometheus itself treats it: dcgm-exporter 2.x writes
 * container="",namespace="",pod="" on idle GPUs and 4.x pod_uid="" beside
 * the real pod labels. `# HELP`, `# TYPE` and other comments are
 * skipped. A bad line (syntax, more than PROM_MAX_LABELS labels, a label
 * value over PROM_MAX_VALUE bytes, a final line cut off without its newline)
 * is counted in the rejects (rejects.h) and the rest of the scrape still counts. No input makes
 * it read out of bounds: it is a libFuzzer target.
 * Reentrant: no state beyond the caller's; thread-safe. */
#ifndef GPUMETER_PROM_H
#define GPUMETER_PROM_H

#include "core/event.h"
#include "ingest/rejects.h"

#include <stdbool.h>
#include <stddef.h>

#define PROM_MAX_LABELS 32
#define PROM_MAX_VALUE  1024

struct prom_label {
    const char *name, *value;
};

struct prom_sample {
    const char *name;
    const char *value; /* the sample value as written, e.g. "409.692000" */
    struct prom_label labels[PROM_MAX_LABELS];
    int nlabels;
    long lineno;
};

typedef void (*prom_sample_fn)(const struct prom_sample *s, void *ctx);

void prom_parse(const char *text, size_t len, struct rejects *r, prom_sample_fn fn, void *ctx);

/* A sample value as Prometheus writes one: a decimal in any notation, NaN
 * or +/-Inf (its range unchecked: callers read what they meter exactly). */
bool prom_is_number(const char *v);
/* The longest value of a label that names something, in bytes: each label
 * is held to the field it fills, never to one number for all.
 *  PROM_NAME_MAX  node, UUID, model, namespace, container ... (the event's
 *                 64-byte fields; a Kubernetes namespace is a DNS label of
 *                 at most 63);
 *  PROM_POD_MAX   a pod name, the event's job: Kubernetes allows a DNS
 *                 subdomain of 253 bytes, and a pod the collector cannot
 *                 name is a device it cannot meter. */
#define PROM_NAME_MAX 64
#define PROM_POD_MAX  EVENT_JOB_MAX

/* The labels that name things, found in one pass: out[k] = the value of
 * label names[k] or NULL. False, *bad = that name, when one is longer than
 * its cap max[k] in bytes (0, or max NULL: PROM_NAME_MAX; a caller names
 * only the labels with a field of their own, e.g. [L_POD] = PROM_POD_MAX)
 * or could not be a name (cycle_ident_valid). */
bool prom_names(const struct prom_sample *s, const char *const *names, const size_t *max, int n,
                const char **out, const char **bad);

/* The value of label name, or NULL. */
const char *prom_label(const struct prom_sample *s, const char *name);

#endif
