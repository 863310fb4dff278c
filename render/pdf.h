/* pdf: a bill as a printable PDF invoice with Chinese and English labels
 * (libharu). Reentrant: each call owns its document. */
#ifndef GPUMETER_PDF_H
#define GPUMETER_PDF_H

#include "pricing/bill.h"

#include <stdbool.h>

/* Writes b to path; seller is the operator's name. False after printing why. */
bool pdf_render(const struct bill *b, const char *seller, const char *path);

#endif
