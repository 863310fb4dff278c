/* charges: a month of usage priced under a plan and a contract, as lines.
 *
 * charges_price is pure. Usage arrives as rows of (meter, catalogue model,
 * site, local hour of day in the contract's time zone, model size for
 * tokens, whether the job reports tokens, the site's PUE, quantity in base
 * units) and leaves as usage lines of the bill, one per meter x model (or
 * token bracket) x time-of-use band (x site for energy), each priced once
 * by price_amount:
 *  - GPU time: the model's price; the line's GPU-ms rounded up to whole
 *    increments of the plan's increment_seconds; the band's multiplier;
 *  - tokens: the bracket of the model size (a report without a size is
 *    priced at the smallest bracket); per million tokens;
 *  - energy: accelerator mJ x the site's PUE priced per facility kWh, with
 *    the energy bands' multipliers.
 * The contract (NULL: bill every meter the plan prices, as it prices it)
 * picks the meters by its billing basis and overrides prices: an absolute
 * unit price replaces the plan's (tiers included), a multiplier is one more
 * exact factor. Under "tokens", GPU time and energy of jobs that report
 * tokens are not billed; under "tokens_with_gpu_floor" a gpu_floor line
 * adds what their GPU time would have cost above the token lines. Meters
 * not billed make no line. A GPU model the plan does not price is an error,
 * never a silent zero; so is one the plan prices at the index (index_link.h)
 * whose value billing has not resolved for the month (model_price.use).
 * A line priced at the index carries the publication used and the link's
 * terms (bill_line.index), unless the contract's absolute price replaced
 * it. Pure; thread-safe. */
#ifndef GPUMETER_CHARGES_H
#define GPUMETER_CHARGES_H

#include "pricing/bill.h"
#include "pricing/terms.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usage_row {
    const char *meter; /* "gpu_ms", "tokens", "energy_mj" */
    const char *model; /* catalogue model; "" for tokens */
    const char *site;
    int local_hour; /* 0..23 */
    int64_t model_params;
    bool training;   /* the job reports tokens */
    int64_t pue_ppm; /* the site's, 1000000 when it has none */
    int64_t quantity;
};

/* Appends the usage lines to out (its subtotal untouched). */
bool charges_price(const struct plan *p, const struct contract *k, const struct usage_row *rows,
                   size_t n, int minor_digits, struct bill *out, char *err, size_t errlen);

/* GPU time of the month's training jobs (jobs that report tokens), by the
 * model size they reported and the accelerator they ran on. */
struct training_gpu {
    int64_t model_params;
    const char *model; /* catalogue model */
    int64_t gpu_ms;
};

/* Attributes each token line of b (one per size bracket) the GPU time of
 * the training jobs of its bracket, and the part on domestic accelerators:
 * the rule by which a domestic-only voucher covers tokens
 * (docs/contracts.md). False (err set) if that time does not fit int64. */
bool charges_token_gpu(const struct plan *p, struct bill *b, const struct training_gpu *g, size_t n,
                       char *err, size_t errlen);

#endif
