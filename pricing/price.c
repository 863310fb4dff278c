/* price: exact tiered and time-of-use line charges (see price.h). */
#include "pricing/price.h"

#include "core/money.h"

bool price_amount(const struct price *p, int64_t quantity, int64_t units_per_price,
                  struct factors f, int minor_digits, int64_t *amount)
{
    const int64_t ppm[] = {f.band_ppm, f.pue_ppm, f.override_ppm};
    if (quantity < 0 || units_per_price <= 0 || minor_digits < 0 || minor_digits > 6 ||
        p->nsteps < 1)
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
    /* Every factor exact, multiplied together, then one rounding: the
     * product quantity x price x factors is exact in 256 bits, so only an
     * amount that does not fit int64 is refused (docs/money.md). */
    unsigned __int128 factor = 1, den = (unsigned __int128)units_per_price;
    for (int i = 0; i < 3; i++) {
        if (ppm[i] < 0) return false;
        if (__builtin_mul_overflow(factor, (unsigned __int128)ppm[i], &factor))
            return sum == 0 ? (*amount = 0, true) : false;
        den *= 1000000;
    }
    for (int d = minor_digits; d < MONEY_PRICE_DIGITS; d++)
        den *= 10;
    return money_mul_div_round((unsigned __int128)sum, factor, den, amount);
}
