/* units: a quantity in base units as people read it, in its price unit.
 *
 * Usage is stored and priced in integer base units (GPU-ms, tokens, mJ);
 * people read GPU-hours, million tokens and kWh. This is the one place
 * that turns one into the other for display: quantity / per_unit as a
 * decimal with UNITS_DIGITS (6) decimals, computed exactly in 128 bits and
 * rounded once, half away from zero, never through a float. Six decimals
 * because an invoice line states its quantity in the price unit to six
 * decimals (render_quantity), so a usage total and the line it priced read
 * the same digits; a GPU-hour's millionth is 3.6 ms, a kWh's 3.6 J, and a
 * million tokens' millionth is one token, exact. docs/api.md, "Units".
 * Pure; thread-safe. */
#ifndef GPUMETER_UNITS_H
#define GPUMETER_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNITS_DIGITS 6

/* GPU-ms in a GPU-hour is MS_PER_HOUR (core/timeutil.h), the one
 * definition of milliseconds per hour; in SQL it is passed as a parameter. */
#define UNITS_TOKENS_PER_MILLION 1000000LL   /* tokens in a million tokens */
#define UNITS_MJ_PER_KWH        3600000000LL /* mJ in a kWh: a watt-hour is 3,600 J */

/* quantity / per_unit in millionths of the price unit, rounded once, half
 * away from zero; *exact (may be NULL) says whether nothing was rounded.
 * per_unit > 0. False if the result does not fit in int64. */
bool units_millionths(int64_t quantity, int64_t per_unit, int64_t *out, bool *exact);

/* quantity / per_unit to UNITS_DIGITS decimals: 8745326000 GPU-ms at
 * 3,600,000 per GPU-hour is "2429.257222". per_unit > 0. False (buf "")
 * only if the result does not fit in int64 millionths, which no int64
 * quantity reaches with per_unit >= 1,000,000. */
bool units_format(int64_t quantity, int64_t per_unit, char *buf, size_t len);

#endif
