/* plan: the plan document kind (docstore.h) and `gpumeter plan`.
 * Thread-safety: plan_kind is a read-only table; the command keeps no state between calls. */
#ifndef GPUMETER_TERMS_PLAN_H
#define GPUMETER_TERMS_PLAN_H

#include "terms/docstore.h"

extern const struct doc_kind plan_kind;

#endif
