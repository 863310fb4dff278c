/* csv: RFC 4180 fields, neutralised against formulas (see csv.h). */
#include "csv.h"

#include <stdbool.h>
#include <string.h>

/* -?[0-9]+(\.[0-9]+)?: how gpumeter writes an amount or a quantity. */
static bool plain_number(const char *s)
{
    if (*s == '-') s++;
    size_t whole = strspn(s, "0123456789");
    if (!whole) return false;
    s += whole;
    if (!*s) return true;
    return *s == '.' && s[1] && !s[1 + strspn(s + 1, "0123456789")];
}

/* Does s begin with a character that makes a cell a formula: = + - @, or
 * the full-width ＋ － ＝ ＠ (U+FF0B, U+FF0D, U+FF1D, U+FF20), which
 * spreadsheets with an East Asian input locale take for their ASCII forms? */
static bool formula_char(const char *s)
{
    static const char *const wide[] = {"\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\x9D",
                                       "\xEF\xBC\xA0"};
    if (*s && strchr("=+-@", *s)) return true;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (!strncmp(s, wide[i], 3)) return true;
    return false;
}

/* Would a spreadsheet evaluate s? */
static bool formula_like(const char *s)
{
    if (!*s || plain_number(s) || !strcmp(s, "-")) return false;
    if (*s == '\t' || *s == '\r') return true;
    /* LibreOffice's "Trim spaces" (and other readers) drop the blanks before
     * an unquoted " =1+1" and evaluate what is left */
    return formula_char(s + strspn(s, " \t\r\n"));
}

/* Where a reader may start a cell inside a field: a ';' or tab is the
 * separator of some locales and import settings, and such a reader does
 * not take our quotes (they are not at the start of its cell), so a line
 * break inside the field starts a row for it. */
static bool cell_break(char c)
{
    return c == ';' || c == '\t' || c == '\r' || c == '\n';
}

void csv_field(struct strbuf *sb, const char *s)
{
    bool formula = formula_like(s);
    if (!formula && !s[strcspn(s, ",;\t\"\r\n")]) {
        sb_puts(sb, s);
        return;
    }
    sb_putc(sb, '"');
    if (formula) sb_putc(sb, '\''); /* text, not a formula, to a spreadsheet */
    bool cell_start = false;          /* just after a cell_break, blanks aside */
    for (; *s; s++) {
        if (cell_start && formula_char(s)) sb_putc(sb, '\''); /* that cell is text too */
        if (*s != ' ') cell_start = cell_break(*s);
        if (*s == '"') sb_putc(sb, '"');
        sb_putc(sb, *s);
    }
    sb_putc(sb, '"');
}
