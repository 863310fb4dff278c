/* maintenance_doc: validation of maintenance documents (see
 * maintenance_doc.h). */
#include "terms/maintenance_doc.h"

#include "core/timeutil.h"

#include <string.h>

/* A time member as RFC 3339 with a zone ("Z" or "+08:00"), an instant from
 * 1970 to 9999 in UTC (time_parse_rfc3339_zoned). */
static bool read_time(struct doc_check *c, const char *path, const cJSON *o, const char *name,
                      int64_t *ms)
{
    char f[DOC_PATH_LEN];
    const cJSON *it = doc_field(c, path, o, name, true);
    if (!it) return false;
    if (cJSON_IsString(it) && time_parse_rfc3339_zoned(it->valuestring, ms)) return true;
    doc_path(f, path, name);
    doc_error(c, f,
              "must be an RFC 3339 time with its zone like \"2026-12-12T02:00:00+08:00\", from "
              "1970 to 9999 in UTC");
    return false;
}

static bool same_window(const struct maintenance_window *a, const struct maintenance_window *b)
{
    return !strcmp(a->site, b->site) && !strcmp(a->node, b->node) &&
           !strcmp(a->device, b->device) && a->start_ms == b->start_ms && a->end_ms == b->end_ms;
}

static void read_window(struct doc_check *c, const char *q, const cJSON *o, struct maintenance *m,
                        struct maintenance_window *w)
{
    static const char *const fields[] = {"site", "node",         "device", "start",
                                         "end",  "announced_at", "reason", NULL};
    char f[DOC_PATH_LEN];
    doc_only(c, q, o, fields);
    doc_get_code(c, q, o, "site", true, w->site, sizeof w->site);
    doc_get_string(c, q, o, "node", false, w->node, sizeof w->node);
    doc_path(f, q, "device");
    if (doc_get_string(c, q, o, "device", false, w->device, sizeof w->device) && !w->node[0])
        doc_error(c, f, "a device is named with its node: add \"node\"");
    bool start = read_time(c, q, o, "start", &w->start_ms);
    bool end = read_time(c, q, o, "end", &w->end_ms);
    read_time(c, q, o, "announced_at", &w->announced_ms);
    doc_get_string(c, q, o, "reason", true, w->reason, sizeof w->reason);
    doc_path(f, q, "end");
    if (start && end && w->end_ms <= w->start_ms) doc_error(c, f, "must be after start");
    doc_path(f, q, "start");
    if (start && m->effective_from && w->start_ms < m->effective_from * MS_PER_DAY)
        doc_error(c, f, "must not be before effective_from (00:00 UTC): a version governs from "
                        "its day on");
}

bool maintenance_doc_parse(const cJSON *doc, struct maintenance *m, struct doc_check *c)
{
    static const char *const fields[] = {"maintenance", "name", "effective_from", "windows", NULL};
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN], name[129];
    memset(m, 0, sizeof *m);
    if (!doc_object(c, "$", doc)) return false;
    doc_only(c, "$", doc, fields);
    doc_get_code(c, "$", doc, "maintenance", true, m->code, sizeof m->code);
    doc_get_string(c, "$", doc, "name", false, name, sizeof name);
    doc_get_date(c, "$", doc, "effective_from", true, &m->effective_from);
    const cJSON *arr =
        doc_get_array(c, "$", doc, "windows", true, 1, MAINTENANCE_MAX_WINDOWS, p);
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *o = cJSON_GetArrayItem(arr, i);
        struct maintenance_window *w = &m->windows[m->nwindows++];
        doc_path_index(q, p, i);
        if (!doc_object(c, q, o)) continue;
        int before = c->n;
        read_window(c, q, o, m, w);
        for (int j = 0; c->n == before && j < i; j++)
            if (same_window(&m->windows[j], w))
                doc_error(c, q, "the same window as windows[%d]", j);
    }
    return c->n == 0;
}
