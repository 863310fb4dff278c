/* voucher_doc: a compute voucher (算力券) a program issued to one customer: face value,
 * coverage, validity, yearly cap, priority, when it applies and what it covers
 * (docs/contracts.md), validated whole: every problem as "JSON path:
 * reason". Pure; thread-safe. */
#ifndef GPUMETER_VOUCHER_DOC_H
#define GPUMETER_VOUCHER_DOC_H

#include "core/docjson.h"
#include "pricing/terms.h"

#include <stdbool.h>

/* False with c->errors filled when the document is not a valid voucher. */
bool voucher_doc_parse(const cJSON *doc, struct voucher *out, struct doc_check *c);

#endif
