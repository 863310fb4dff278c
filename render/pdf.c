/* pdf: a printable invoice, with Chinese and English labels (pdf.h).
 *
 * Rendered with libharu (Debian's libhpdf), whose built-in CJK fonts need
 * no font files: Chinese text in SimSun (GB-EUC-H, converted from UTF-8 by
 * glibc iconv), numbers and codes in Helvetica, so that a PDF text
 * extractor reads every amount as printed. One A4 page per 30 lines. */
#include "render/pdf.h"

#include "render/render.h"

#include "core/log.h"
#include "core/money.h"

#include <hpdf.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#define LINES_PER_PAGE 30

struct pdf {
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font latin, cjk;
    float y;
    bool failed;
};

static void on_error(HPDF_STATUS error, HPDF_STATUS detail, void *opaque)
{
    struct pdf *p = opaque;
    p->failed = true;
    log_error("PDF rendering failed (libharu error 0x%04lX, %lu)", (unsigned long)error,
              (unsigned long)detail);
}

/* UTF-8 to GB2312 for SimSun; characters outside it become '?'. */
static void to_gb(const char *utf8, char *out, size_t cap)
{
    iconv_t cd = iconv_open("GB2312//TRANSLIT", "UTF-8");
    size_t inleft = strlen(utf8), outleft = cap - 1;
    char *in = (char *)utf8, *o = out;
    while (cd != (iconv_t)-1 && inleft && outleft &&
           iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
        in++, inleft--; /* skip the byte it could not convert */
        if (outleft) *o++ = '?', outleft--;
    }
    *o = '\0';
    if (cd != (iconv_t)-1) iconv_close(cd);
}

static void text(struct pdf *p, HPDF_Font font, float size, float x, float y, const char *s)
{
    char buf[1024];
    bool ascii = true;
    for (const char *c = s; *c && ascii; c++)
        ascii = (unsigned char)*c < 0x80;
    if (ascii) font = p->latin; /* GB-EUC-H would print ASCII full width */
    if (font == p->cjk) {
        to_gb(s, buf, sizeof buf);
        s = buf;
    }
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetFontAndSize(p->page, font, size);
    HPDF_Page_TextOut(p->page, x, y, s);
    HPDF_Page_EndText(p->page);
}

/* Right-aligned Latin text ending at x. */
static void right(struct pdf *p, float size, float x, float y, const char *s)
{
    HPDF_Page_SetFontAndSize(p->page, p->latin, size);
    text(p, p->latin, size, x - HPDF_Page_TextWidth(p->page, s), y, s);
}

/* A bilingual label: Chinese, then English. */
static void label(struct pdf *p, float x, float y, const char *zh, const char *en)
{
    text(p, p->cjk, 9, x, y, zh);
    text(p, p->latin, 8, x + 9.5f * (float)(strlen(zh) / 3) + 4, y, en);
}

static void rule(struct pdf *p, float y)
{
    HPDF_Page_SetLineWidth(p->page, 0.5f);
    HPDF_Page_MoveTo(p->page, 40, y);
    HPDF_Page_LineTo(p->page, 555, y);
    HPDF_Page_Stroke(p->page);
}

static void new_page(struct pdf *p, const struct bill *b)
{
    p->page = HPDF_AddPage(p->doc);
    HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    bool credit = !strcmp(b->kind, "credit_note");
    text(p, p->cjk, 18, 40, 790, credit ? "贷项通知单" : "发票");
    text(p, p->latin, 14, 140, 790, credit ? "Credit note" : "Invoice");
    char line[256];
    snprintf(line, sizeof line, "%s%s%s", b->number[0] ? b->number : "DRAFT",
             b->status[0] && strcmp(b->status, "issued") ? "  " : "",
             b->status[0] && strcmp(b->status, "issued") ? b->status : "");
    right(p, 12, 555, 790, line);
    p->y = 760;
}

static void party(struct pdf *p, float x, const char *zh, const char *en, const char *name,
                  const char *code)
{
    label(p, x, p->y, zh, en);
    text(p, p->cjk, 10, x, p->y - 14, name);
    text(p, p->latin, 9, x, p->y - 27, code);
}

static void header(struct pdf *p, const struct bill *b, const char *seller)
{
    party(p, 40, "销售方", "Seller", seller, "");
    party(p, 300, "购买方", "Buyer", b->customer_name, b->customer);
    p->y -= 50;
    char line[256];
    label(p, 40, p->y, "账期", "Period");
    text(p, p->latin, 10, 120, p->y, b->period);
    label(p, 300, p->y, "合同", "Contract");
    snprintf(line, sizeof line, "%s (plan %s)", b->contract, b->plan);
    text(p, p->latin, 10, 380, p->y, line);
    p->y -= 16;
    label(p, 40, p->y, "开具日期", "Issued");
    text(p, p->latin, 10, 120, p->y, b->issued_at[0] ? b->issued_at : "-");
    label(p, 300, p->y, "币种", "Currency");
    text(p, p->latin, 10, 380, p->y, b->currency);
    if (b->credits[0]) {
        p->y -= 16;
        label(p, 40, p->y, "冲销发票", "Credits invoice");
        text(p, p->latin, 10, 160, p->y, b->credits);
    }
    p->y -= 26;
    label(p, 40, p->y, "项目", "Item");
    label(p, 330, p->y, "数量", "Quantity");
    label(p, 430, p->y, "单价", "Unit price");
    label(p, 510, p->y, "金额", "Amount");
    p->y -= 6;
    rule(p, p->y);
    p->y -= 14;
}

static void line_row(struct pdf *p, const struct bill *b, const struct bill_line *l)
{
    char label[256], item[320], qty[64], price[32], amount[32];
    render_line_label(l, label, sizeof label);
    if (l->kind == LINE_USAGE || l->kind == LINE_PRIOR_PERIOD)
        snprintf(item, sizeof item, "%s %s%s%s", l->meter, label, l->adjusts[0] ? " for " : "",
                 l->adjusts);
    else
        snprintf(item, sizeof item, "%s", label);
    render_quantity(l, qty, sizeof qty);
    price[0] = '\0';
    if (l->kind == LINE_USAGE) money_format(l->unit_price, MONEY_PRICE_DIGITS, price, sizeof price);
    money_format(l->amount, b->minor_digits, amount, sizeof amount);
    text(p, p->latin, 8, 40, p->y, item);
    right(p, 8, 420, p->y, qty);
    right(p, 8, 495, p->y, price);
    right(p, 8, 555, p->y, amount);
    p->y -= 13;
}

static void total_row(struct pdf *p, const struct bill *b, const char *zh, const char *en,
                      int64_t v)
{
    char amount[32];
    money_format(v, b->minor_digits, amount, sizeof amount);
    label(p, 330, p->y, zh, en);
    right(p, 10, 555, p->y, amount);
    p->y -= 15;
}

bool pdf_render(const struct bill *b, const char *seller, const char *path)
{
    struct pdf p = {0};
    p.doc = HPDF_New(on_error, &p);
    if (!p.doc) return false;
    HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
    HPDF_UseCNSFonts(p.doc);
    HPDF_UseCNSEncodings(p.doc);
    p.latin = HPDF_GetFont(p.doc, "Helvetica", NULL);
    p.cjk = HPDF_GetFont(p.doc, "SimSun", "GB-EUC-H");
    char title[256];
    snprintf(title, sizeof title, "%s %s", b->number[0] ? b->number : "draft", b->customer);
    HPDF_SetInfoAttr(p.doc, HPDF_INFO_TITLE, title);
    HPDF_SetInfoAttr(p.doc, HPDF_INFO_CREATOR, "gpumeter");
    for (size_t i = 0; !p.failed && (i < b->n || i == 0); i++) {
        if (i % LINES_PER_PAGE == 0) {
            new_page(&p, b);
            header(&p, b, seller);
        }
        if (i < b->n) line_row(&p, b, &b->lines[i]);
    }
    rule(&p, p.y + 6);
    p.y -= 8;
    char rate[32], zh[64], en[96];
    money_format(b->tax_ppm, 4, rate, sizeof rate);
    total_row(&p, b, "小计", "Subtotal", b->subtotal);
    snprintf(zh, sizeof zh, "税额");
    snprintf(en, sizeof en, "Tax %s%%", rate);
    total_row(&p, b, zh, en, b->tax);
    total_row(&p, b, "价税合计", "Total", b->total);
    for (int i = 0; i < b->nclaims; i++)
        if (!b->claims[i].pre_tax) {
            snprintf(en, sizeof en, "Voucher %s", b->claims[i].voucher);
            total_row(&p, b, "算力券抵扣", en, -b->claims[i].amount);
        }
    total_row(&p, b, "应付金额", "Due from customer", b->due);
    if (b->void_reason[0]) {
        label(&p, 40, p.y - 10, "作废原因", "Void");
        text(&p, p.cjk, 9, 150, p.y - 10, b->void_reason);
    }
    bool ok = !p.failed && HPDF_SaveToFile(p.doc, path) == HPDF_OK && !p.failed;
    HPDF_Free(p.doc);
    return ok;
}
