/* maintenance_doc: the operator's maintenance document (issue 36,
 * docs/availability.md, "Maintenance"), validated whole, every problem as
 * "JSON path: reason": a code, the date the version takes effect, and the
 * announced windows, each over a scope (a site, a node of it, or a device
 * of a node, the device named as the collectors name it: a GPU UUID, or
 * "npu-<id>"), with its start and end (RFC 3339 with a zone, end after
 * start, start not before the version's day), when it was announced and
 * why. Windows may overlap; the same window twice is refused. Whether a
 * window was announced in time is the schema's rule (048,
 * maintenance_announced), not a validation error. Pure; thread-safe. */
#ifndef GPUMETER_MAINTENANCE_DOC_H
#define GPUMETER_MAINTENANCE_DOC_H

#include "core/docjson.h"

#include <stdbool.h>
#include <stdint.h>

/* A year of nightly windows on every node of a large site fits. */
#define MAINTENANCE_MAX_WINDOWS 2000
#define MAINTENANCE_DEVICE_MAX  128

struct maintenance_window {
    char site[65], node[65], device[MAINTENANCE_DEVICE_MAX + 1]; /* node, device "": all */
    int64_t start_ms, end_ms, announced_ms;
    char reason[257];
};

struct maintenance {
    char code[65];
    int64_t effective_from; /* days since 1970-01-01 (UTC) */
    struct maintenance_window windows[MAINTENANCE_MAX_WINDOWS];
    int nwindows;
};

/* False with c->errors filled when the document is not valid. */
bool maintenance_doc_parse(const cJSON *doc, struct maintenance *out, struct doc_check *c);

#endif
