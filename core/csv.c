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

/* Would a spreadsheet evaluate s? */
static bool formula_like(const char *s)
{
    /* U+FF0B ＋, U+FF0D －, U+FF1D ＝, U+FF20 ＠ in UTF-8: spreadsheets
     * with an East Asian input locale take them for their ASCII forms */
    static const char *const wide[] = {"\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\x9D",
                                       "\xEF\xBC\xA0"};
    if (!*s || plain_number(s) || !strcmp(s, "-")) return false;
    if (*s == '\t' || *s == '\r') return true;
    /* LibreOffice's "Trim spaces" (and other readers) drop the blanks before
     * an unquoted " =1+1" and evaluate what is left */
    s += strspn(s, " \t\r\n");
    if (*s && strchr("=+-@", *s)) return true;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (!strncmp(s, wide[i], 3)) return true;
    return false;
}

void csv_field(struct strbuf *sb, const char *s)
{
    bool formula = formula_like(s);
    /* ';' and tab too: a reader whose separator is ';' (a European
     * locale's) or a tab would start a new cell there, and the text after
     * it could be a formula */
    if (!formula && !s[strcspn(s, ",;\t\"\r\n")]) {
        sb_puts(sb, s);
        return;
    }
    sb_putc(sb, '"');
    if (formula) sb_putc(sb, '\''); /* text, not a formula, to a spreadsheet */
    for (; *s; s++) {
        if (*s == '"') sb_putc(sb, '"');
        sb_putc(sb, *s);
    }
    sb_putc(sb, '"');
}
