/* render: prints a bill as text (for people), JSON or CSV (for programs).
 *
 * JSON and CSV carry exact values: quantities in base units as integers,
 * money as plain decimals in the currency's minor unit (and, in JSON, the
 * integer minor units beside them). Text adds quantities in the price unit
 * (six decimals, for reading only). What a line is and how its quantity,
 * unit price and reason read, shared with pdf.c and the exports, is
 * render/describe.h. Pure (writes to the caller's FILE); thread-safe. */
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

/* ,"name":"12.34","name_minor":1234 — an amount in JSON as every JSON
 * answer carries it: the decimal for people, the minor units exactly. */
void render_json_money(struct strbuf *sb, const char *name, int64_t v, int digits);

bool render_parse_format(const char *s, enum render_format *f);
/* title: "Invoice" or "Statement"; only a statement's JSON carries issued
 * and source (whether the month stands on an issued invoice). */
void render_bill(const struct bill *b, enum render_format f, const char *title, FILE *out);
/* Writes the bill to path in any format (pdf only to a file); seller names
 * the operator on a PDF. False after printing why. */
bool render_bill_file(const struct bill *b, enum render_format f, const char *title,
                      const struct seller *seller, const char *path);

#endif
