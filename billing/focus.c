/* focus: FOCUS 1.0 rows of issued invoices (see focus.h).
 *
 * The column names are those focus-validator 1.0 checks (Provider,
 * Publisher, InvoiceIssuer, ResourceID); docs/invoices.md maps them to the
 * names FOCUS 1.2 uses. Costs are the invoice's own amounts, exact: a line's
 * BilledCost, EffectiveCost, ContractedCost and ListCost are its amount (list
 * prices are the contract's; gpumeter keeps no other list). Quantities and
 * unit prices are in the price unit to 9 places (bill_line_per_unit);
 * x_Quantity keeps the exact base units. */
#include "billing/focus.h"
#include "billing/billing.h"
#include "billing/store.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/meter.h"
#include "core/money.h"
#include "render/describe.h"

#include <stdio.h>
#include <string.h>

#define DECIMALS 9

enum col {
    AVAILABILITY_ZONE,
    BILLED_COST,
    BILLING_ACCOUNT_ID,
    BILLING_ACCOUNT_NAME,
    BILLING_CURRENCY,
    BILLING_PERIOD_END,
    BILLING_PERIOD_START,
    CHARGE_CATEGORY,
    CHARGE_CLASS,
    CHARGE_DESCRIPTION,
    CHARGE_FREQUENCY,
    CHARGE_PERIOD_END,
    CHARGE_PERIOD_START,
    COMMITMENT_CATEGORY,
    COMMITMENT_ID,
    COMMITMENT_NAME,
    COMMITMENT_STATUS,
    COMMITMENT_TYPE,
    CONSUMED_QUANTITY,
    CONSUMED_UNIT,
    CONTRACTED_COST,
    CONTRACTED_UNIT_PRICE,
    EFFECTIVE_COST,
    INVOICE_ISSUER,
    LIST_COST,
    LIST_UNIT_PRICE,
    PRICING_CATEGORY,
    PRICING_QUANTITY,
    PRICING_UNIT,
    PROVIDER,
    PUBLISHER,
    REGION_ID,
    REGION_NAME,
    RESOURCE_ID,
    RESOURCE_NAME,
    RESOURCE_TYPE,
    SERVICE_CATEGORY,
    SERVICE_NAME,
    SKU_ID,
    SKU_PRICE_ID,
    SUB_ACCOUNT_ID,
    SUB_ACCOUNT_NAME,
    TAGS,
    X_INVOICE_ID,
    X_FAPIAO_NUMBER,
    X_LINE_KIND,
    X_METER,
    X_MODEL,
    X_BAND,
    X_SITE,
    X_QUANTITY,
    X_QUANTITY_UNIT,
    X_AMOUNT_MINOR,
    X_CONTRACT,
    X_PLAN,
    X_ADJUSTS,
    NCOLS
};

static const char *const heads[NCOLS] = {
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuer",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "Provider",
    "Publisher",
    "RegionId",
    "RegionName",
    "ResourceID",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "x_InvoiceId",
    "x_FapiaoNumber",
    "x_LineKind",
    "x_Meter",
    "x_Model",
    "x_Band",
    "x_Site",
    "x_Quantity",
    "x_QuantityUnit",
    "x_AmountMinor",
    "x_Contract",
    "x_Plan",
    "x_Adjusts",
};

/* What FOCUS calls a line of each kind. */
struct kind_map {
    const char *category, *charge_class, *frequency, *service, *pricing;
    bool commitment; /* take-or-pay: the commitment columns */
};
static struct kind_map map_kind(const struct bill_line *l)
{
    switch (l->kind) {
    case LINE_USAGE:
        return (struct kind_map){"Usage", "", "Usage-Based", NULL, "Standard", false};
    case LINE_PRIOR_PERIOD:
    case LINE_INDEX_REVISION: /* the usage of an earlier month repriced at a revised index */
        if (!l->meter[0]) /* no usage: a fixed-for-floating settlement's revision (or its
                           * deduction from a month invoiced again) corrects that line */
            return (struct kind_map){"Adjustment", "Correction", "Recurring",
                                     "Compute price index swap", "", false};
        return (struct kind_map){"Usage", "Correction", "Usage-Based", NULL, "Standard", false};
    case LINE_GPU_FLOOR:
        return (struct kind_map){"Adjustment", "", "Usage-Based", "GPU-hour floor", "", false};
    case LINE_SHORTFALL:
        return (struct kind_map){"Usage",     "",  "Recurring", "Take-or-pay commitment",
                                 "Committed", true};
    case LINE_CARRY_FORWARD:
    case LINE_MAKEUP_DRAW:
        return (struct kind_map){"Credit", "", "Recurring", "Take-or-pay commitment", "", true};
    case LINE_SUBSIDY:
        return (struct kind_map){"Credit", "", "One-Time", "Energy subsidy", "", false};
    case LINE_VOUCHER_DISCOUNT:
        return (struct kind_map){"Credit", "", "One-Time", "Compute voucher", "", false};
    case LINE_TERMINATION_FEE:
        return (struct kind_map){"Adjustment", "", "One-Time", "Early termination", "", false};
    case LINE_MAKEUP_SETTLEMENT:
        return (struct kind_map){"Credit", "", "One-Time", "Early termination", "", false};
    case LINE_SLA_CREDIT:
        return (struct kind_map){"Credit", "", "One-Time", "Service level credit", "", false};
    case LINE_INDEX_SWAP: /* either sign: a charge or a credit, a financial settlement */
        return (struct kind_map){"Adjustment", "", "Recurring", "Compute price index swap", "",
                                 false};
    }
    return (struct kind_map){"Adjustment", "", "One-Time", "Adjustment", "", false};
}

/* A usage meter's row in the registry (core/meter.h: its FOCUS service,
 * category and units); GPU time's for an adjustment, which has none. */
static const struct meter *meter_map(const char *meter)
{
    const struct meter *m = meter_find(meter);
    return m ? m : &meter_rows[METER_GPU];
}

struct invoice_ctx {
    const struct bill *b;
    const struct seller *seller;
    const char *lo, *hi;         /* the billing period, UTC, RFC 3339 */
    const char *commit_category; /* Spend or Usage; "" without a commitment */
    const char *adjusted;        /* "YYYY-MM|lo|hi;..." of its prior-period months */
};

static void put_row(struct strbuf *out, const char *const *v)
{
    for (int c = 0; c < NCOLS; c++) {
        if (c) sb_putc(out, ',');
        if (v[c] && v[c][0]) csv_field(out, v[c]);
    }
    sb_putc(out, '\n');
}

/* The bounds of an adjusted month, from ctx->adjusted; the billing period
 * if it is not there (it always is: the query lists every adjusted month). */
static void adjusted_bounds(const struct invoice_ctx *x, const char *month, char *lo, char *hi,
                            size_t cap)
{
    snprintf(lo, cap, "%s", x->lo);
    snprintf(hi, cap, "%s", x->hi);
    for (const char *p = x->adjusted; p && *p;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)n, p);
        char *a = strchr(item, '|'), *b = a ? strchr(a + 1, '|') : NULL;
        if (a && b && (size_t)(a - item) == strlen(month) && !strncmp(item, month, strlen(month))) {
            *b = '\0';
            snprintf(lo, cap, "%s", a + 1);
            snprintf(hi, cap, "%s", b + 1);
            return;
        }
        p = end ? end + 1 : p + n;
    }
}

static void put_common(const struct invoice_ctx *x, const char **v)
{
    const struct bill *b = x->b;
    v[BILLING_ACCOUNT_ID] = b->customer;
    v[BILLING_ACCOUNT_NAME] = b->customer_name;
    v[BILLING_CURRENCY] = b->currency;
    v[BILLING_PERIOD_START] = v[CHARGE_PERIOD_START] = x->lo;
    v[BILLING_PERIOD_END] = v[CHARGE_PERIOD_END] = x->hi;
    v[INVOICE_ISSUER] = v[PROVIDER] = v[PUBLISHER] = x->seller->name;
    v[X_INVOICE_ID] = b->number;
    v[X_FAPIAO_NUMBER] = b->fapiao_number;
    v[X_CONTRACT] = b->contract;
    v[X_PLAN] = b->plan;
}

static void put_line(struct strbuf *out, const struct invoice_ctx *x, const struct bill_line *l)
{
    const struct bill *b = x->b;
    const char *v[NCOLS] = {0};
    put_common(x, v);
    struct kind_map k = map_kind(l);
    const struct meter *m = meter_map(l->meter);
    const char *service = m->focus_service, *category = m->focus_category;
    const char *unit = m->focus_unit, *base = m->units.base_unit;
    char amount[32], minor[24], zh[400], desc[400], qty[40], rate[40], base_qty[24];
    char sku[128], sku_price[512], lo[40], hi[40];
    money_format(l->amount, b->minor_digits, amount, sizeof amount);
    snprintf(minor, sizeof minor, "%lld", (long long)l->amount);
    render_line_description(l, zh, sizeof zh, desc, sizeof desc);
    v[BILLED_COST] = v[CONTRACTED_COST] = v[EFFECTIVE_COST] = v[LIST_COST] = amount;
    v[X_AMOUNT_MINOR] = minor;
    /* a partial credit note's lines give back part of the invoice's: a Credit */
    v[CHARGE_CATEGORY] = strcmp(x->b->kind, "credit_note") ? k.category : "Credit";
    v[CHARGE_CLASS] = k.charge_class;
    v[CHARGE_FREQUENCY] = k.frequency;
    v[CHARGE_DESCRIPTION] = desc;
    v[SERVICE_NAME] = k.service ? k.service : service;
    v[SERVICE_CATEGORY] = l->meter[0] ? category : "Compute";
    v[PRICING_CATEGORY] = k.pricing;
    v[X_LINE_KIND] = bill_kind_name(l->kind);
    v[X_METER] = l->meter;
    v[X_MODEL] = l->model;
    v[X_BAND] = l->band;
    v[X_SITE] = l->site;
    v[REGION_ID] = v[REGION_NAME] = l->site;
    v[X_ADJUSTS] = l->adjusts;
    if (l->adjusts[0]) {
        adjusted_bounds(x, l->adjusts, lo, hi, sizeof lo);
        v[CHARGE_PERIOD_START] = lo;
        v[CHARGE_PERIOD_END] = hi;
    }
    int64_t q, p;
    if (l->meter[0]) {
        snprintf(base_qty, sizeof base_qty, "%lld", (long long)l->quantity);
        v[X_QUANTITY] = base_qty;
        v[X_QUANTITY_UNIT] = base;
        snprintf(sku, sizeof sku, "%s-%s", l->meter, l->model);
        /* precisions as the fields' sizes, which GCC cannot see through put_line */
        snprintf(sku_price, sizeof sku_price, "%.128s:%.127s%s%.32s%s%.64s", b->plan, sku,
                 l->band[0] ? ":" : "", l->band, l->site[0] ? "@" : "", l->site);
        v[SKU_ID] = sku;
        v[SKU_PRICE_ID] = sku_price;
    }
    if (bill_line_per_unit(l, b->minor_digits, DECIMALS, &q, &p)) {
        money_format_trimmed(q, DECIMALS, qty, sizeof qty);
        money_format_trimmed(p, DECIMALS, rate, sizeof rate);
        v[PRICING_QUANTITY] = v[CONSUMED_QUANTITY] = qty;
        v[PRICING_UNIT] = v[CONSUMED_UNIT] = unit;
        v[CONTRACTED_UNIT_PRICE] = v[LIST_UNIT_PRICE] = rate;
        if (m->focus_consumed_unit) { /* consumed in base units: tokens one by one */
            v[CONSUMED_QUANTITY] = base_qty;
            v[CONSUMED_UNIT] = m->focus_consumed_unit;
        }
    }
    char commit_name[100];
    if (k.commitment && x->commit_category[0]) {
        snprintf(commit_name, sizeof commit_name, "Take-or-pay %.64s", b->contract);
        v[COMMITMENT_ID] = b->contract;
        v[COMMITMENT_NAME] = commit_name;
        v[COMMITMENT_TYPE] = "Take-or-pay";
        v[COMMITMENT_CATEGORY] = x->commit_category;
        if (!strcmp(k.category, "Usage")) v[COMMITMENT_STATUS] = "Unused"; /* the shortfall */
    }
    struct strbuf t = STRBUF_INIT;
    sb_puts(&t, "{\"contract\":");
    sb_put_json_string(&t, b->contract);
    sb_puts(&t, ",\"plan\":");
    sb_put_json_string(&t, b->plan);
    if (l->band[0]) {
        sb_puts(&t, ",\"band\":");
        sb_put_json_string(&t, l->band);
    }
    sb_putc(&t, '}');
    v[TAGS] = sb_str(&t);
    put_row(out, v);
    sb_free(&t);
}

static void put_tax(struct strbuf *out, const struct invoice_ctx *x)
{
    const struct bill *b = x->b;
    const char *v[NCOLS] = {0};
    put_common(x, v);
    char amount[32], minor[24], pct[16], desc[64];
    money_format(b->tax, b->minor_digits, amount, sizeof amount);
    snprintf(minor, sizeof minor, "%lld", (long long)b->tax);
    render_percent(b->tax_ppm, pct, sizeof pct);
    snprintf(desc, sizeof desc, "VAT %s", pct);
    v[BILLED_COST] = v[CONTRACTED_COST] = v[EFFECTIVE_COST] = v[LIST_COST] = amount;
    v[X_AMOUNT_MINOR] = minor;
    v[CHARGE_CATEGORY] = "Tax";
    v[CHARGE_FREQUENCY] = "Usage-Based";
    v[CHARGE_DESCRIPTION] = desc;
    v[SERVICE_CATEGORY] = "Other";
    v[SERVICE_NAME] = "Value-added tax";
    v[X_LINE_KIND] = "tax";
    v[TAGS] = "{}";
    put_row(out, v);
}

/* The month's issued invoices that stand and their partial credit notes:
 * number, the billing period's bounds in UTC
 * (local months of the contract's time zone), the commitment's category,
 * and the bounds of each month its prior-period lines adjust. */
static const char invoices_sql[] =
    "WITH i AS (SELECT i.id, i.number, i.period, i.contract, "
    "                  customer_time_zone(i.customer_id, i.period) AS tz "
    "           FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "           WHERE i.period = $1::date AND " INVOICE_NETS("i.") " "
    "             AND ($2::text IS NULL OR c.code = $2)) "
    "SELECT i.number, "
    "       to_char(i.period::timestamp AT TIME ZONE i.tz AT TIME ZONE 'UTC', "
    "               'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "       to_char((i.period + interval '1 month')::timestamp AT TIME ZONE i.tz "
    "               AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "       coalesce((SELECT CASE WHEN d.document->'commitment' ? 'gpu_hours' THEN 'Usage' "
    "                             WHEN d.document ? 'commitment' THEN 'Spend' END "
    "                 FROM document d WHERE d.kind = 'contract' AND d.code = i.contract "
    "                   AND d.effective_from <= i.period "
    "                 ORDER BY d.effective_from DESC LIMIT 1), ''), "
    "       coalesce((SELECT string_agg(format('%s|%s|%s', to_char(a.m, 'YYYY-MM'), "
    "                   to_char(a.m::timestamp AT TIME ZONE i.tz AT TIME ZONE 'UTC', "
    "                           'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "                   to_char((a.m + interval '1 month')::timestamp AT TIME ZONE i.tz "
    "                           AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')), ';') "
    "                 FROM (SELECT DISTINCT l.adjusts AS m FROM invoice_line l "
    "                       WHERE l.invoice_id = i.id AND l.adjusts IS NOT NULL) a), '') "
    "       , i.id "
    "FROM i ORDER BY i.number";

struct export_ctx {
    struct strbuf *out;
    const struct seller *seller;
    const PGresult *res; /* invoices_sql: the bills come in its row order */
    int row;
};

static bool put_invoice(struct bill *b, void *opaque)
{
    struct export_ctx *e = opaque;
    const PGresult *res = e->res;
    int r = e->row++;
    struct invoice_ctx x = {b,
                            e->seller,
                            PQgetvalue(res, r, 1),
                            PQgetvalue(res, r, 2),
                            PQgetvalue(res, r, 3),
                            PQgetvalue(res, r, 4)};
    int64_t sum = 0;
    for (size_t l = 0; l < b->n; l++) {
        put_line(e->out, &x, &b->lines[l]);
        sum += b->lines[l].amount;
    }
    put_tax(e->out, &x);
    assert(sum + b->tax == b->total); /* BilledCost sums to the invoice's total */
    return true;
}

bool focus_export(PGconn *conn, const char *first_day, const char *customer,
                  const struct seller *seller, struct strbuf *out)
{
    const char *p[] = {first_day, customer};
    PGresult *res = db_query(conn, "find the month's issued invoices", invoices_sql, 2, p);
    if (!res) return false;
    for (int c = 0; c < NCOLS; c++) {
        if (c) sb_putc(out, ',');
        sb_puts(out, heads[c]);
    }
    sb_putc(out, '\n');
    struct strbuf ids = STRBUF_INIT;
    sb_putc(&ids, '{');
    for (int i = 0; i < PQntuples(res); i++) {
        if (i) sb_putc(&ids, ',');
        sb_puts(&ids, PQgetvalue(res, i, 5));
    }
    sb_putc(&ids, '}');
    struct export_ctx e = {out, seller, res, 0};
    bool ok = store_load_each(conn, sb_str(&ids), put_invoice, &e) == PQntuples(res);
    sb_free(&ids);
    PQclear(res);
    return ok;
}
