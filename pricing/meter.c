/* meter: units and names of the meters (see meter.h). */
#include "pricing/meter.h"

#include "core/timeutil.h"
#include "core/units.h"

#include <stddef.h>
#include <string.h>

const struct meter_units *meter_units(const char *meter)
{
    static const struct {
        const char *code;
        struct meter_units u;
    } units[] = {{"gpu_ms", {"GPU-ms", "GPU-hour", MS_PER_HOUR, "卡时", "GPU-hours", "gpu_hours"}},
                 {"tokens", {"token", "million tokens", UNITS_TOKENS_PER_MILLION, "百万Token", "million tokens",
                             "million_tokens"}},
                 {"energy_mj", {"mJ", "kWh", UNITS_MJ_PER_KWH, "千瓦时", "kWh", "kwh"}}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(meter, units[i].code)) return &units[i].u;
    return NULL;
}

static const struct {
    const char *doc, *code;
    unsigned bit;
} meter_names[] = {{"gpu_hours", "gpu_ms", METER_BIT_GPU},
                   {"tokens", "tokens", METER_BIT_TOKENS},
                   {"energy_kwh", "energy_mj", METER_BIT_ENERGY}};

unsigned meter_bit(const char *name)
{
    for (size_t i = 0; i < sizeof meter_names / sizeof meter_names[0]; i++)
        if (!strcmp(name, meter_names[i].doc)) return meter_names[i].bit;
    return 0;
}

unsigned meter_bit_code(const char *code)
{
    for (size_t i = 0; i < sizeof meter_names / sizeof meter_names[0]; i++)
        if (!strcmp(code, meter_names[i].code)) return meter_names[i].bit;
    return 0;
}

const char *meter_bit_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof meter_names / sizeof meter_names[0]; i++)
        if (bit == meter_names[i].bit) return meter_names[i].doc;
    return "";
}
