/* hami_pods: the pod annotation hami.io/vgpu-devices-allocated (see hami_pods.h). */
#include "ingest/hami_pods.h"

#include "core/decimal.h"
#include "core/docjson.h"
#include "ingest/cycle.h"

#include <stdio.h>
#include <string.h>

#define ALLOCATED "hami.io/vgpu-devices-allocated"

static const char *string_at(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, a);
    if (b) o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, b) : NULL;
    return cJSON_IsString(o) && o->valuestring[0] ? o->valuestring : NULL;
}

/* A whole number 0..max written by HAMi's strconv.Itoa. */
static bool whole(const char *p, size_t n, int64_t max, int64_t *out)
{
    return n && decimal_parse(p, n, 0, DECIMAL_EXACT, out) && *out <= max;
}

/* One device "uuid,type,MiB,cores[,...]" of container index ctr into d;
 * NULL, or why it cannot be read. */
static const char *read_device(const char *p, size_t n, int ctr, struct hami_pod_device *d)
{
    const char *f[4];
    size_t len[4];
    for (int k = 0; k < 4; k++) {
        const char *comma = memchr(p, ',', n);
        if (!comma && k < 3) return "a device has fewer than four fields (uuid,type,MiB,cores)";
        f[k] = p;
        len[k] = comma ? (size_t)(comma - p) : n;
        n -= len[k] + (comma != NULL);
        p = comma ? comma + 1 : p + len[k];
    }
    if (!len[0] || len[0] >= sizeof d->uuid) return "a device's uuid is empty or too long";
    memcpy(d->uuid, f[0], len[0]);
    d->uuid[len[0]] = '\0';
    if (!cycle_ident_valid(d->uuid, sizeof d->uuid) || strchr(d->uuid, '/'))
        return "a device's uuid is not printable";
    if (len[1] < 6 || memcmp(f[1], "NVIDIA", 6))
        return "a device type other than NVIDIA (HAMi's Ascend, DCU, MLU ... shares are not "
               "metered by collect hami)";
    if (!whole(f[2], len[2], 1LL << 20, &d->mem_mib)) /* a TiB: no accelerator has more */
        return "its MiB is not a whole number up to a TiB";
    if (!whole(f[3], len[3], 100, &d->cores)) return "its cores are not a percent 0-100";
    snprintf(d->container, sizeof d->container, "%d", ctr);
    return NULL;
}

/* Reads a whole annotation into devs; NULL, or why it cannot be read. */
static const char *read_annotation(const char *a, struct hami_pod_device *devs, size_t *n)
{
    int ctr = 0;
    *n = 0;
    for (const char *p = a;; ctr++) { /* containers, ';' */
        size_t clen = strcspn(p, ";");
        for (const char *q = p, *cend = p + clen; q < cend;) { /* devices, ':' */
            const char *colon = memchr(q, ':', (size_t)(cend - q));
            size_t dlen = (size_t)((colon ? colon : cend) - q);
            if (dlen) {
                if (*n == HAMI_POD_MAX_DEVICES) return "more devices than a pod can hold";
                const char *why = read_device(q, dlen, ctr, &devs[*n]);
                if (why) return why;
                ++*n;
            }
            q += dlen + (colon != NULL);
        }
        if (!p[clen]) break;
        p += clen + 1;
    }
    return NULL;
}

/* Whether the pod holds its devices now (hami_pods.h). */
static bool holds_devices(const char *phase)
{
    return phase && (!strcmp(phase, "Running") || !strcmp(phase, "Pending"));
}

static void walk_pod(const cJSON *pod, long index, struct rejects *r, hami_pod_fn fn, void *ctx)
{
    const cJSON *annotations =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "metadata"),
                                         "annotations");
    const char *a = string_at(annotations, ALLOCATED, NULL);
    if (!a || !holds_devices(string_at(pod, "status", "phase"))) return;
    const char *ns = string_at(pod, "metadata", "namespace"), *name = string_at(pod, "metadata", "name");
    const char *node = string_at(pod, "spec", "nodeName");
    if (!node) node = string_at(annotations, "hami.io/vgpu-node", NULL);
    struct hami_pod_device devs[HAMI_POD_MAX_DEVICES];
    size_t n = 0;
    const char *why = NULL;
    if (!ns || !name || !node || !cycle_ident_valid(ns, 65) || !cycle_ident_valid(name, 65) ||
        !cycle_ident_valid(node, 65) || strchr(node, '/'))
        why = "no namespace, name or node of at most 64 printable characters";
    else
        why = read_annotation(a, devs, &n);
    if (why) {
        rejects_bad_line(r, index, "pod %ld (%.64s/%.64s): " ALLOCATED ": %s", index,
                         ns ? ns : "?", name ? name : "?", why);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        devs[i].ns = ns;
        devs[i].pod = name;
        devs[i].node = node;
        fn(&devs[i], ctx);
    }
}

void hami_pods_walk(const char *json, size_t len, struct rejects *r, hami_pod_fn fn, void *ctx)
{
    struct doc_check c = {0};
    cJSON *doc = doc_parse(json, len, &c);
    const cJSON *items = doc ? cJSON_GetObjectItemCaseSensitive(doc, "items") : NULL;
    const char *kind = doc ? string_at(doc, "kind", NULL) : NULL;
    if (cJSON_IsArray(items)) {
        long index = 0;
        const cJSON *pod;
        cJSON_ArrayForEach(pod, items) walk_pod(pod, ++index, r, fn, ctx);
    } else if (kind && !strcmp(kind, "Pod")) {
        walk_pod(doc, 1, r, fn, ctx);
    } else {
        rejects_unusable(r, "not the JSON of kubectl get pods -o json%s%.*s", c.n ? ": " : "",
                         c.n ? (int)strcspn(c.errors.buf, "\n") : 0, c.n ? c.errors.buf : "");
    }
    cJSON_Delete(doc);
    sb_free(&c.errors);
}
