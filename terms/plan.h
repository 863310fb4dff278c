/* plan: the plan document kind (docstore.h) and `gpumeter plan`. */
#ifndef GPUMETER_TERMS_PLAN_H
#define GPUMETER_TERMS_PLAN_H

#include "terms/docstore.h"

extern const struct doc_kind plan_kind;

#endif
