/* etax: the month's fapiao hand-off, `gpumeter export etax`.
 *
 * One XLSX in the layout of the e-tax bureau's bulk issuing template
 * (批量开具, docs/invoices.md names the sources): sheet 1-发票基本信息, one
 * row per invoice to issue a fapiao for; sheet 2-发票明细信息, one row per
 * line, joined by 发票流水号 (our invoice number); and sheet
 * 3-红字确认信息, gpumeter's own, one row per credit note (a void's, or a
 * partial credit's) whose blue fapiao must be reversed, in full or in part,
 * with a red one; and 4-红字明细信息, gpumeter's own, the red fapiao's
 * lines: each line the credit note takes from the blue fapiao, negated,
 * with its tax, so a full reversal mirrors the blue line for line and its
 * sums are the blue's negated to the fen. Headers stand on row 3 and data
 * starts on row 4, as in the template. Every value is written as text, money as
 * its exact decimal: no float touches an amount.
 *
 * Which invoices: the month's issued invoices with no fapiao recorded yet
 * (--all: every issued one), and its credit notes whose invoice's fapiao is
 * recorded and whose own red fapiao is not. */
#include "billing/etax.h"
#include "billing/store.h"
#include "billing/xlsx.h"
#include "core/alloc.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/meter.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "render/describe.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#define DECIMALS 8 /* of a quantity and a unit price on the fapiao */

static const char *const basic_heads[] = {
    [0] = "发票流水号",         [1] = "发票类型",      [3] = "是否含税",        [5] = "购买方名称",
    [6] = "购买方纳税人识别号", [27] = "销售方开户行", [28] = "销售方银行账号",
};
#define BASIC_COLS (int)(sizeof basic_heads / sizeof basic_heads[0])
static const char *const line_heads[] = {
    "发票流水号", "项目名称", "商品和服务税收编码", "规格型号", "单位", "数量", "单价",
    "金额",       "税率",
};
static const char *const red_line_heads[] = {
    "蓝字发票号码", "原发票流水号", "贷项通知单号", "项目名称", "商品和服务税收编码", "规格型号",
    "单位",         "数量",         "单价",         "金额",     "税率",               "税额",
};
static const char *const red_heads[] = {
    "蓝字发票号码", "蓝字发票开票日期", "红冲原因代码", "红冲原因",
    "原发票流水号", "贷项通知单号",     "购买方名称",   "购买方纳税人识别号",
    "红字金额",     "红字税额",         "红字价税合计", "红冲方式",
};
#define NCOLS(a) (int)(sizeof a / sizeof a[0])

struct export
{
    lxw_workbook *wb;
    lxw_worksheet *basic, *lines, *red, *red_lines;
    lxw_row_t basic_row, line_row, red_row, red_line_row;
    const struct config *cfg;
    int skipped, invoices, reds;
    const PGresult *res; /* select_sql, and which of its rows the bills come from, in order */
    int *rows, next;
    /* invoices whose per-line tax (the tax system's) differs from theirs */
    int tax_differs;
    char first_differs[160];
};

static lxw_worksheet *sheet(lxw_workbook *wb, const char *name, const char *title,
                            const char *const *heads, int n)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    xlsx_put_text(ws, 0, 0, title);
    xlsx_put_text(ws, 1, 0, "gpumeter invoice export --format etax");
    for (int c = 0; c < n; c++)
        xlsx_put_text(ws, 2, c, heads[c]);
    return ws;
}

/* A usage line's quantity in its price unit (times sign: -1 on a red
 * fapiao) and its unit price, to DECIMALS places (bill_line_per_unit);
 * both blank when it has none. */
static bool quantity_and_price(const struct bill_line *l, int digits, int sign, char *qty,
                               size_t qlen, char *price, size_t plen)
{
    int64_t q, p;
    qty[0] = price[0] = '\0';
    if (!bill_line_per_unit(l, digits, DECIMALS, &q, &p)) return false;
    money_format_trimmed(sign * q, DECIMALS, qty, qlen);
    money_format_trimmed(p, DECIMALS, price, plen);
    return true;
}

/* What a meter's quantity is counted in on a fapiao: its price unit's
 * Chinese label (core/meter.h). */
static const char *unit_name(const char *meter)
{
    const struct meter_units *u = meter_units(meter);
    return u ? u->label_zh : "";
}

static void rate_text(int64_t ppm, char *buf, size_t len)
{
    money_format_trimmed(ppm, 6, buf, len); /* ppm: 60000 is 0.06 */
}

/* Whether a document's tax is the tax of the fapiao lines written for it
 * (t, their stored taxes), counted for the export's warning when it is
 * not. Never for a document written since schema 026 (each line's tax is
 * stored and the document's tax is their sum); an invoice stored under
 * the old rule (tax on the subtotal), or a credit note of one, still may. */
static void tax_agrees(struct export *x, const struct bill *b, int64_t t)
{
    if (t == b->tax || x->tax_differs++) return;
    char ours[32], theirs[32];
    money_format(b->tax, b->minor_digits, ours, sizeof ours);
    money_format(t, b->minor_digits, theirs, sizeof theirs);
    snprintf(x->first_differs, sizeof x->first_differs, "%s: %s against %s", b->number, theirs,
             ours);
}

/* One line of a fapiao from column col on: 项目名称, 商品和服务税收编码,
 * 规格型号, 单位, 数量, 单价, 金额, 税率 (sign -1: a red fapiao's line,
 * quantity and amount negated); then, with_tax, its 税额 (the tax stored
 * for the line, invoice_line.tax, negated likewise). Returns that tax. */
static int64_t put_line(struct export *x, lxw_worksheet *ws, lxw_row_t r, int col,
                        const struct bill *b, const struct bill_line *l, int sign, bool with_tax)
{
    char item[400], spec[300], qty[48], price[48], amount[32], rate[32], tax[32];
    int64_t t = l->tax;
    render_line_item(l, item, sizeof item, spec, sizeof spec);
    bool counted =
        quantity_and_price(l, b->minor_digits, sign, qty, sizeof qty, price, sizeof price);
    money_format(sign * l->amount, b->minor_digits, amount, sizeof amount);
    rate_text(b->tax_ppm, rate, sizeof rate);
    money_format(sign * t, b->minor_digits, tax, sizeof tax);
    const char *cells[] = {item,  config_fapiao_tax_code(&x->cfg->fapiao, l->meter),
                           spec,  counted ? unit_name(l->meter) : "",
                           qty,   price,
                           amount, rate,
                           tax};
    for (int c = 0; c < NCOLS(cells) - !with_tax; c++)
        xlsx_put_text(ws, r, col + c, cells[c]);
    return sign * t;
}

static bool add_invoice(struct export *x, const struct bill *b)
{
    const char *missing = NULL;
    if (x->cfg->fapiao.special && !b->tax_id[0])
        missing = "has no taxpayer number, which a 增值税专用发票 needs (customer update "
                  "--tax-id, before the invoice is issued; or fapiao.invoice_type = normal)";
    for (size_t i = 0; !missing && i < b->n; i++)
        if (!config_fapiao_tax_code(&x->cfg->fapiao, b->lines[i].meter)[0])
            missing = "has a line with no tax classification code: set fapiao.tax_code (or "
                      "fapiao.tax_code.<meter>) in the configuration";
    if (missing) {
        log_error("%s (customer \"%s\") not exported: it %s", b->number, b->customer, missing);
        x->skipped++;
        return false;
    }
    lxw_row_t r = x->basic_row++;
    xlsx_put_text(x->basic, r, 0, b->number);
    xlsx_put_text(x->basic, r, 1, x->cfg->fapiao.special ? "增值税专用发票" : "普通发票");
    xlsx_put_text(x->basic, r, 3, "否"); /* amounts are before tax */
    xlsx_put_text(x->basic, r, 5, b->customer_name);
    xlsx_put_text(x->basic, r, 6, b->tax_id);
    xlsx_put_text(x->basic, r, 27, x->cfg->seller.bank);
    xlsx_put_text(x->basic, r, 28, x->cfg->seller.account);
    int64_t t = 0; /* the fapiao's tax: its lines', as the tax system computes them */
    for (size_t i = 0; i < b->n; i++) {
        if (!b->lines[i].amount) continue; /* the tax system refuses a line of 0 */
        lxw_row_t lr = x->line_row++;
        xlsx_put_text(x->lines, lr, 0, b->number);
        t += put_line(x, x->lines, lr, 1, b, &b->lines[i], 1, false);
    }
    tax_agrees(x, b, t);
    return true;
}

const char *etax_reason_name(const char *code)
{
    static const char *const names[] = {"开票有误", "销货退回", "服务中止", "销售折让"};
    int i = code[0] == '0' && code[1] >= '1' && code[1] <= '4' && !code[2] ? code[1] - '1' : -1;
    return i < 0 ? "" : names[i];
}

/* A credit note's red reversal: its lines on sheet 4, each a line of the
 * blue fapiao negated (all that remained of the invoice for a void's credit
 * note, a part, 部分红冲, for `invoice credit`'s), each with the tax stored
 * for it (invoice_line.tax: a line that takes the rest of a blue line takes
 * the rest of its tax, billing/credit.c), and on sheet 3 their sums with
 * the blue fapiao it reverses and its reason. So the red lines of a blue
 * line, over all its credit notes, sum to it and its tax exactly. */
static void add_red(struct export *x, const struct bill *cn, bool whole)
{
    const char *code = cn->void_code[0] ? cn->void_code : "01";
    int64_t red_sub = 0, red_tax = 0;
    for (size_t i = 0; i < cn->n; i++) {
        if (!cn->lines[i].amount && !cn->lines[i].tax) continue; /* nothing of it reversed */
        lxw_row_t lr = x->red_line_row++;
        xlsx_put_text(x->red_lines, lr, 0, cn->credited_fapiao_number);
        xlsx_put_text(x->red_lines, lr, 1, cn->credits);
        /* which red fapiao: a blue may have several */
        xlsx_put_text(x->red_lines, lr, 2, cn->number);
        red_tax += put_line(x, x->red_lines, lr, 3, cn, &cn->lines[i], 1, true);
        red_sub += cn->lines[i].amount;
    }
    assert(red_sub == cn->subtotal); /* the lines sum to the subtotal (store_load_each) */
    tax_agrees(x, cn, red_tax);
    char sub[32], tax[32], total[32];
    money_format(red_sub, cn->minor_digits, sub, sizeof sub);
    money_format(red_tax, cn->minor_digits, tax, sizeof tax);
    money_format(red_sub + red_tax, cn->minor_digits, total, sizeof total);
    const char *row[] = {cn->credited_fapiao_number,
                         cn->credited_fapiao_date,
                         code,
                         etax_reason_name(code),
                         cn->credits,
                         cn->number,
                         cn->customer_name,
                         cn->tax_id,
                         sub,
                         tax,
                         total,
                         whole ? "全额红冲" : "部分红冲"};
    lxw_row_t r = x->red_row++;
    for (int c = 0; c < NCOLS(row); c++)
        xlsx_put_text(x->red, r, c, row[c]);
}

/* The month's invoices (to issue a fapiao for) and credit notes (to
 * reverse one): number, whether it is an invoice, whether the fapiao it
 * needs is there (an invoice: its own; a credit note: the blue one it
 * reverses), whether it has its own (a credit note: the red one), id, and
 * whether a credit note reverses the whole invoice (全额红冲). */
static const char select_sql[] =
    "SELECT i.number, i.kind = 'invoice', "
    "       CASE WHEN i.kind = 'invoice' THEN i.fapiao_number IS NOT NULL "
    "            ELSE o.fapiao_number IS NOT NULL END, i.fapiao_number IS NOT NULL, i.id, "
    "       i.total = -o.total "
    "FROM invoice i LEFT JOIN invoice o ON o.id = i.credits "
    "WHERE i.period = $1::date AND i.status = 'issued' ORDER BY i.kind DESC, i.number";

static bool add_bill(struct bill *b, void *opaque)
{
    struct export *x = opaque;
    int row = x->rows[x->next++];
    if (!strcmp(PQgetvalue(x->res, row, 1), "t"))
        x->invoices += add_invoice(x, b);
    else
        add_red(x, b, !strcmp(PQgetvalue(x->res, row, 5), "t")), x->reds++;
    return true;
}

int etax_export(const char *first_day, const char *path, bool all, const struct config *cfg,
                PGconn *conn)
{
    const char *p[] = {first_day};
    PGresult *res = db_query(conn, "find the month's invoices", select_sql, 1, p);
    if (!res) return 1;
    struct export x = {
        .cfg = cfg, .basic_row = 3, .line_row = 3, .red_row = 3, .red_line_row = 3, .res = res};
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    x.wb = workbook_new_opt(path, &opt);
    if (!x.wb) {
        log_error("cannot create %s", path);
        PQclear(res);
        return 1;
    }
    x.basic = sheet(x.wb, "1-发票基本信息", "发票基本信息", basic_heads, BASIC_COLS);
    x.lines = sheet(x.wb, "2-发票明细信息", "发票明细信息", line_heads, NCOLS(line_heads));
    x.red = sheet(x.wb, "3-红字确认信息", "红字确认信息（全额或部分红冲）", red_heads,
                  NCOLS(red_heads));
    x.red_lines = sheet(x.wb, "4-红字明细信息", "红字发票明细（蓝字发票逐行红冲）", red_line_heads,
                        NCOLS(red_line_heads));
    /* Which invoices: those to issue a fapiao for or to reverse; then all
     * of them are read in two queries. */
    x.rows = xcalloc((size_t)PQntuples(res) + 1, sizeof *x.rows);
    int n = 0;
    struct strbuf ids = STRBUF_INIT;
    sb_putc(&ids, '{');
    for (int i = 0; i < PQntuples(res); i++) {
        bool invoice = !strcmp(PQgetvalue(res, i, 1), "t");
        bool needed = !strcmp(PQgetvalue(res, i, 2), "t"); /* a credit note: the blue fapiao */
        bool own = !strcmp(PQgetvalue(res, i, 3), "t");
        if (invoice ? needed && !all : !needed || (own && !all)) {
            if (!invoice && !needed)
                log_info("%s credits an invoice that had no fapiao: nothing to reverse",
                         PQgetvalue(res, i, 0));
            continue;
        }
        if (n) sb_putc(&ids, ',');
        sb_puts(&ids, PQgetvalue(res, i, 4));
        x.rows[n++] = i;
    }
    sb_putc(&ids, '}');
    bool ok = store_load_each(conn, sb_str(&ids), add_bill, &x) == n;
    sb_free(&ids);
    free(x.rows);
    PQclear(res);
    lxw_error e = workbook_close(x.wb);
    if (e != LXW_NO_ERROR) {
        log_error("cannot write %s: %s", path, lxw_strerror(e));
        return 1;
    }
    if (!ok) return 1;
    if (x.tax_differs) {
        log_warn("%d of the %d documents come to another tax on their fapiao than they state: the "
                 "tax system taxes each line (first: %s)",
                 x.tax_differs, x.invoices + x.reds, x.first_differs);
        log_hint("docs/invoices.md, \"Tax per line\".");
    }
    printf("%s: %d invoices to issue a fapiao for, %d to reverse with a red one\n", path,
           x.invoices, x.reds);
    return x.skipped ? 1 : 0;
}
