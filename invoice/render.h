/* render: prints a bill as text (for people), JSON or CSV (for programs).
 *
 * JSON and CSV carry exact values: quantities in base units as integers,
 * money as plain decimals in the currency's minor unit (and, in JSON, the
 * integer minor units beside them). Text adds quantities in the price unit
 * (six decimals, for reading only). */
#ifndef GPUMETER_RENDER_H
#define GPUMETER_RENDER_H

#include "invoice/billing.h"

#include <stdbool.h>
#include <stdio.h>

enum render_format { RENDER_TEXT, RENDER_JSON, RENDER_CSV };

/* What a line is, for people: "H800 @peak", "H800 site sz1", "shortfall",
 * "subsidy green-sz". */
void render_line_label(const struct bill_line *l, char *buf, size_t len);

bool render_parse_format(const char *s, enum render_format *f);
/* title: "Invoice" or "Statement". */
void render_bill(const struct bill *b, enum render_format f, const char *title, FILE *out);

#endif
