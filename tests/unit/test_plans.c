/* Plans: every validation rule with its JSON path, the catalogue, and
 * worked pricing examples computed by hand to the fen (docs/plans.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/catalogue.h"
#include "pricing/charges.h"
#include "pricing/price.h"
#include "terms/plan_doc.h"

#include <stdio.h>
#include <string.h>

static const char valid[] =
    "{\"plan\":\"gpu-2027\",\"name\":\"GPU 2027\",\"currency\":\"CNY\","
    "\"effective_from\":\"2027-01-01\","
    "\"gpu_hours\":{\"increment_seconds\":60,\"prices\":["
    "{\"model\":\"H800\",\"unit_price\":\"16.80\"},"
    "{\"model\":\"Ascend910B\",\"unit_price\":\"8.50\"}],"
    "\"time_of_use\":[{\"band\":\"peak\",\"from\":8,\"to\":12,\"multiplier\":\"1.5\"},"
    "{\"band\":\"valley\",\"from\":23,\"to\":7,\"multiplier\":\"0.6\"}]},"
    "\"tokens\":{\"brackets\":[{\"up_to_params\":16000000000,\"unit_price\":\"3.00\"},"
    "{\"tiers\":{\"mode\":\"graduated\",\"steps\":["
    "{\"up_to\":1000,\"unit_price\":\"6.00\"},{\"unit_price\":\"5.00\"}]}}]},"
    "\"energy_kwh\":{\"unit_price\":\"0.80\"}}";

/* Parses json; returns the error text ("" when valid). */
static const char *check(const char *json, struct plan *p)
{
    static char out[4096];
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    struct doc_check c = {0};
    plan_doc_parse(doc, p, &c);
    snprintf(out, sizeof out, "%s", sb_str(&c.errors));
    sb_free(&c.errors);
    cJSON_Delete(doc);
    return out;
}

/* valid with one substring replaced. */
static const char *variant(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(valid, from);
    if (!at) fail_msg("no [%s] in the valid document", from);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - valid), valid, to, at + strlen(from));
    return buf;
}

static void test_valid_plan_reads_exactly(void **state)
{
    (void)state;
    static struct plan p;
    assert_string_equal(check(valid, &p), "");
    assert_string_equal(p.code, "gpu-2027");
    assert_int_equal(p.increment_s, 60);
    assert_int_equal(p.nmodels, 2);
    assert_int_equal(p.models[0].price.unit_price[0], 16800000);
    assert_int_equal(p.brackets[1].price.mode, TIERS_GRADUATED);
    assert_int_equal(p.brackets[1].price.up_to[0], 1000);
    assert_int_equal(p.brackets[1].up_to_params, -1);
    assert_int_equal(p.ngpu_bands, 2);
    assert_int_equal(p.gpu_bands[1].from, 23);
    assert_int_equal(p.gpu_bands[1].to, 7);
    assert_int_equal(p.gpu_bands[0].multiplier_ppm, 1500000);
    assert_int_equal(p.brackets[0].up_to_params, 16000000000LL);
    assert_int_equal(p.flat[METER_ENERGY].price.unit_price[0], 800000);
}

static void test_every_rule_names_its_path(void **state)
{
    (void)state;
    static struct plan p;
    const struct {
        const char *from, *to, *error;
    } cases[] = {
        {"\"name\"", "\"nmae\"", "$.nmae: unknown field\n$.name: is required\n"},
        {"\"unit_price\":\"16.80\"", "\"unit_price\":\"-16.80\"",
         "$.gpu_hours.prices[0].unit_price: must not be negative\n"},
        {"\"unit_price\":\"16.80\"", "\"unit_price\":16.80",
         "$.gpu_hours.prices[0].unit_price: must be a decimal string like \"16.80\" with at most 6 "
         "decimals\n"},
        {"\"unit_price\":\"16.80\"", "\"unit_price\":\"16.8000001\"",
         "$.gpu_hours.prices[0].unit_price: must be a decimal string like \"16.80\" with at most 6 "
         "decimals\n"},
        /* well written but beyond 64 bits: the bound, not "decimals" */
        {"\"unit_price\":\"16.80\"", "\"unit_price\":\"99999999999999\"",
         "$.gpu_hours.prices[0].unit_price: must be at most 9223372036854.775807\n"},
        {"\"model\":\"H800\"", "\"model\":\"Z9000\"",
         "$.gpu_hours.prices[0].model: unknown accelerator model \"Z9000\"\n"},
        {"\"model\":\"H800\"", "\"model\":\"NVIDIA H800\"",
         "$.gpu_hours.prices[0].model: write the catalogue name \"H800\" for \"NVIDIA H800\"\n"},
        {"\"model\":\"Ascend910B\"", "\"model\":\"H800\"",
         "$.gpu_hours.prices[1].model: model \"H800\" is priced twice\n"},
        {"{\"up_to\":1000,\"unit_price\":\"6.00\"},{\"unit_price\":\"5.00\"}",
         "{\"up_to\":1000,\"unit_price\":\"6.00\"},{\"up_to\":900,\"unit_price\":\"5.50\"},"
         "{\"unit_price\":\"5.00\"}",
         "$.tokens.brackets[1].tiers.steps[1].up_to: tiers overlap: must be above the previous "
         "step's 1000\n"},
        {"{\"unit_price\":\"5.00\"}]", "{\"up_to\":2000,\"unit_price\":\"5.00\"}]",
         "$.tokens.brackets[1].tiers.steps[1].up_to: the last step has no upper bound\n"},
        {"\"graduated\"", "\"stepped\"",
         "$.tokens.brackets[1].tiers.mode: must be \"graduated\" or \"volume\"\n"},
        {"{\"model\":\"Ascend910B\",\"unit_price\":\"8.50\"}",
         "{\"model\":\"Ascend910B\",\"tiers\":{\"mode\":\"volume\",\"steps\":["
         "{\"up_to\":10,\"unit_price\":\"8.50\"},{\"unit_price\":\"8.00\"}]}}",
         "$.gpu_hours.time_of_use: tiered prices (model \"Ascend910B\") cannot also have "
         "time-of-use bands\n"},
        {"\"from\":23,\"to\":7", "\"from\":11,\"to\":14",
         "$.gpu_hours.time_of_use[1]: overlaps band \"peak\" at 11:00\n"},
        {"\"from\":8,\"to\":12", "\"from\":8,\"to\":25",
         "$.gpu_hours.time_of_use[0].to: must be a whole number from 0 to 24\n"},
        {"\"effective_from\":\"2027-01-01\"", "\"effective_from\":\"2027-02-30\"",
         "$.effective_from: must be a date like \"2026-01-01\"\n"},
        {"\"currency\":\"CNY\"", "\"currency\":\"cny\"",
         "$.currency: must be an ISO 4217 code like \"CNY\"\n"},
        {"\"up_to_params\":16000000000,", "",
         "$.tokens.brackets[0].up_to_params: is required on every bracket but the last\n"},
        {"{\"unit_price\":\"0.80\"}", "{\"unit_price\":\"0.80\",\"tiers\":{}}",
         "$.energy_kwh: needs exactly one of \"unit_price\" and \"tiers\"\n"},
        /* GPU memory's lines are one per model: a tier would restart on each */
        {"\"energy_kwh\":{\"unit_price\":\"0.80\"}",
         "\"energy_kwh\":{\"unit_price\":\"0.80\"},\"gpu_mem_gib_hours\":{\"tiers\":{"
         "\"mode\":\"graduated\",\"steps\":[{\"up_to\":10,\"unit_price\":\"1.00\"},"
         "{\"unit_price\":\"0.50\"}]}}",
         "$.gpu_mem_gib_hours.tiers: gpu_mem_gib_hours is priced by one unit_price: its lines are "
         "one per accelerator model, and a tier would start again on each\n"},
        {"\"energy_kwh\":{\"unit_price\":\"0.80\"}",
         "\"energy_kwh\":{\"unit_price\":\"0.80\"},\"gpu_mem_gib_hours\":{\"unit_price\":"
         "\"0.12\"}",
         ""},
        {"\"increment_seconds\":60", "\"increment_seconds\":0",
         "$.gpu_hours.increment_seconds: must be a whole number from 1 to 3600\n"},
        /* names reach invoices and the console as people read them */
        {"\"GPU 2027\"", "\"GPU \\u202e7202\"",
         "$.name: contains a bidirectional formatting character\n"},
        {"\"GPU 2027\"", "\"GPU \\u0085 2027\"", "$.name: contains a control character\n"},
        {"\"GPU 2027\"", "\"GPU \x7f 2027\"", "$.name: contains a control character\n"},
        {"\"GPU 2027\"", "\"GPU \\t2027\"", "$.name: contains a control character\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = check(variant(cases[i].from, cases[i].to), &p);
        if (strcmp(got, cases[i].error))
            fail_msg("case %zu: expected [%s], got [%s]", i, cases[i].error, got);
    }
    /* Every problem at once, not only the first. */
    const char *two =
        check("{\"plan\":\"X\",\"currency\":\"CNY\",\"effective_from\":\"2027-01-01\"}", &p);
    assert_string_equal(two, "$.plan: use lower-case letters, digits, '-' and '_'\n"
                             "$.name: is required\n"
                             "$: prices no meter: give \"gpu_hours\", \"tokens\", \"energy_kwh\" or "
                             "\"gpu_mem_gib_hours\"\n");
}

static void test_catalogue_normalises_reported_names(void **state)
{
    (void)state;
    const struct {
        const char *reported, *model;
        bool domestic;
    } cases[] = {
        {"NVIDIA H800", "H800", false},      {"H800 80GB HBM3", "H800", false},
        {"A800-SXM4-80GB", "A800", false},   {"NVIDIA H100 80GB HBM3", "H100", false},
        {"NVIDIA H20", "H20", false},        {"H200", "H200", false},
        {"Ascend910B3", "Ascend910B", true}, {"910b", "Ascend910B", true},
        {"Ascend910B", "Ascend910B", true},  {"MLU370-X8", "MLU370", true},
        /* names published beside Hygon's and HAMi's exporters (issue 35 review) */
        {"BW1000", "DCUBW1000", true},       {"HCU-K100_AI", "DCUK100AI", true},
        {"HCU-K100", "DCUK100", true},       {"MTT S80", "MTTS80", true},
        {"Moore Threads MTT S80", "MTTS80", true},
        /* Huawei chips the supported sources read in published outputs
         * (rv35d): npu-exporter's first Ascend 910 (MindCluster 7.0.RC1's
         * example, the exporter's 2021 test data) and npu-smi's 310B SoCs */
        {"910A-Ascend-V1", "Ascend910A", true}, {"910Awn-Ascend-V1", "Ascend910A", true},
        {"Ascend910A", "Ascend910A", true},     {"310B1", "Ascend310B", true},
        {"310B4", "Ascend310B", true},          {"Ascend310B", "Ascend310B", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct accelerator *a = catalogue_find(cases[i].reported);
        if (!a || strcmp(a->model, cases[i].model) || a->domestic != cases[i].domestic)
            fail_msg("%s: expected %s (domestic %d), got %s (domestic %d)", cases[i].reported,
                     cases[i].model, cases[i].domestic, a ? a->model : "nothing",
                     a ? a->domestic : 0);
    }
    assert_null(catalogue_find("Z9000"));
    assert_null(catalogue_find(""));
    /* still ambiguous: A3's npu-smi and the first 910's exporter both say it */
    assert_null(catalogue_find("Ascend910"));
}

/* docs/plans.md, example 1: 1,234,567,891 tokens at 3.00 per million up to
 * 1,000 million and 2.50 above.
 *   graduated: 1000 x 3.00 + 234.567891 x 2.50 = 3000 + 586.4197275 = 3586.42
 *   volume:    1234.567891 x 2.50                                   = 3086.42 */
static void test_graduated_versus_volume_tiers_on_tokens(void **state)
{
    (void)state;
    struct price p = {TIERS_GRADUATED, 2, {1000, -1}, {3000000, 2500000}};
    int64_t amount;
    assert_true(price_amount(&p, 1234567891, 1000000, FACTORS_NONE, 2, &amount));
    assert_int_equal(amount, 358642);
    p.mode = TIERS_VOLUME;
    assert_true(price_amount(&p, 1234567891, 1000000, FACTORS_NONE, 2, &amount));
    assert_int_equal(amount, 308642);
    /* exactly on the bound: the lower step, both ways */
    assert_true(price_amount(&p, 1000000000, 1000000, FACTORS_NONE, 2, &amount));
    assert_int_equal(amount, 300000);
    p.mode = TIERS_GRADUATED;
    assert_true(price_amount(&p, 1000000000, 1000000, FACTORS_NONE, 2, &amount));
    assert_int_equal(amount, 300000);
}

/* Example 2: 8 H800s from 11:40 to 12:25 local; peak 08-12 at x1.5 of 16.80.
 * The rater's hour split puts 20 minutes x 8 = 9,600,000 GPU-ms in hour 11
 * and 25 x 8 = 12,000,000 in hour 12.
 *   peak: 9,600,000 / 3,600,000 x 16.80 x 1.5 = 67.20
 *   flat: 12,000,000 / 3,600,000 x 16.80      = 56.00 */
static void test_time_of_use_across_a_band_boundary(void **state)
{
    (void)state;
    static struct plan p;
    assert_string_equal(check(valid, &p), "");
    const struct price *h800 = &p.models[0].price;
    int64_t peak, flat;
    const struct band *b11 = plan_band_at(p.gpu_bands, p.ngpu_bands, 11);
    assert_non_null(b11);
    assert_null(plan_band_at(p.gpu_bands, p.ngpu_bands, 12)); /* flat */
    assert_int_equal(plan_band_at(p.gpu_bands, p.ngpu_bands, 2)->multiplier_ppm,
                     600000); /* wraps */
    int64_t m11 = b11->multiplier_ppm, m12 = 1000000;
    assert_int_equal(m11, 1500000);
    assert_true(
        price_amount(h800, 9600000, 3600000, (struct factors){m11, 1000000, 1000000}, 2, &peak));
    assert_true(
        price_amount(h800, 12000000, 3600000, (struct factors){m12, 1000000, 1000000}, 2, &flat));
    assert_int_equal(peak, 6720);
    assert_int_equal(flat, 5600);
}

static void test_energy_units_do_not_overflow(void **state)
{
    (void)state;
    /* 10 MWh at 0.80 per kWh = 8,000.00, in mJ (3.6e9 per kWh) */
    struct price p = {TIERS_NONE, 1, {-1}, {800000}};
    int64_t amount;
    assert_true(price_amount(&p, 36000000000000LL, 3600000000LL, FACTORS_NONE, 2, &amount));
    assert_int_equal(amount, 800000);
}

/* No limit on a line but the amount itself (issue 15). A node's month of
 * energy: 17,000 accelerator kWh at 0.55 per facility kWh, PUE 1.25, a band
 * of x1.5 and an override of x0.90 = 17,000 x 1.25 x 0.55 x 1.5 x 0.90 =
 * 15,778.125, rounded once: 15,778.13. A large customer's month: 704,000
 * H800-hours at 16.80 = 11,827,200.00; with the same factors and a PUE on
 * GPU time for the product's sake: x 1.25 x 1.5 x 0.90 = 19,958,400.00. Both
 * "overflowed" the old 4 x 10^19 bound on the numerator. */
static void test_large_lines_are_exact(void **state)
{
    (void)state;
    struct price energy = {TIERS_NONE, 1, {-1}, {550000}};
    struct price h800 = {TIERS_NONE, 1, {-1}, {16800000}};
    struct factors all = {1500000, 1250000, 900000};
    int64_t amount;
    assert_true(price_amount(&energy, 17000LL * 3600000000LL, 3600000000LL, all, 2, &amount));
    assert_int_equal(amount, 1577813);
    assert_true(price_amount(&h800, 704000LL * 3600000, 3600000, FACTORS_NONE, 2, &amount));
    assert_int_equal(amount, 1182720000);
    assert_true(price_amount(&h800, 704000LL * 3600000, 3600000, all, 2, &amount));
    assert_int_equal(amount, 1995840000);
    /* A year of a 100,000-GPU fleet on one line: 876,000,000 H800-hours. */
    assert_true(price_amount(&h800, 876000000LL * 3600000, 3600000, all, 2, &amount));
    assert_int_equal(amount, 2483460000000LL); /* 14,716,800,000 x 1.6875 = 24,834,600,000.00 */
}

/* The edges of docs/money.md: the largest line is INT64_MAX minor units.
 * At 36,000.00 per GPU-hour one GPU-ms costs exactly 1 fen, so the largest
 * quantity is a line of 9,223,372,036,854,775,807 fen; with a band of x2
 * the quantity 4,611,686,018,427,387,903 is 2 fen short of the limit and
 * one more GPU-ms is the first line refused. Rounding counts: at half a fen
 * per GPU-ms, INT64_MAX x 2 - 1 GPU-ms would round up past the limit. */
static void test_the_largest_line_and_the_first_refused(void **state)
{
    (void)state;
    struct price fen_per_ms = {TIERS_NONE, 1, {-1}, {36000000000LL}};
    struct factors x2 = {2000000, 1000000, 1000000};
    int64_t amount;
    assert_true(price_amount(&fen_per_ms, INT64_MAX, 3600000, FACTORS_NONE, 2, &amount));
    assert_int_equal(amount, INT64_MAX);
    assert_true(price_amount(&fen_per_ms, 4611686018427387903LL, 3600000, x2, 2, &amount));
    assert_int_equal(amount, 9223372036854775806LL);
    assert_false(price_amount(&fen_per_ms, 4611686018427387904LL, 3600000, x2, 2, &amount));
    /* half a fen per GPU-ms with a band of x1: the quantity INT64_MAX is
     * 4,611,686,018,427,387,903.5 fen, rounded to ...904: valid */
    struct price half = {TIERS_NONE, 1, {-1}, {18000000000LL}};
    assert_true(price_amount(&half, INT64_MAX, 3600000, FACTORS_NONE, 2, &amount));
    assert_int_equal(amount, 4611686018427387904LL);
    /* x4 of that is 18,446,744,073,709,551,614 fen: refused */
    struct factors x4 = {4000000, 1000000, 1000000};
    assert_false(price_amount(&half, INT64_MAX, 3600000, x4, 2, &amount));
    /* at the rounding edge, half a fen per GPU-ms x3 (1.5 fen):
     * 6,148,914,691,236,517,205 GPU-ms is INT64_MAX + 0.5 fen, which rounds
     * to 2^63: refused, while one GPU-ms less is INT64_MAX - 1. A quarter
     * fen x3 on the same quantity is ...903.75 fen, rounded up once. */
    struct factors x3 = {3000000, 1000000, 1000000};
    struct price half_x3 = {TIERS_NONE, 1, {-1}, {9000000000LL}}; /* 0.25 fen */
    assert_true(price_amount(&half_x3, 6148914691236517205LL, 3600000, x3, 2, &amount));
    assert_int_equal(amount, 4611686018427387904LL); /* ...903.75 rounds up */
    assert_true(price_amount(&half, 6148914691236517204LL, 3600000, x3, 2, &amount));
    assert_int_equal(amount, 9223372036854775806LL);
    assert_false(price_amount(&half, 6148914691236517205LL, 3600000, x3, 2, &amount));
    /* and JPY (no minor unit) rounds to whole yen the same way */
    struct price yen = {TIERS_NONE, 1, {-1}, {2500000}}; /* 2.50 JPY per GPU-hour */
    assert_true(price_amount(&yen, 5400000, 3600000, FACTORS_NONE, 0, &amount));
    assert_int_equal(amount, 4); /* 1.5 h x 2.50 = 3.75, rounded once: 4 */
}

/* charges_price on the example plan: bands, brackets, PUE and increments. */
static void test_a_month_priced_into_lines(void **state)
{
    (void)state;
    static struct plan p;
    assert_string_equal(check(valid, &p), "");
    const struct usage_row rows[] = {
        /* meter, model, site, local hour, model size, training, PUE, quantity */
        {"gpu_ms", "H800", "s", 11, 0, false, 1000000, 9600000},  /* peak: 67.20 (see above) */
        {"gpu_ms", "H800", "s", 12, 0, false, 1000000, 12000000}, /* flat: 56.00 */
        {"gpu_ms", "H800", "s", 2, 0, false, 1000000, 3600000},   /* valley: 16.80 x 0.6 = 10.08 */
        {"gpu_ms", "Ascend910B", "s", 14, 0, false, 1000000,
         90500}, /* 90.5 s -> 2 minutes: 8.50 / 30 = 0.2833 -> 0.28 */
        {"tokens", "", "s", 0, 7000000000LL, true, 1000000,
         2000000000}, /* <=16B: 2,000 M x 3.00 = 6,000.00 */
        {"tokens", "", "s", 0, 0, true, 1000000,
         500000000}, /* size unknown: smallest bracket, 1,500.00 */
        {"tokens", "", "s", 0, 70000000000LL, true, 1000000,
         1500000000}, /* graduated 1,000 x 6 + 500 x 5 = 8,500.00 */
        {"energy_mj", "H800", "s", 9, 0, false, 1250000,
         720000000000LL},                                   /* 200 kWh x PUE 1.25 x 0.80 = 200.00 */
        {"model_params", "", "s", 0, 0, false, 1000000, 5}, /* not a meter: no line */
    };
    struct bill c = {0};
    char err[256];
    assert_true(
        charges_price(&p, NULL, rows, sizeof rows / sizeof rows[0], 2, &c, err, sizeof err));
    const struct {
        const char *meter, *model, *band;
        int64_t quantity, amount;
    } want[] = {
        {"gpu_ms", "H800", "peak", 9600000, 6720},
        {"gpu_ms", "H800", "flat", 12000000, 5600},
        {"gpu_ms", "H800", "valley", 3600000, 1008},
        {"gpu_ms", "Ascend910B", "flat", 120000, 28},
        {"tokens", "<=16000000000 params", "", 2500000000, 750000},
        {"tokens", ">16000000000 params", "", 1500000000, 850000},
        {"energy_mj", "H800", "", 720000000000LL, 20000},
    };
    assert_int_equal(c.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < c.n; i++) {
        const struct bill_line *l = &c.lines[i];
        if (strcmp(l->meter, want[i].meter) || strcmp(l->model, want[i].model) ||
            strcmp(l->band, want[i].band) || l->quantity != want[i].quantity ||
            l->amount != want[i].amount)
            fail_msg("line %zu: %s %s %s %lld -> %lld", i, l->meter, l->model, l->band,
                     (long long)l->quantity, (long long)l->amount);
    }
    bill_free(&c);
    const struct usage_row unpriced[] = {{"gpu_ms", "H20", "s", 1, 0, false, 1000000, 1000}};
    assert_false(charges_price(&p, NULL, unpriced, 1, 2, &c, err, sizeof err));
    assert_string_equal(err, "plan \"gpu-2027\" has no gpu_hours price for model \"H20\"");
    bill_free(&c);
}

/* An H800 price at the index (docs/investor.md, "Prices linked to the
 * index"): read exactly, and every wrong shape refused by its path. */
static void test_index_link_reads_and_refuses_by_path(void **state)
{
    (void)state;
    static struct plan p;
    static const char linked[] = "{\"model\":\"H800\",\"index\":{\"lag_months\":2,"
                                 "\"spread\":\"-0.50\",\"floor\":\"12.00\",\"cap\":\"20.00\"}}";
    assert_string_equal(check(variant("{\"model\":\"H800\",\"unit_price\":\"16.80\"}", linked), &p),
                        "");
    const struct model_price *mp = &p.models[0];
    assert_true(mp->link.on);
    assert_int_equal(mp->link.lag_months, 2);
    assert_int_equal(mp->link.spread, -500000);
    assert_int_equal(mp->link.floor, 12000000);
    assert_int_equal(mp->link.cap, 20000000);
    assert_false(mp->use.month[0]); /* resolved by billing, per month */
    assert_true(plan_has_index_link(&p));
    assert_false(p.models[1].link.on);
    const struct {
        const char *index, *error;
    } cases[] = {
        {"{\"lag_months\":1}", ""}, /* spread, floor and cap are optional */
        {"{\"spread\":\"0.50\"}", "$.gpu_hours.prices[0].index.lag_months: is required\n"},
        {"{\"lag_months\":0}",
         "$.gpu_hours.prices[0].index.lag_months: must be a whole number from 1 to 12\n"},
        {"{\"lag_months\":13}",
         "$.gpu_hours.prices[0].index.lag_months: must be a whole number from 1 to 12\n"},
        {"{\"lag_months\":1,\"floor\":\"20.00\",\"cap\":\"12.00\"}",
         "$.gpu_hours.prices[0].index.cap: is below the floor: a cap must be at least the floor\n"},
        {"{\"lag_months\":1,\"floor\":\"-1.00\"}",
         "$.gpu_hours.prices[0].index.floor: must not be negative\n"},
        {"{\"lag_months\":1,\"spread\":\"--1\"}",
         "$.gpu_hours.prices[0].index.spread: must be a decimal string like \"0.50\" or \"-0.50\" "
         "with at most 6 decimals, at most 1000000 either way\n"},
        {"{\"lag_months\":1,\"spread\":0.5}",
         "$.gpu_hours.prices[0].index.spread: must be a decimal string like \"0.50\" or \"-0.50\" "
         "with at most 6 decimals, at most 1000000 either way\n"},
        /* a spread beyond the bound names it, not "not a decimal" */
        {"{\"lag_months\":1,\"spread\":\"-1000000.000001\"}",
         "$.gpu_hours.prices[0].index.spread: must be a decimal string like \"0.50\" or \"-0.50\" "
         "with at most 6 decimals, at most 1000000 either way\n"},
        {"{\"lag_months\":1,\"model\":\"H20\"}", "$.gpu_hours.prices[0].index.model: unknown field\n"},
        {"\"monthly\"", "$.gpu_hours.prices[0].index: must be an object\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char price[256];
        snprintf(price, sizeof price, "{\"model\":\"H800\",\"index\":%s}", cases[i].index);
        const char *got = check(variant("{\"model\":\"H800\",\"unit_price\":\"16.80\"}", price), &p);
        if (strcmp(got, cases[i].error))
            fail_msg("case %zu: expected [%s], got [%s]", i, cases[i].error, got);
    }
    /* a price at the index is its own kind: no fixed price or tiers beside it */
    assert_string_equal(
        check(variant("{\"model\":\"H800\",\"unit_price\":\"16.80\"}",
                      "{\"model\":\"H800\",\"unit_price\":\"16.80\",\"index\":{\"lag_months\":1}}"),
              &p),
        "$.gpu_hours.prices[0].index: a price at the index has no \"unit_price\" or \"tiers\" "
        "beside it\n");
}

/* clamp(index + spread, floor, cap), exact, never below 0. */
static void test_index_link_price_by_hand(void **state)
{
    (void)state;
    struct index_link l = {.on = true, .lag_months = 1, .spread = 500000, .floor = 12000000,
                           .cap = 20000000};
    int64_t p = -1;
    assert_true(index_link_price(&l, 17333333, &p)); /* 17.333333 + 0.50 */
    assert_int_equal(p, 17833333);
    assert_true(index_link_price(&l, 11000000, &p)); /* 11.50: the floor bites */
    assert_int_equal(p, 12000000);
    assert_true(index_link_price(&l, 19500001, &p)); /* 20.000001: the cap bites */
    assert_int_equal(p, 20000000);
    assert_true(index_link_price(&l, 19500000, &p)); /* 20.00 exactly: on the cap */
    assert_int_equal(p, 20000000);
    l = (struct index_link){.on = true, .lag_months = 1, .spread = -2000000, .floor = -1, .cap = -1};
    assert_true(index_link_price(&l, 1500000, &p)); /* 1.50 - 2.00: never below 0 */
    assert_int_equal(p, 0);
    assert_true(index_link_price(&l, 7250000, &p)); /* no cap: 5.25 */
    assert_int_equal(p, 5250000);
    l.spread = INT64_MAX;
    assert_false(index_link_price(&l, 1, &p)); /* overflow refused, never wrapped */
    l.lag_months = 3;
    assert_int_equal(index_link_month(&l, (2026 - 1970) * 12 + 1), (2025 - 1970) * 12 + 10);
}

/* A resolved price at the index prices like a fixed one (the band's
 * multiplier on it) and marks its lines with the publication; unresolved,
 * it is refused, never priced at 0; an absolute contract price replaces it. */
static void test_index_priced_lines(void **state)
{
    (void)state;
    static struct plan p;
    assert_string_equal(
        check(variant("{\"model\":\"H800\",\"unit_price\":\"16.80\"}",
                      "{\"model\":\"H800\",\"index\":{\"lag_months\":1,\"spread\":\"0.50\"}}"),
              &p),
        "");
    const struct usage_row rows[] = {
        {"gpu_ms", "H800", "s", 11, 0, false, 1000000, 25200000}, /* peak x1.5, 7 h */
        {"gpu_ms", "H800", "s", 14, 0, false, 1000000, 7200000},  /* flat, 2 h */
    };
    struct bill c = {0};
    char err[256];
    assert_false(charges_price(&p, NULL, rows, 2, 2, &c, err, sizeof err));
    assert_string_equal(err, "plan \"gpu-2027\" prices model \"H800\" at the index, and no index "
                             "value was looked up for it");
    bill_free(&c);
    struct model_price *mp = &p.models[0];
    mp->use = (struct index_use){.month = "2026-01", .revision = 2,
                                 .published_at = "2026-02-03T04:05:06Z", .index_micro = 17333333,
                                 .link = mp->link};
    assert_true(index_link_price(&mp->link, 17333333, &mp->price.unit_price[0]));
    assert_true(charges_price(&p, NULL, rows, 2, 2, &c, err, sizeof err));
    assert_int_equal(c.n, 2);
    /* 7 h x 17.833333 x 1.5 = 187.2499965 -> 187.25; 2 h x 17.833333 = 35.666666 -> 35.67 */
    assert_int_equal(c.lines[0].amount, 18725);
    assert_int_equal(c.lines[1].amount, 3567);
    for (size_t i = 0; i < c.n; i++) {
        assert_string_equal(c.lines[i].index.month, "2026-01");
        assert_int_equal(c.lines[i].index.revision, 2);
        assert_int_equal(c.lines[i].index.index_micro, 17333333);
        assert_int_equal(c.lines[i].index.link.spread, 500000);
        assert_int_equal(c.lines[i].unit_price, 17833333);
    }
    bill_free(&c);
    struct contract k = {.basis = BASIS_GPU_HOURS, .noverrides = 1};
    k.overrides[0] = (struct price_override){.meter = METER_BIT_GPU, .model = "H800",
                                             .absolute = true, .unit_price = 15000000};
    assert_true(charges_price(&p, &k, rows + 1, 1, 2, &c, err, sizeof err));
    assert_int_equal(c.lines[0].amount, 3000); /* 2 h x 15.00: the contract's price */
    assert_string_equal(c.lines[0].index.month, "");
    bill_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_plan_reads_exactly),
        cmocka_unit_test(test_every_rule_names_its_path),
        cmocka_unit_test(test_catalogue_normalises_reported_names),
        cmocka_unit_test(test_graduated_versus_volume_tiers_on_tokens),
        cmocka_unit_test(test_time_of_use_across_a_band_boundary),
        cmocka_unit_test(test_energy_units_do_not_overflow),
        cmocka_unit_test(test_large_lines_are_exact),
        cmocka_unit_test(test_the_largest_line_and_the_first_refused),
        cmocka_unit_test(test_a_month_priced_into_lines),
        cmocka_unit_test(test_index_link_reads_and_refuses_by_path),
        cmocka_unit_test(test_index_link_price_by_hand),
        cmocka_unit_test(test_index_priced_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
