/* meter: the registry of meters (see meter.h). */
#include "core/meter.h"

#include "core/units.h"

#include <string.h>

/* GiB-ms in a GiB-hour: the milliseconds of an hour, as for GPU-ms. */
#define GIB_MS_PER_GIB_HOUR UNITS_MS_PER_GPU_HOUR

const struct meter meter_rows[METER_COUNT] = {
    [METER_GPU] = {"gpu_ms", "gpu_hours",
                   {"GPU-ms", "GPU-hour", UNITS_MS_PER_GPU_HOUR, "卡时", "GPU-hours", "gpu_hours"},
                   "GPU 时长", "GPU time", METER_BIT_GPU, METER_PRICED_BY_ACCELERATOR, METER_SPLIT_BY_TIME, 0,
                   100000 /* EVENT_MAX_ACCELERATORS */, "accelerators busy in the window",
                   "GPU compute", "Compute", "GPU-Hours", NULL},
    [METER_TOKENS] = {"tokens", "tokens",
                      {"token", "million tokens", UNITS_TOKENS_PER_MILLION, "百万Token",
                       "million tokens", "million_tokens"},
                      "训练 Token", "Training tokens", METER_BIT_TOKENS, METER_PRICED_BY_SIZE,
                      METER_SPLIT_BY_TIME, 1, 0, NULL,
                      "Model training", "AI and Machine Learning", "Million Tokens", "Tokens"},
    [METER_ENERGY] = {"energy_mj", "energy_kwh",
                      {"mJ", "kWh", UNITS_MJ_PER_KWH, "千瓦时", "kWh", "kwh"},
                      "电力", "Energy", METER_BIT_ENERGY, METER_PRICED_FLAT, METER_SPLIT_BY_TIME, 0,
                      0 /* bounded per GPU-ms in core/event.c */, NULL,
                      "Energy", "Compute", "kWh", NULL},
    /* memory held on accelerators: dcgm-exporter's DCGM_FI_DEV_FB_USED
     * (MiB) over the scrape window (ingest/device.h) */
    [METER_GPU_MEM] = {"gpu_mem_gib_ms", "gpu_mem_gib_hours",
                       {"GiB-ms", "GiB-hour", GIB_MS_PER_GIB_HOUR, "GiB时", "GiB-hours",
                        "gpu_mem_gib_hours"},
                       "显存", "GPU memory", METER_BIT_GPU_MEM, METER_PRICED_FLAT, METER_SPLIT_BY_TIME, 0,
                       100000LL * 1024, "GiB held in the window (1 TiB on each of 100000 accelerators)",
                       "GPU memory", "Compute", "GiB-Hours", NULL},
};

/* For error messages; test_meter checks they list the rows above. */
static const char doc_list[] = "\"gpu_hours\", \"tokens\", \"energy_kwh\" or \"gpu_mem_gib_hours\"";
static const char code_list[] = "gpu_ms, tokens, energy_mj, gpu_mem_gib_ms";

const struct meter *meter_find(const char *code)
{
    for (int i = 0; i < METER_COUNT; i++)
        if (!strcmp(code, meter_rows[i].code)) return &meter_rows[i];
    return NULL;
}

const struct meter *meter_find_doc(const char *doc)
{
    for (int i = 0; i < METER_COUNT; i++)
        if (!strcmp(doc, meter_rows[i].doc)) return &meter_rows[i];
    return NULL;
}

int meter_index(const struct meter *m)
{
    return (int)(m - meter_rows);
}

const struct meter_units *meter_units(const char *code)
{
    const struct meter *m = meter_find(code);
    return m ? &m->units : NULL;
}

unsigned meter_bit(const char *doc_name)
{
    const struct meter *m = meter_find_doc(doc_name);
    return m ? m->bit : 0;
}

unsigned meter_bit_code(const char *code)
{
    const struct meter *m = meter_find(code);
    return m ? m->bit : 0;
}

const char *meter_bit_name(unsigned bit)
{
    for (int i = 0; i < METER_COUNT; i++)
        if (bit == meter_rows[i].bit) return meter_rows[i].doc;
    return "";
}

unsigned meter_bits_all(void)
{
    unsigned bits = 0;
    for (int i = 0; i < METER_COUNT; i++)
        bits |= meter_rows[i].bit;
    return bits;
}

const char *meter_doc_list(void)
{
    return doc_list;
}

const char *meter_code_list(void)
{
    return code_list;
}
