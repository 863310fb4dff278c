/* csv: RFC 4180 fields, neutralised against formulas (see csv.h). */
#include "csv.h"

#include "alloc.h"

#include <stdbool.h>
#include <stdlib.h>
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

static void row_clear(struct csv_row *row)
{
    for (size_t i = 0; i < row->n; i++) free(row->field[i]);
    row->n = 0;
}

static void row_add(struct csv_row *row, struct strbuf *f)
{
    if (row->n == row->cap) {
        row->cap = row->cap ? row->cap * 2 : 16;
        row->field = xreallocarray(row->field, row->cap, sizeof *row->field);
    }
    row->field[row->n++] = xstrdup(sb_str(f));
    sb_reset(f);
}

int csv_read_row(const char *data, size_t len, size_t *pos, size_t *line, struct csv_row *row,
                 const char **error)
{
    row_clear(row);
    size_t i = *pos;
    if (i >= len) return 0;
    struct strbuf f = {0};
    int rc = 1;
    for (;;) {
        if (i < len && data[i] == '"') { /* a quoted field */
            for (i++;; i++) {
                if (i >= len) {
                    *error = "a quoted field is not closed";
                    rc = -1;
                    goto out;
                }
                if (data[i] == '"' && i + 1 < len && data[i + 1] == '"') {
                    sb_putc(&f, '"');
                    i++;
                } else if (data[i] == '"') {
                    i++;
                    break;
                } else if (!data[i]) {
                    *error = "a NUL byte";
                    rc = -1;
                    goto out;
                } else {
                    if (data[i] == '\n') ++*line;
                    sb_putc(&f, data[i]);
                }
            }
            if (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
                *error = "text after a quoted field's closing quote";
                rc = -1;
                goto out;
            }
        } else {
            size_t start = i;
            while (i < len && data[i] != ',' && data[i] != '\r' && data[i] != '\n' && data[i])
                i++;
            sb_append(&f, data + start, i - start);
        }
        if (i < len && !data[i]) {
            *error = "a NUL byte";
            rc = -1;
            goto out;
        }
        row_add(row, &f);
        if (i < len && data[i] == ',') {
            i++;
            continue;
        }
        if (i < len && data[i] == '\r') i++;
        if (i < len && data[i] == '\n') i++;
        ++*line;
        break;
    }
out:
    sb_free(&f);
    *pos = i;
    return rc;
}

void csv_row_free(struct csv_row *row)
{
    row_clear(row);
    free(row->field);
    row->field = NULL;
    row->cap = 0;
}
