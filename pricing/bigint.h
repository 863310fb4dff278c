/* bigint: a small fixed-size unsigned integer for the exact ratios of
 * pricing/ that outgrow 128 bits: an annuity's (1+i)^n over hundreds of
 * periods (debt.h) and a project's net present value over hundreds of
 * months (returns.h). Limbs of 32 bits, least significant first; it only
 * sets, multiplies by a 64-bit factor, adds, subtracts and compares, and
 * divides with rounding by bisection (no long division). Overflow of the
 * top limb is an invariant broken by the caller's bound (asserted), never
 * a silent wrap. Pure; thread-safe (no state). */
#ifndef GPUMETER_BIGINT_H
#define GPUMETER_BIGINT_H

#include <stdbool.h>
#include <stdint.h>

/* (12e6 + 3e6)^600 < 2^14400 and the factors beside it fit: 480 limbs. */
#define BIG_LIMBS 480

struct big {
    uint32_t limb[BIG_LIMBS]; /* least significant first */
};

void big_set(struct big *a, uint64_t v);
/* a *= m */
void big_mul(struct big *a, uint64_t m);
/* a += b */
void big_add(struct big *a, const struct big *b);
/* a -= b; a >= b. */
void big_sub(struct big *a, const struct big *b);
/* -1, 0, 1 as a <, =, > b */
int big_cmp(const struct big *a, const struct big *b);
/* round(n / d) half away from zero (d > 0); false above INT64_MAX - 1. */
bool big_div_round(const struct big *n, const struct big *d, int64_t *out);

#endif
