/* plan_doc: price plan documents (docs/plans.md), validated whole.
 *
 * plan_doc_parse reads one JSON document into a struct plan or, when
 * anything is wrong, collects every problem as "JSON path: reason" and
 * returns false: unknown fields, wrong types, negative or malformed prices,
 * tiers whose bounds do not increase, overlapping time-of-use bands,
 * unknown or non-canonical accelerator models, a model priced twice, a
 * price at the index ("index": lag_months 1..12, a signed spread, floor
 * and cap, pricing/index_link.h) with a fixed price beside it or a cap
 * below its floor. Prices
 * are exact micro-units per price unit (GPU-hour, million tokens, facility
 * kWh); multipliers are parts per million. Pure; thread-safe. */
#ifndef GPUMETER_PLAN_DOC_H
#define GPUMETER_PLAN_DOC_H

#include "core/docjson.h"
#include "core/meter.h"
#include "pricing/plan.h"

#include <stdbool.h>
#include <stdint.h>

/* An array of meter names as a set of METER_BIT_* (every meter when absent). */
unsigned plan_doc_meters(struct doc_check *c, const char *path, const cJSON *obj, const char *name);

/* Reads an array of time-of-use bands ({"band", "from", "to",
 * "multiplier"}, at most PLAN_MAX_BANDS, none overlapping) into out;
 * returns how many there are. Shared by plans and energy tariffs. */
int plan_doc_bands(struct doc_check *c, const char *path, const cJSON *arr, struct band *out);

/* False with c->errors filled when the document is not a valid plan. */
bool plan_doc_parse(const cJSON *doc, struct plan *p, struct doc_check *c);

#endif
