/* plan_doc: price plan documents (docs/plans.md), validated whole.
 *
 * plan_doc_parse reads one JSON document into a struct plan or, when
 * anything is wrong, collects every problem as "JSON path: reason" and
 * returns false: unknown fields, wrong types, negative or malformed prices,
 * tiers whose bounds do not increase, overlapping time-of-use bands,
 * unknown or non-canonical accelerator models, a model priced twice. Prices
 * are exact micro-units per price unit (GPU-hour, million tokens, facility
 * kWh); multipliers are parts per million. Pure; thread-safe. */
#ifndef GPUMETER_PLAN_DOC_H
#define GPUMETER_PLAN_DOC_H

#include "core/docjson.h"

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

struct model_price {
    char model[65];
    struct price price;
};

struct bracket {
    int64_t up_to_params; /* -1 for the last bracket */
    struct price price;
};

struct plan {
    char code[65], name[129], currency[4];
    int64_t effective_from; /* days since 1970-01-01 */
    bool has_gpu, has_tokens, has_energy;
    int increment_s; /* GPU time is billed in whole increments of this many seconds */
    struct model_price models[PLAN_MAX_ITEMS];
    int nmodels;
    struct band gpu_bands[PLAN_MAX_BANDS], energy_bands[PLAN_MAX_BANDS];
    int ngpu_bands, nenergy_bands;
    struct bracket brackets[PLAN_MAX_STEPS];
    int nbrackets;
    struct price energy;
};

/* Meters as sets (contracts' commitments, vouchers): bits named in documents
 * "gpu_hours", "tokens", "energy_kwh", stored as "gpu_ms", "tokens",
 * "energy_mj". */
enum { METER_BIT_GPU = 1, METER_BIT_TOKENS = 2, METER_BIT_ENERGY = 4 };
unsigned meter_bit(const char *doc_name);  /* 0 when unknown */
unsigned meter_bit_code(const char *code); /* 0 when unknown */
const char *meter_bit_name(unsigned bit);  /* the document name of one bit */
/* An array of meter names as a set of bits (all three when absent). */
unsigned doc_get_meters(struct doc_check *c, const char *path, const cJSON *obj, const char *name);

/* The band covering local hour 0..23, or NULL (a flat hour). */
const struct band *band_at(const struct band *bands, int nbands, int hour);

/* False with c->errors filled when the document is not a valid plan. */
bool plan_doc_parse(const cJSON *doc, struct plan *p, struct doc_check *c);

#endif
