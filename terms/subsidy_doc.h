/* subsidy_doc: an energy subsidy program: its sites, vendors, rate per kWh or share,
 * and cap per month
 * (docs/contracts.md), validated whole: every problem as "JSON path:
 * reason". Pure; thread-safe. */
#ifndef GPUMETER_SUBSIDY_DOC_H
#define GPUMETER_SUBSIDY_DOC_H

#include "core/docjson.h"
#include "pricing/terms.h"

#include <stdbool.h>

/* False with c->errors filled when the document is not a valid subsidy. */
bool subsidy_doc_parse(const cJSON *doc, struct subsidy *out, struct doc_check *c);

#endif
