/* money: fixed-point arithmetic with one rounding point (see money.h). */
#include "money.h"

#include "core/invariant.h"

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

/* 256-bit unsigned: hi:lo. */
struct u256 {
    unsigned __int128 hi, lo;
};

static struct u256 mul_128(unsigned __int128 a, unsigned __int128 b)
{
    const unsigned __int128 mask = ~(uint64_t)0;
    unsigned __int128 a0 = a & mask, a1 = a >> 64, b0 = b & mask, b1 = b >> 64;
    unsigned __int128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    unsigned __int128 mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);
    struct u256 r;
    r.lo = (p00 & mask) | (mid << 64);
    r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    return r;
}

bool money_mul_div_round(unsigned __int128 a, unsigned __int128 b, unsigned __int128 den,
                         int64_t *out)
{
    if (den == 0) return false;
    struct u256 n = mul_128(a, b);
    unsigned __int128 rem = 0, q = 0;
    if (n.hi == 0) { /* the common case: the product fits 128 bits */
        q = n.lo / den;
        rem = n.lo % den;
    } else {
        /* Long division, one bit at a time: the remainder stays below den, and
         * den < 2^127 keeps 2 x remainder within 128 bits. The quotient only
         * matters while it fits in int64; beyond, the result is refused. */
        if (den >> 127) return false;
        for (int bit = 255; bit >= 0; bit--) {
            unsigned __int128 word = bit >= 128 ? n.hi : n.lo;
            rem = rem << 1 | ((word >> (bit & 127)) & 1);
            q <<= 1;
            if (rem >= den) {
                rem -= den;
                q |= 1;
            }
            if (q > (unsigned __int128)INT64_MAX) return false;
        }
    }
    if (rem >= den - rem) q++; /* rem >= den / 2: half away from zero */
    if (q > (unsigned __int128)INT64_MAX) return false;
    *out = (int64_t)q;
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

void money_format_trimmed(int64_t v, int digits, char *buf, size_t len)
{
    if (digits < 0 || digits > 18) digits = 0;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, scale = 1;
    for (int i = 0; i < digits; i++)
        scale *= 10;
    char frac[24];
    snprintf(frac, sizeof frac, ".%0*llu", digits, (unsigned long long)(mag % scale));
    size_t n = digits ? strlen(frac) : 0;
    while (n > 1 && frac[n - 1] == '0')
        n--;
    frac[n > 1 ? n : 0] = '\0';
    snprintf(buf, len, "%s%llu%s", v < 0 ? "-" : "", (unsigned long long)(mag / scale), frac);
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

bool money_split(int64_t amount, const int64_t *weight, size_t n, int64_t *share)
{
    assert(n == 0 || (weight && share));
    __int128 total = 0, run = 0, given = 0;
    for (size_t i = 0; i < n; i++) {
        assert(weight[i] >= 0); /* a negative weight would make a share exceed the whole */
        total += weight[i];
    }
    int64_t before = 0, sign = amount < 0 ? -1 : 1;
    __int128 a = (__int128)amount * sign;
    for (size_t i = 0; i < n; i++) {
        if (total <= 0) {
            share[i] = 0;
            continue;
        }
        run += weight[i];
        int64_t upto = (int64_t)(a * run / total);
        share[i] = sign * (upto - before);
        before = upto;
        given += share[i];
    }
    assert(total <= 0 || given == amount); /* the shares sum to the whole */
    return total > 0;
}

bool money_text_plain(const char *s)
{
    size_t whole = strspn(s, "0123456789");
    if (whole == 0 || (s[0] == '0' && whole > 1)) return false;
    if (s[whole] == '\0') return true;
    size_t frac = strspn(s + whole + 1, "0123456789");
    return s[whole] == '.' && frac > 0 && s[whole + 1 + frac] == '\0';
}

__int128 money_pow10(int digits)
{
    assert(digits >= 0 && digits <= 38);
    __int128 v = 1;
    while (digits-- > 0)
        v *= 10;
    return v;
}
