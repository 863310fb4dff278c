/* bankcsv: a domestic bank's CSV export of an account's transactions
 * (对账单 / 交易明细 from corporate online banking) read into the same
 * entries as a camt.053 statement (camt.h), or refused whole with the
 * line, the column and why ("line 5, 贷方金额: 3 decimals, CNY has 2").
 * The layout is found by its header row's names (docs/payments.md, "CSV
 * layout"), rows above it (the bank's title, account and period lines)
 * are skipped; UTF-8 or GB18030 (iconv(3)) text; RFC 4180 quoting
 * (core/csv.h's reader). Thread-safe: no state outside its arguments. */
#ifndef GPUMETER_BANKCSV_H
#define GPUMETER_BANKCSV_H

#include "billing/camt.h"

/* Parses data[0..len) in encoding ("utf-8" or "gb18030") into out; the
 * bank account is the 本方账号 column's, else account (NULL: the export
 * must have the column); label names the statement (its file). False
 * with the line and reason in error (cap bytes) and out empty. */
bool bankcsv_parse(const char *data, size_t len, const char *encoding, const char *account,
                   const char *label, camt_digits_fn digits, void *ctx,
                   struct bank_statement_file *out, char *error, size_t cap);

#endif
