/* describe: what a bill line is, in Chinese and in English, and its
 * quantity, unit price and reason as people read them (describe.h).
 *
 * Printed on invoices, so it names the service and never a meter code:
 * a customer's finance team reads "GPU 时长 · NVIDIA H800", not "gpu_ms H800".
 * Every view for people (render.c's text, JSON and CSV; pdf.c) calls
 * these; this file calls neither view. Pure; thread-safe. */
#include "core/catalogue.h"
#include "core/meter.h"
#include "core/money.h"
#include "core/units.h"
#include "render/describe.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The service a usage meter sells (core/meter.h). */
static void meter_names(const char *meter, const char **zh, const char **en)
{
    const struct meter *m = meter_find(meter);
    *zh = m ? m->name_zh : meter;
    *en = m ? m->name_en : meter;
}

void render_line_factors(const struct bill_line *l, bool zh, char *band, size_t bandlen,
                         char *site, size_t sitelen, char *contract, size_t contractlen)
{
    char f[32]; /* a factor in ppm as people read it: 1250000 is "1.25" */
    band[0] = site[0] = contract[0] = '\0';
    if (l->kind != LINE_USAGE && l->kind != LINE_PRIOR_PERIOD && l->kind != LINE_INDEX_REVISION)
        return;
    if (l->multiplier_ppm > 0 && l->multiplier_ppm != 1000000) {
        money_format_trimmed(l->multiplier_ppm, 6, f, sizeof f);
        snprintf(band, bandlen, "x%s", f);
    }
    if (l->pue_ppm > 0 && l->pue_ppm != 1000000) {
        money_format_trimmed(l->pue_ppm, 6, f, sizeof f);
        snprintf(site, sitelen, "PUE %s", f);
    }
    if (l->override_ppm > 0 && l->override_ppm != 1000000) {
        money_format_trimmed(l->override_ppm, 6, f, sizeof f);
        snprintf(contract, contractlen, "%s x%s", zh ? "合同" : "contract", f);
    }
}

/* What a usage line was on, after its service: the model (with its vendor
 * when the catalogue knows it: "NVIDIA H800") or token bracket, the band
 * and the site, joined by " · ". With factors, each factor of its rate
 * that is not 1 beside what it belongs to (render_line_factors): "peak
 * x1.5", "站点 sh-lingang PUE 1.25", then "合同 x0.9"; the fapiao's
 * specification (规格型号) names the service without them. */
static void usage_spec(const struct bill_line *l, bool zh, bool factors, char *buf, size_t len)
{
    const struct accelerator *a = l->model[0] ? catalogue_find(l->model) : NULL;
    const char *vendor = a && !strcmp(a->model, l->model) ? catalogue_vendor_name(a->vendor) : "";
    char fband[32] = "", fsite[32] = "", fcontract[48] = "";
    if (factors)
        render_line_factors(l, zh, fband, sizeof fband, fsite, sizeof fsite, fcontract,
                            sizeof fcontract);
    char band[80] = "", site[120] = "";
    if (l->band[0]) snprintf(band, sizeof band, "%s%s%s", l->band, fband[0] ? " " : "", fband);
    if (l->site[0])
        snprintf(site, sizeof site, "%s%s%s%s", zh ? "站点 " : "site ", l->site,
                 fsite[0] ? " " : "", fsite);
    const char *parts[] = {l->model, band, site, fcontract};
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < 4; i++) {
        if (!parts[i][0]) continue;
        int w = snprintf(buf + n, n < len ? len - n : 0, "%s%s%s%s", n ? " · " : "",
                         i == 0 ? vendor : "", i == 0 && vendor[0] ? " " : "", parts[i]);
        if (w > 0) n += (size_t)w;
        if (n >= len) break;
    }
}

/* "GPU 时长 · NVIDIA H800 · peak" and "GPU time · NVIDIA H800 · peak": the
 * meter's service, then what it was on. */
static void usage_names(const struct bill_line *l, char *zh, size_t zhlen, char *en, size_t enlen)
{
    const char *mzh, *men;
    meter_names(l->meter, &mzh, &men);
    char zspec[300], espec[300];
    usage_spec(l, true, true, zspec, sizeof zspec);
    usage_spec(l, false, true, espec, sizeof espec);
    snprintf(zh, zhlen, "%s%s%s", mzh, zspec[0] ? " · " : "", zspec);
    snprintf(en, enlen, "%s%s%s", men, espec[0] ? " · " : "", espec);
}

void render_line_item(const struct bill_line *l, char *item, size_t itemlen, char *spec,
                      size_t speclen)
{
    if (l->kind != LINE_USAGE) { /* adjustments: named whole, no specification */
        char en[400];
        render_line_description(l, item, itemlen, en, sizeof en);
        spec[0] = '\0';
        return;
    }
    const char *mzh, *men;
    meter_names(l->meter, &mzh, &men);
    snprintf(item, itemlen, "%s", mzh);
    usage_spec(l, true, false, spec, speclen);
}

void render_line_description(const struct bill_line *l, char *zh, size_t zhlen, char *en,
                             size_t enlen)
{
    const char *z = NULL, *e = NULL;
    switch (l->kind) {
    case LINE_USAGE:
        usage_names(l, zh, zhlen, en, enlen);
        return;
    case LINE_PRIOR_PERIOD: {
        char uz[300], ue[300];
        if (!l->meter[0]) { /* no usage: what later invoices billed of a month invoiced again */
            snprintf(zh, zhlen, "以前期间调整 %s · %s", l->adjusts, l->detail);
            snprintf(en, enlen, "Prior-period correction %s · %s", l->adjusts, l->detail);
            return;
        }
        usage_names(l, uz, sizeof uz, ue, sizeof ue);
        snprintf(zh, zhlen, "以前期间调整 %s · %s", l->adjusts, uz);
        snprintf(en, enlen, "Prior-period correction %s · %s", l->adjusts, ue);
        return;
    }
    case LINE_INDEX_REVISION: { /* the index note beside it names the new publication */
        char uz[300], ue[300];
        if (!l->meter[0]) { /* a fixed-for-floating settlement's: its detail says it */
            snprintf(zh, zhlen, "价格指数修订调整 %s · 算力价格指数固定/浮动结算 · %s", l->adjusts,
                     l->detail);
            snprintf(en, enlen,
                     "Price index revision %s · Fixed-for-floating on the compute price index · %s",
                     l->adjusts, l->detail);
            return;
        }
        usage_names(l, uz, sizeof uz, ue, sizeof ue);
        snprintf(zh, zhlen, "价格指数修订调整 %s · %s", l->adjusts, uz);
        snprintf(en, enlen, "Price index revision %s · %s", l->adjusts, ue);
        return;
    }
    case LINE_GPU_FLOOR:
        z = "GPU 时长保底差额", e = "GPU-hour floor top-up";
        break;
    case LINE_SHORTFALL:
        z = "承诺用量不足补足", e = "Take-or-pay shortfall";
        break;
    case LINE_CARRY_FORWARD:
        z = "以前超额用量抵减", e = "Earlier over-use set against shortfall";
        break;
    case LINE_MAKEUP_DRAW:
        z = "补用额度抵扣", e = "Make-up drawn against paid shortfall";
        break;
    case LINE_SUBSIDY:
        z = "能耗补贴", e = "Energy subsidy";
        break;
    case LINE_VOUCHER_DISCOUNT:
        z = "算力券抵扣", e = "Compute voucher";
        break;
    case LINE_TERMINATION_FEE:
        z = "提前终止违约金", e = "Early termination fee";
        break;
    case LINE_MAKEUP_SETTLEMENT:
        z = "补用额度终止退还", e = "Make-up bank credited on termination";
        break;
    case LINE_SLA_CREDIT: /* its detail names the availability, the tier and the base */
        z = "服务等级(SLA)赔付", e = "SLA credit";
        break;
    case LINE_INDEX_SWAP: /* its detail: notional x (fixed - index), the publication used */
        z = "算力价格指数固定/浮动结算", e = "Fixed-for-floating on the compute price index";
        break;
    }
    if (!z) z = e = bill_kind_name(l->kind);
    snprintf(zh, zhlen, "%s%s%s", z, l->detail[0] ? " · " : "", l->detail);
    snprintf(en, enlen, "%s%s%s", e, l->detail[0] ? " · " : "", l->detail);
}

void render_percent(int64_t ppm, char *buf, size_t len)
{
    /* ppm of the whole: 60000 is 6%; hundredths of a per-mille are kept
     * only when present, so 6% prints "6%" and 6.5% "6.5%". */
    int64_t whole = ppm / 10000, frac = ppm % 10000;
    if (frac < 0) frac = -frac;
    if (!frac) {
        snprintf(buf, len, "%lld%%", (long long)whole);
        return;
    }
    char f[8];
    snprintf(f, sizeof f, "%04lld", (long long)frac);
    for (int i = 3; i > 0 && f[i] == '0'; i--)
        f[i] = '\0';
    snprintf(buf, len, "%s%lld.%s%%", ppm < 0 && !whole ? "-" : "", (long long)whole, f);
}

void render_reason_names(const char *code, const char **zh, const char **en)
{
    /* the tax system's red-reversal reasons (红字确认单), by their codes */
    static const char *const names[][2] = {{"开票有误", "wrong invoice"},
                                           {"销货退回", "goods or services returned"},
                                           {"服务中止", "service ended"},
                                           {"销售折让", "sales allowance"}};
    int i = code && code[0] == '0' && code[1] >= '1' && code[1] <= '4' && !code[2] ? code[1] - '1'
                                                                                  : -1;
    *zh = i < 0 ? "" : names[i][0];
    *en = i < 0 ? "" : names[i][1];
}

/* ---- quantities, unit prices and reasons as every document prints them:
 * here, beside the names, so that render.c (which calls pdf.c) and pdf.c
 * both call this file and never each other ---- */

bool render_line_unit_price(const struct bill *b, const struct bill_line *l, int64_t *price)
{
    int64_t q;
    *price = -1;
    if (!l->meter[0]) return false;
    bool credit = !strcmp(b->kind, "credit_note");
    if (credit && l->quantity == 0) return false;
    if (l->kind != LINE_USAGE) return true;
    /* the rate that multiplies to the amount, the fapiao's 单价: price x
     * band x PUE x override, or amount / quantity where tiers apply */
    if (!bill_line_per_unit(l, b->minor_digits, MONEY_PRICE_DIGITS, &q, price))
        *price = credit ? -1 : l->unit_price; /* no quantity: 0 x the plan's price is 0 */
    return true;
}

void render_quantity(const struct bill_line *l, char *buf, size_t len)
{
    const struct meter_units *u = meter_units(l->meter);
    char q[32];
    buf[0] = '\0';
    if (!u || !units_format(l->quantity, u->per_price, q, sizeof q)) return;
    snprintf(buf, len, "%s %s", q, u->price_unit);
}

void render_quantity_decimal(const char *meter, int64_t quantity, char *buf, size_t len)
{
    const struct meter_units *u = meter_units(meter);
    int64_t v = 0;
    bool exact;
    buf[0] = '\0';
    if (!u || !units_millionths(quantity, u->per_price, &v, &exact)) return;
    char q[32];
    money_format_trimmed(v, UNITS_DIGITS, q, sizeof q);
    /* a quantity with more than six decimals (a GPU-hour is 3,600,000
     * GPU-ms): rounded at the sixth, and said to be */
    snprintf(buf, len, "%s%s", exact ? "" : "≈", q);
}

void render_unit_price(int64_t micro, int minor_digits, char *buf, size_t len)
{
    money_format(micro, MONEY_PRICE_DIGITS, buf, len);
    char *dot = strchr(buf, '.');
    if (!dot) return;
    /* six decimals less the zeros after the last significant one, but as
     * many as the currency has: 12.500000 is 12.50, 0.000800 is 0.0008 */
    size_t keep = minor_digits > 0 ? (size_t)minor_digits : 0, n = strlen(dot + 1);
    while (n > keep && dot[n] == '0')
        dot[n--] = '\0';
    if (n == 0) *dot = '\0';
}

void render_index_note(const struct bill_line *l, bool zh, int minor_digits, char *buf,
                       size_t len)
{
    const struct index_use *u = &l->index;
    char value[32], spread[64] = "", floor[64] = "", cap[64] = "", p[32];
    buf[0] = '\0';
    if (!u->month[0]) return;
    money_format(u->index_micro, MONEY_PRICE_DIGITS, value, sizeof value);
    if (u->link.on) {
        /* the spread as the plan writes it, its sign on it: "+ spread -0.25" */
        render_unit_price(u->link.spread < 0 ? -u->link.spread : u->link.spread, minor_digits, p,
                          sizeof p);
        snprintf(spread, sizeof spread, "%s+ %s %s%s", zh ? "" : " ", zh ? "价差" : "spread",
                 u->link.spread < 0 ? "-" : "", p);
    }
    if (u->link.on && u->link.floor >= 0) {
        render_unit_price(u->link.floor, minor_digits, p, sizeof p);
        snprintf(floor, sizeof floor, "%s%s %s", zh ? "，" : ", ", zh ? "下限" : "floor", p);
    }
    if (u->link.on && u->link.cap >= 0) {
        render_unit_price(u->link.cap, minor_digits, p, sizeof p);
        snprintf(cap, sizeof cap, "%s%s %s", zh ? "，" : ", ", zh ? "上限" : "cap", p);
    }
    if (zh)
        snprintf(buf, len, "指数 %s %s %s（第 %lld 版，发布于 %s）%s%s%s", l->model, u->month, value,
                 (long long)u->revision, u->published_at, spread, floor, cap);
    else
        snprintf(buf, len, "index %s %s %s (revision %lld, published %s)%s%s%s", l->model,
                 u->month, value, (long long)u->revision, u->published_at, spread, floor, cap);
}

void render_reason_text(const char *code, const char *note, char *buf, size_t len)
{
    const char *zh, *en;
    render_reason_names(code, &zh, &en);
    snprintf(buf, len, "%s%s%s%s%s%s%s", code, zh[0] ? " " : "", zh, en[0] ? " " : "", en,
             code[0] && note[0] ? " · " : "", note);
}
