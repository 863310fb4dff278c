/* asset_doc: what the operator's hardware costs it (docs/operator.md),
 * validated whole, every problem as "JSON path: reason":
 *  - a tariff: per site, the price of a facility kWh the operator pays,
 *    with time-of-use bands (multipliers of that price, in the operator's
 *    time zone, default_time_zone());
 *  - an asset: per site and accelerator model (catalogue name), the size
 *    of the fleet, the purchase cost per device and its depreciation life,
 *    straight-line by month.
 * Neither prices anything for a customer: `report yield` reads them. Pure;
 * thread-safe. */
#ifndef GPUMETER_ASSET_DOC_H
#define GPUMETER_ASSET_DOC_H

#include "core/docjson.h"
#include "pricing/plan.h"

#include <stdbool.h>
#include <stdint.h>

struct tariff {
    char site[65], currency[4];
    int64_t effective_from;      /* days since 1970-01-01 */
    int64_t price_per_kwh_micro; /* per facility kWh */
    struct band bands[PLAN_MAX_BANDS];
    int nbands;
};

struct asset {
    char code[65]; /* "<site>/<model>" */
    char site[65], model[65], currency[4];
    int64_t effective_from;
    int64_t devices, cost_per_device_micro, life_months;
};

bool tariff_doc_parse(const cJSON *doc, struct tariff *out, struct doc_check *c);
bool asset_doc_parse(const cJSON *doc, struct asset *out, struct doc_check *c);

#endif
