/* Contracts, vouchers, subsidies: every validation rule with its JSON path,
 * and the worked examples of docs/contracts.md computed by hand to the fen:
 * an override, billing bases, a take-or-pay shortfall month, a month that
 * draws the make-up bank and an entry expiring unused, carry-forward, a 30%
 * voucher hitting its cap, two vouchers in priority order, a pre-tax
 * voucher, and an energy subsidy for domestic accelerators at PUE 1.25. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pricing/charges.h"
#include "terms/contract.h"
#include "terms/plan.h"
#include "pricing/settle.h"
#include "core/timeutil.h"
#include "tests/unit/doc_problems.h"

#include <stdio.h>
#include <string.h>

static const char plan_json[] =
    "{\"plan\":\"p\",\"name\":\"P\",\"currency\":\"CNY\",\"effective_from\":\"2027-01-01\","
    "\"gpu_hours\":{\"prices\":[{\"model\":\"H800\",\"unit_price\":\"16.80\"},"
    "{\"model\":\"A800\",\"unit_price\":\"9.50\"},{\"model\":\"Ascend910B\",\"unit_price\":\"8."
    "50\"}],"
    "\"time_of_use\":[{\"band\":\"peak\",\"from\":8,\"to\":12,\"multiplier\":\"1.5\"}]},"
    "\"tokens\":{\"brackets\":[{\"unit_price\":\"3.00\"}]},"
    "\"energy_kwh\":{\"unit_price\":\"0.80\"}}";

static const char contract_json[] =
    "{\"contract\":\"alpha-2027\",\"customer\":\"alpha\",\"effective_from\":\"2027-01-01\","
    "\"until\":\"2027-12-31\",\"plan\":\"p\",\"currency\":\"CNY\",\"tax_rate\":\"0.06\","
    "\"accounts\":[{\"account\":\"ns-alpha\"},"
    "{\"account\":\"slurm-shared\",\"job_prefix\":\"alpha-\",\"from\":\"2027-03-01\"}],"
    "\"overrides\":[{\"meter\":\"gpu_hours\",\"model\":\"H800\",\"multiplier\":\"0.90\"},"
    "{\"meter\":\"gpu_hours\",\"model\":\"A800\",\"unit_price\":\"9.00\"}],"
    "\"commitment\":{\"amount\":\"10000.00\",\"meters\":[\"gpu_hours\"],\"makeup_periods\":2}}";

static void test_valid_contract_reads_exactly(void **state)
{
    (void)state;
    static struct contract k;
    assert_string_equal(check(&contract_kind, contract_json, &k), "");
    assert_string_equal(k.customer, "alpha");
    assert_string_equal(k.time_zone, ""); /* default_time_zone() in the schema */
    assert_int_equal(k.tax_ppm, 60000);
    assert_int_equal(k.basis, BASIS_GPU_HOURS);
    assert_int_equal(k.naccounts, 2);
    assert_string_equal(k.accounts[1].job_prefix, "alpha-");
    assert_int_equal(k.accounts[0].from, k.effective_from);
    assert_int_equal(k.accounts[1].until, k.until);
    assert_int_equal(k.noverrides, 2);
    assert_int_equal(k.overrides[0].multiplier_ppm, 900000);
    assert_true(k.overrides[1].absolute);
    assert_int_equal(k.overrides[1].unit_price, 9000000);
    assert_int_equal(k.commit.kind, COMMIT_MONEY);
    assert_int_equal(k.commit.amount_micro, 10000000000LL);
    assert_int_equal(k.commit.meters, METER_BIT_GPU);
    assert_int_equal(k.commit.makeup_periods, 2);
}

/* Every meter's document name is a meter in a contract's overrides and a
 * commitment's "meters", the longest (gpu_mem_gib_hours, 17 bytes) too. */
static void test_every_meter_can_be_named(void **state)
{
    (void)state;
    static struct contract k;
    for (int m = 0; m < METER_COUNT; m++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"contract\":\"alpha-2027\",\"customer\":\"alpha\",\"effective_from\":"
                 "\"2027-01-01\",\"plan\":\"p\",\"currency\":\"CNY\",\"tax_rate\":\"0.06\","
                 "\"accounts\":[{\"account\":\"ns-alpha\"}],"
                 "\"overrides\":[{\"meter\":\"%s\",\"multiplier\":\"0.50\"}],"
                 "\"commitment\":{\"amount\":\"100.00\",\"meters\":[\"%s\"]}}",
                 meter_rows[m].doc, meter_rows[m].doc);
        const char *e = check(&contract_kind, json, &k);
        if (e[0]) fail_msg("expected meter %s accepted, got: %s", meter_rows[m].doc, e);
        assert_int_equal(k.overrides[0].meter, meter_rows[m].bit);
        assert_int_equal(k.commit.meters, meter_rows[m].bit);
    }
}

static void test_every_contract_rule_names_its_path(void **state)
{
    (void)state;
    static struct contract k;
    const char *bad =
        "{\"contract\":\"Alpha\",\"customer\":\"alpha\",\"effective_from\":\"2027-01-02\","
        "\"until\":\"2027-12-30\",\"plan\":\"p\",\"currency\":\"cny\",\"tax_rate\":\"1.5\","
        "\"billing_basis\":\"by_magic\",\"colour\":\"red\","
        "\"accounts\":[{\"account\":\"ns-a\"},{\"account\":\"ns-a\",\"job_prefix\":\"x-\"},"
        "{\"account\":\"ns-b\",\"from\":\"2027-03-01\",\"until\":\"2027-02-28\"},"
        "{\"account\":\"ns-c\",\"from\":\"2026-03-01\"}],"
        "\"overrides\":[{\"meter\":\"gpu_hours\",\"model\":\"H2O\",\"multiplier\":\"0.9\","
        "\"unit_price\":\"1\"},{\"meter\":\"tokens\",\"model\":\"H800\",\"multiplier\":\"-1\"},"
        "{\"meter\":\"watts\",\"multiplier\":\"1\"}],"
        "\"commitment\":{\"amount\":\"1\",\"gpu_hours\":10,\"makeup_periods\":-1}}";
    const char *e = check(&contract_kind, bad, &k);
    expect_problem(e, "$.colour: unknown field");
    expect_problem(e, "$.contract: use lower-case letters, digits, '-' and '_'");
    expect_problem(e, "$.effective_from: must be the first day of a month");
    expect_problem(e, "$.until: must be the last day of a month");
    expect_problem(e, "$.currency: must be an ISO 4217 code like \"CNY\"");
    expect_problem(e, "$.tax_rate: must be at most 1 (a fraction: 0.06 is 6%)");
    expect_problem(e, "$.billing_basis: must be \"gpu_hours\", \"tokens\" or");
    expect_problem(e, "$.accounts[1]: overlaps accounts[0]: the same usage would be billed twice");
    expect_problem(e, "$.accounts[2].until: dates out of order: before the account's from");
    expect_problem(e, "$.accounts[3].from: dates out of order: before the contract's");
    expect_problem(e, "$.overrides[0].model: unknown accelerator model \"H2O\"");
    expect_problem(e, "$.overrides[0]: needs exactly one of \"multiplier\" and \"unit_price\"");
    expect_problem(e, "$.overrides[1].model: token prices are by model size: leave model out");
    expect_problem(e, "$.overrides[1].multiplier: must not be negative");
    expect_problem(e, "$.overrides[2].meter: must be \"gpu_hours\", \"tokens\", \"energy_kwh\" or "
                      "\"gpu_mem_gib_hours\"");
    expect_problem(e, "$.commitment: needs exactly one of \"amount\" and \"gpu_hours\"");
    expect_problem(e, "$.commitment.makeup_periods: must be a whole number from 0 to 120");
    /* a gpu_hours commitment needs the price its shortfall is billed at */
    assert_non_null(strstr(check(&contract_kind,
                                 "{\"contract\":\"c\",\"customer\":\"a\",\"effective_from\":"
                                 "\"2027-01-01\",\"plan\":\"p\",\"currency\":\"CNY\",\"tax_rate\":"
                                 "\"0\",\"accounts\":[{\"account\":\"x\"}],\"commitment\":"
                                 "{\"gpu_hours\":100}}",
                                 &k),
                           "$.commitment.shortfall_price: is required with gpu_hours"));
}

/* payment_terms (issue 34): exactly one of net_days and day_of_month, in
 * range; either alone is a valid contract. */
static void test_payment_terms(void **state)
{
    (void)state;
    static struct contract k;
    static const char head[] = "{\"contract\":\"c\",\"customer\":\"a\",\"effective_from\":"
                               "\"2027-01-01\",\"plan\":\"p\",\"currency\":\"CNY\",\"tax_rate\":"
                               "\"0\",\"accounts\":[{\"account\":\"x\"}],\"payment_terms\":";
    static const struct {
        const char *terms, *problem; /* NULL: valid */
    } cases[] = {
        {"{\"net_days\":30}}", NULL},
        {"{\"net_days\":0}}", NULL},
        {"{\"day_of_month\":31}}", NULL},
        {"{\"net_days\":366}}", "$.payment_terms.net_days: must be a whole number from 0 to 365"},
        {"{\"net_days\":\"30\"}}", "$.payment_terms.net_days: must be a whole number"},
        {"{\"day_of_month\":0}}",
         "$.payment_terms.day_of_month: must be a whole number from 1 to 31"},
        {"{\"day_of_month\":32}}",
         "$.payment_terms.day_of_month: must be a whole number from 1 to 31"},
        {"{}}", "$.payment_terms: needs exactly one of \"net_days\" and \"day_of_month\""},
        {"{\"net_days\":30,\"day_of_month\":15}}",
         "$.payment_terms: needs exactly one of \"net_days\" and \"day_of_month\""},
        {"{\"net_days\":30,\"eom\":true}}", "$.payment_terms.eom: unknown field"},
        {"30}", "$.payment_terms: must be an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char json[512];
        snprintf(json, sizeof json, "%s%s", head, cases[i].terms);
        const char *e = check(&contract_kind, json, &k);
        if (!cases[i].problem && *e)
            fail_msg("payment_terms %s: expected valid, got:\n%s", cases[i].terms, e);
        if (cases[i].problem) expect_problem(e, cases[i].problem);
    }
}

/* index_swap (issue 37, "Fixed-for-floating"): a valid swap reads exact
 * (GPU-ms, micro-units, months since 1970-01, the contract's months by
 * default); every wrong field is refused by its path. */
static void test_index_swap_document(void **state)
{
    (void)state;
    static struct contract k;
    static const char head[] = "{\"contract\":\"c\",\"customer\":\"a\",\"effective_from\":"
                               "\"2026-01-01\",\"until\":\"2026-12-31\",\"plan\":\"p\","
                               "\"currency\":\"CNY\",\"tax_rate\":\"0\",\"accounts\":"
                               "[{\"account\":\"x\"}],\"index_swap\":";
    char json[1024];
    snprintf(json, sizeof json, "%s%s", head,
             "[{\"model\":\"H800\",\"notional_gpu_hours\":\"1000.5\",\"fixed_price\":"
             "\"16.123456\",\"lag_months\":1,\"from\":\"2026-02\"},"
             "{\"model\":\"H20\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"7\","
             "\"lag_months\":0}]}");
    const char *e = check(&contract_kind, json, &k);
    if (*e) fail_msg("expected valid, got:\n%s", e);
    assert_int_equal(k.nswaps, 2);
    assert_string_equal(k.swaps[0].model, "H800");
    assert_int_equal(k.swaps[0].notional_ms, 10005 * 360000LL);
    assert_int_equal(k.swaps[0].fixed_micro, 16123456);
    assert_int_equal(k.swaps[0].lag_months, 1);
    assert_int_equal(k.swaps[0].from_month, (2026 - 1970) * 12 + 1);
    assert_int_equal(k.swaps[0].until_month, (2026 - 1970) * 12 + 11);
    assert_int_equal(k.swaps[1].from_month, (2026 - 1970) * 12);
    static const struct {
        const char *swap, *problem;
    } cases[] = {
        {"[{\"model\":\"H2O\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1\",\"lag_months\":0}]}",
         "$.index_swap[0].model: unknown accelerator model \"H2O\""},
        {"[{\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1\",\"lag_months\":0}]}",
         "$.index_swap[0].model: is required"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"0\",\"fixed_price\":\"1\",\"lag_months\":0}]}",
         "$.index_swap[0].notional_gpu_hours: must be more than 0 and at most 100000000"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1.0001\",\"fixed_price\":\"1\","
         "\"lag_months\":0}]}",
         "$.index_swap[0].notional_gpu_hours: must be a decimal string like \"16.80\" with at "
         "most 3 decimals"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"-1\",\"lag_months\":0}]}",
         "$.index_swap[0].fixed_price: must not be negative"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1000000.000001\","
         "\"lag_months\":0}]}",
         "$.index_swap[0].fixed_price: must be at most 1000000"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1\",\"lag_months\":13}]}",
         "$.index_swap[0].lag_months: must be a whole number from 0 to 12"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1\"}]}",
         "$.index_swap[0].lag_months: is required"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1\",\"lag_months\":0,"
         "\"from\":\"2025-12\"}]}",
         "$.index_swap[0].from: dates out of order: before the contract's effective_from"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1\",\"lag_months\":0,"
         "\"until\":\"2027-01\"}]}",
         "$.index_swap[0].until: dates out of order: after the contract's until"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1\",\"lag_months\":0,"
         "\"from\":\"2026-05\",\"until\":\"2026-04\"}]}",
         "$.index_swap[0].until: dates out of order: before the swap's from"},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1\",\"lag_months\":0,"
         "\"from\":\"2026-1\"}]}",
         "$.index_swap[0].from: must be a month like \"2026-01\""},
        {"[{\"model\":\"H800\",\"notional_gpu_hours\":\"1\",\"fixed_price\":\"1\",\"lag_months\":0,"
         "\"side\":\"pay\"}]}",
         "$.index_swap[0].side: unknown field"},
        {"[]}", "$.index_swap: must be an array of at least 1 item"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(json, sizeof json, "%s%s", head, cases[i].swap);
        expect_problem(check(&contract_kind, json, &k), cases[i].problem);
    }
}

static void test_voucher_subsidy_and_site_rules(void **state)
{
    (void)state;
    static struct voucher v;
    static struct subsidy s;
    static struct site site;
    const char *e = check(&voucher_kind,
                          "{\"voucher\":\"v1\",\"program\":\"sz\",\"customer\":\"alpha\","
                          "\"currency\":\"CNY\",\"face_value\":\"0\",\"coverage\":\"1.5\","
                          "\"valid_from\":\"2027-03-01\",\"valid_until\":\"2027-01-31\","
                          "\"applies\":\"sometimes\",\"eligible\":{\"meters\":[\"gpu_hours\","
                          "\"gpu_hours\"],\"domestic_only\":\"yes\"}}",
                          &v);
    expect_problem(e, "$.face_value: must be above 0");
    expect_problem(e, "$.coverage: must be at most 1 (a fraction: 0.30 is 30%)");
    expect_problem(e, "$.valid_until: dates out of order: before the start");
    expect_problem(e, "$.applies: must be \"after_tax\" or \"pre_tax\"");
    expect_problem(e, "$.eligible.meters[1]: meter \"gpu_hours\" is listed twice");
    expect_problem(e, "$.eligible.domestic_only: must be true or false");
    e = check(&subsidy_kind,
              "{\"subsidy\":\"green\",\"name\":\"Green\",\"currency\":\"CNY\","
              "\"effective_from\":\"2027-01-01\",\"sites\":[],\"vendors\":[\"acme\"],"
              "\"rate_per_kwh\":\"0.2\",\"share\":\"0.5\"}",
              &s);
    expect_problem(e, "$.sites: must be an array of at least 1 item");
    expect_problem(e, "$.vendors[0]: unknown accelerator vendor \"acme\"");
    expect_problem(e, "$: needs exactly one of \"rate_per_kwh\" and \"share\"");
    e = check(&site_kind,
              "{\"site\":\"sz1\",\"name\":\"Shenzhen 1\",\"effective_from\":\"2027-01-01\","
              "\"pue\":\"0.9\"}",
              &site);
    expect_problem(e, "$.pue: must be from 1 to 5 (facility energy over IT energy)");
}

/* A bill of usage rows priced under plan_json and contract k. */
static void price(const struct contract *k, const struct usage_row *rows, size_t n, struct bill *b)
{
    static struct plan p;
    assert_string_equal(check(&plan_kind, plan_json, &p), "");
    memset(b, 0, sizeof *b);
    b->minor_digits = 2;
    strcpy(b->currency, "CNY");
    char err[256];
    if (!charges_price(&p, k, rows, n, 2, b, err, sizeof err)) fail_msg("%s", err);
}

static int64_t line_amount(const struct bill *b, enum line_kind kind, const char *model,
                           const char *band)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->lines[i].kind == kind && !strcmp(b->lines[i].model, model) &&
            !strcmp(b->lines[i].band, band))
            return b->lines[i].amount;
    fail_msg("no %s line %s %s", bill_kind_name(kind), model, band);
    return 0;
}

#define HOUR 3600000LL

/* docs/contracts.md, example 1. H800 at 16.80 x 0.90; A800 at an absolute
 * 9.00 instead of 9.50; Ascend910B as planned:
 *   H800 flat 10 h:  10 x 16.80 x 0.90        = 151.20
 *   H800 peak 1 h:    1 x 16.80 x 1.5 x 0.90  =  22.68
 *   A800 flat 5 h:    5 x 9.00                 =  45.00
 *   910B flat 2 h:    2 x 8.50                 =  17.00 */
static void test_override(void **state)
{
    (void)state;
    static struct contract k;
    assert_string_equal(check(&contract_kind, contract_json, &k), "");
    const struct usage_row rows[] = {
        {"gpu_ms", "H800", "s", 14, 0, false, 1000000, 10 * HOUR},
        {"gpu_ms", "H800", "s", 9, 0, false, 1000000, HOUR},
        {"gpu_ms", "A800", "s", 14, 0, false, 1000000, 5 * HOUR},
        {"gpu_ms", "Ascend910B", "s", 14, 0, false, 1000000, 2 * HOUR},
    };
    struct bill b;
    price(&k, rows, 4, &b);
    assert_int_equal(line_amount(&b, LINE_USAGE, "H800", "flat"), 15120);
    assert_int_equal(line_amount(&b, LINE_USAGE, "H800", "peak"), 2268);
    assert_int_equal(line_amount(&b, LINE_USAGE, "A800", "flat"), 4500);
    assert_int_equal(line_amount(&b, LINE_USAGE, "Ascend910B", "flat"), 1700);
    bill_free(&b);
}

/* Billing bases, on one month: job t (training, reports 2,000 M tokens at
 * 3.00 = 6,000.00) ran 400 H800 hours; job i (inference) ran 10 hours.
 *   gpu_hours: 410 x 16.80 = 6,888.00, tokens not billed;
 *   tokens: 6,000.00 + 10 x 16.80 = 168.00;
 *   tokens_with_gpu_floor: the training GPU time is worth 400 x 16.80 =
 *   6,720.00, above the 6,000.00 of tokens: a gpu_floor line of 720.00. */
static void test_billing_bases(void **state)
{
    (void)state;
    static struct contract k;
    const struct usage_row rows[] = {
        {"gpu_ms", "H800", "s", 14, 0, true, 1000000, 400 * HOUR},
        {"gpu_ms", "H800", "s", 14, 0, false, 1000000, 10 * HOUR},
        {"tokens", "", "s", 14, 7000000000LL, true, 1000000, 2000000000},
    };
    struct bill b;
    k.basis = BASIS_GPU_HOURS;
    price(&k, rows, 3, &b);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.lines[0].amount, 688800);
    assert_int_equal(b.lines[0].training_quantity, 400 * HOUR);
    bill_free(&b);
    k.basis = BASIS_TOKENS;
    price(&k, rows, 3, &b);
    assert_int_equal(b.n, 2);
    assert_int_equal(line_amount(&b, LINE_USAGE, "H800", "flat"), 16800);
    assert_int_equal(line_amount(&b, LINE_USAGE, "any size", ""), 600000);
    bill_free(&b);
    k.basis = BASIS_TOKENS_GPU_FLOOR;
    price(&k, rows, 3, &b);
    assert_int_equal(b.n, 3);
    assert_int_equal(line_amount(&b, LINE_GPU_FLOOR, "", ""), 72000);
    bill_free(&b);
}

/* A CNY bill of one GPU usage line of model worth amount fen. */
static void gpu_bill(struct bill *b, const char *model, int64_t amount)
{
    memset(b, 0, sizeof *b);
    b->minor_digits = 2;
    strcpy(b->currency, "CNY");
    struct bill_line *l = bill_add_line(b);
    strcpy(l->meter, "gpu_ms");
    strcpy(l->model, model);
    l->amount = amount;
}

/* One month of GPU usage worth `amount` fen, settled under k with bank. */
static void settle_month(const struct contract *k, int64_t period, int64_t amount,
                         const struct bank_entry *bank, size_t nbank, struct bill *b)
{
    gpu_bill(b, "H800", amount);
    struct settle_terms t = {.k = k, .period = period, .bank = bank, .nbank = nbank};
    char err[256];
    if (!settle_bill(b, &t, err, sizeof err)) fail_msg("%s", err);
}

static const struct ledger_row *ledger_of(const struct bill *b, const char *kind)
{
    for (int i = 0; i < b->nledger; i++)
        if (!strcmp(b->ledger[i].kind, kind)) return &b->ledger[i];
    return NULL;
}

/* Example 3: 10,000.00 a month on GPU-hours, paid shortfall banked for 2
 * months, 6% tax.
 *   2027-01: usage 6,000.00: shortfall 4,000.00; subtotal 10,000.00, tax
 *            600.00, total 10,600.00; bank: 4,000.00 from 2027-01.
 *   2027-02: usage 11,500.00: 1,500.00 over, drawn from the 2027-01 entry;
 *            subtotal 10,000.00, total 10,600.00; bank left 2,500.00.
 *   2027-03: usage 9,000.00: shortfall 1,000.00 (a new entry); the old
 *            entry is still in its life (2027-02 and 2027-03).
 *   2027-04: the 2027-01 entry expires unused (2,500.00); usage 12,500.00
 *            is 2,500.00 over and draws the 2027-03 entry's 1,000.00. */
/* Early termination (docs/contracts.md): contract_json's 10,000.00 a
 * month to 2027-12-31, banked 2 months, terminated on 2027-03-31, the last
 * day of March: served whole, so no pro rata. Its bank holds January's
 * 4,000.00; March uses 11,000.00: 1,000.00 over, drawn; the 3,000.00 left
 * is credited back ("credit"). Fee: 0.25 of the remaining commitment,
 * April to December, 9 x 10,000.00 x 0.25 = 22,500.00. Subtotal 11,000.00
 * - 1,000.00 - 3,000.00 + 22,500.00 = 29,500.00; tax 660.00 - 60.00 -
 * 180.00 + 1,350.00 = 1,770.00; total 31,270.00. Nothing is banked. */
static void test_termination_final_month(void **state)
{
    (void)state;
    static struct contract k;
    char json[sizeof contract_json + 200];
    snprintf(json, sizeof json, "%.*s,\"termination\":{\"fee\":{\"share_of_remaining\":\"0.25\"},"
             "\"makeup_bank\":\"credit\"}}", (int)strlen(contract_json) - 1, contract_json);
    assert_string_equal(check(&contract_kind, json, &k), "");
    assert_true(k.term.present && k.term.bank_credit && !k.term.deposit_apply);
    assert_int_equal(k.term.fee, FEE_SHARE);
    assert_int_equal(k.term.fee_share_ppm, 250000);
    const int64_t jan = (2027 - 1970) * 12;
    struct bank_entry bank[1] = {{jan, false, 400000, 400000}};
    struct bill b;
    gpu_bill(&b, "H800", 1100000);
    struct settle_terms t = {.k = &k, .period = jan + 2, .bank = bank, .nbank = 1,
                             .terminated = true, .ends_on = time_days_from_civil(2027, 3, 31)};
    char err[256];
    if (!settle_bill(&b, &t, err, sizeof err)) fail_msg("%s", err);
    assert_int_equal(line_amount(&b, LINE_MAKEUP_DRAW, "", ""), -100000);
    assert_int_equal(line_amount(&b, LINE_MAKEUP_SETTLEMENT, "", ""), -300000);
    assert_int_equal(line_amount(&b, LINE_TERMINATION_FEE, "", ""), 2250000);
    assert_int_equal(b.subtotal, 2950000);
    assert_int_equal(b.tax, 177000);
    assert_int_equal(b.total, 3127000);
    const struct ledger_row *r = ledger_of(&b, "expiry");
    assert_non_null(r);
    assert_int_equal(r->entry_period, jan);
    assert_int_equal(r->units, 300000);
    assert_int_equal(r->value, 300000);
    assert_null(ledger_of(&b, "carry"));
    bill_free(&b);

    /* The same terms without a commitment: the fee is refused on its path. */
    snprintf(json, sizeof json, "{\"contract\":\"x\",\"customer\":\"alpha\","
             "\"effective_from\":\"2027-01-01\",\"plan\":\"p\",\"currency\":\"CNY\","
             "\"tax_rate\":\"0.06\",\"accounts\":[{\"account\":\"a\"}],"
             "\"termination\":{\"fee\":{\"months_of_commitment\":3},\"deposit\":\"keep\"}}");
    const char *errors = check(&contract_kind, json, &k);
    expect_problem(errors, "$.termination.fee: a fee is priced from the commitment: the contract has none");
    expect_problem(errors, "$.termination.deposit: must be \"refund\" or \"apply\"");
}

static void test_take_or_pay_shortfall_draw_and_expiry(void **state)
{
    (void)state;
    static struct contract k;
    assert_string_equal(check(&contract_kind, contract_json, &k), "");
    const int64_t jan = (2027 - 1970) * 12;
    struct bill b;

    settle_month(&k, jan, 600000, NULL, 0, &b);
    assert_int_equal(line_amount(&b, LINE_SHORTFALL, "", ""), 400000);
    assert_int_equal(b.subtotal, 1000000);
    assert_int_equal(b.tax, 60000);
    assert_int_equal(b.total, 1060000);
    assert_int_equal(b.due, 1060000);
    const struct ledger_row *r = ledger_of(&b, "shortfall");
    assert_non_null(r);
    assert_int_equal(r->entry_period, jan);
    assert_int_equal(r->value, 400000);
    bill_free(&b);

    struct bank_entry bank[2] = {{jan, false, 400000, 400000}};
    settle_month(&k, jan + 1, 1150000, bank, 1, &b);
    assert_int_equal(line_amount(&b, LINE_MAKEUP_DRAW, "", ""), -150000);
    assert_int_equal(b.subtotal, 1000000);
    assert_int_equal(b.total, 1060000);
    r = ledger_of(&b, "makeup_draw");
    assert_int_equal(r->entry_period, jan);
    assert_int_equal(r->units, 150000);
    bill_free(&b);

    bank[0].units = bank[0].value = 250000;
    settle_month(&k, jan + 2, 900000, bank, 1, &b);
    assert_int_equal(line_amount(&b, LINE_SHORTFALL, "", ""), 100000);
    assert_null(ledger_of(&b, "expiry"));
    assert_int_equal(b.total, 1060000);
    bill_free(&b);

    bank[1] = (struct bank_entry){jan + 2, false, 100000, 100000};
    settle_month(&k, jan + 3, 1250000, bank, 2, &b);
    r = ledger_of(&b, "expiry");
    assert_non_null(r);
    assert_int_equal(r->entry_period, jan);
    assert_int_equal(r->value, 250000);
    assert_int_equal(line_amount(&b, LINE_MAKEUP_DRAW, "", ""), -100000);
    assert_int_equal(b.subtotal, 1150000);
    assert_int_equal(b.total, 1219000);
    bill_free(&b);
}

/* Carry-forward and a GPU-hour commitment: 100 GPU-hours a month, short
 * hours billed at 12.00, over-use carried 1 month.
 *   month 1: 130 h used: 30 h carried forward;
 *   month 2: 80 h used: 20 h short, all covered by the carry: shortfall
 *            240.00 and carry_forward -240.00;
 *   month 3: 70 h used, the carry is used up: shortfall 360.00. */
static void test_gpu_hour_commitment_with_carry_forward(void **state)
{
    (void)state;
    static struct contract k;
    k.tax_ppm = 0;
    k.commit = (struct commitment){COMMIT_GPU_HOURS, 0, 100 * HOUR, 12000000, METER_BIT_GPU, 0, 1};
    struct bill b;
    memset(&b, 0, sizeof b);
    const int64_t m1 = 700;
    const struct usage_row r1 = {"gpu_ms", "H800", "s", 14, 0, false, 1000000, 130 * HOUR};
    price(&k, &r1, 1, &b);
    struct settle_terms t = {.k = &k, .period = m1};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    const struct ledger_row *r = ledger_of(&b, "carry");
    assert_non_null(r);
    assert_int_equal(r->units, 30 * HOUR);
    bill_free(&b);

    struct bank_entry carry = {m1, true, 30 * HOUR, 0};
    const struct usage_row r2 = {"gpu_ms", "H800", "s", 14, 0, false, 1000000, 80 * HOUR};
    price(&k, &r2, 1, &b);
    t = (struct settle_terms){.k = &k, .period = m1 + 1, .bank = &carry, .nbank = 1};
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(line_amount(&b, LINE_SHORTFALL, "", ""), 24000);
    assert_int_equal(line_amount(&b, LINE_CARRY_FORWARD, "", ""), -24000);
    assert_int_equal(b.subtotal, 134400); /* 80 x 16.80 */
    assert_int_equal(ledger_of(&b, "carry_use")->units, 20 * HOUR);
    bill_free(&b);

    carry.units = 10 * HOUR;
    const struct usage_row r3 = {"gpu_ms", "H800", "s", 14, 0, false, 1000000, 70 * HOUR};
    price(&k, &r3, 1, &b);
    t = (struct settle_terms){.k = &k, .period = m1 + 2, .bank = &carry, .nbank = 1};
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(ledger_of(&b, "expiry")->units, 10 * HOUR); /* carried 1 month only */
    assert_int_equal(line_amount(&b, LINE_SHORTFALL, "", ""), 36000);
    bill_free(&b);
}

static struct voucher voucher(const char *code, const char *program, int priority,
                              int64_t coverage_ppm, int64_t face_micro, int64_t cap_micro)
{
    struct voucher v = {.coverage_ppm = coverage_ppm,
                        .face_micro = face_micro,
                        .yearly_cap_micro = cap_micro,
                        .priority = priority,
                        .valid_until = 20000,
                        .meters = 7};
    strcpy(v.code, code);
    strcpy(v.program, program);
    strcpy(v.currency, "CNY");
    return v;
}

/* Example 4: a 30% voucher whose program caps the customer at 20,000.00 a
 * year, 15,000.00 already paid on earlier invoices. Usage 40,000.00 + 6%
 * tax = 42,400.00; 30% is 12,720.00 but only 5,000.00 of the cap is left:
 * claimed 5,000.00, due 37,400.00. */
static void test_voucher_hits_its_yearly_cap(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    struct voucher v = voucher("v1", "sz-2027", 1, 300000, 100000000000LL, 20000000000LL);
    struct voucher_state vs = {&v, 1500000, 1500000};
    struct bill b;
    gpu_bill(&b, "Ascend910B", 4000000);
    struct settle_terms t = {.k = &k, .vouchers = &vs, .nvouchers = 1};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.total, 4240000);
    assert_int_equal(b.nclaims, 1);
    assert_int_equal(b.claims[0].amount, 500000);
    assert_int_equal(b.claimed, 500000);
    assert_int_equal(b.due, 3740000);
    /* without the cap: 30% of 42,400.00 */
    vs = (struct voucher_state){&v, 0, 0};
    v.yearly_cap_micro = -1;
    b.n = 1;
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.claims[0].amount, 1272000);
    bill_free(&b);
}

/* Example 5: two vouchers on a 10,600.00 invoice (10,000.00 + 6%). A
 * (priority 1, 50%, face 3,000.00) claims min(5,300.00, 3,000.00) =
 * 3,000.00; B (priority 2, 20%) then covers 20% of the 7,600.00 still owed:
 * 1,520.00. Claimed 4,520.00, due 6,080.00. Listed B first: same result. */
static void test_two_vouchers_in_priority_order(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    struct voucher a = voucher("a", "prog-a", 1, 500000, 3000000000LL, -1);
    struct voucher b2 = voucher("b", "prog-b", 2, 200000, 100000000000LL, -1);
    struct voucher_state vs[] = {{&b2, 0, 0}, {&a, 0, 0}};
    struct bill b;
    gpu_bill(&b, "H800", 1000000);
    struct settle_terms t = {.k = &k, .vouchers = vs, .nvouchers = 2};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.nclaims, 2);
    assert_string_equal(b.claims[0].voucher, "a");
    assert_int_equal(b.claims[0].amount, 300000);
    assert_string_equal(b.claims[1].voucher, "b");
    assert_int_equal(b.claims[1].amount, 152000);
    assert_int_equal(b.claimed, 452000);
    assert_int_equal(b.due, 608000);
    assert_int_equal(b.total, b.claimed + b.due);
    bill_free(&b);
}

/* A pre-tax voucher is a discount line: 10% of 10,000.00 = 1,000.00 off;
 * subtotal 9,000.00, tax 540.00, total 9,540.00 = due. Domestic-only
 * vouchers leave the H800 line alone. */
static void test_pre_tax_voucher_and_eligibility(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    struct voucher v = voucher("d", "prog-d", 1, 100000, 100000000000LL, -1);
    v.pre_tax = true;
    struct voucher dom = voucher("e", "prog-e", 2, 500000, 100000000000LL, -1);
    dom.domestic_only = true;
    struct voucher_state vs[] = {{&v, 0, 0}, {&dom, 0, 0}};
    struct bill b;
    gpu_bill(&b, "H800", 1000000);
    struct settle_terms t = {.k = &k, .vouchers = vs, .nvouchers = 2};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(line_amount(&b, LINE_VOUCHER_DISCOUNT, "", ""), -100000);
    assert_int_equal(b.subtotal, 900000);
    assert_int_equal(b.tax, 54000);
    assert_int_equal(b.total, 954000);
    assert_int_equal(b.claimed, 0);
    assert_int_equal(b.due, 954000);
    assert_int_equal(b.nclaims, 1);
    bill_free(&b);
}

/* Tax per line, as the tax system taxes the fapiao (docs/money.md): two
 * lines of 100.25 at 6% are taxed 100.25 x 0.06 = 6.015 -> 6.02 each, 12.04;
 * taxed once on the subtotal, 200.50 x 0.06 = 12.03 would be a fen short
 * of the fapiao. A pre-tax voucher's discount line is taxed the same way:
 * 10% of 200.50 = -20.05, -20.05 x 0.06 = -1.203 -> -1.20; subtotal 180.45,
 * tax 6.02 + 6.02 - 1.20 = 10.84 (on the subtotal: 10.827 -> 10.83). */
static void two_lines_of_100_25(struct bill *b)
{
    gpu_bill(b, "H800", 10025);
    struct bill_line *l = bill_add_line(b);
    strcpy(l->meter, "gpu_ms");
    strcpy(l->model, "A800");
    l->amount = 10025;
}

static void test_tax_per_line(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    struct bill b;
    two_lines_of_100_25(&b);
    struct settle_terms t = {.k = &k};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.subtotal, 20050);
    assert_int_equal(b.tax, 1204);
    assert_int_equal(b.total, 21254);
    bill_free(&b);

    struct voucher v = voucher("p", "prog-p", 1, 100000, 100000000000LL, -1);
    v.pre_tax = true;
    struct voucher_state vs[] = {{&v, 0, 0}};
    two_lines_of_100_25(&b);
    t.vouchers = vs;
    t.nvouchers = 1;
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(line_amount(&b, LINE_VOUCHER_DISCOUNT, "", ""), -2005);
    assert_int_equal(b.subtotal, 18045);
    assert_int_equal(b.tax, 1084);
    assert_int_equal(b.total, 19129);
    assert_int_equal(b.due, 19129);
    bill_free(&b);
}

/* An after-tax claim is rounded once, from its exact base with tax: 25% of
 * 912.43 x 1.06 = 0.25 x 967.1758 = 241.79395 -> 241.79. Rounding the
 * base's tax first (54.7458 -> 54.75) and then the claim (0.25 x 967.18 =
 * 241.795 -> 241.80) pays a fen too many. Invoice: 912.43 + tax 54.75 =
 * 967.18; claimed 241.79, due 725.39. */
static void test_after_tax_claim_rounded_once(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    struct voucher v = voucher("q", "prog-q", 1, 250000, 100000000000LL, -1);
    struct voucher_state vs[] = {{&v, 0, 0}};
    struct bill b;
    gpu_bill(&b, "H800", 91243);
    struct settle_terms t = {.k = &k, .vouchers = vs, .nvouchers = 1};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.tax, 5475);
    assert_int_equal(b.total, 96718);
    assert_int_equal(b.claimed, 24179);
    assert_int_equal(b.due, 72539);
    bill_free(&b);
}

/* The documented rule: a claim is min(coverage x base, owed), not
 * coverage x min(base, owed). Usage 10,000.00 less a make-up draw of
 * 5,000.00 (a paid shortfall from an earlier month): subtotal 5,000.00, tax
 * 600.00 - 300.00 = 300.00, total 5,300.00 owed. A 20% after-tax voucher on
 * the GPU-hours (10,000.00 + tax = 10,600.00) claims 20% x 10,600.00 =
 * 2,120.00, below the 5,300.00 owed (not 20% x 5,300.00 = 1,060.00); due
 * 3,180.00. */
static void test_voucher_claim_in_a_makeup_draw_month(void **state)
{
    (void)state;
    static struct contract k;
    assert_string_equal(check(&contract_kind, contract_json, &k), "");
    k.commit.amount_micro = 5000000000LL; /* 5,000.00 a month */
    struct voucher v = voucher("m", "prog-m", 1, 200000, 100000000000LL, -1);
    struct voucher_state vs[] = {{&v, 0, 0}};
    const int64_t feb = (2027 - 1970) * 12 + 1;
    const struct bank_entry bank[] = {{.period = feb - 1, .carry = false, .units = 500000, .value = 500000}};
    struct bill b;
    gpu_bill(&b, "H800", 1000000);
    struct settle_terms t = {.k = &k, .period = feb, .bank = bank, .nbank = 1, .vouchers = vs, .nvouchers = 1};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(line_amount(&b, LINE_MAKEUP_DRAW, "", ""), -500000);
    assert_int_equal(b.subtotal, 500000);
    assert_int_equal(b.tax, 30000);
    assert_int_equal(b.total, 530000);
    assert_int_equal(b.claimed, 212000);
    assert_int_equal(b.due, 318000);
    bill_free(&b);
}

/* Example 6: site sz1 has PUE 1.25. 1,000 kWh of Ascend910B energy and 800
 * kWh of H800 energy there, at 0.80 per facility kWh:
 *   Ascend910B: 1,250 facility kWh x 0.80 = 1,000.00
 *   H800:       1,000 facility kWh x 0.80 =   800.00
 * A domestic-only subsidy of 0.20 per facility kWh at sz1 pays 1,250 x
 * 0.20 = 250.00 (H800 energy is not eligible); with a 200.00 cap, 200.00;
 * as a 50% share instead, 500.00. */
static void test_energy_subsidy_domestic_only_at_pue_1_25(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 0};
    const struct usage_row rows[] = {
        {"energy_mj", "Ascend910B", "sz1", 14, 0, false, 1250000, 1000 * 3600000000LL},
        {"energy_mj", "H800", "sz1", 14, 0, false, 1250000, 800 * 3600000000LL},
    };
    static struct subsidy s;
    assert_string_equal(check(&subsidy_kind,
                              "{\"subsidy\":\"green\",\"name\":\"Green compute\",\"currency\":"
                              "\"CNY\",\"effective_from\":\"2027-01-01\",\"sites\":[\"sz1\"],"
                              "\"domestic_only\":true,\"rate_per_kwh\":\"0.20\"}",
                              &s),
                        "");
    struct bill b;
    price(&k, rows, 2, &b);
    assert_int_equal(line_amount(&b, LINE_USAGE, "Ascend910B", ""), 100000);
    assert_int_equal(line_amount(&b, LINE_USAGE, "H800", ""), 80000);
    struct settle_terms t = {.k = &k, .subsidies = &s, .nsubsidies = 1};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(line_amount(&b, LINE_SUBSIDY, "", ""), -25000);
    assert_int_equal(b.total, 155000);
    bill_free(&b);

    s.cap_micro = 200000000;
    price(&k, rows, 2, &b);
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(line_amount(&b, LINE_SUBSIDY, "", ""), -20000);
    bill_free(&b);

    s.cap_micro = -1;
    s.per_kwh = false;
    s.share_ppm = 500000;
    price(&k, rows, 2, &b);
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(line_amount(&b, LINE_SUBSIDY, "", ""), -50000);
    bill_free(&b);

    strcpy(s.sites[0], "bj2"); /* another site: nothing */
    price(&k, rows, 2, &b);
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.n, 2);
    bill_free(&b);
}

/* A usage line of meter/model worth amount fen. */
static struct bill_line *usage_line(struct bill *b, const char *meter, const char *model,
                                    int64_t amount)
{
    struct bill_line *l = bill_add_line(b);
    strcpy(l->meter, meter);
    strcpy(l->model, model);
    l->amount = amount;
    l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
    return l;
}

/* One subsidy per charge (issue 15, docs/contracts.md example 7). GPU
 * 10,000.00 and tokens 5,000.00, tax 6%. Pre-tax voucher P (priority 1,
 * 20%, GPU only): 20% x 10,000.00 = 2,000.00 off; the GPU line now costs
 * 8,000.00. Subtotal 13,000.00, tax 780.00, total 13,780.00. After-tax
 * voucher A (priority 2, 30%, GPU only): its base is what the GPU charge
 * still costs with its tax, 8,000.00 + 480.00 = 8,480.00: claims 2,544.00.
 * (Before, its base was the whole 10,600.00: 3,180.00, 636.00 too much.)
 * After-tax voucher B (priority 3, 10%, all meters): the GPU line's pre-tax
 * cost after A is 8,000.00 - 2,400.00 = 5,600.00; with the tokens,
 * 10,600.00 + 636.00 tax = 11,236.00: claims 1,123.60. Claimed 3,667.60,
 * due 10,112.40. */
static void test_one_subsidy_per_charge(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    struct voucher pre = voucher("p", "prog-p", 1, 200000, 100000000000LL, -1);
    pre.pre_tax = true;
    pre.meters = METER_BIT_GPU;
    struct voucher a = voucher("a", "prog-a", 2, 300000, 100000000000LL, -1);
    a.meters = METER_BIT_GPU;
    struct voucher b2 = voucher("b", "prog-b", 3, 100000, 100000000000LL, -1);
    struct voucher_state vs[] = {{&b2, 0, 0}, {&a, 0, 0}, {&pre, 0, 0}};
    struct bill b = {.minor_digits = 2};
    strcpy(b.currency, "CNY");
    usage_line(&b, "gpu_ms", "H800", 1000000);
    usage_line(&b, "tokens", "any size", 500000);
    struct settle_terms t = {.k = &k, .vouchers = vs, .nvouchers = 3};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(line_amount(&b, LINE_VOUCHER_DISCOUNT, "", ""), -200000);
    assert_int_equal(b.subtotal, 1300000);
    assert_int_equal(b.tax, 78000);
    assert_int_equal(b.total, 1378000);
    assert_int_equal(b.nclaims, 3);
    assert_string_equal(b.claims[1].voucher, "a");
    assert_int_equal(b.claims[1].amount, 254400);
    assert_string_equal(b.claims[2].voucher, "b");
    assert_int_equal(b.claims[2].amount, 112360);
    assert_int_equal(b.claimed, 366760);
    assert_int_equal(b.due, 1011240);
    bill_free(&b);
}

/* A subsidy and a voucher on the same energy charge: the voucher covers
 * what the subsidy left. Energy Ascend910B at sz1, 1,000 kWh x PUE 1.25 x
 * 0.80 = 1,000.00; the domestic subsidy pays 0.20 per facility kWh:
 * 250.00; a 30% after-tax voucher on energy then covers 750.00 + 45.00 tax
 * = 795.00: 238.50 (before: 30% of 1,060.00 = 318.00). */
static void test_voucher_after_a_subsidy(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    static struct subsidy s = {.per_kwh = true, .rate_micro = 200000, .cap_micro = -1, .nsites = 1};
    strcpy(s.code, "green");
    strcpy(s.sites[0], "sz1");
    struct voucher v = voucher("v", "prog-v", 1, 300000, 100000000000LL, -1);
    v.meters = METER_BIT_ENERGY;
    struct voucher_state vs = {&v, 0, 0};
    struct bill b = {.minor_digits = 2};
    strcpy(b.currency, "CNY");
    struct bill_line *l = usage_line(&b, "energy_mj", "Ascend910B", 100000);
    strcpy(l->site, "sz1");
    l->quantity = 1000LL * 3600000000LL;
    l->pue_ppm = 1250000;
    struct settle_terms t = {
        .k = &k, .subsidies = &s, .nsubsidies = 1, .vouchers = &vs, .nvouchers = 1};
    char err[256];
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(line_amount(&b, LINE_SUBSIDY, "", ""), -25000);
    assert_int_equal(b.subtotal, 75000);
    assert_int_equal(b.total, 79500);
    assert_int_equal(b.claimed, 23850);
    assert_int_equal(b.due, 55650);
    bill_free(&b);
}

/* Domestic-only vouchers cover tokens by the GPU time of the training jobs
 * on domestic accelerators (docs/contracts.md example 8). A token line of
 * 6,000.00 whose jobs ran 300 h on Ascend910B and 100 h on H800: 75%
 * domestic, so a 30% domestic-only after-tax voucher covers 4,500.00 +
 * 270.00 tax = 4,770.00 x 30% = 1,431.00. A token line whose jobs ran on
 * no GPU we saw is not covered. */
static void test_domestic_voucher_covers_tokens(void **state)
{
    (void)state;
    static struct contract k = {.tax_ppm = 60000};
    static struct plan p;
    assert_string_equal(check(&plan_kind, plan_json, &p), "");
    struct voucher v = voucher("dom", "prog-dom", 1, 300000, 100000000000LL, -1);
    v.domestic_only = true;
    struct voucher_state vs = {&v, 0, 0};
    struct bill b = {.minor_digits = 2};
    strcpy(b.currency, "CNY");
    usage_line(&b, "tokens", "any size", 600000)->quantity = 2000000000;
    const struct training_gpu gpu[] = {{7000000000LL, "Ascend910B", 300 * HOUR},
                                       {7000000000LL, "H800", 100 * HOUR}};
    char err[256];
    assert_true(charges_token_gpu(&p, &b, gpu, 2, err, sizeof err));
    assert_int_equal(b.lines[0].jobs_gpu_ms, 400 * HOUR);
    assert_int_equal(b.lines[0].jobs_domestic_ms, 300 * HOUR);
    struct settle_terms t = {.k = &k, .vouchers = &vs, .nvouchers = 1};
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.total, 636000);
    assert_int_equal(b.claimed, 143100);
    bill_free(&b);
    memset(&b, 0, sizeof b);
    b.minor_digits = 2;
    strcpy(b.currency, "CNY");
    vs.spent = vs.year_used = 0;
    usage_line(&b, "tokens", "any size", 600000);
    assert_true(settle_bill(&b, &t, err, sizeof err));
    assert_int_equal(b.claimed, 0);
    bill_free(&b);
}

/* No silent caps: 300 bank entries expire in one month and all 300
 * ledger rows are written (there was room for 256). */
static void test_every_ledger_row_is_kept(void **state)
{
    (void)state;
    static struct contract k;
    assert_string_equal(check(&contract_kind, contract_json, &k), "");
    static struct bank_entry bank[300];
    for (int i = 0; i < 300; i++)
        bank[i] = (struct bank_entry){i, false, 100 + i, 100 + i};
    struct bill b;
    settle_month(&k, 400, 1000000, bank, 300, &b);
    int expiries = 0;
    for (int i = 0; i < b.nledger; i++)
        expiries += !strcmp(b.ledger[i].kind, "expiry");
    assert_int_equal(expiries, 300);
    bill_free(&b);
}

/* A contract's deposit and credit limit (issue 34): read exactly, and
 * each rule named by its path. */
static void test_deposit_and_credit_limit(void **state)
{
    (void)state;
    static struct contract k;
    static const char head[] =
        "{\"contract\":\"c\",\"customer\":\"a\",\"effective_from\":\"2027-01-01\","
        "\"plan\":\"p\",\"currency\":\"CNY\",\"tax_rate\":\"0\","
        "\"accounts\":[{\"account\":\"x\"}],";
    char json[1024];
    snprintf(json, sizeof json,
             "%s\"deposit\":{\"amount\":\"50000.00\",\"apply\":\"invoices\"},"
             "\"credit_limit\":{\"amount\":\"200000.00\",\"thresholds\":[50,80,100]}}",
             head);
    assert_string_equal(check(&contract_kind, json, &k), "");
    assert_int_equal(k.deposit.apply, DEPOSIT_APPLY_INVOICES);
    assert_int_equal(k.deposit.amount_micro, 50000000000LL);
    assert_int_equal(k.credit_limit.amount_micro, 200000000000LL);
    assert_int_equal(k.credit_limit.nthresholds, 3);
    assert_int_equal(k.credit_limit.thresholds[2], 100);
    snprintf(json, sizeof json, "%s\"deposit\":{\"amount\":\"1\",\"apply\":\"on_default\"}}",
             head);
    assert_string_equal(check(&contract_kind, json, &k), "");
    assert_int_equal(k.deposit.apply, DEPOSIT_APPLY_ON_DEFAULT);
    snprintf(json, sizeof json,
             "%s\"deposit\":{\"amount\":\"0\",\"apply\":\"monthly\",\"held\":1},"
             "\"credit_limit\":{\"amount\":\"-1\",\"thresholds\":[80,50,0,1001,\"90\"]}}",
             head);
    const char *e = check(&contract_kind, json, &k);
    expect_problem(e, "$.deposit.held: unknown field");
    expect_problem(e, "$.deposit.amount: must be above 0");
    expect_problem(e, "$.deposit.apply: must be \"invoices\" or \"on_default\"");
    expect_problem(e, "$.credit_limit.amount: must not be negative");
    expect_problem(e, "$.credit_limit.thresholds[1]: thresholds must be ascending: 50 after 80");
    expect_problem(e, "$.credit_limit.thresholds[2]: must be a whole number from 1 to 1000");
    expect_problem(e, "$.credit_limit.thresholds[3]: must be a whole number from 1 to 1000");
    expect_problem(e, "$.credit_limit.thresholds[4]: must be a whole number from 1 to 1000");
    snprintf(json, sizeof json, "%s\"deposit\":{},\"credit_limit\":{\"amount\":\"1\"}}", head);
    e = check(&contract_kind, json, &k);
    expect_problem(e, "$.deposit.amount: is required");
    expect_problem(e, "$.deposit.apply: is required");
    expect_problem(e, "$.credit_limit.thresholds: is required");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_swap_document),
        cmocka_unit_test(test_one_subsidy_per_charge),
        cmocka_unit_test(test_voucher_after_a_subsidy),
        cmocka_unit_test(test_domestic_voucher_covers_tokens),
        cmocka_unit_test(test_every_ledger_row_is_kept),
        cmocka_unit_test(test_valid_contract_reads_exactly),
        cmocka_unit_test(test_every_meter_can_be_named),
        cmocka_unit_test(test_every_contract_rule_names_its_path),
        cmocka_unit_test(test_payment_terms),
        cmocka_unit_test(test_voucher_subsidy_and_site_rules),
        cmocka_unit_test(test_override),
        cmocka_unit_test(test_billing_bases),
        cmocka_unit_test(test_take_or_pay_shortfall_draw_and_expiry),
        cmocka_unit_test(test_gpu_hour_commitment_with_carry_forward),
        cmocka_unit_test(test_voucher_hits_its_yearly_cap),
        cmocka_unit_test(test_two_vouchers_in_priority_order),
        cmocka_unit_test(test_pre_tax_voucher_and_eligibility),
        cmocka_unit_test(test_tax_per_line),
        cmocka_unit_test(test_termination_final_month),
        cmocka_unit_test(test_after_tax_claim_rounded_once),
        cmocka_unit_test(test_voucher_claim_in_a_makeup_draw_month),
        cmocka_unit_test(test_energy_subsidy_domestic_only_at_pue_1_25),
        cmocka_unit_test(test_deposit_and_credit_limit),
    };
    return cmocka_run_group_tests_name("contracts", tests, NULL, NULL);
}
