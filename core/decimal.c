/* decimal: exact decimal parsing (see decimal.h). */
#include "decimal.h"

#include <ctype.h>

bool decimal_parse(const char *s, size_t len, int scale, enum decimal_mode mode, int64_t *out)
{
    size_t i = 0;
    if (i < len && s[i] == '+') i++;
    /* Collect significant digits, remembering where the point was. */
    char digits[64];
    int ndigits = 0, point = -1, seen = 0, dropped = 0;
    for (; i < len && (isdigit((unsigned char)s[i]) || s[i] == '.'); i++) {
        if (s[i] == '.') {
            if (point >= 0) return false;
            point = ndigits;
            continue;
        }
        seen++;
        if (ndigits == 0 && s[i] == '0' && point < 0) continue; /* leading zeros */
        if (ndigits == (int)sizeof digits) {                    /* far below any int64 resolution */
            if (point < 0 || (mode == DECIMAL_EXACT && s[i] != '0')) return false;
            dropped++;
            continue;
        }
        digits[ndigits++] = s[i];
    }
    if (!seen) return false;
    if (point < 0) point = ndigits;
    long exp10 = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int sign = 1;
        if (i < len && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
        if (i == len) return false;
        for (; i < len && isdigit((unsigned char)s[i]); i++) {
            exp10 = exp10 * 10 + (s[i] - '0');
            if (exp10 > 400) return false;
        }
        exp10 *= sign;
    }
    if (i != len) return false;
    /* digits[0..point) is the integer part before the exponent. */
    long whole = point + exp10 + scale; /* digits that land left of the point */
    if (dropped && whole > ndigits) return false;
    __int128 v = 0;
    for (int k = 0; k < ndigits; k++) {
        if (k >= whole) {
            if (mode == DECIMAL_EXACT && digits[k] != '0') return false;
            continue;
        }
        v = v * 10 + (digits[k] - '0');
        if (v > INT64_MAX) return false;
    }
    for (long k = ndigits; k < whole; k++) {
        v *= 10;
        if (v > INT64_MAX) return false;
    }
    *out = (int64_t)v;
    return true;
}
