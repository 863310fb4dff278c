/* units: base-unit quantities as decimals of their price unit (see units.h). */
#include "core/units.h"

#include "core/invariant.h"
#include "core/money.h"

bool units_millionths(int64_t quantity, int64_t per_unit, int64_t *out, bool *exact)
{
    assert(per_unit > 0);
    __int128 scaled = (__int128)quantity * 1000000;
    if (exact) *exact = scaled % per_unit == 0;
    return money_div_round(scaled, per_unit, out);
}

bool units_format(int64_t quantity, int64_t per_unit, char *buf, size_t len)
{
    assert(per_unit > 0 && len > 0);
    int64_t millionths;
    buf[0] = '\0';
    if (!units_millionths(quantity, per_unit, &millionths, NULL)) return false;
    money_format(millionths, UNITS_DIGITS, buf, len);
    return true;
}
