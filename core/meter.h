/* meter: the one registry of the meters gpumeter counts and prices.
 *
 * One row per meter (meter.c), and every place that knows a meter reads
 * it: the event codec (the JSON key of a quantity is the meter's code),
 * rating (which key a quantity is counted under), pricing (the unit a price
 * is per, the plan's section), documents (the names in "meters" lists), the
 * PDF, CSV and text (names and unit labels), the fapiao export (unit and
 * tax-code key), the configuration (fapiao.tax_code.<code>) and the
 * synthetic generator, and the API's GET /v1/meters (what the web console
 * names meters from). Schema 001 and 028 hold the same rows in the
 * `meter` table (what SQL joins on); tests/unit/test_meter.c and
 * tests/integration/test_meters.sh keep the two in step.
 *
 * Adding a meter is one row here (and its METER_* index), the collector
 * that reports it, its `meter` row in a migration, and their tests
 * (core/README.md, "Adding a meter").
 *
 * Usage is stored in integer base units (GPU-ms, tokens, mJ, GiB-ms) and
 * priced per price unit (GPU-hour, million tokens, kWh, GiB-hour).
 * Pure; thread-safe (constant tables; the name lists of error messages are
 * written once, under pthread_once). */
#ifndef GPUMETER_METER_H
#define GPUMETER_METER_H

#include <stddef.h>
#include <stdint.h>

/* The longest code or document name a meter has (test_meter checks it),
 * for the buffers that read one from a document. */
#define METER_NAME_MAX 31

/* The index of each meter in the registry, in its order (the order of
 * invoice lines and of the event's quantities). */
enum meter_index { METER_GPU, METER_TOKENS, METER_ENERGY, METER_GPU_MEM, METER_COUNT };

/* A meter's units: base unit per price unit ("GPU-ms" per "GPU-hour",
 * 3,600,000); the price unit as people read a quantity, in Chinese and
 * English (卡时 / GPU-hours; the Chinese label is also the unit a fapiao
 * states); and the readable field that carries a quantity in the price
 * unit ("gpu_hours": the usage API and its CSV). */
struct meter_units {
    const char *base_unit, *price_unit;
    int64_t per_price;
    const char *label_zh, *label_en;
    const char *readable;
};

/* How a plan prices a meter (docs/plans.md):
 *  - BY_ACCELERATOR: a price per accelerator model ("gpu_hours": {"prices"});
 *  - BY_SIZE: brackets by the trained model's size ("tokens": {"brackets"});
 *  - FLAT: one price (flat or tiered) for every model, the lines still one
 *    per accelerator model ("energy_kwh", "gpu_mem_gib_hours"). */
enum meter_pricing { METER_PRICED_BY_ACCELERATOR, METER_PRICED_BY_SIZE, METER_PRICED_FLAT };

/* How rating splits a quantity over the hours of its window: every meter
 * today in proportion to time (time_split_hours); a meter counted at an
 * instant would put its whole quantity in the hour of its window's end. */
enum meter_split { METER_SPLIT_BY_TIME };

/* Each meter's bit in a set of meters (the row's `bit`), named for the
 * rules that single one out. */
enum { METER_BIT_GPU = 1, METER_BIT_TOKENS = 2, METER_BIT_ENERGY = 4, METER_BIT_GPU_MEM = 8 };

struct meter {
    const char *code;         /* base, as stored and in events: "gpu_ms" */
    const char *doc;          /* in documents (plans, "meters" lists): "gpu_hours" */
    struct meter_units units;
    const char *name_zh, *name_en; /* the service, on invoices: "GPU 时长", "GPU time" */
    unsigned bit;             /* in sets of meters (commitments, vouchers) */
    enum meter_pricing pricing;
    /* FLAT only: a unit_price and never tiers. Its lines are one per
     * accelerator model, priced each on its own, so a tier would start
     * again on every model's line instead of on the month's quantity
     * (docs/plans.md); energy_kwh still allows tiers, which restart per
     * model and site the same way (documented there) */
    int unit_price_only;
    enum meter_split split;
    /* counted under the trained model's size, whatever hardware ran it
     * (tokens); else under the accelerator model, vendor and site */
    int by_model_size;
    /* an event's quantity above this many base units per ms of its window
     * is absurd (a unit error, not usage), "more than <max> <max_what>";
     * 0: only the absolute bound (core/event.h) */
    int64_t max_per_window_ms;
    const char *max_what;
    /* in the FOCUS export (docs/invoices.md): ServiceName, ServiceCategory
     * (a FOCUS value), PricingUnit; and ConsumedUnit when usage is
     * consumed in base units (tokens, one by one), else NULL: consumed
     * as priced */
    const char *focus_service, *focus_category, *focus_unit, *focus_consumed_unit;
};

/* The registry, METER_COUNT rows in enum meter_index order. */
extern const struct meter meter_rows[METER_COUNT];

/* The meter of a base code ("gpu_ms") or a document name ("gpu_hours");
 * NULL when unknown. */
const struct meter *meter_find(const char *code);
const struct meter *meter_find_doc(const char *doc);
/* The index of a meter row in meter_rows[]. */
int meter_index(const struct meter *m);

/* The units of a base code; NULL if unknown. */
const struct meter_units *meter_units(const char *code);

/* Sets of meters as bits; every bit of the registry. */
unsigned meter_bit(const char *doc_name);  /* 0 when unknown */
unsigned meter_bit_code(const char *code); /* 0 when unknown */
const char *meter_bit_name(unsigned bit);  /* the document name of one bit, "" if none */
unsigned meter_bits_all(void);

/* The rows' names joined for an error message, in registry order: the
 * document names quoted ("gpu_hours", "tokens", "energy_kwh" or
 * "gpu_mem_gib_hours"), the base codes not (gpu_ms, tokens, energy_mj,
 * gpu_mem_gib_ms). */
const char *meter_doc_list(void);
const char *meter_code_list(void);

#endif
