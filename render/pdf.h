/* pdf: a bill as a printable PDF with Chinese and English labels, fonts
 * embedded (Cairo and Pango, Noto Sans CJK SC): an invoice as a settlement
 * statement (结算单 Statement of charges; the fapiao is the tax system's),
 * marked 作废 VOID across each page when void, or a credit note with what it
 * credits as positive amounts (docs/invoices.md, "The PDF").
 * Reentrant: each call owns its document; Pango's font map is per thread. */
#ifndef GPUMETER_PDF_H
#define GPUMETER_PDF_H

#include "core/config.h"
#include "pricing/bill.h"

#include <stdbool.h>

/* Writes b to path, seller as the operator. False after printing why. */
bool pdf_render(const struct bill *b, const struct seller *seller, const char *path);

#endif
