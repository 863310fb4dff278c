/* xlsx: the one text cell every XLSX export writes (the fapiao hand-off,
 * etax.c; the lender pack, lender_pack.c), through libxlsxwriter. A text
 * cell is never evaluated: a name that begins with = + - @ stays the text
 * it is (an XLSX string cell holds no formula, unlike a CSV field, which
 * core/csv.h guards), and it reads back as written: OOXML (ECMA-376 Part
 * 1, 22.9.2.19 ST_Xstring) reads _xHHHH_ in a string as the character
 * HHHH, so a literal _xHHHH_ is written with its leading '_' as _x005F_.
 * Thread-safe as the worksheet it writes: one thread per workbook. */
#ifndef GPUMETER_XLSX_H
#define GPUMETER_XLSX_H

#include <xlsxwriter.h>

/* Writes s as a text cell at (row, col) of ws; nothing for NULL or "". */
void xlsx_put_text(lxw_worksheet *ws, lxw_row_t row, int col, const char *s);

#endif
