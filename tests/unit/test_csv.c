/* CSV: RFC 4180 quoting, and cells a spreadsheet would evaluate written as
 * text (OWASP "CSV Injection") while the numbers gpumeter writes stay as
 * they are (core/csv.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/csv.h"

#include <stdio.h>
#include <string.h>

/* csv_field(in) must be exactly want; the message names both. */
static void field_is(const char *in, const char *want)
{
    struct strbuf sb = STRBUF_INIT;
    char got[256];
    csv_field(&sb, in);
    snprintf(got, sizeof got, "%s", sb_str(&sb));
    sb_free(&sb);
    if (strcmp(got, want)) fail_msg("csv_field(\"%s\"): expected [%s], got [%s]", in, want, got);
}

static void test_quotes_as_rfc4180(void **state)
{
    (void)state;
    field_is("", "");
    field_is("llama-70b", "llama-70b");
    field_is("a,b", "\"a,b\"");
    field_is("say \"hi\"", "\"say \"\"hi\"\"\"");
    field_is("two\nlines", "\"two\nlines\"");
    field_is("上海临港算力科技有限公司", "上海临港算力科技有限公司");
}

static void test_formulas_become_text(void **state)
{
    (void)state;
    field_is("=HYPERLINK(\"http://x.example/\",\"y\")",
             "\"'=HYPERLINK(\"\"http://x.example/\"\",\"\"y\"\")\"");
    field_is("@SUM(A1:A9)", "\"'@SUM(A1:A9)\"");
    field_is("+1+1", "\"'+1+1\"");
    field_is("-2+3", "\"'-2+3\"");
    /* the tab or CR may split the cell for a reader (below): each part
     * gets its quote */
    field_is("\t=1+1", "\"'\t'=1+1\"");
    field_is("\r=1+1", "\"'\r'=1+1\"");
    field_is("\tx", "\"'\tx\"");
    field_is("=", "\"'=\"");
    field_is("-1e3", "\"'-1e3\"");
    field_is("-.5", "\"'-.5\"");
    field_is("-5.", "\"'-5.\"");
    field_is("--5", "\"'--5\"");
    /* full-width ＝ ＋ － ＠, read as their ASCII forms under an East Asian
     * input locale */
    field_is("＝1+1", "\"'＝1+1\"");
    field_is("＋1", "\"'＋1\"");
    field_is("－1", "\"'－1\"");
    field_is("＠SUM(1)", "\"'＠SUM(1)\"");
}

/* Found by opening the CSV in LibreOffice 7.4: with "Trim spaces" on, an
 * unquoted " =1+1" is trimmed and evaluated; with ';' or tab as the
 * separator (a European locale's default), "x;=1+1" becomes two cells, the
 * second a formula, quoted or not. */
static void test_formulas_behind_blanks_or_separators(void **state)
{
    (void)state;
    field_is(" =1+1", "\"' =1+1\"");
    field_is("   =cmd|' /C calc'!A0", "\"'   =cmd|' /C calc'!A0\"");
    field_is(" +1+1", "\"' +1+1\"");
    field_is("\n@SUM(1)", "\"'\n'@SUM(1)\"");
    field_is(" \t-2+3", "\"' \t'-2+3\"");
    field_is(" ＝1+1", "\"' ＝1+1\"");
    /* such a reader does not take the quotes either (they are not at the
     * start of its cell), so what follows a ';', a tab or a line break
     * inside the field is a cell of its own, or a row's first */
    field_is("x;=1+1;", "\"x;'=1+1;\"");
    field_is("x;=cmd|' /C calc'!A0", "\"x;'=cmd|' /C calc'!A0\"");
    field_is("x\t=1+1", "\"x\t'=1+1\"");
    field_is("x\n=1+1", "\"x\n'=1+1\"");
    field_is("x\r\n@SUM(1)", "\"x\r\n'@SUM(1)\"");
    field_is("x; -2+3", "\"x; '-2+3\"");
    field_is("x;\t+1", "\"x;\t'+1\"");
    field_is("x;＝1", "\"x;'＝1\"");
    field_is("=1;=2", "\"'=1;'=2\"");
    field_is("a; b", "\"a; b\"");
    field_is("a;b=c", "\"a;b=c\"");
    /* blanks before ordinary text change nothing */
    field_is(" llama", " llama");
    field_is("  ", "  ");
}

static void test_numbers_and_dates_stay(void **state)
{
    (void)state;
    field_is("-12.34", "-12.34"); /* a credit note's amount */
    field_is("-7", "-7");
    field_is("0.000000001", "0.000000001");
    field_is("36000000", "36000000");
    field_is("-", "-"); /* gpumeter's "none" in reports */
    field_is("2026-01-31T16:00:00Z", "2026-01-31T16:00:00Z");
    field_is("2026-01", "2026-01");
    field_is("a=b", "a=b"); /* only the first character counts */
}

/* csv_read_row: the rows of text, each field joined by '|' and rows by
 * ';', must be exactly want (or "error: <why>" at the first bad row). */
static void rows_are(const char *text, const char *want)
{
    struct csv_row row = {0};
    struct strbuf sb = STRBUF_INIT;
    size_t pos = 0, line = 0;
    const char *error = NULL;
    int rc;
    while ((rc = csv_read_row(text, strlen(text), &pos, &line, &row, &error)) == 1) {
        if (sb.len) sb_putc(&sb, ';');
        for (size_t i = 0; i < row.n; i++) {
            if (i) sb_putc(&sb, '|');
            sb_puts(&sb, row.field[i]);
        }
    }
    if (rc < 0) sb_printf(&sb, "%serror: %s", sb.len ? ";" : "", error);
    char got[256];
    snprintf(got, sizeof got, "%s", sb_str(&sb));
    sb_free(&sb);
    csv_row_free(&row);
    if (strcmp(got, want)) fail_msg("csv_read_row(\"%s\"): expected [%s], got [%s]", text, want, got);
}

static void test_reads_rfc4180_rows(void **state)
{
    (void)state;
    rows_are("a,b\r\nc,d\n", "a|b;c|d");
    rows_are("a,,\n", "a||");
    rows_are("\"x,y\",\"say \"\"hi\"\"\"\n", "x,y|say \"hi\"");
    rows_are("\"two\nlines\",z\nlast", "two\nlines|z;last");
    rows_are("上海,\"=HYPERLINK(\"\"u\"\")\"\n", "上海|=HYPERLINK(\"u\")");
    rows_are("a,\"open\n", "error: a quoted field is not closed");
    rows_are("ok\n\"x\"y,1\n", "ok;error: text after a quoted field's closing quote");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quotes_as_rfc4180),
        cmocka_unit_test(test_formulas_become_text),
        cmocka_unit_test(test_formulas_behind_blanks_or_separators),
        cmocka_unit_test(test_numbers_and_dates_stay),
        cmocka_unit_test(test_reads_rfc4180_rows),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
