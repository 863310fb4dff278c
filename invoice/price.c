/* price: exact tiered and time-of-use line charges (see price.h). */
#include "invoice/price.h"

#include "core/money.h"

/* num / den, half away from zero, for divisors beyond int64. */
static bool div_round(__int128 num, __int128 den, int64_t *out)
{
    __int128 q = num / den, r = num % den;
    if (2 * (r < 0 ? -r : r) >= den) q += num < 0 ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN) return false;
    *out = (int64_t)q;
    return true;
}

bool price_amount(const struct price *p, int64_t quantity, int64_t units_per_price,
                  int64_t multiplier_ppm, int minor_digits, int64_t *amount)
{
    if (quantity < 0 || units_per_price <= 0 || multiplier_ppm < 0 || minor_digits < 0 ||
        minor_digits > 6 || p->nsteps < 1)
        return false;
    __int128 sum = 0; /* base units x micro-units */
    if (p->mode == TIERS_VOLUME) {
        int i = 0;
        while (i < p->nsteps - 1 && (__int128)quantity > (__int128)p->up_to[i] * units_per_price)
            i++;
        sum = (__int128)quantity * p->unit_price[i];
    } else { /* flat is one open step; graduated walks the steps */
        int64_t lower = 0;
        for (int i = 0; i < p->nsteps && quantity > lower; i++) {
            __int128 upper = p->up_to[i] < 0 ? quantity : (__int128)p->up_to[i] * units_per_price;
            __int128 part = (upper < quantity ? upper : quantity) - lower;
            sum += part * p->unit_price[i];
            lower = (int64_t)(upper < quantity ? upper : quantity);
        }
    }
    if (multiplier_ppm && sum > ((__int128)1 << 125) / multiplier_ppm) return false;
    __int128 den = (__int128)units_per_price * 1000000; /* the multiplier's ppm */
    for (int d = minor_digits; d < MONEY_PRICE_DIGITS; d++)
        den *= 10;
    return div_round(sum * multiplier_ppm, den, amount);
}
