/* etax: the fapiao hand-off (see etax.c and docs/invoices.md): writes the
 * month's issued invoices (first_day "YYYY-MM-01") that still need a fapiao,
 * and its void ones that need a red one, to an XLSX in the layout of the
 * e-tax bureau's bulk issuing template. A red one negates the blue fapiao
 * line for line, each line's tax as the tax system computed it
 * (bill_line_tax), and sums them. all: every issued invoice and every
 * reversal, recorded or not. Returns the exit code: 1 when an invoice could
 * not be exported (each is named on stderr; the file holds the others).
 * Works on the caller's connection; main thread. */
#ifndef GPUMETER_ETAX_H
#define GPUMETER_ETAX_H

#include "core/config.h"

#include <libpq-fe.h>
#include <stdbool.h>

int etax_export(const char *first_day, const char *path, bool all, const struct config *cfg,
                PGconn *conn);
/* The tax system's name of a red-letter reason code ("01" 开票有误, "02"
 * 销货退回, "03" 服务中止, "04" 销售折让); "" for any other. */
const char *etax_reason_name(const char *code);

#endif
