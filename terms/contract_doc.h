/* contract_doc: contract documents (docs/contracts.md), validated whole:
 * customer, accounts with dates, plan, currency, tax, time zone, billing
 * basis, overrides, a take-or-pay commitment, the termination terms
 * (`termination`: notice, fee, make-up bank, deposit), a deposit and a
 * credit limit, and the service level (`sla`, issue 36: measured, target,
 * tiers, cap, commitment shrink, exclusions; percents exact in ppm), and
 * fixed-for-floating settlements on the price index (`index_swap`, issue
 * 37: model, notional GPU-hours, fixed price, lag, months);
 * every problem as "JSON path: reason". Pure; thread-safe. */
#ifndef GPUMETER_CONTRACT_DOC_H
#define GPUMETER_CONTRACT_DOC_H

#include "core/docjson.h"
#include "pricing/terms.h"

#include <stdbool.h>

/* False with c->errors filled when the document is not a valid contract. */
bool contract_doc_parse(const cJSON *doc, struct contract *k, struct doc_check *c);

#endif
