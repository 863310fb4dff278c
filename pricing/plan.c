/* plan: lookups on a validated plan (see plan.h). */
#include "pricing/plan.h"

#include <stddef.h>

bool plan_band_covers(const struct band *b, int hour)
{
    return b->from < b->to ? hour >= b->from && hour < b->to : hour >= b->from || hour < b->to;
}

const struct band *plan_band_at(const struct band *bands, int nbands, int hour)
{
    for (int i = 0; i < nbands; i++)
        if (plan_band_covers(&bands[i], hour)) return &bands[i];
    return NULL;
}

bool plan_has_bands(const struct plan *p)
{
    bool banded = p->ngpu_bands > 0;
    for (int m = 0; m < METER_COUNT; m++)
        banded = banded || p->flat[m].nbands > 0;
    return banded;
}

bool plan_has_index_link(const struct plan *p)
{
    for (int i = 0; i < p->nmodels; i++)
        if (p->models[i].link.on) return true;
    return false;
}
