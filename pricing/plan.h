/* plan: a price plan as pricing reads it (the document is docs/plans.md;
 * terms/plan_doc.c validates it into this struct).
 * Prices are exact micro-units per price unit (GPU-hour, million tokens,
 * facility kWh); multipliers are parts per million. Pure; thread-safe. */
#ifndef GPUMETER_PLAN_H
#define GPUMETER_PLAN_H

#include "core/meter.h"
#include "pricing/index_link.h"

#include <stdbool.h>
#include <stdint.h>

#define PLAN_MAX_STEPS 16
#define PLAN_MAX_ITEMS 64
#define PLAN_MAX_BANDS 24

enum tier_mode { TIERS_NONE, TIERS_GRADUATED, TIERS_VOLUME };

/* A price: flat (mode NONE, step[0]) or tiered by the month's quantity in
 * price units: step i covers quantities up to up_to[i] (the last: no bound,
 * up_to = -1). Graduated prices each part at its step; volume prices the
 * whole quantity at the step it reaches. */
struct price {
    enum tier_mode mode;
    int nsteps;
    int64_t up_to[PLAN_MAX_STEPS];
    int64_t unit_price[PLAN_MAX_STEPS]; /* micro-units per price unit */
};

/* Hours [from, to) of the local day, wrapping past midnight when to <= from. */
struct band {
    char name[33];
    int from, to;
    int64_t multiplier_ppm;
};

/* A GPU-hour price: fixed (price), or linked to the index (link.on:
 * index_link.h). A linked price is resolved for a month by billing
 * (use.month set, price its flat unit price) before charges reads it;
 * charges refuses one left unresolved. */
struct model_price {
    char model[65];
    struct price price;
    struct index_link link;
    struct index_use use;
};

struct bracket {
    int64_t up_to_params; /* -1 for the last bracket */
    struct price price;
};

/* The price of a meter priced FLAT (core/meter.h: energy, GPU memory): one
 * price for every accelerator model, with optional time-of-use bands. */
struct flat_price {
    struct price price;
    struct band bands[PLAN_MAX_BANDS];
    int nbands;
};

struct plan {
    char code[65], name[129], currency[4];
    int64_t effective_from; /* days since 1970-01-01 */
    bool has[METER_COUNT]; /* the plan prices meter m (a meter it does not price bills nothing) */
    int increment_s; /* GPU time is billed in whole increments of this many seconds */
    struct model_price models[PLAN_MAX_ITEMS];
    int nmodels;
    struct band gpu_bands[PLAN_MAX_BANDS];
    int ngpu_bands;
    struct bracket brackets[PLAN_MAX_STEPS];
    int nbrackets;
    struct flat_price flat[METER_COUNT]; /* meters priced FLAT */
};

/* Whether band b covers local hour 0..23. */
bool plan_band_covers(const struct band *b, int hour);
/* The band covering local hour 0..23, or NULL (a flat hour). */
const struct band *plan_band_at(const struct band *bands, int nbands, int hour);

/* Whether any of the plan's prices has time-of-use bands (then its usage
 * is read by local hour). */
bool plan_has_bands(const struct plan *p);

/* Whether any model's GPU-hour price is linked to the index. */
bool plan_has_index_link(const struct plan *p);

#endif
