/* project_doc: an operator's financed project (an SPV; issue 37,
 * docs/investor.md, "Projects"), validated whole, every problem as "JSON
 * path: reason": a code, a name, the date the version takes effect, the
 * currency of its books, the assets it groups (site x accelerator model,
 * each with an asset document), the contracts they serve, its debt
 * (optional: drawdowns before the first due date, an annual rate, a day
 * count, a repayment: pricing/debt.h), fixed operating costs beyond energy
 * (monthly, from a date, optionally until one) and the discount rate
 * its investor's figures use. Amounts are written with at most two
 * decimals (the currency's minor unit) and held in minor units; rates
 * with at most six decimals, from 0 to 1. Which project holds an asset or
 * a contract is checked against the database (terms/project.c). Pure;
 * thread-safe. */
#ifndef GPUMETER_PROJECT_DOC_H
#define GPUMETER_PROJECT_DOC_H

#include "core/docjson.h"
#include "pricing/debt.h"

#include <stdbool.h>
#include <stdint.h>

#define PROJECT_MAX_ASSETS    200
#define PROJECT_MAX_CONTRACTS 1000
#define PROJECT_MAX_COSTS     100

struct project_asset {
    char site[65], model[65];
    char code[65]; /* "<site>/<model>", the asset document's code */
};

struct project_cost {
    char what[129];
    int64_t monthly;      /* minor units */
    int64_t from, until;  /* days; until -1: open (the last day it is paid) */
};

struct project {
    char code[65], name[129], currency[4];
    int64_t effective_from; /* days since 1970-01-01 */
    struct project_asset assets[PROJECT_MAX_ASSETS];
    int nassets;
    char contracts[PROJECT_MAX_CONTRACTS][65];
    int ncontracts;
    bool has_debt;
    struct debt_terms debt;
    struct project_cost costs[PROJECT_MAX_COSTS];
    int ncosts;
    bool has_discount_rate;
    int64_t discount_rate_micro; /* 0 when not stated (has_discount_rate false) */
};

/* False with c->errors filled when the document is not valid. */
bool project_doc_parse(const cJSON *doc, struct project *out, struct doc_check *c);

#endif
