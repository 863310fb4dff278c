/* csv: one field of RFC 4180 CSV, the only CSV writer (statements,
 * invoices, usage exports): quoted when it holds a comma, a quote or a
 * line break, quotes doubled. Pure; thread-safe. */
#ifndef GPUMETER_CSV_H
#define GPUMETER_CSV_H

#include "strbuf.h"

void csv_field(struct strbuf *sb, const char *s);

#endif
