/* charges: a month of usage priced under one plan version, as lines.
 *
 * plan_charges is pure. Usage arrives as rows of (meter, catalogue model,
 * local hour of day in the contract's time zone, model size for tokens,
 * quantity in base units) and leaves as one line per meter x model (or
 * token bracket) x time-of-use band, each priced once by price_amount:
 *  - GPU time: the model's price; the line's GPU-ms rounded up to whole
 *    increments of the plan's increment_seconds; the band's multiplier;
 *  - tokens: the bracket of the model size (a report without a size is
 *    priced at the smallest bracket); per million tokens;
 *  - energy: accelerator mJ x the site's PUE (pue_ppm) priced per facility
 *    kWh, with the energy bands' multipliers.
 * Meters the plan does not price make no line. A GPU model the plan does
 * not price is an error, never a silent zero. */
#ifndef GPUMETER_CHARGES_H
#define GPUMETER_CHARGES_H

#include "invoice/plan_doc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usage_row {
    const char *meter; /* "gpu_ms", "tokens", "energy_mj" */
    const char *model; /* catalogue model; "" for tokens */
    int local_hour;    /* 0..23 */
    int64_t model_params;
    int64_t quantity;
};

struct charge_line {
    char meter[16];
    char model[65]; /* the model, or the token bracket ("<=16000000000 params") */
    char band[33];  /* "" without time-of-use bands */
    int64_t quantity, unit_price, multiplier_ppm, amount;
    enum tier_mode tiers;
};

struct charges {
    struct charge_line *v;
    size_t n, cap;
    int64_t subtotal;
};

bool plan_charges(const struct plan *p, const struct usage_row *rows, size_t n, int64_t pue_ppm,
                  int minor_digits, struct charges *out, char *err, size_t errlen);
void charges_free(struct charges *c);

#endif
