/* money: exact integer fixed-point amounts and the one rounding point.
 *
 * An amount is an int64 count of the currency's minor unit (fen for CNY,
 * minor_digits = 2). A unit price is an int64 count of micro-units
 * (MONEY_PRICE_SCALE = 10^6 per major unit) per pricing unit, so prices
 * carry six decimals. Quantities are int64 base units (GPU-ms, tokens, mJ).
 *
 * A charge is computed once, from an aggregated quantity:
 *     amount = round(quantity * price / (units_per_price * 10^(6 - minor_digits)))
 * exact (a 128-bit numerator; 256 bits with a line's factors) and rounded
 * half away from zero ("half-up" on the magnitude). Nothing else rounds. Every function reports
 * overflow instead of wrapping. See docs/money.md. Pure; thread-safe. */
#ifndef GPUMETER_MONEY_H
#define GPUMETER_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MONEY_PRICE_DIGITS 6
#define MONEY_PRICE_SCALE  1000000
/* The currency of the operator's books where a report names none (the
 * yield report: `report yield --currency`, GET /v1/operator/yield); an
 * invoice's currency is always its plan's. */
#define MONEY_DEFAULT_CURRENCY "CNY"

/* num / den rounded half away from zero; den > 0. False if the result does
 * not fit in int64. */
bool money_div_round(__int128 num, __int128 den, int64_t *out);
/* a x b / den, the product exact in 256 bits, rounded once half away from
 * zero; a, b >= 0, den > 0. False only if the result does not fit in int64:
 * no intermediate limits a line (docs/money.md, "Limits"). */
bool money_mul_div_round(unsigned __int128 a, unsigned __int128 b, unsigned __int128 den,
                         int64_t *out);

/* Splits amount (either sign) over n weights >= 0 in proportion, exactly:
 * share_i = floor(|amount| x c_i / W) - floor(|amount| x c_(i-1) / W) with
 * the sign of amount, c the running sum of the weights and W their total,
 * so the shares sum to amount (the same rule as the hourly split of usage).
 * False, every share 0, when W is 0. */
bool money_split(int64_t amount, const int64_t *weight, size_t n, int64_t *share);

/* The line charge in minor units for quantity base units at price
 * (micro-units per units_per_price base units). False on overflow or on
 * minor_digits outside 0..6 or units_per_price <= 0. */
bool money_line_amount(int64_t quantity, int64_t price_micro, int64_t units_per_price,
                       int minor_digits, int64_t *amount);

/* amount * ppm / 10^6, rounded once (used for tax). */
bool money_apply_ppm(int64_t amount, int64_t ppm, int64_t *out);

bool money_add(int64_t a, int64_t b, int64_t *out);

/* 10^digits, the scale of a fixed-point figure with that many decimals;
 * digits in 0..38 (asserted: 10^38 is the largest that fits __int128). */
__int128 money_pow10(int digits);

/* A document amount in micro-units as minor units; false unless exact (an
 * amount with more decimals than the currency has). */
bool money_from_micro(int64_t micro, int minor_digits, int64_t *minor);

/* Whether s is a plain decimal as a person types an amount or a quantity:
 * "0" or digits without a leading zero, then optionally '.' and at least
 * one digit ("12", "0.5", "12.50"; never "1.", ".5", "01", "+1", "1e1",
 * " 1"). Its value and decimals are decimal_parse's to check. */
bool money_text_plain(const char *s);

/* Formats amount (in units of 10^-digits) as a plain decimal: "-12.05". */
void money_format(int64_t amount, int digits, char *buf, size_t len);
/* v in units of 10^-digits (0..18) as a decimal without trailing zeros:
 * 74400000000 at 8 digits is "744", 1680000000 is "16.8". */
void money_format_trimmed(int64_t v, int digits, char *buf, size_t len);

#endif
