/* returns: see returns.h. The NPV's numerator is accumulated by Horner's
 * rule, T_k = T_(k-1) b + flow_k a^k, so each month costs a few
 * multiplications by a small factor; bigint.h is unsigned, so the positive
 * and the negative flows are kept apart (pos, neg) and compared or
 * subtracted once at the end. */
#include "pricing/returns.h"

#include "pricing/bigint.h"

#include "core/invariant.h"

#include <stdio.h>

#define MONTH_BASE 12000000u /* 12 months x 10^6 micro */

static uint64_t magnitude(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* pos - neg = sum_k flow_k a^k b^(months-k); den = b^months. */
static void npv_parts(const int64_t *flows, int months, int64_t rate_micro, struct big *pos,
                      struct big *neg, struct big *den)
{
    assert(months >= 0 && months <= RETURNS_MAX_MONTHS);
    assert(rate_micro >= RETURNS_MIN_RATE && rate_micro <= RETURNS_MAX_RATE);
    uint64_t a = MONTH_BASE, b = (uint64_t)((int64_t)MONTH_BASE + rate_micro);
    struct big a_pow, term;
    big_set(pos, 0);
    big_set(neg, 0);
    big_set(den, 1);
    big_set(&a_pow, 1);
    for (int k = 0; k <= months; k++) {
        if (k > 0) {
            big_mul(pos, b);
            big_mul(neg, b);
            big_mul(den, b);
            big_mul(&a_pow, a);
        }
        if (flows[k] == 0) continue;
        term = a_pow;
        big_mul(&term, magnitude(flows[k]));
        big_add(flows[k] > 0 ? pos : neg, &term);
    }
}

bool returns_npv(const int64_t *flows, int months, int64_t rate_micro, int64_t *out)
{
    struct big pos, neg, den;
    npv_parts(flows, months, rate_micro, &pos, &neg, &den);
    bool negative = big_cmp(&pos, &neg) < 0;
    struct big *larger = negative ? &neg : &pos;
    big_sub(larger, negative ? &pos : &neg);
    int64_t v;
    if (!big_div_round(larger, &den, &v)) return false;
    *out = negative ? -v : v;
    return true;
}

int returns_npv_sign(const int64_t *flows, int months, int64_t rate_micro)
{
    struct big pos, neg, den;
    npv_parts(flows, months, rate_micro, &pos, &neg, &den);
    return big_cmp(&pos, &neg);
}

bool returns_irr(const int64_t *flows, int months, int64_t *irr_micro)
{
    bool any = false;
    for (int k = 0; k <= months; k++) any = any || flows[k] != 0;
    if (!any) return false; /* every rate is a root: no rate is the IRR */
    int64_t lo = RETURNS_MIN_RATE, hi = RETURNS_MAX_RATE;
    int s_lo = returns_npv_sign(flows, months, lo);
    int s_hi = returns_npv_sign(flows, months, hi);
    if (s_hi == s_lo) return false;
    /* the NPV has the sign s_lo at lo and not at hi: a root in [lo, hi]
     * (s_lo == 0, a root at lo itself, ends at lo too) */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (returns_npv_sign(flows, months, mid) == s_lo) lo = mid;
        else hi = mid;
    }
    *irr_micro = returns_npv_sign(flows, months, hi) == 0 ? hi : lo;
    return true;
}

int returns_payback_month(const int64_t *flows, int months)
{
    __int128 sum = 0;
    for (int k = 0; k <= months; k++) {
        sum += flows[k];
        if (sum >= 0) return k;
    }
    return -1;
}

void returns_rate_text(int64_t micro, char *out)
{
    uint64_t m = magnitude(micro);
    snprintf(out, RETURNS_RATE_TEXT, "%s%llu.%04llu%%", micro < 0 ? "-" : "",
             (unsigned long long)(m / 10000), (unsigned long long)(m % 10000));
}
