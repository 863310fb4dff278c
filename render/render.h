/* render: prints a bill as text (for people), JSON or CSV (for programs).
 *
 * JSON and CSV carry exact values: quantities in base units as integers,
 * money as plain decimals in the currency's minor unit (and, in JSON, the
 * integer minor units beside them). Text adds quantities in the price unit
 * (six decimals, for reading only). Pure (writes to the caller's FILE); thread-safe. */
#ifndef GPUMETER_RENDER_H
#define GPUMETER_RENDER_H

#include "core/config.h"
#include "core/strbuf.h"
#include "pricing/bill.h"

#include <stdbool.h>
#include <stdio.h>

enum render_format { RENDER_TEXT, RENDER_JSON, RENDER_CSV, RENDER_PDF };

/* What a line is, for people: "H800 @peak", "H800 site sz1", "shortfall",
 * "subsidy green-sz". */
void render_line_label(const struct bill_line *l, char *buf, size_t len);

/* What a line is, for a customer, in Chinese and English: "GPU 时长 · H800"
 * and "GPU time · H800"; adjustments are named for what they are
 * ("Take-or-pay shortfall", "Compute voucher · v-1"). */
void render_line_description(const struct bill_line *l, char *zh, size_t zhlen, char *en,
                             size_t enlen);

/* A line as a fapiao names it, in Chinese: the item ("GPU 时长", or an
 * adjustment's whole name) and its specification ("NVIDIA H800 · peak";
 * "" for adjustments). */
void render_line_item(const struct bill_line *l, char *item, size_t itemlen, char *spec,
                      size_t speclen);

/* A rate in ppm of the whole as a percentage without trailing zeros:
 * 60000 is "6%", 65000 "6.5%". */
void render_percent(int64_t ppm, char *buf, size_t len);

/* A line's quantity in its price unit, for people: "12.500000 GPU-hour". */
void render_quantity(const struct bill_line *l, char *buf, size_t len);

/* ,"name":"12.34","name_minor":1234 — an amount in JSON as every JSON
 * answer carries it: the decimal for people, the minor units exactly. */
void render_json_money(struct strbuf *sb, const char *name, int64_t v, int digits);

bool render_parse_format(const char *s, enum render_format *f);
/* title: "Invoice" or "Statement". */
void render_bill(const struct bill *b, enum render_format f, const char *title, FILE *out);
/* Writes the bill to path in any format (pdf only to a file); seller names
 * the operator on a PDF. False after printing why. */
bool render_bill_file(const struct bill *b, enum render_format f, const char *title,
                      const struct seller *seller, const char *path);

#endif
