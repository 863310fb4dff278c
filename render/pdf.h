/* pdf: a bill as a printable PDF invoice or credit note with Chinese and
 * English labels, fonts embedded (Cairo and Pango, Noto Sans CJK SC).
 * Reentrant: each call owns its document; Pango's font map is per thread. */
#ifndef GPUMETER_PDF_H
#define GPUMETER_PDF_H

#include "core/config.h"
#include "pricing/bill.h"

#include <stdbool.h>

/* Writes b to path, seller as the operator. False after printing why. */
bool pdf_render(const struct bill *b, const struct seller *seller, const char *path);

#endif
