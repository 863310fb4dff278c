/* decimal: exact decimal text to scaled integers, never through a float.
 *
 * Telemetry prints numbers as decimal text ("409.692000", "631.95",
 * "3.19159391e+08"); money and quantities in gpumeter are integers. This
 * parses a non-negative decimal with optional fraction and exponent into
 * value * 10^scale. Digits beyond the scale are truncated (telemetry) or
 * rejected (exact mode, for amounts that must not lose a digit). Pure; thread-safe. */
#ifndef GPUMETER_DECIMAL_H
#define GPUMETER_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum decimal_mode { DECIMAL_TRUNCATE, DECIMAL_EXACT };

/* Parses s[0..len) entirely ([+]digits[.digits][(e|E)[+-]digits], at least
 * one digit). False on anything else, on a negative number, or when the
 * scaled value exceeds INT64_MAX. */
bool decimal_parse(const char *s, size_t len, int scale, enum decimal_mode mode, int64_t *out);

#endif
