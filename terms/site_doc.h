/* site_doc: a site: its name and PUE (facility energy over IT energy)
 * (docs/contracts.md), validated whole: every problem as "JSON path:
 * reason". Pure; thread-safe. */
#ifndef GPUMETER_SITE_DOC_H
#define GPUMETER_SITE_DOC_H

#include "core/docjson.h"
#include "pricing/terms.h"

#include <stdbool.h>

/* False with c->errors filled when the document is not a valid site. */
bool site_doc_parse(const cJSON *doc, struct site *out, struct doc_check *c);

#endif
