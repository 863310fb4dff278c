/* csv: one field of RFC 4180 CSV, the only CSV writer (statements,
 * invoices, usage exports, FOCUS, reports): quoted when it holds a comma,
 * a quote or a line break, quotes doubled.
 *
 * Safe to open in a spreadsheet (OWASP "CSV Injection"): a field that a
 * spreadsheet would read as a formula, one that begins with = + - @, a
 * tab or a carriage return, or with the full-width ＝ ＋ － ＠ (after any
 * blanks: a reader that trims spaces sees " =1+1" as "=1+1"), is written
 * with a single quote before it, and quoted. A field holding ';' or a tab
 * is quoted too; and since a reader that splits on ';' or tabs does not take
 * our quotes (they are not at the start of its cells) and so also breaks
 * rows at a line break inside a field, a formula character after a ';', a
 * tab, a CR or a LF inside a field (blanks between) gets its quote too:
 * "x;=1+1" is written "x;'=1+1". Plain decimal numbers
 * (-?[0-9]+(.[0-9]+)?, so -12.34 as gpumeter writes credits) and the lone
 * "-" gpumeter writes for "none" are written as they are: a spreadsheet
 * computes nothing from them and a program reads them unchanged.
 * docs/api.md "CSV" states the rule for readers.
 *
 * csv_read_row is the one CSV reader (bank exports, `payment import
 * --format csv`): RFC 4180 rows, fields quoted with '"' may hold commas,
 * doubled quotes and line breaks; rows end at LF or CRLF. Pure; thread-safe. */
#ifndef GPUMETER_CSV_H
#define GPUMETER_CSV_H

#include "strbuf.h"

void csv_field(struct strbuf *sb, const char *s);

struct csv_row {
    char **field; /* n fields, each NUL-terminated, owned by the row */
    size_t n, cap;
};
/* Reads the row at *pos of data[0..len) into row (its fields replaced),
 * counting line breaks into *line (the row's first line is *line + 1 on
 * entry). 1: a row; 0: the end of the data; -1: malformed (an unclosed
 * quote, or text after a closing quote), *error saying which. */
int csv_read_row(const char *data, size_t len, size_t *pos, size_t *line, struct csv_row *row,
                 const char **error);
void csv_row_free(struct csv_row *row);

#endif
