/* bigint: see bigint.h. */
#include "pricing/bigint.h"

#include "core/invariant.h"

#include <string.h>

void big_set(struct big *a, uint64_t v)
{
    memset(a, 0, sizeof *a);
    a->limb[0] = (uint32_t)v;
    a->limb[1] = (uint32_t)(v >> 32);
}

/* a *= m; the top limb never carries out (asserted). */
void big_mul(struct big *a, uint64_t m)
{
    uint32_t lo = (uint32_t)m, hi = (uint32_t)(m >> 32);
    struct big r;
    memset(&r, 0, sizeof r);
    for (int part = 0; part < 2; part++) {
        uint64_t f = part ? hi : lo, carry = 0;
        if (!f) continue;
        for (int i = 0; i + part < BIG_LIMBS; i++) {
            uint64_t s = (uint64_t)a->limb[i] * f + r.limb[i + part] + carry;
            r.limb[i + part] = (uint32_t)s;
            carry = s >> 32;
        }
        assert(carry == 0 && "bigint: the integers outgrew their limbs");
    }
    *a = r;
}

/* a += b; the top limb never carries out (asserted). */
void big_add(struct big *a, const struct big *b)
{
    uint64_t carry = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        uint64_t s = (uint64_t)a->limb[i] + b->limb[i] + carry;
        a->limb[i] = (uint32_t)s;
        carry = s >> 32;
    }
    assert(carry == 0 && "bigint: the integers outgrew their limbs");
}

/* a -= b; a >= b. */
void big_sub(struct big *a, const struct big *b)
{
    int64_t borrow = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        int64_t d = (int64_t)a->limb[i] - b->limb[i] - borrow;
        borrow = d < 0;
        a->limb[i] = (uint32_t)(d + (borrow ? (int64_t)1 << 32 : 0));
    }
    assert(borrow == 0);
}

int big_cmp(const struct big *a, const struct big *b)
{
    for (int i = BIG_LIMBS - 1; i >= 0; i--)
        if (a->limb[i] != b->limb[i]) return a->limb[i] < b->limb[i] ? -1 : 1;
    return 0;
}

/* x d <= n */
static bool big_times_le(const struct big *d, uint64_t x, const struct big *n)
{
    struct big p = *d;
    big_mul(&p, x);
    return big_cmp(&p, n) <= 0;
}

/* round(n / d) half away from zero (n, d >= 0, d > 0); false above
 * INT64_MAX - 1. */
bool big_div_round(const struct big *n, const struct big *d, int64_t *out)
{
    uint64_t lo = 0, hi = INT64_MAX; /* largest x with x d <= n, in [lo, hi) */
    if (big_times_le(d, hi, n)) return false;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (big_times_le(d, mid, n)) lo = mid;
        else hi = mid;
    }
    struct big n2 = *n;
    big_mul(&n2, 2);
    /* the remainder n - lo d is at least half of d: (2 lo + 1) d <= 2 n */
    *out = (int64_t)lo + (big_times_le(d, 2 * lo + 1, &n2) ? 1 : 0);
    return true;
}

