/* asset_doc: validation of tariff and asset documents (see asset_doc.h). */
#include "terms/asset_doc.h"

#include "core/catalogue.h"
#include "terms/plan_doc.h"
#include "terms/known.h"

#include <stdio.h>
#include <string.h>

/* 10,000 per kWh and 10^9 per device are far above any real price, and
 * keep devices x cost within 64 bits of micro-units. */
#define MAX_PRICE_PER_KWH_MICRO 10000000000LL
#define MAX_COST_MICRO          1000000000000000LL
#define MAX_DEVICES             1000000LL

bool tariff_doc_parse(const cJSON *doc, struct tariff *t, struct doc_check *c)
{
    static const char *const fields[] = {"site",          "effective_from", "currency",
                                         "price_per_kwh", "time_of_use",    NULL};
    memset(t, 0, sizeof *t);
    if (!doc_object(c, "$", doc)) return false;
    doc_only(c, "$", doc, fields);
    doc_get_code(c, "$", doc, "site", true, t->site, sizeof t->site);
    doc_get_date(c, "$", doc, "effective_from", true, &t->effective_from);
    doc_get_currency(c, "$", doc, "currency", true, t->currency);
    if (doc_get_decimal(c, "$", doc, "price_per_kwh", true, 6, &t->price_per_kwh_micro) &&
        t->price_per_kwh_micro > MAX_PRICE_PER_KWH_MICRO)
        doc_error(c, "$.price_per_kwh", "must be at most 10000");
    const cJSON *tou = cJSON_GetObjectItemCaseSensitive(doc, "time_of_use");
    if (tou) t->nbands = plan_doc_bands(c, "$.time_of_use", tou, t->bands);
    return c->n == 0;
}

bool asset_doc_parse(const cJSON *doc, struct asset *a, struct doc_check *c)
{
    static const char *const fields[] = {"site",    "model",           "effective_from", "currency",
                                         "devices", "cost_per_device", "life_months",    NULL};
    memset(a, 0, sizeof *a);
    if (!doc_object(c, "$", doc)) return false;
    doc_only(c, "$", doc, fields);
    doc_get_code(c, "$", doc, "site", true, a->site, sizeof a->site);
    if (doc_get_string(c, "$", doc, "model", true, a->model, sizeof a->model)) {
        const struct accelerator *acc = catalogue_find(a->model);
        if (!acc)
            known_model_error(c, "$.model", a->model);
        else if (strcmp(acc->model, a->model))
            doc_error(c, "$.model", "write the catalogue name \"%s\" for \"%s\"", acc->model,
                      a->model);
    }
    if (strlen(a->site) + 1 + strlen(a->model) >= sizeof a->code)
        doc_error(c, "$.model", "site and model together are longer than 63 bytes");
    else
        strcat(strcat(strcpy(a->code, a->site), "/"), a->model);
    doc_get_date(c, "$", doc, "effective_from", true, &a->effective_from);
    doc_get_currency(c, "$", doc, "currency", true, a->currency);
    doc_get_int(c, "$", doc, "devices", true, 0, MAX_DEVICES, &a->devices);
    if (doc_get_decimal(c, "$", doc, "cost_per_device", true, 6, &a->cost_per_device_micro) &&
        a->cost_per_device_micro > MAX_COST_MICRO)
        doc_error(c, "$.cost_per_device", "must be at most 1000000000");
    doc_get_int(c, "$", doc, "life_months", true, 1, 600, &a->life_months);
    return c->n == 0;
}
