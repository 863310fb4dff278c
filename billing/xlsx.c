/* xlsx: the one text cell of the XLSX exports (xlsx.h). */
#include "billing/xlsx.h"

#include "core/strbuf.h"

#include <stdbool.h>
#include <string.h>

/* Does s begin with _xHHHH_ (either case of x and of the hex digits)? */
static bool ooxml_escape_at(const char *s)
{
    if (s[0] != '_' || (s[1] != 'x' && s[1] != 'X')) return false;
    for (int i = 2; i < 6; i++)
        if (!s[i] || !strchr("0123456789abcdefABCDEF", s[i])) return false;
    return s[6] == '_';
}

/* libxlsxwriter 1.1.x writes control characters as _xHHHH_ itself but
 * leaves a literal _xHHHH_ as it is (tests/integration/test_exports_safe.sh
 * fails on either a missed or a doubled escape, should a newer version
 * start to escape them too). */
void xlsx_put_text(lxw_worksheet *ws, lxw_row_t row, int col, const char *s)
{
    if (!s || !s[0]) return;
    struct strbuf text = STRBUF_INIT;
    for (const char *p = s; *p; p++) {
        if (ooxml_escape_at(p)) sb_puts(&text, "_x005F");
        sb_putc(&text, *p);
    }
    worksheet_write_string(ws, row, (lxw_col_t)col, sb_str(&text), NULL);
    sb_free(&text);
}
