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
    if (strchr(d->uuid, '[') || !strncmp(d->uuid, "MIG-", 4))
        return "a MIG instance (HAMi's dynamic MIG uuid[template-index], or a MIG- uuid): the "
               "annotation does not say what part of the GPU it is, so it is not metered by "
               "collect hami (collect dcgm meters MIG)";
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
    if (!ns || !name || !node || !cycle_ident_valid(ns, 65) ||
        !cycle_ident_valid(name, EVENT_JOB_MAX + 1) || !cycle_ident_valid(node, 65) ||
        strchr(node, '/'))
        why = "no namespace or node of at most 64 printable characters, or no name of at most 253";
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

/* Past the JSON string at p (its opening quote), its escapes skipped but
 * not judged; NULL when it does not end. */
static const char *past_string(const char *p, const char *end)
{
    for (p++; p < end; p++)
        if (*p == '\\') {
            if (++p == end) return NULL;
        } else if (*p == '"') {
            return p + 1;
        }
    return NULL;
}

static const char *past_blanks(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* Past the JSON value at p by its structure alone (brackets counted,
 * strings skipped); NULL when it does not end. */
static const char *past_value(const char *p, const char *end)
{
    if (p < end && *p == '"') return past_string(p, end);
    if (p < end && (*p == '{' || *p == '[')) {
        long depth = 0;
        for (; p < end; p++) {
            if (*p == '"') {
                if (!(p = past_string(p, end))) return NULL;
                p--;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if ((*p == '}' || *p == ']') && --depth == 0) {
                return p + 1;
            }
        }
        return NULL;
    }
    const char *s = p;
    while (p < end && !strchr(",}] \t\r\n", *p))
        p++;
    return p > s ? p : NULL;
}

/* When the whole document is refused by the strict reader: its top-level
 * "items", each pod read on its own, so one pod's strings (a "\u0000" or
 * 5,000 annotations a tenant wrote on its own pod) make that pod a bad line
 * and not every pod's allocation unusable. False, nothing walked, unless
 * the document is one object whose structure is whole with an items array. */
static bool walk_items_one_by_one(const char *json, size_t len, struct rejects *r,
                                  hami_pod_fn fn, void *ctx)
{
    const char *end = json + len, *p = past_blanks(json, end), *items = NULL, *items_end = NULL;
    if (p == end || *p != '{') return false;
    p = past_blanks(p + 1, end);
    while (p < end && *p != '}') {
        const char *key = p;
        if (*p != '"' || !(p = past_string(p, end))) return false;
        bool is_items = p - key == 7 && !memcmp(key, "\"items\"", 7);
        p = past_blanks(p, end);
        if (p == end || *p++ != ':') return false;
        const char *v = p = past_blanks(p, end);
        if (!(p = past_value(p, end))) return false;
        if (is_items && *v == '[') items = v, items_end = p;
        p = past_blanks(p, end);
        if (p < end && *p == ',') p = past_blanks(p + 1, end);
        else if (p == end || *p != '}') return false;
    }
    if (p == end || past_blanks(p + 1, end) != end || !items) return false;
    for (int pass = 0; pass < 2; pass++) { /* the structure of every item, then the pods */
        long index = 0;
        for (p = past_blanks(items + 1, items_end); p < items_end && *p != ']';) {
            const char *item = p;
            if (!(p = past_value(p, items_end))) return false;
            index++;
            if (pass == 1) {
                struct doc_check c = {0};
                cJSON *pod = doc_parse(item, (size_t)(p - item), &c);
                if (pod)
                    walk_pod(pod, index, r, fn, ctx);
                else
                    rejects_bad_line(r, index, "pod %ld: %.*s", index,
                                     (int)strcspn(c.errors.buf, "\n"), c.errors.buf);
                cJSON_Delete(pod);
                sb_free(&c.errors);
            }
            p = past_blanks(p, items_end);
            if (p < items_end && *p == ',')
                p = past_blanks(p + 1, items_end);
            else if (p == items_end || *p != ']')
                return false;
        }
    }
    return true;
}

void hami_pods_walk(const char *json, size_t len, struct rejects *r, hami_pod_fn fn, void *ctx)
{
    struct doc_check c = {0};
    cJSON *doc = doc_parse(json, len, &c);
    if (!doc && walk_items_one_by_one(json, len, r, fn, ctx)) {
        sb_free(&c.errors);
        return;
    }
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
