/* meter: the three meters gpumeter prices, their units and their names.
 *
 * Usage is stored in base units ("gpu_ms", "tokens", "energy_mj") and
 * priced per price unit (GPU-hour, million tokens, kWh). Documents name
 * meters "gpu_hours", "tokens", "energy_kwh"; sets of meters (commitments,
 * vouchers) are bits. Pure; thread-safe (constant tables). */
#ifndef GPUMETER_METER_H
#define GPUMETER_METER_H

#include <stdint.h>

/* Units of a meter: "GPU-ms" per "GPU-hour" (3,600,000), ...; the price
 * unit as documents for people label a quantity, in Chinese and English:
 * 卡时 / GPU-hours, 百万Token / million tokens, 千瓦时 / kWh (the one table
 * of unit labels: the PDF and any view for people read it); readable names
 * the field that carries a quantity in the price unit for people
 * ("gpu_hours", "million_tokens", "kwh": the usage API and its CSV). */
struct meter_units {
    const char *base_unit, *price_unit;
    int64_t per_price;
    const char *label_zh, *label_en;
    const char *readable;
};
const struct meter_units *meter_units(const char *meter); /* NULL if unknown */

enum { METER_BIT_GPU = 1, METER_BIT_TOKENS = 2, METER_BIT_ENERGY = 4 };
unsigned meter_bit(const char *doc_name);  /* 0 when unknown */
unsigned meter_bit_code(const char *code); /* 0 when unknown */
const char *meter_bit_name(unsigned bit);  /* the document name of one bit */

#endif
