/* money: fixed-point arithmetic with one rounding point (see money.h). */
#include "money.h"

#include <stdio.h>
#include <string.h>

static const int64_t pow10_table[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

bool money_div_round(__int128 num, __int128 den, int64_t *out)
{
    if (den <= 0) return false;
    bool neg = num < 0;
    unsigned __int128 mag = neg ? (unsigned __int128)(-(num + 1)) + 1 : (unsigned __int128)num;
    unsigned __int128 q = mag / (unsigned __int128)den;
    unsigned __int128 r = mag % (unsigned __int128)den;
    if (r * 2 >= (unsigned __int128)den) q++;
    if (q > (unsigned __int128)INT64_MAX) return false;
    *out = neg ? -(int64_t)q : (int64_t)q;
    return true;
}

bool money_line_amount(int64_t quantity, int64_t price_micro, int64_t units_per_price,
                       int minor_digits, int64_t *amount)
{
    if (minor_digits < 0 || minor_digits > MONEY_PRICE_DIGITS || units_per_price <= 0) return false;
    __int128 num = (__int128)quantity * price_micro;
    __int128 den = (__int128)units_per_price * pow10_table[MONEY_PRICE_DIGITS - minor_digits];
    if (den > INT64_MAX) return false;
    return money_div_round(num, (int64_t)den, amount);
}

bool money_apply_ppm(int64_t amount, int64_t ppm, int64_t *out)
{
    return money_div_round((__int128)amount * ppm, 1000000, out);
}

bool money_add(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

void money_format(int64_t amount, int digits, char *buf, size_t len)
{
    if (digits < 0 || digits > MONEY_PRICE_DIGITS) digits = 0;
    uint64_t mag = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
    uint64_t scale = (uint64_t)pow10_table[digits];
    if (digits == 0)
        snprintf(buf, len, "%s%llu", amount < 0 ? "-" : "", (unsigned long long)mag);
    else
        snprintf(buf, len, "%s%llu.%0*llu", amount < 0 ? "-" : "",
                 (unsigned long long)(mag / scale), digits, (unsigned long long)(mag % scale));
}

bool money_from_micro(int64_t micro, int minor_digits, int64_t *minor)
{
    int64_t scale = 1;
    for (int d = minor_digits; d < MONEY_PRICE_DIGITS; d++)
        scale *= 10;
    if (minor_digits < 0 || minor_digits > MONEY_PRICE_DIGITS || micro % scale) return false;
    *minor = micro / scale;
    return true;
}
