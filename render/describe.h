/* describe: what a bill line is, in Chinese and in English, and its
 * quantity, unit price and reason as people read them: the one wording of
 * every view for people (render.c's text, JSON and CSV; pdf.c; the fapiao
 * and FOCUS exports; the API's office answers). Implemented by describe.c,
 * which calls no view. The functions keep the render_ family name (they
 * are render/'s words, docs/layout.md "Names"). Pure; thread-safe. */
#ifndef GPUMETER_DESCRIBE_H
#define GPUMETER_DESCRIBE_H

#include "pricing/bill.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a line is, for a customer, in Chinese and English: "GPU 时长 · H800"
 * and "GPU time · H800"; adjustments are named for what they are
 * ("Take-or-pay shortfall", "Compute voucher · v-1"). A usage line's
 * factors that are not 1 stand beside what they belong to
 * (render_line_factors): "电力 · NVIDIA H800 · 站点 sz1 PUE 1.25", "GPU 时长 ·
 * NVIDIA H800 · peak x1.5 · 合同 x0.9", so a reader sees why its unit price
 * (render_line_unit_price) is not the plan's. */
void render_line_description(const struct bill_line *l, char *zh, size_t zhlen, char *en,
                             size_t enlen);

/* A line as a fapiao names it, in Chinese: the item ("GPU 时长", or an
 * adjustment's whole name) and its specification ("NVIDIA H800 · peak";
 * "" for adjustments), without the factors (a 规格型号 names the service). */
void render_line_item(const struct bill_line *l, char *item, size_t itemlen, char *spec,
                      size_t speclen);

/* The factors of a usage or prior-period line's rate that are not 1, as
 * people read them, each "" when it is 1 (or the line has none): the
 * band's multiplier ("x1.5"), the site's PUE ("PUE 1.25") and the
 * contract's override multiplier ("合同 x0.9" / "contract x0.9" by zh). */
void render_line_factors(const struct bill_line *l, bool zh, char *band, size_t bandlen,
                         char *site, size_t sitelen, char *contract, size_t contractlen);

/* The index publication a line is priced at (struct index_use), as
 * people read it, "" on a line without one: the index month, the value
 * used to 6 decimals, its revision and publication time, then the link's
 * spread (its sign on it), floor and cap (each to the plan's precision,
 * render_unit_price):
 * "index H800 2026-01 17.333333 (revision 0, published
 * 2026-02-01T00:00:00Z) + spread 0.50, floor 12.00, cap 20.00" / "指数
 * H800 2026-01 17.333333（第 0 版，发布于 ...）+ 价差 0.50，下限 12.00，上限
 * 20.00". docs/investor.md, "Prices linked to the index". */
void render_index_note(const struct bill_line *l, bool zh, int minor_digits, char *buf,
                       size_t len);

/* The names of a red-reversal reason code, in Chinese and English: "01"
 * is 开票有误 / wrong invoice, "02" 销货退回, "03" 服务中止, "04" 销售折让
 * (sales allowance); "" and "" for any other code. */
void render_reason_names(const char *code, const char **zh, const char **en);

/* A reason as people read it, everywhere a document prints one (text,
 * JSON's reason_text, PDF): the code, its names, then the note after " · "
 * when there is one: "04 销售折让 sales allowance · SLA credit", "02 销货退回
 * sales return". */
void render_reason_text(const char *code, const char *note, char *buf, size_t len);

/* A rate in ppm of the whole as a percentage without trailing zeros:
 * 60000 is "6%", 65000 "6.5%". */
void render_percent(int64_t ppm, char *buf, size_t len);

/* What a line of b shows per unit, the one rule of the PDF, `invoice show`
 * (text, and JSON's rate), the statement and the console: false when it
 * shows no quantity (no meter; or a credit note's line with none, which an
 * amount credit is: it changes no quantity, so the line carries neither a
 * quantity nor a unit price, as the tax system allows for a 销售折让). Else
 * *price is its unit price in micro-units, -1 when it shows none (not a
 * usage line): the fapiao's 单价, bill_line_per_unit's rate to six
 * decimals, so quantity x price is the amount within 0.01 (price x band x
 * PUE x override; amount / quantity where tiers apply or an amount credit
 * lowered the line); on an invoice's line without a quantity, the plan's
 * price. docs/invoices.md, "Unit prices". */
bool render_line_unit_price(const struct bill *b, const struct bill_line *l, int64_t *price);

/* A line's quantity in its price unit, for people: "12.500000 GPU-hour". */
void render_quantity(const struct bill_line *l, char *buf, size_t len);

/* A quantity of meter's base units in its price unit as a decimal for
 * people, without trailing zeros: "12.5", "3", "-0.25"; exact when it
 * has at most six decimals, else rounded at the sixth after "≈"
 * ("≈0.333333"). "" for an unknown meter. The unit's labels are
 * meter_units(meter)->label_zh and label_en (pricing/meter.h). */
void render_quantity_decimal(const char *meter, int64_t quantity, char *buf, size_t len);

/* A unit price in micro-units to the precision a plan states it: its six
 * decimals without trailing zeros, but never fewer than the currency's
 * minor digits: 12500000 is "12.50", 800 "0.0008", 8333333 "8.333333".
 * Exact: the digits stored, never a float. */
void render_unit_price(int64_t micro, int minor_digits, char *buf, size_t len);

#endif
