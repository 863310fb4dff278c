/* meter: the registry of meters (see meter.h). */
#include "core/meter.h"

#include "core/invariant.h"
#include "core/timeutil.h"
#include "core/units.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* GiB-ms in a GiB-hour: the milliseconds of an hour (MS_PER_HOUR), as for GPU-ms. */
#define GIB_MS_PER_GIB_HOUR MS_PER_HOUR

const struct meter meter_rows[METER_COUNT] = {
    [METER_GPU] =
        {
            .code = "gpu_ms",
            .doc = "gpu_hours",
            .units = {"GPU-ms", "GPU-hour", MS_PER_HOUR, "卡时", "GPU-hours", "gpu_hours"},
            .name_zh = "GPU 时长",
            .name_en = "GPU time",
            .bit = METER_BIT_GPU,
            .pricing = METER_PRICED_BY_ACCELERATOR,
            .split = METER_SPLIT_BY_TIME,
            .max_per_window_ms = 100000, /* EVENT_MAX_ACCELERATORS */
            .max_what = "accelerators busy in the window",
            .focus_service = "GPU compute",
            .focus_category = "Compute",
            .focus_unit = "GPU-Hours",
        },
    [METER_TOKENS] =
        {
            .code = "tokens",
            .doc = "tokens",
            .units = {"token", "million tokens", UNITS_TOKENS_PER_MILLION, "百万Token",
                      "million tokens", "million_tokens"},
            .name_zh = "训练 Token",
            .name_en = "Training tokens",
            .bit = METER_BIT_TOKENS,
            .pricing = METER_PRICED_BY_SIZE,
            .split = METER_SPLIT_BY_TIME,
            .by_model_size = 1,
            .focus_service = "Model training",
            .focus_category = "AI and Machine Learning",
            .focus_unit = "Million Tokens",
            .focus_consumed_unit = "Tokens",
        },
    [METER_ENERGY] =
        {
            .code = "energy_mj",
            .doc = "energy_kwh",
            .units = {"mJ", "kWh", UNITS_MJ_PER_KWH, "千瓦时", "kWh", "kwh"},
            .name_zh = "电力",
            .name_en = "Energy",
            .bit = METER_BIT_ENERGY,
            .pricing = METER_PRICED_FLAT,
            .split = METER_SPLIT_BY_TIME,
            /* bounded per GPU-ms of the event, in core/event.c */
            .focus_service = "Energy",
            .focus_category = "Compute",
            .focus_unit = "kWh",
        },
    /* memory held on accelerators: dcgm-exporter's DCGM_FI_DEV_FB_USED
     * (MiB) over the scrape window (ingest/device.h) */
    [METER_GPU_MEM] =
        {
            .code = "gpu_mem_gib_ms",
            .doc = "gpu_mem_gib_hours",
            .units = {"GiB-ms", "GiB-hour", GIB_MS_PER_GIB_HOUR, "GiB时", "GiB-hours",
                      "gpu_mem_gib_hours"},
            .name_zh = "显存",
            .name_en = "GPU memory",
            .bit = METER_BIT_GPU_MEM,
            .pricing = METER_PRICED_FLAT,
            .unit_price_only = 1,
            .split = METER_SPLIT_BY_TIME,
            .max_per_window_ms = 100000LL * 1024,
            .max_what = "GiB held in the window (1 TiB on each of 100000 accelerators)",
            .focus_service = "GPU memory",
            .focus_category = "Compute",
            .focus_unit = "GiB-Hours",
        },
};

/* The rows' names for error messages, written once on first use. */
static char doc_list[METER_COUNT * (METER_NAME_MAX + 8)];
static char code_list[METER_COUNT * (METER_NAME_MAX + 2)];
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

static void lists_write(void)
{
    size_t d = 0, c = 0;
    for (int m = 0; m < METER_COUNT; m++) {
        const char *sep = m == 0 ? "" : m == METER_COUNT - 1 ? " or " : ", ";
        d += (size_t)snprintf(doc_list + d, sizeof doc_list - d, "%s\"%s\"", sep,
                              meter_rows[m].doc);
        c += (size_t)snprintf(code_list + c, sizeof code_list - c, "%s%s", m ? ", " : "",
                              meter_rows[m].code);
        assert(d < sizeof doc_list && c < sizeof code_list); /* names are at most METER_NAME_MAX */
    }
}

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
    pthread_once(&lists_once, lists_write);
    return doc_list;
}

const char *meter_code_list(void)
{
    pthread_once(&lists_once, lists_write);
    return code_list;
}
