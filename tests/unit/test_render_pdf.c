/* What a customer reads on a PDF invoice: line descriptions in Chinese and
 * English without meter codes, tax as "6%", and a bill too long for one
 * page laid out on as many pages as its dry pass counts (asserted inside
 * pdf_render). The fonts and the pixels are checked by
 * tests/integration/test_invoice_pdf.sh with poppler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "render/pdf.h"
#include "render/describe.h"
#include "render/font_subset.h"
#include "render/render.h"

#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A PDF of one page and its fonts stays under this (issue 39): a one-page
 * invoice weighed 145 KB, and 976 KB when Cairo embedded every subroutine
 * of Noto Sans CJK (render/font_subset.c says when). */
#define ONE_PAGE_MAX (200 * 1024)

static void describe(enum line_kind kind, const char *meter, const char *model, const char *band,
                     const char *detail, const char *zh, const char *en)
{
    struct bill_line l = {.kind = kind};
    snprintf(l.meter, sizeof l.meter, "%s", meter);
    snprintf(l.model, sizeof l.model, "%s", model);
    snprintf(l.band, sizeof l.band, "%s", band);
    snprintf(l.detail, sizeof l.detail, "%s", detail);
    if (kind == LINE_PRIOR_PERIOD) strcpy(l.adjusts, "2026-09");
    char z[400], e[400];
    render_line_description(&l, z, sizeof z, e, sizeof e);
    assert_string_equal(z, zh);
    assert_string_equal(e, en);
}

static void test_lines_are_described_for_people(void **state)
{
    (void)state;
    describe(LINE_USAGE, "gpu_ms", "H800", "", "", "GPU 时长 · NVIDIA H800",
             "GPU time · NVIDIA H800");
    describe(LINE_USAGE, "gpu_ms", "A800", "peak", "", "GPU 时长 · NVIDIA A800 · peak",
             "GPU time · NVIDIA A800 · peak");
    describe(LINE_USAGE, "gpu_ms", "Ascend910B", "", "", "GPU 时长 · Huawei Ascend910B",
             "GPU time · Huawei Ascend910B");
    /* a model the catalogue does not know, or knows only by another spelling,
     * stands as it is */
    describe(LINE_USAGE, "gpu_ms", "X9", "", "", "GPU 时长 · X9", "GPU time · X9");
    describe(LINE_USAGE, "gpu_ms", "H800 80GB", "", "", "GPU 时长 · H800 80GB",
             "GPU time · H800 80GB");
    describe(LINE_USAGE, "tokens", "16B-80B", "", "", "训练 Token · 16B-80B",
             "Training tokens · 16B-80B");
    describe(LINE_SHORTFALL, "", "", "", "", "承诺用量不足补足", "Take-or-pay shortfall");
    describe(LINE_VOUCHER_DISCOUNT, "", "", "", "v-sz-1", "算力券抵扣 · v-sz-1",
             "Compute voucher · v-sz-1");
    describe(LINE_PRIOR_PERIOD, "gpu_ms", "H800", "", "",
             "以前期间调整 2026-09 · GPU 时长 · NVIDIA H800",
             "Prior-period correction 2026-09 · GPU time · NVIDIA H800");
}

/* A usage line of an invoice priced at the plan's price times its band,
 * site PUE and override (ppm), for test_unit_price_is_the_rate. */
static struct bill_line factored(const char *meter, const char *band, const char *site,
                                 int64_t quantity, int64_t price, int64_t band_ppm,
                                 int64_t pue_ppm, int64_t override_ppm, int64_t amount)
{
    struct bill_line l = {.kind = LINE_USAGE, .quantity = quantity, .unit_price = price,
                          .multiplier_ppm = band_ppm, .pue_ppm = pue_ppm,
                          .override_ppm = override_ppm, .amount = amount};
    snprintf(l.meter, sizeof l.meter, "%s", meter);
    strcpy(l.model, "H800");
    snprintf(l.band, sizeof l.band, "%s", band);
    snprintf(l.site, sizeof l.site, "%s", site);
    return l;
}

/* The unit price every document prints is the fapiao's rate: quantity x
 * rate is the amount, and each factor that is not 1 is named on the line
 * (issue 35); the fapiao's specification keeps naming the service only. */
static void test_unit_price_is_the_rate(void **state)
{
    (void)state;
    struct bill b = {.minor_digits = 2};
    strcpy(b.kind, "invoice");
    char z[400], e[400], item[100], spec[300];
    int64_t rate;
    /* ≈23.466151 kWh at PUE 1.25 and 0.80 a facility kWh: 23.47 at 1.00 */
    struct bill_line l =
        factored("energy_mj", "", "sh1", 84478144000, 800000, 1000000, 1250000, 1000000, 2347);
    assert_true(render_line_unit_price(&b, &l, &rate));
    assert_int_equal(rate, 1000000);
    render_line_description(&l, z, sizeof z, e, sizeof e);
    assert_string_equal(z, "电力 · NVIDIA H800 · 站点 sh1 PUE 1.25");
    assert_string_equal(e, "Energy · NVIDIA H800 · site sh1 PUE 1.25");
    render_line_item(&l, item, sizeof item, spec, sizeof spec);
    assert_string_equal(spec, "NVIDIA H800 · 站点 sh1");
    /* 10 GPU-hours at 16.80 x 1.5 (peak) x 0.9 (contract): 226.80 at 22.68 */
    l = factored("gpu_ms", "peak", "", 36000000, 16800000, 1500000, 1000000, 900000, 22680);
    assert_true(render_line_unit_price(&b, &l, &rate));
    assert_int_equal(rate, 22680000);
    render_line_description(&l, z, sizeof z, e, sizeof e);
    assert_string_equal(z, "GPU 时长 · NVIDIA H800 · peak x1.5 · 合同 x0.9");
    assert_string_equal(e, "GPU time · NVIDIA H800 · peak x1.5 · contract x0.9");
    /* every factor 1: the plan's price, and no factor named */
    l = factored("gpu_ms", "", "", 36000000, 16800000, 1000000, 1000000, 1000000, 16800);
    assert_true(render_line_unit_price(&b, &l, &rate));
    assert_int_equal(rate, 16800000);
    render_line_description(&l, z, sizeof z, e, sizeof e);
    assert_string_equal(z, "GPU 时长 · NVIDIA H800");
    /* tiers: 3 GPU-hours for 40.00 (not 3 x 16.80): amount / quantity */
    l = factored("gpu_ms", "", "", 10800000, 16800000, 1000000, 1000000, 1000000, 4000);
    assert_true(render_line_unit_price(&b, &l, &rate));
    assert_int_equal(rate, 13333333);
    /* no quantity on an invoice: the plan's price (0 x it is the amount, 0) */
    l = factored("gpu_ms", "", "", 0, 16800000, 1500000, 1000000, 1000000, 0);
    assert_true(render_line_unit_price(&b, &l, &rate));
    assert_int_equal(rate, 16800000);
}

static void test_tax_rate_prints_without_trailing_zeros(void **state)
{
    (void)state;
    char s[32];
    render_percent(60000, s, sizeof s);
    assert_string_equal(s, "6%");
    render_percent(130000, s, sizeof s);
    assert_string_equal(s, "13%");
    render_percent(65000, s, sizeof s);
    assert_string_equal(s, "6.5%");
    render_percent(1, s, sizeof s);
    assert_string_equal(s, "0.0001%");
    render_percent(0, s, sizeof s);
    assert_string_equal(s, "0%");
}

/* Unit prices as the plan states them, never six decimals by habit: the
 * stored micro-units less their trailing zeros, down to the currency's
 * minor digits. */
static void test_unit_prices_print_to_the_plans_precision(void **state)
{
    (void)state;
    static const struct {
        int64_t micro;
        int digits;
        const char *want;
    } cases[] = {{12500000, 2, "12.50"}, {800, 2, "0.0008"},     {8333333, 2, "8.333333"},
                 {16800000, 2, "16.80"}, {1000000, 0, "1"},      {1230000, 0, "1.23"},
                 {0, 2, "0.00"},         {-2500000, 2, "-2.50"}, {12345678901, 2, "12345.678901"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[32];
        render_unit_price(cases[i].micro, cases[i].digits, s, sizeof s);
        if (strcmp(s, cases[i].want))
            fail_msg("unit price %lld micro at %d digits: expected \"%s\", got \"%s\"",
                     (long long)cases[i].micro, cases[i].digits, cases[i].want, s);
    }
}

/* Quantities in the unit people buy, as exact decimals; "≈" where the
 * base units do not make one within six decimals. */
static void test_quantities_print_as_exact_decimals(void **state)
{
    (void)state;
    static const struct {
        const char *meter;
        int64_t quantity;
        const char *want;
    } cases[] = {{"gpu_ms", 45000000, "12.5"},          {"gpu_ms", 3600000, "1"},
                 {"gpu_ms", 1200, "≈0.000333"},         {"gpu_ms", -9000000, "-2.5"},
                 {"energy_mj", 1800000000, "0.5"},      {"energy_mj", 36000000000000LL, "10000"},
                 {"tokens", 2500000, "2.5"},            {"tokens", 1, "0.000001"},
                 {"nope", 5, ""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[32];
        render_quantity_decimal(cases[i].meter, cases[i].quantity, s, sizeof s);
        if (strcmp(s, cases[i].want))
            fail_msg("%lld %s: expected \"%s\", got \"%s\"", (long long)cases[i].quantity,
                     cases[i].meter, cases[i].want, s);
    }
}

/* An invoice of n lines of one GPU-hour each at 12.00, model named by
 * model(line, i), to name with its status; totals with 6% tax. */
static void a_bill(struct bill *b, const char *name, const char *number, const char *status,
                   int n, void (*model)(struct bill_line *, int))
{
    *b = (struct bill){.minor_digits = 2, .tax_ppm = 60000};
    strcpy(b->customer, "alpha");
    snprintf(b->customer_name, sizeof b->customer_name, "%s", name);
    strcpy(b->currency, "CNY");
    strcpy(b->period, "2026-10");
    strcpy(b->kind, "invoice");
    strcpy(b->status, status);
    strcpy(b->number, number);
    for (int i = 0; i < n; i++) {
        struct bill_line *l = bill_add_line(b);
        strcpy(l->meter, "gpu_ms");
        model(l, i);
        l->quantity = 3600000LL * (i + 1);
        l->unit_price = 12000000;
        l->amount = 1200 * (i + 1);
        b->subtotal += l->amount;
    }
    b->tax = b->subtotal * 6 / 100;
    b->total = b->due = b->subtotal + b->tax;
}

/* Renders b as s's invoice to a temporary file, checks it is a PDF, and
 * keeps it where the environment variable keep names (to look at it).
 * Returns its size in bytes. */
static long render(const struct bill *b, const struct seller *s, const char *keep)
{
    char path[] = "/tmp/gpumeter-test-pdf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_true(pdf_render(b, s, path));
    FILE *f = fopen(path, "rb");
    char head[6] = {0};
    assert_int_equal(fread(head, 1, 5, f), 5);
    fclose(f);
    assert_string_equal(head, "%PDF-");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if (getenv(keep)) assert_int_equal(rename(path, getenv(keep)), 0);
    unlink(path);
    return (long)st.st_size;
}

static void bad_byte_model(struct bill_line *l, int i)
{
    snprintf(l->model, sizeof l->model, "H800 \xff bad byte %d", i); /* invalid UTF-8 too */
}

static void test_a_long_bill_spans_pages(void **state)
{
    (void)state;
    struct bill b;
    a_bill(&b, "阿尔法智能科技有限公司", "INV-2026-000042", "issued", 70, bad_byte_model);
    strcpy(b.tax_id, "91440300MA5XXXXXX1");
    struct seller s = {.name = "深圳算力运营有限公司", .tax_id = "91440300MA5YYYYYY2"};
    render(&b, &s, "GPUMETER_TEST_PDF");
    bill_free(&b);
}

static void spaceless_model(struct bill_line *l, int i)
{
    memset(l->model, 'X', sizeof l->model - 1); /* 64 bytes, no space to wrap at */
    l->model[0] = (char)('A' + i % 26);
}

/* Names and free text as long as their fields hold: the longest seller
 * address, a 64-character model on every line, a 256-byte void reason.
 * They wrap, so rows grow and the page breaks move; pdf_render asserts the
 * dry pass counted the pages drawn. tests/integration/test_invoice_pdf.sh
 * checks every word's box on every page (GPUMETER_TEST_PDF_WRAPPED). */
static void test_long_text_wraps_and_pages_agree(void **state)
{
    (void)state;
    struct bill b;
    a_bill(&b,
           "上海临港新片区人工智能大模型训练与推理算力基础设施运营服务联合体"
           "股份有限公司",
           "INV-2026-000043", "void", 45, spaceless_model);
    for (size_t i = 0; i + 1 < sizeof b.void_reason; i++)
        b.void_reason[i] = "wrong buyer name "[i % 17];
    struct seller s = {.name = "深圳算力运营有限公司", .tax_id = "91440300MA5YYYYYY2"};
    for (size_t i = 0; i + 3 < sizeof s.address; i += 3)
        memcpy(s.address + i, "路", 3); /* 85 characters of an address */
    render(&b, &s, "GPUMETER_TEST_PDF_WRAPPED");
    bill_free(&b);
}

/* One line of each meter at plan prices of 12.50 a GPU-hour, 0.0008 a
 * kWh and 3.20 a million tokens, for the integration test to read their
 * unit labels and prices (GPUMETER_TEST_PDF_UNITS). */
static void test_each_meter_has_its_unit(void **state)
{
    (void)state;
    struct bill b;
    a_bill(&b, "阿尔法智能科技有限公司", "INV-2026-000044", "issued", 0, NULL);
    static const struct {
        const char *meter, *model;
        int64_t quantity, price, amount;
    } lines[] = {{"gpu_ms", "H800", 45000000, 12500000, 15625},
                 {"energy_mj", "", 36000000000000LL, 800, 800},
                 {"tokens", "16B-80B", 2500000, 3200000, 800}};
    for (size_t i = 0; i < 3; i++) {
        struct bill_line *l = bill_add_line(&b);
        strcpy(l->meter, lines[i].meter);
        strcpy(l->model, lines[i].model);
        l->quantity = lines[i].quantity;
        l->unit_price = lines[i].price;
        l->amount = lines[i].amount;
        b.subtotal += l->amount;
    }
    b.tax = b.subtotal * 6 / 100;
    b.total = b.due = b.subtotal + b.tax;
    struct seller s = {.name = "深圳算力运营有限公司"};
    render(&b, &s, "GPUMETER_TEST_PDF_UNITS");
    bill_free(&b);
}

/* The text invoice keeps its figures in their columns whatever the unit:
 * "14691.929400 million tokens" (the demo's gamma invoice) is wider than
 * the 22 columns a quantity had, and pushed its unit price and amount five
 * columns right of their heads and of the subtotal, tax and total. Every
 * line row, the heads and the sums end in the same column. */
static void test_text_invoice_quantity_column_fits_its_unit(void **state)
{
    (void)state;
    struct bill b;
    a_bill(&b, "Gamma LLM Lab", "INV-2026-000003", "issued", 0, NULL);
    struct bill_line *l = bill_add_line(&b);
    strcpy(l->meter, "tokens");
    strcpy(l->model, "any size");
    l->quantity = 14691929400LL;
    l->unit_price = 3000000;
    l->amount = 4407579;
    l = bill_add_line(&b);
    strcpy(l->meter, "gpu_ms");
    strcpy(l->model, "H800");
    l->quantity = 3600000;
    l->unit_price = 16800000;
    l->amount = 1680;
    b.subtotal = 4407579 + 1680;
    b.tax = b.subtotal * 6 / 100;
    b.total = b.due = b.subtotal + b.tax;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    render_bill(&b, RENDER_TEXT, "Invoice", out);
    fclose(out);
    size_t width = 0;
    int rows = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        bool row = line[0] == '#' || (line[0] >= '1' && line[0] <= '9');
        bool sum = strstr(line, " subtotal ") || strstr(line, " total ");
        if (!row && !sum) continue;
        if (!width) width = strlen(line);
        if (strlen(line) != width)
            fail_msg("expected every row and sum %zu columns wide, got %zu: '%s'", width,
                     strlen(line), line);
        rows++;
    }
    if (rows != 5) fail_msg("expected the heads, 2 lines, subtotal and total, got %d rows", rows);
    free(text);
    bill_free(&b);
}

/* A partial credit note: one line, part of an invoice's GPU-hours, and one
 * amount without a quantity (an allowance), with its own reason and the
 * balance it leaves; for the integration test to read and to look at
 * (GPUMETER_TEST_PDF_CREDIT). */
static void test_a_partial_credit_note(void **state)
{
    (void)state;
    struct bill b;
    a_bill(&b, "阿尔法智能科技有限公司", "CN-2026-000007", "issued", 0, NULL);
    strcpy(b.kind, "credit_note");
    strcpy(b.credits, "INV-2026-000044");
    strcpy(b.credited_issued_at, "2026-11-02");
    strcpy(b.credited_fapiao_number, "26312000000012345678");
    strcpy(b.credited_fapiao_date, "2026-11-03");
    strcpy(b.void_code, "04");
    strcpy(b.void_reason, "SLA credit for the outage of 2026-10-14");
    b.credited_balance_known = true;
    b.credited_balance = 16258;
    struct bill_line *l = bill_add_line(&b);
    strcpy(l->meter, "gpu_ms");
    strcpy(l->model, "H800");
    l->quantity = -9000000; /* 2.5 of the invoice's 12.5 GPU-hours */
    l->unit_price = 12500000;
    l->amount = -3125;
    l = bill_add_line(&b);
    l->kind = LINE_SUBSIDY; /* an amount line: no meter, no quantity */
    strcpy(l->detail, "allowance");
    l->amount = -1000;
    b.subtotal = -4125;
    b.tax = -248;
    b.total = b.due = b.subtotal + b.tax;
    struct seller s = {.name = "深圳算力运营有限公司"};
    /* its text has "I", "L" and "额", with which Cairo alone embedded all
     * of Noto Sans CJK's subroutines: 976 KB */
    long size = render(&b, &s, "GPUMETER_TEST_PDF_CREDIT");
    if (size >= ONE_PAGE_MAX)
        fail_msg("expected a one-page credit note under %d bytes, got %ld", ONE_PAGE_MAX, size);
    bill_free(&b);
}

/* The glyphs of the font Pango lays "额IL" out in with map. */
static unsigned glyphs_laid_out_in(PangoFontMap *map)
{
    PangoContext *ctx = pango_font_map_create_context(map);
    PangoFontDescription *d = pango_font_description_from_string("Noto Sans CJK SC 12");
    PangoFont *font = pango_font_map_load_font(map, ctx, d);
    assert_non_null(font);
    unsigned n = hb_face_get_glyph_count(hb_font_get_face(pango_font_get_hb_font(font)));
    g_object_unref(font);
    pango_font_description_free(d);
    g_object_unref(ctx);
    return n;
}

/* font_subset cuts the family to the characters asked (and what shaping
 * them needs), in files it removes when freed; a family not installed
 * gives NULL, and pdf_render then embeds the system's faces. */
static void test_a_font_is_cut_to_the_characters_used(void **state)
{
    (void)state;
    hb_set_t *chars = hb_set_create();
    hb_set_add(chars, 0x989D); /* 额 */
    hb_set_add(chars, 'I');
    hb_set_add(chars, 'L');
    struct font_subset *fs = font_subset_new("Noto Sans CJK SC", chars);
    assert_non_null(fs);
    unsigned cut = glyphs_laid_out_in(font_subset_map(fs));
    if (cut < 4 || cut > 16)
        fail_msg("expected the cut face to hold .notdef, 额, I, L and little else, got %u glyphs",
                 cut);
    unsigned whole = glyphs_laid_out_in(pango_cairo_font_map_get_default());
    if (whole < 60000) fail_msg("expected the system's face to hold all of CJK, got %u glyphs", whole);
    font_subset_free(fs);
    assert_null(font_subset_new("No Such Family Issue 39", chars));
    hb_set_destroy(chars);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_are_described_for_people),
        cmocka_unit_test(test_unit_price_is_the_rate),
        cmocka_unit_test(test_tax_rate_prints_without_trailing_zeros),
        cmocka_unit_test(test_unit_prices_print_to_the_plans_precision),
        cmocka_unit_test(test_quantities_print_as_exact_decimals),
        cmocka_unit_test(test_each_meter_has_its_unit),
        cmocka_unit_test(test_text_invoice_quantity_column_fits_its_unit),
        cmocka_unit_test(test_a_partial_credit_note),
        cmocka_unit_test(test_a_font_is_cut_to_the_characters_used),
        cmocka_unit_test(test_a_long_bill_spans_pages),
        cmocka_unit_test(test_long_text_wraps_and_pages_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
