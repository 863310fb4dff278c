/* lender_pack: the XLSX lender pack (lender_pack.h; docs/investor.md,
 * "The lender pack").
 *
 * Each month's figures are `report project --format csv` of that month
 * (the function `report project` passes, project_report_month),
 * read back with the one CSV reader (core/csv.h): the same names in the
 * same order and the same values, never a second list. A value that is a
 * plain decimal becomes a number cell (a spreadsheet sums it): money in
 * the currency's format (#,##0.00 "CNY"), a ratio (dscr, and a figure
 * named *_percent, *_ratio, *_rate or *_month) in a plain one with two
 * to four decimals (0.00##: the report prints DSCR and utilisation with
 * two, the rates and IRRs with four, and a cell must not show fewer);
 * an empty value (none) an empty cell; anything else its text. A number
 * cell holds a double (ECMA-376's xsd:double): the double nearest the
 * exact decimal, which reads back as that decimal when it has at most 15
 * significant digits; a longer one is written as text, exact, so no
 * figure is ever rounded silently. The debt schedule's CSV is read the
 * same way (its amounts money, its period a whole number, its dates text). */
#include "billing/lender_pack.h"

#include "billing/project_show.h"
#include "billing/report_format.h"
#include "billing/xlsx.h"
#include "core/csv.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "terms/project.h"
#include "terms/project_doc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#define MAX_SIGNIFICANT 15 /* decimal digits a double always holds */

struct pack {
    lxw_workbook *wb;
    lxw_format *money, *ratio, *whole, *bold;
};

/* A plain decimal with a sign, at most MAX_SIGNIFICANT significant
 * digits: what a number cell holds exactly. */
static bool exact_number(const char *s)
{
    const char *d = s[0] == '-' ? s + 1 : s;
    if (!money_text_plain(d)) return false;
    int significant = 0;
    bool leading = true;
    for (const char *p = d; *p; p++) {
        if (*p == '.') continue;
        if (*p != '0') leading = false;
        if (!leading) significant++;
    }
    return significant <= MAX_SIGNIFICANT;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && !strcmp(s + n - t, tail);
}

/* A figure that is not an amount of money (the rule of lender_pack.c's
 * opening comment, which docs/investor.md states for new figures). */
static bool is_ratio(const char *figure)
{
    return !strcmp(figure, "dscr") || ends_with(figure, "_percent") ||
           ends_with(figure, "_ratio") || ends_with(figure, "_rate") ||
           ends_with(figure, "_month");
}

/* One value: a number in format, an empty cell, or its text. */
static void put_value(lxw_worksheet *ws, lxw_row_t row, int col, const char *v, lxw_format *f)
{
    if (!v[0]) return;
    if (exact_number(v)) worksheet_write_number(ws, row, (lxw_col_t)col, strtod(v, NULL), f);
    else xlsx_put_text(ws, row, col, v);
}

/* The rows of a CSV text into rows[0 .. *n-1] (each freed by the caller);
 * false with the reason logged when it is not CSV. */
static bool read_csv(const struct strbuf *text, struct csv_row **rows, int *n)
{
    size_t pos = 0, line = 0, len = strlen(sb_str(text));
    const char *error = NULL;
    *rows = NULL, *n = 0;
    for (;;) {
        struct csv_row row = {0};
        int r = csv_read_row(sb_str(text), len, &pos, &line, &row, &error);
        if (r <= 0) {
            csv_row_free(&row);
            if (r < 0) log_error("the report's CSV, line %zu: %s", line, error);
            return r == 0;
        }
        struct csv_row *grown = realloc(*rows, (size_t)(*n + 1) * sizeof **rows);
        if (!grown) {
            csv_row_free(&row);
            log_error("out of memory reading the report's CSV");
            return false;
        }
        *rows = grown;
        (*rows)[(*n)++] = row;
    }
}

static void free_rows(struct csv_row *rows, int n)
{
    for (int i = 0; i < n; i++)
        csv_row_free(&rows[i]);
    free(rows);
}

/* Column col of the months sheet: the month's `figure,value` CSV. The
 * first month writes the figures' names; every later one must list the
 * same names in the same order (one output function: it always does). */
static bool put_month(struct pack *k, lxw_worksheet *ws, int col, const char *month,
                      const struct strbuf *csv, struct csv_row **names, int *nnames)
{
    struct csv_row *rows;
    int n;
    if (!read_csv(csv, &rows, &n)) return false;
    bool ok = n >= 1 && (col == 1 || n == *nnames);
    for (int i = 0; ok && i < n; i++)
        ok = rows[i].n == 2 && (col == 1 || !strcmp((*names)[i].field[0], rows[i].field[0]));
    if (!ok) {
        log_error("the report of %s is not the figures of the months before it", month);
        free_rows(rows, n);
        return false;
    }
    worksheet_write_string(ws, 0, (lxw_col_t)col, month, k->bold);
    for (int i = 1; i < n; i++) {
        const char *figure = rows[i].field[0];
        if (col == 1) xlsx_put_text(ws, (lxw_row_t)i, 0, figure);
        put_value(ws, (lxw_row_t)i, col, rows[i].field[1], is_ratio(figure) ? k->ratio : k->money);
    }
    if (col == 1) *names = rows, *nnames = n;
    else free_rows(rows, n);
    return true;
}

static bool put_months(PGconn *conn, struct pack *k, const char *code, int64_t first,
                       int64_t last, long default_after_days, lender_pack_month_fn report,
                       void *ctx)
{
    lxw_worksheet *ws = workbook_add_worksheet(k->wb, "months");
    worksheet_write_string(ws, 0, 0, "figure", k->bold);
    worksheet_set_column(ws, 0, 0, 22, NULL);
    worksheet_set_column(ws, 1, (lxw_col_t)(last - first + 1), 14, NULL);
    struct csv_row *names = NULL;
    int nnames = 0;
    bool ok = true;
    for (int64_t m = first; ok && m <= last; m++) {
        char month[16];
        struct strbuf csv = STRBUF_INIT;
        time_format_month(m, month);
        ok = report(ctx, conn, code, month, default_after_days, false, REPORT_CSV, &csv) &&
             put_month(k, ws, (int)(m - first) + 1, month, &csv, &names, &nnames);
        sb_free(&csv);
    }
    free_rows(names, nnames);
    return ok;
}

/* The schedule's CSV: period, from, due, then amounts. */
static bool put_schedule(PGconn *conn, struct pack *k, const struct project *p, const char *at)
{
    lxw_worksheet *ws = workbook_add_worksheet(k->wb, "debt schedule");
    worksheet_set_column(ws, 0, 8, 14, NULL);
    if (!p->has_debt) {
        xlsx_put_text(ws, 0, 0, "no debt");
        return true;
    }
    struct strbuf csv = STRBUF_INIT;
    struct csv_row *rows = NULL;
    int n = 0;
    bool ok = project_schedule(conn, p->code, at, REPORT_CSV, &csv) && read_csv(&csv, &rows, &n);
    for (int i = 0; ok && i < n; i++)
        for (size_t c = 0; c < rows[i].n; c++) {
            const char *v = rows[i].field[c];
            if (i == 0) worksheet_write_string(ws, 0, (lxw_col_t)c, v, k->bold);
            else put_value(ws, (lxw_row_t)i, (int)c, v, c == 0 ? k->whole : k->money);
        }
    free_rows(rows, n);
    sb_free(&csv);
    return ok;
}

static void put_cover(struct pack *k, const struct project *p, const char *version,
                      const char *from, const char *to)
{
    lxw_worksheet *ws = workbook_add_worksheet(k->wb, "cover");
    char generated[TIME_TEXT_LEN], period[40];
    time_format_rfc3339(time_now_ms(), generated);
    snprintf(period, sizeof period, "%s to %s", from, to);
    const char *rows[][2] = {
        {"project", p->code}, {"name", p->name},   {"version", version},
        {"currency", p->currency}, {"period", period}, {"generated_at", generated},
    };
    worksheet_set_column(ws, 0, 0, 16, NULL);
    worksheet_set_column(ws, 1, 1, 40, NULL);
    xlsx_put_text(ws, 0, 0, "gpumeter report project --format xlsx: the lender pack");
    for (int i = 0; i < (int)(sizeof rows / sizeof rows[0]); i++) {
        worksheet_write_string(ws, (lxw_row_t)(i + 2), 0, rows[i][0], k->bold);
        xlsx_put_text(ws, (lxw_row_t)(i + 2), 1, rows[i][1]);
    }
}

bool lender_pack_write(PGconn *conn, const char *code, const char *from, const char *to,
                       const char *path, long default_after_days, lender_pack_month_fn month,
                       void *ctx)
{
    int y0, m0, y1, m1;
    bool months = time_parse_month(from, &y0, &m0) && time_parse_month(to, &y1, &m1);
    assert(months);
    /* months since 1970-01, as time_format_month counts them */
    int64_t first = ((int64_t)y0 - 1970) * 12 + m0 - 1, last = ((int64_t)y1 - 1970) * 12 + m1 - 1;
    assert(first <= last && last - first < LENDER_PACK_MAX_MONTHS);
    int64_t next = time_days_from_civil(y1 + (m1 == 12), m1 == 12 ? 1u : (unsigned)m1 + 1, 1);
    char last_day[16], version[16];
    time_format_date(next - 1, last_day);
    struct project *p = calloc(1, sizeof *p);
    if (!p || !docstore_load(conn, &project_kind, code, last_day, p, version)) {
        free(p);
        return false;
    }
    /* written beside the target and renamed over it once whole: a pack that
     * fails leaves no file of its own and a file already at path as it was */
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        log_error("cannot create %s: the path is too long", path);
        free(p);
        return false;
    }
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    struct pack k = {.wb = workbook_new_opt(tmp, &opt)};
    if (!k.wb) {
        log_error("cannot create %s", path);
        free(p);
        return false;
    }
    char money_format[40];
    snprintf(money_format, sizeof money_format, "#,##0.00 \"%s\"", p->currency);
    k.money = workbook_add_format(k.wb);
    format_set_num_format(k.money, money_format);
    k.ratio = workbook_add_format(k.wb);
    format_set_num_format(k.ratio, "0.00##");
    k.whole = workbook_add_format(k.wb);
    format_set_num_format(k.whole, "0");
    k.bold = workbook_add_format(k.wb);
    format_set_bold(k.bold);
    put_cover(&k, p, version, from, to);
    bool ok = put_months(conn, &k, code, first, last, default_after_days, month, ctx) &&
              put_schedule(conn, &k, p, last_day);
    lxw_error e = workbook_close(k.wb);
    if (e != LXW_NO_ERROR) {
        log_error("cannot write %s: %s", path, lxw_strerror(e));
        ok = false;
    }
    if (ok && rename(tmp, path) != 0) {
        log_error("cannot write %s: %s", path, strerror(errno));
        ok = false;
    }
    if (!ok) remove(tmp);
    free(p);
    return ok;
}
