/* pdf: a printable invoice, with Chinese and English labels (pdf.h).
 *
 * Drawn with Cairo's PDF surface and laid out with Pango, in Noto Sans
 * CJK SC (Debian's fonts-noto-cjk), cut to the document's characters
 * (font_subset.h: laid out once in the system's fonts to collect them)
 * and embedded as a subset of the glyphs used: the PDF shows the same to
 * every reader, on any machine, keeps what archival PDF asks of fonts, and
 * weighs tens of kilobytes a page, not most of a CJK font (render/README.md,
 * "Fonts"). One family for Chinese, Latin and digits, so a PDF text
 * extractor reads every amount as printed.
 *
 * What it is, said on it: a settlement statement (结算单 Statement of
 * charges), never titled 发票, which a Chinese reader takes for the tax
 * invoice; every page's foot says the fapiao is issued separately by the
 * tax system, with its number once recorded. A credit note (贷项通知单)
 * prints what it credits as positive amounts, and after its totals the
 * invoice it credits, that invoice's fapiao, the reason and the balance
 * left; its own fapiao, once recorded, is labelled the red fapiao (红字发票
 * 号码). A void invoice carries 作废 VOID across every page (drawn as
 * shapes under the figures, pale, so they stay readable), beside its
 * number, and after its totals the void's date, reason and credit notes.
 * An issued invoice with partial credit notes against it ends with what
 * they credited (已冲减), the balance left (余额, total less them: the
 * "remaining" of the JSON, CSV and text) and the credit notes' numbers.
 *
 * Pages: the first carries the seller and buyer; every page repeats the
 * title, number and column heads and ends with "Page n of N"; the totals
 * follow the last line, on a page of their own when they do not fit.
 *
 * Free text wraps within its column, never cut: the parties' names,
 * addresses and bank rows, line descriptions and a void reason (a 60-
 * character 有限公司 name takes two or three lines); what follows moves
 * down. A word too long for its column is broken between characters
 * with no hyphen drawn (the text is printed as it is). The document is
 * laid out with the same code, first without drawing (p->dry) to count
 * its pages, in the fonts it is then drawn in, so "Page n of N" and the
 * page breaks cannot disagree however the text wraps (a first dry pass in
 * the system's fonts collects the characters to cut the fonts to).
 * Identifiers (contract
 * and plan codes, numbers) stay on one line, ellipsized at their column. */
#include "render/pdf.h"

#include "core/invariant.h"
#include "render/describe.h"
#include "render/font_subset.h"

#include "core/log.h"
#include "core/money.h"

#include "core/meter.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#define FONT      "Noto Sans CJK SC"
#define PAGE_W    595.276 /* A4 in points */
#define PAGE_H    841.890
#define LEFT      40.0
#define RIGHT     555.0
#define ROW_H     24.0  /* a line: Chinese description above English, unwrapped */
#define COLUMN_W  250.0 /* a party's column, and a line's description */
#define TOP_ROWS  200.0 /* where lines start on the first page (below the parties) */
#define NEXT_ROWS 140.0 /* and on the pages after it */
#define BOTTOM    770.0 /* lines stop above the footer */
#define TOTALS_H  120.0 /* room the totals need below the last line */
#define NOTE_X    210.0 /* where a value after the totals starts (its label before) */

struct pdf {
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoLayout *layout;
    PangoFontDescription *font;
    double y;
    int page, pages;
    bool dry; /* lay out only: measure, draw nothing */
    hb_set_t *chars; /* when not NULL: every code point laid out is added */
};

enum align { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT };

/* Lays out s (UTF-8; invalid bytes are shown as U+FFFD) at size points;
 * width > 0 wraps it there (wrap) or ellipsizes it (!wrap). Returns its
 * height in points; *extra, if given, the height below its first line. */
static double layout(struct pdf *p, double size, bool bold, double width, bool wrap,
                     const char *s, double *extra)
{
    char *valid = g_utf8_make_valid(s, -1);
    for (const char *c = valid; p->chars && *c; c = g_utf8_next_char(c))
        hb_set_add(p->chars, g_utf8_get_char(c));
    pango_font_description_set_absolute_size(p->font, size * PANGO_SCALE);
    pango_font_description_set_weight(p->font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(p->layout, p->font);
    pango_layout_set_width(p->layout, width > 0 ? (int)(width * PANGO_SCALE) : -1);
    /* word by word, and within a word too long for the column (a name
     * without spaces; Chinese breaks between characters anyway) */
    pango_layout_set_wrap(p->layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_ellipsize(p->layout,
                               width > 0 && !wrap ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
    pango_layout_set_text(p->layout, valid, -1);
    g_free(valid);
    int w, h, lines = pango_layout_get_line_count(p->layout);
    pango_layout_get_size(p->layout, &w, &h);
    double height = (double)h / PANGO_SCALE;
    if (extra) *extra = lines > 1 ? height - height / lines : 0;
    return height;
}

/* Draws the layout just made with its top at y; ALIGN_RIGHT ends it at x,
 * ALIGN_CENTER centres it on x. Nothing on a dry pass. */
static void show(struct pdf *p, double x, double y, enum align a)
{
    if (p->dry) return;
    int w, h;
    pango_layout_get_size(p->layout, &w, &h);
    double dx = a == ALIGN_RIGHT    ? (double)w / PANGO_SCALE
                : a == ALIGN_CENTER ? (double)w / PANGO_SCALE / 2
                                    : 0;
    cairo_move_to(p->cr, x - dx, y);
    pango_cairo_show_layout(p->cr, p->layout);
}

/* One line of s with its top at y; width > 0 ellipsizes it there (for
 * identifiers, whose column is sized for them). */
static void text(struct pdf *p, double size, bool bold, double x, double y, enum align a,
                 double width, const char *s)
{
    layout(p, size, bold, width, false, s, NULL);
    show(p, x, y, a);
}

/* Free text from its top at y, wrapped within width: every character
 * drawn. Returns the height below its first line (0 when it fits one). */
static double text_wrapped(struct pdf *p, double size, bool bold, double x, double y,
                           double width, const char *s)
{
    double extra;
    layout(p, size, bold, width, true, s, &extra);
    show(p, x, y, ALIGN_LEFT);
    return extra;
}

/* A bilingual label: Chinese, then English beside it in grey. Returns
 * where it ends, for a value that must start after a long label. */
static double label(struct pdf *p, double x, double y, const char *zh, const char *en)
{
    text(p, 8.5, true, x, y, ALIGN_LEFT, 0, zh);
    int w, h;
    pango_layout_get_size(p->layout, &w, &h);
    cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    double en_x = x + (double)w / PANGO_SCALE + 4;
    text(p, 7.5, false, en_x, y + 1, ALIGN_LEFT, 0, en);
    pango_layout_get_size(p->layout, &w, &h);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    return en_x + (double)w / PANGO_SCALE;
}

static void rule(struct pdf *p, double y, double width)
{
    if (p->dry) return;
    cairo_set_line_width(p->cr, width);
    cairo_move_to(p->cr, LEFT, y);
    cairo_line_to(p->cr, RIGHT, y);
    cairo_stroke(p->cr);
}

static bool is_credit(const struct bill *b)
{
    return !strcmp(b->kind, "credit_note");
}

static bool is_void(const struct bill *b)
{
    return !strcmp(b->status, "void");
}

/* An amount as the document shows it: a credit note shows what it
 * credits, so its stored (negative) amounts print positive. */
static int64_t shown(const struct bill *b, int64_t v)
{
    return is_credit(b) ? -v : v;
}

/* The page's foot: the number and page, and what this document is not. */
static void footer(struct pdf *p, const struct bill *b)
{
    /* laid out on a dry pass too (drawing nothing), for its characters */
    char s[160], zh[160], en[200];
    snprintf(s, sizeof s, "%s · 第 %d 页，共 %d 页 · Page %d of %d",
             b->number[0] ? b->number : "DRAFT", p->page, p->pages, p->page, p->pages);
    bool fapiao = b->fapiao_number[0];
    /* a credit note's own fapiao is the red one that reverses the blue */
    bool red = is_credit(b);
    snprintf(zh, sizeof zh, "本单据不是发票：增值税发票由税务系统另行开具%s%s%s",
             !fapiao ? "。" : red ? "，红字发票号码 " : "，发票号码 ", b->fapiao_number,
             fapiao ? "。" : "");
    snprintf(en, sizeof en,
             "Not a tax invoice: the fapiao is issued separately by the tax system%s%s.",
             !fapiao ? "" : red ? ", red fapiao no. " : ", fapiao no. ", b->fapiao_number);
    if (!p->dry) cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    text(p, 7.5, false, PAGE_W / 2, BOTTOM + 30, ALIGN_CENTER, 0, s);
    text(p, 6.5, false, PAGE_W / 2, BOTTOM + 42, ALIGN_CENTER, RIGHT - LEFT, zh);
    text(p, 6.5, false, PAGE_W / 2, BOTTOM + 51, ALIGN_CENTER, RIGHT - LEFT, en);
    if (!p->dry) cairo_set_source_rgb(p->cr, 0, 0, 0);
}

/* 作废 VOID across the page, pale red, under what is drawn next: drawn as
 * the glyphs' outlines, so the text a PDF tool reads is the page's own
 * (the status beside the number says 作废 VOID in text). */
static void void_mark(struct pdf *p)
{
    layout(p, 110, true, 0, false, "作废 VOID", NULL); /* its characters counted on a dry pass */
    if (p->dry) return;
    int w, h;
    pango_layout_get_size(p->layout, &w, &h);
    cairo_save(p->cr);
    cairo_translate(p->cr, PAGE_W / 2, PAGE_H / 2);
    cairo_rotate(p->cr, -0.85); /* about the page's diagonal */
    cairo_move_to(p->cr, -(double)w / PANGO_SCALE / 2, -(double)h / PANGO_SCALE / 2);
    pango_cairo_update_layout(p->cr, p->layout);
    pango_cairo_layout_path(p->cr, p->layout);
    cairo_set_source_rgba(p->cr, 0.85, 0.1, 0.1, 0.12); /* pale inside, the figures over it */
    cairo_fill_preserve(p->cr);
    cairo_set_source_rgba(p->cr, 0.8, 0.05, 0.05, 0.45); /* and outlined, to be read */
    cairo_set_line_width(p->cr, 1.5);
    cairo_stroke(p->cr);
    cairo_restore(p->cr);
    pango_cairo_update_layout(p->cr, p->layout);
}

static void column_heads(struct pdf *p, const struct bill *b)
{
    label(p, LEFT, p->y, "项目", "Item");
    label(p, 300, p->y, "数量", "Quantity");
    label(p, 410, p->y, "单价", "Unit price");
    if (is_credit(b))
        label(p, 474, p->y, "冲减金额", "Credited");
    else
        label(p, 500, p->y, "金额", "Amount");
    p->y += 15;
    rule(p, p->y, 0.6);
    p->y += 5;
}

/* A party's block from its label at y: the name, then its rows, each
 * wrapped within the column, a row starting 12 below the last line of the
 * one before. Returns where the block ends. */
static double party(struct pdf *p, double x, double y, const char *zh, const char *en,
                    const char *const *rows, int n)
{
    label(p, x, y, zh, en);
    double top = y + 2, height = 12; /* the name's top is 14 below the label's */
    for (int i = 0; i < n; i++)
        if (rows[i] && rows[i][0]) {
            top += 12;
            top += text_wrapped(p, i ? 8 : 10, i == 0, x, top, COLUMN_W, rows[i]);
            height = layout(p, i ? 8 : 10, i == 0, COLUMN_W, true, "|", NULL);
        }
    return top + height;
}

/* A page's title and number, then the column heads; the parties on the first. */
static void begin_page(struct pdf *p, const struct bill *b, const struct seller *s)
{
    if (p->page) {
        footer(p, b);
        if (!p->dry) cairo_show_page(p->cr);
    }
    p->page++;
    if (is_void(b)) void_mark(p);
    bool credit = is_credit(b);
    text(p, 18, true, LEFT, 36, ALIGN_LEFT, 0,
         credit ? "贷项通知单 Credit note" : "结算单 Statement of charges");
    const char *status = is_void(b)                      ? "作废 VOID"
                         : !strcmp(b->status, "draft")   ? "草稿 DRAFT"
                         : b->status[0] && strcmp(b->status, "issued") ? b->status
                                                         : "";
    char num[96];
    snprintf(num, sizeof num, "%s%s", b->number[0] ? b->number : "DRAFT", status[0] ? "  " : "");
    double status_w = 0;
    if (status[0]) { /* after the number, in red when void */
        int w, h;
        if (is_void(b) && !p->dry) cairo_set_source_rgb(p->cr, 0.75, 0.05, 0.05);
        text(p, 12, true, RIGHT, 40, ALIGN_RIGHT, 0, status);
        if (!p->dry) cairo_set_source_rgb(p->cr, 0, 0, 0);
        pango_layout_get_size(p->layout, &w, &h);
        status_w = (double)w / PANGO_SCALE;
    }
    text(p, 12, true, RIGHT - status_w, 40, ALIGN_RIGHT, 0, num);
    rule(p, 64, 1.2);
    if (p->page > 1) {
        p->y = NEXT_ROWS - 30;
        column_heads(p, b);
        return;
    }
    char addr[400], bank[400], tax[120], buyer_tax[120];
    snprintf(addr, sizeof addr, "%s%s%s", s->address, s->address[0] && s->phone[0] ? "  " : "",
             s->phone);
    snprintf(bank, sizeof bank, "%s%s%s", s->bank, s->bank[0] && s->account[0] ? "  " : "",
             s->account);
    snprintf(tax, sizeof tax, "%s%s", s->tax_id[0] ? "纳税人识别号 Tax ID " : "", s->tax_id);
    snprintf(buyer_tax, sizeof buyer_tax, "%s%s", b->tax_id[0] ? "纳税人识别号 Tax ID " : "",
             b->tax_id);
    const char *seller_rows[] = {s->name, tax, addr, bank};
    const char *buyer_rows[] = {b->customer_name, buyer_tax, b->customer};
    double seller_end = party(p, LEFT, 76, "销售方", "Seller", seller_rows, 4);
    double buyer_end = party(p, 305, 76, "购买方", "Buyer", buyer_rows, 3);
    /* Four one-line seller rows end at 138; a party that wraps moves the
     * rest of the page down by what it takes beyond that. */
    double end = seller_end > buyer_end ? seller_end : buyer_end;
    double shift = end > 138 ? end - 138 : 0;
    double y = 140 + shift; /* three rows of 13 above the column heads */
    char contract[300];
    snprintf(contract, sizeof contract, "%s · %s", b->contract, b->plan);
    label(p, LEFT, y, "账期", "Period");
    text(p, 9, false, 120, y, ALIGN_LEFT, 0, b->period);
    label(p, 305, y, "合同", "Contract");
    text(p, 9, false, 385, y, ALIGN_LEFT, 170, contract);
    y += 13;
    label(p, LEFT, y, "开具日期", "Issued");
    text(p, 9, false, 120, y, ALIGN_LEFT, 0, b->issued_at[0] ? b->issued_at : "-");
    label(p, 305, y, "币种", "Currency");
    text(p, 9, false, 385, y, ALIGN_LEFT, 0, b->currency);
    if (b->credits[0]) {
        y += 13;
        label(p, LEFT, y, "原结算单", "Original");
        text(p, 9, false, 120, y, ALIGN_LEFT, 0, b->credits);
    } else if (b->due_on[0]) { /* an issued invoice's due day (issue 34): fixed at
                                  * issue, so the document may print it; its state is
                                  * not printed, it changes with every payment */
        y += 13;
        label(p, LEFT, y, "到期日", "Due date");
        text(p, 9, false, 120, y, ALIGN_LEFT, 0, b->due_on);
    }
    if (b->fapiao_number[0]) { /* recorded after issue: the tax system's own number */
        /* a credit note's own is the red fapiao, beside the blue it reverses;
         * its longer label moves the number right, never over it, and the
         * number and date close up a little to fit whole in what is left */
        bool red = is_credit(b);
        char fapiao[64];
        snprintf(fapiao, sizeof fapiao, "%s%s%s", b->fapiao_number, red ? " " : "  ",
                 b->fapiao_date);
        double label_end = red ? label(p, 305, 166 + shift, "红字发票号码", "Red fapiao")
                               : label(p, 305, 166 + shift, "发票号码", "Fapiao");
        double x = label_end + 6 > 385 ? label_end + 6 : 385;
        text(p, red ? 8.5 : 9, false, x, 166 + shift, ALIGN_LEFT, RIGHT - x, fapiao);
    }
    p->y = TOP_ROWS - 20 + shift; /* the heads take 20: lines start at TOP_ROWS */
    column_heads(p, b);
}

/* A line at p->y: its description wrapped within its column, English
 * below the Chinese. Returns the height it takes (ROW_H when unwrapped). */
static double line_row(struct pdf *p, const struct bill *b, const struct bill_line *l)
{
    char zh[400], en[400], qty[64] = "", unit[96] = "", price[32] = "", amount[32];
    int64_t unit_price;
    render_line_description(l, zh, sizeof zh, en, sizeof en);
    /* the quantity in its unit, the unit's labels below it on the English row */
    if (render_line_unit_price(b, l, &unit_price))
        render_quantity_decimal(l->meter, shown(b, l->quantity), qty, sizeof qty);
    const struct meter_units *u = l->meter[0] ? meter_units(l->meter) : NULL;
    if (u && qty[0]) snprintf(unit, sizeof unit, "%s %s", u->label_zh, u->label_en);
    if (unit_price >= 0) render_unit_price(unit_price, b->minor_digits, price, sizeof price);
    money_format(shown(b, l->amount), b->minor_digits, amount, sizeof amount);
    double en_y = p->y + 11 + text_wrapped(p, 8.5, false, LEFT, p->y, COLUMN_W, zh);
    cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    double en_extra = text_wrapped(p, 7.5, false, LEFT, en_y, COLUMN_W, en);
    /* priced at the index: the publication used and the terms, both languages */
    char note_zh[400], note_en[400];
    render_index_note(l, true, b->minor_digits, note_zh, sizeof note_zh);
    render_index_note(l, false, b->minor_digits, note_en, sizeof note_en);
    if (note_zh[0]) {
        double y = en_y + en_extra + 10; /* a row below the English, then one more */
        y += 10 + text_wrapped(p, 7, false, LEFT, y, COLUMN_W, note_zh);
        y += text_wrapped(p, 7, false, LEFT, y, COLUMN_W, note_en);
        en_extra = y - en_y; /* the notes' last row ends the line as the English did */
    }
    text(p, 7.5, false, 400, p->y + 11, ALIGN_RIGHT, 0, unit);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    text(p, 8.5, false, 400, p->y, ALIGN_RIGHT, 0, qty);
    text(p, 8.5, false, 485, p->y, ALIGN_RIGHT, 0, price);
    text(p, 8.5, false, RIGHT, p->y, ALIGN_RIGHT, 0, amount);
    return en_y - p->y + en_extra + ROW_H - 11;
}

/* The height line_row will take, drawing nothing. */
static double line_height(struct pdf *p, const struct bill *b, const struct bill_line *l)
{
    bool dry = p->dry;
    p->dry = true;
    double h = line_row(p, b, l);
    p->dry = dry;
    return h;
}

static void total_row(struct pdf *p, const struct bill *b, const char *zh, const char *en,
                      int64_t v, bool bold)
{
    char amount[32];
    money_format(v, b->minor_digits, amount, sizeof amount);
    label(p, 330, p->y, zh, en);
    text(p, bold ? 10.5 : 9.5, bold, RIGHT, p->y - 1, ALIGN_RIGHT, 0, amount);
    p->y += 16;
}

/* A row after the totals: a label, and its value wrapped beside it. */
static void note_row(struct pdf *p, const char *zh, const char *en, const char *value)
{
    label(p, LEFT, p->y, zh, en);
    p->y += text_wrapped(p, 9, false, NOTE_X, p->y, RIGHT - NOTE_X, value) + 14;
}

/* A void invoice: when, why, and the credit notes that reverse it. */
static void void_notes(struct pdf *p, const struct bill *b)
{
    char v[400];
    p->y += 6;
    if (b->voided_at[0]) note_row(p, "作废日期", "Voided on", b->voided_at);
    render_reason_text(b->void_code, b->void_reason, v, sizeof v);
    if (v[0]) note_row(p, "作废原因", "Void reason", v);
    if (b->credit_notes[0]) note_row(p, "贷项通知单", "Credit notes", b->credit_notes);
}

/* A credit note: the invoice it credits as its buyer knows it (number,
 * issue date, blue fapiao), why, and what that invoice still stands at. */
static void credit_notes(struct pdf *p, const struct bill *b)
{
    char v[400];
    p->y += 6;
    if (b->credits[0]) {
        /* its number stands in the header; here when it was issued */
        if (b->credited_issued_at[0])
            note_row(p, "原结算单开具日期", "Original invoice issued", b->credited_issued_at);
        snprintf(v, sizeof v, "%s%s%s",
                 b->credited_fapiao_number[0] ? b->credited_fapiao_number : "未登记 not recorded",
                 b->credited_fapiao_date[0] ? "  " : "", b->credited_fapiao_date);
        note_row(p, "蓝字发票号码", "Blue fapiao", v);
    }
    render_reason_text(b->void_code, b->void_reason, v, sizeof v);
    if (v[0]) note_row(p, "冲减原因", "Reason", v);
    if (b->credited_balance_known) {
        char amount[32];
        money_format(b->credited_balance, b->minor_digits, amount, sizeof amount);
        note_row(p, "原结算单余额", "Original invoice balance", amount);
    }
}

static void totals(struct pdf *p, const struct bill *b)
{
    rule(p, p->y, 0.6);
    p->y += 8;
    bool credit = is_credit(b);
    char rate[32], en[160];
    render_percent(b->tax_ppm, rate, sizeof rate);
    total_row(p, b, credit ? "冲减小计" : "小计", credit ? "Subtotal credited" : "Subtotal",
              shown(b, b->subtotal), false);
    snprintf(en, sizeof en, "Tax %s%s", rate, credit ? " credited" : "");
    char zh[64];
    snprintf(zh, sizeof zh, "%s %s", credit ? "冲减税额" : "税额", rate);
    total_row(p, b, zh, en, shown(b, b->tax), false);
    if (credit) {
        /* what the credit note takes off the invoice, positive; its part
         * paid by vouchers stays with the vouchers' programs */
        total_row(p, b, "冲减金额", "Amount credited", -b->total, true);
        if (b->claimed) {
            total_row(p, b, "其中算力券部分", "Of which compute vouchers", -b->claimed, false);
            total_row(p, b, "冲减应付金额", "Credited against amount due", -b->due, true);
        }
        credit_notes(p, b);
        return;
    }
    total_row(p, b, "价税合计", "Total", b->total, true);
    for (int i = 0; i < b->nclaims; i++)
        if (!b->claims[i].pre_tax) {
            snprintf(en, sizeof en, "Compute voucher %s", b->claims[i].voucher);
            total_row(p, b, "算力券抵扣", en, -b->claims[i].amount, false);
        }
    /* The currency stands in the header block, once, not on each total. */
    total_row(p, b, "应付金额", "Due from customer", b->due, true);
    if (is_void(b) || b->void_reason[0]) {
        void_notes(p, b); /* its credit notes are listed there */
        return;
    }
    if (b->credited) { /* partial credit notes against an issued invoice: what stands */
        total_row(p, b, "已冲减", "Credited by credit notes", b->credited, false);
        total_row(p, b, "余额", "Balance after credit notes", b->total + b->credited, true);
        if (b->credit_notes[0]) {
            p->y += 6;
            note_row(p, "贷项通知单", "Credit notes", b->credit_notes);
        }
    }
}

/* The height the totals take, drawing nothing: TOTALS_H, or more for the
 * rows after them (a void's or a credit note's, whose reasons wrap). */
static double totals_height(struct pdf *p, const struct bill *b)
{
    bool dry = p->dry;
    double y = p->y;
    p->dry = true;
    totals(p, b);
    double h = p->y - y;
    p->y = y;
    p->dry = dry;
    return h > TOTALS_H ? h : TOTALS_H;
}

/* ---- the SLA evidence pages (issue 36) ---- */

#define EV_KEY_W 200.0 /* the day's or device's column */
/* the figures' columns, right-aligned at these */
static const double ev_col[] = {300, 360, 425, 490, RIGHT};
static const char *const ev_zh[] = {"计量", "维护排除", "客户原因排除", "停机", "可用性"};
static const char *const ev_en[] = {"Metered", "Maintenance", "Customer-caused", "Downtime",
                                    "Availability"};

/* An evidence page's top: the title, the document's number, a rule. */
static void evidence_page(struct pdf *p, const struct bill *b)
{
    footer(p, b); /* the page before it ends */
    if (!p->dry) cairo_show_page(p->cr);
    p->page++;
    if (is_void(b)) void_mark(p);
    text(p, 18, true, LEFT, 36, ALIGN_LEFT, 0, "服务可用性证明 SLA availability evidence");
    text(p, 12, true, RIGHT, 40, ALIGN_RIGHT, 0, b->number[0] ? b->number : "DRAFT");
    rule(p, 64, 1.2);
    p->y = 78;
}

/* A head over a column at x: Chinese above English, grey. */
static void column_head(struct pdf *p, double x, enum align a, const char *zh, const char *en)
{
    text(p, 8, true, x, p->y, a, 0, zh);
    cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    text(p, 7, false, x, p->y + 10, a, 0, en);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
}

/* Below a row of heads: the rule, and the first row's place. */
static void heads_end(struct pdf *p)
{
    p->y += 22;
    rule(p, p->y, 0.6);
    p->y += 4;
}

/* The evidence's column heads: the key's, then the figures' right-aligned. */
static void evidence_heads(struct pdf *p, const char *zh, const char *en)
{
    column_head(p, LEFT, ALIGN_LEFT, zh, en);
    for (int c = 0; c < 5; c++)
        column_head(p, ev_col[c], ALIGN_RIGHT, ev_zh[c], ev_en[c]);
    heads_end(p);
}

/* One row; a device's name wraps in its column. Returns its height. */
static double evidence_row(struct pdf *p, const struct sla_evidence_row *r, bool bold)
{
    char key[260];
    if (r->kind == SLA_EVIDENCE_DEVICE)
        snprintf(key, sizeof key, "%s (%s)", r->key, r->model);
    else
        snprintf(key, sizeof key, "%s", r->kind == SLA_EVIDENCE_MONTH ? "合计 Month" : r->key);
    double extra = text_wrapped(p, 8, bold, LEFT, p->y, EV_KEY_W, key);
    const char *v[] = {r->metered, r->maintenance, r->customer, r->downtime, r->percent};
    for (int c = 0; c < 5; c++) {
        char pct[24];
        if (c == 4 && strcmp(v[c], "-")) snprintf(pct, sizeof pct, "%s%%", v[c]);
        text(p, 8, bold, ev_col[c], p->y, ALIGN_RIGHT, 0, c == 4 && strcmp(v[c], "-") ? pct : v[c]);
    }
    return extra + 13;
}

/* A row, on a new page (heads repeated) when it does not fit. */
static void evidence_fit(struct pdf *p, const struct bill *b, const struct sla_evidence_row *r,
                         bool bold, const char *zh, const char *en)
{
    bool dry = p->dry;
    p->dry = true;
    double h = evidence_row(p, r, bold);
    p->dry = dry;
    if (p->y + h > BOTTOM) {
        evidence_page(p, b);
        evidence_heads(p, zh, en);
    }
    p->y += evidence_row(p, r, bold);
}

/* The spans table: device (model), start, end, state, GPU-hours, reasons
 * and whether the terms excluded the span. */
static const double sp_x[] = {LEFT, 196, 270, 344, 436, 442};
#define SP_KEY_W    150.0
#define SP_REASON_W (RIGHT - 442)

static void span_heads(struct pdf *p)
{
    static const char *const zh[] = {"设备（型号）", "开始", "结束", "状态", "卡时", "原因"};
    static const char *const en[] = {"Device (model)", "Start", "End", "State", "GPU-hours",
                                     "Reasons"};
    for (int c = 0; c < 6; c++)
        column_head(p, sp_x[c], c == 4 ? ALIGN_RIGHT : ALIGN_LEFT, zh[c], en[c]);
    heads_end(p);
}

/* One span; the device and the reasons wrap in their columns. Returns its
 * height. */
static double span_row(struct pdf *p, const struct sla_evidence_span *s)
{
    char key[280], why[340];
    snprintf(key, sizeof key, "%s (%s)", s->key, s->model);
    snprintf(why, sizeof why, "%s%s", s->reasons,
             !strcmp(s->cls, "maintenance") ? " · 排除: 已公告维护 excluded: maintenance"
             : !strcmp(s->cls, "customer")  ? " · 排除: 客户原因 excluded: customer-caused"
                                            : "");
    double a = text_wrapped(p, 7.5, false, sp_x[0], p->y, SP_KEY_W, key);
    text(p, 7.5, false, sp_x[1], p->y, ALIGN_LEFT, 0, s->start);
    text(p, 7.5, false, sp_x[2], p->y, ALIGN_LEFT, 0, s->end);
    text(p, 7.5, false, sp_x[3], p->y, ALIGN_LEFT, 0,
         !strcmp(s->state, "down") ? "停机 down" : "降级 degraded");
    text(p, 7.5, false, sp_x[4], p->y, ALIGN_RIGHT, 0, s->hours);
    double b = text_wrapped(p, 7.5, false, sp_x[5], p->y, SP_REASON_W, why);
    return (a > b ? a : b) + 12;
}

/* The month's spans not up (or none), a new page with the heads repeated
 * when one does not fit. */
static void evidence_spans(struct pdf *p, const struct bill *b, const struct sla_evidence *ev,
                           const char *month)
{
    if (p->y + 60 > BOTTOM) evidence_page(p, b);
    label(p, LEFT, p->y, "不可用时段（当地时间）", "Time not up (local time)");
    p->y += 18;
    bool any = false;
    for (size_t k = 0; k < ev->nspans; k++) {
        if (strcmp(ev->spans[k].month, month)) continue;
        if (!any) span_heads(p);
        any = true;
        bool dry = p->dry;
        p->dry = true;
        double h = span_row(p, &ev->spans[k]);
        p->dry = dry;
        if (p->y + h > BOTTOM) {
            evidence_page(p, b);
            span_heads(p);
        }
        p->y += span_row(p, &ev->spans[k]);
    }
    if (!any) {
        text(p, 8.5, false, LEFT, p->y, ALIGN_LEFT, 0, "无 None");
        p->y += 14;
    }
    p->y += 16;
}

/* Per month measured: its availability, the days, the month, the devices
 * with downtime (or none), then the spans not up. */
static void evidence(struct pdf *p, const struct bill *b, const struct sla_evidence *ev)
{
    evidence_page(p, b);
    p->y += 4 + text_wrapped(p, 8, false, LEFT, p->y, RIGHT - LEFT,
                             "按合同的服务等级（SLA），由本单据开具时存档的设备健康数据计算，"
                             "开具后不再变更。可用性 = (计量时长 − 停机时长) ÷ 计量时长，向下取整；"
                             "合同排除的时间（见各月“计为已交付”）视为已交付。时长单位：卡时。");
    cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    p->y += 14 + text_wrapped(p, 7.5, false, LEFT, p->y + 12, RIGHT - LEFT,
                              "Computed under the contract's service level (SLA) from the device "
                              "health stored with this document; it does not change once issued. "
                              "Availability = (metered - downtime) / metered, rounded down; "
                              "the time the contract excludes (each month's \"Counted as "
                              "delivered\") counts as delivered. Times in GPU-hours.");
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    p->y += 14;
    for (size_t i = 0; i < ev->n;) {
        const char *month = ev->rows[i].month;
        size_t end = i;
        while (end < ev->n && !strcmp(ev->rows[end].month, month))
            end++;
        const struct sla_evidence_row *total = &ev->rows[end - 1];
        assert(total->kind == SLA_EVIDENCE_MONTH); /* each month ends with its own */
        char head[96];
        snprintf(head, sizeof head, "%s  %s%s", month, total->percent,
                 strcmp(total->percent, "-") ? "%" : "");
        if (p->y + 80 > BOTTOM) evidence_page(p, b);
        double end_x = label(p, LEFT, p->y, "计量月份与可用性", "Month measured, availability");
        text(p, 10, true, end_x + 8, p->y - 1, ALIGN_LEFT, 0, head);
        p->y += 16;
        /* what this month's terms excluded: never a rule they do not make */
        end_x = label(p, LEFT, p->y, "计为已交付", "Counted as delivered");
        text(p, 8.5, false, end_x + 8, p->y, ALIGN_LEFT, 0,
             total->ex_maintenance && total->ex_customer
                 ? "已公告维护 announced maintenance · 客户原因 customer-caused"
             : total->ex_maintenance ? "已公告维护 announced maintenance"
             : total->ex_customer    ? "客户原因 customer-caused"
                                     : "无 None: all time not up is downtime");
        p->y += 20;
        evidence_heads(p, "日期", "Day");
        for (size_t k = i; k < end; k++)
            if (ev->rows[k].kind == SLA_EVIDENCE_DAY)
                evidence_fit(p, b, &ev->rows[k], false, "日期", "Day");
        rule(p, p->y, 0.4);
        p->y += 3;
        evidence_fit(p, b, total, true, "日期", "Day");
        p->y += 12;
        if (p->y + 60 > BOTTOM) evidence_page(p, b);
        label(p, LEFT, p->y, "有停机的设备", "Devices with downtime");
        p->y += 18;
        bool any = false;
        for (size_t k = i; k < end; k++)
            if (ev->rows[k].kind == SLA_EVIDENCE_DEVICE) {
                if (!any) evidence_heads(p, "设备（型号）", "Device (model)");
                any = true;
                evidence_fit(p, b, &ev->rows[k], false, "设备（型号）", "Device (model)");
            }
        if (!any) {
            text(p, 8.5, false, LEFT, p->y, ALIGN_LEFT, 0, "无 None");
            p->y += 14;
        }
        p->y += 16;
        evidence_spans(p, b, ev, month);
        i = end;
    }
}

/* The whole document: on a dry pass, only its pages counted (p->page). */
static void lay_out(struct pdf *p, const struct bill *b, const struct sla_evidence *ev,
                    const struct seller *s)
{
    p->page = 0;
    begin_page(p, b, s);
    for (size_t i = 0; i < b->n; i++) {
        double h = line_height(p, b, &b->lines[i]);
        if (p->y + h > BOTTOM) begin_page(p, b, s);
        line_row(p, b, &b->lines[i]);
        p->y += h;
    }
    if (p->y + totals_height(p, b) > BOTTOM) begin_page(p, b, s);
    totals(p, b);
    if (ev && ev->n) evidence(p, b, ev);
    footer(p, b);
    if (!p->dry) cairo_show_page(p->cr);
}

/* A layout on cr in map's fonts (NULL: the thread's default map, the
 * system's fonts). */
static PangoLayout *new_layout(cairo_t *cr, PangoFontMap *map)
{
    PangoLayout *l;
    if (map) {
        PangoContext *ctx = pango_font_map_create_context(map);
        pango_cairo_update_context(cr, ctx);
        l = pango_layout_new(ctx);
        g_object_unref(ctx);
    } else {
        l = pango_cairo_create_layout(cr);
    }
    /* a word broken at the column's edge is broken bare: Pango would draw a
     * hyphen there that is not in the text, and "WWW-" printed in a buyer's
     * name is another name (or an ambiguous one, beside its own hyphens) */
    PangoAttrList *attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
    pango_layout_set_attributes(l, attrs);
    pango_attr_list_unref(attrs);
    return l;
}

bool pdf_render(const struct bill *b, const struct seller *s, const char *path)
{
    return pdf_render_with_evidence(b, NULL, s, path);
}

bool pdf_render_with_evidence(const struct bill *b, const struct sla_evidence *ev,
                              const struct seller *s, const char *path)
{
    struct pdf p = {0};
    p.surface = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
    if (cairo_surface_status(p.surface) != CAIRO_STATUS_SUCCESS) {
        log_error("cannot write %s: %s", path,
                  cairo_status_to_string(cairo_surface_status(p.surface)));
        cairo_surface_destroy(p.surface);
        return false;
    }
    char title[256];
    snprintf(title, sizeof title, "%s %s %s", is_credit(b) ? "Credit note" : "Statement of charges",
             b->number[0] ? b->number : "draft", b->customer);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_AUTHOR, s->name);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATOR, "gpumeter");
    p.cr = cairo_create(p.surface);
    p.font = pango_font_description_from_string(FONT);
    /* laid out first in the system's fonts, to count the pages and collect
     * the characters; then in FONT cut to those characters (font_subset.h),
     * counted again in it and drawn: the PDF embeds only the glyphs used */
    p.layout = new_layout(p.cr, NULL);
    p.chars = hb_set_create();
    p.dry = true;
    lay_out(&p, b, ev, s);
    p.pages = p.page;
    /* and what a later pass may print that this one did not: the page
     * count's digits (0 here), every printable ASCII character, and the
     * ellipsis Pango ends a cut identifier with. A glyph kept but not
     * drawn costs the PDF nothing: Cairo embeds only the glyphs drawn. */
    hb_set_add_range(p.chars, 0x20, 0x7E);
    hb_set_add(p.chars, 0x2026);
    struct font_subset *fs = font_subset_new(FONT, p.chars);
    hb_set_destroy(p.chars);
    p.chars = NULL;
    if (fs) {
        g_object_unref(p.layout);
        p.layout = new_layout(p.cr, font_subset_map(fs));
        lay_out(&p, b, ev, s);
        p.pages = p.page;
    }
    p.dry = false;
    lay_out(&p, b, ev, s);
    assert(p.page == p.pages); /* the dry pass and the drawing agree */
    pango_font_description_free(p.font);
    g_object_unref(p.layout);
    cairo_destroy(p.cr);
    cairo_surface_finish(p.surface);
    cairo_status_t st = cairo_surface_status(p.surface);
    cairo_surface_destroy(p.surface);
    font_subset_free(fs); /* after the surface is finished: Cairo read its files then */
    if (st != CAIRO_STATUS_SUCCESS) {
        log_error("cannot write %s: %s", path, cairo_status_to_string(st));
        return false;
    }
    return true;
}
