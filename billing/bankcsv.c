/* bankcsv: a domestic bank's CSV export into statement entries
 * (bankcsv.h). Each column is known by one of the names Chinese banks'
 * corporate online banking gives it (the table below; docs/payments.md);
 * a unit in brackets after a name ("贷方发生额(元)") is ignored. */
#include "billing/bankcsv.h"

#include "core/alloc.h"
#include "core/csv.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "core/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col { DATE, REF, CREDIT, DEBIT, CURRENCY, NAME, PAYER_ACCOUNT, FEE, OWN_ACCOUNT, REMIT, NCOL };

static const char *const names[NCOL][6] = {
    [DATE] = {"交易日期", "记账日期", "入账日期"},
    [REF] = {"交易流水号", "流水号", "银行流水号", "交易参考号"},
    [CREDIT] = {"贷方金额", "贷方发生额", "收入金额"},
    [DEBIT] = {"借方金额", "借方发生额", "支出金额"},
    [CURRENCY] = {"币种"},
    [NAME] = {"对方户名", "对方名称", "对方账户名称"},
    [PAYER_ACCOUNT] = {"对方账号", "对方账户"},
    [FEE] = {"手续费"},
    [OWN_ACCOUNT] = {"本方账号"},
    [REMIT] = {"摘要", "附言", "用途", "备注", "交易附言"},
};

/* The currency names banks write, as ISO 4217 codes. */
static const char *const currency_names[][2] = {
    {"人民币", "CNY"}, {"RMB", "CNY"}, {"美元", "USD"}, {"港币", "HKD"},
    {"港元", "HKD"},   {"欧元", "EUR"}, {"日元", "JPY"},
};

struct layout {
    int col[NCOL];  /* the column of each role, -1 when absent */
    char name[NCOL][128]; /* its name in this export, for messages */
    int remit[8];   /* every remittance column, in order */
    int nremit;
};

static bool refuse(char *error, size_t cap, size_t line, const char *column, const char *why)
{
    if (line) snprintf(error, cap, "line %zu%s%s: %s", line, column ? ", " : "", column ? column : "",
                       why);
    else snprintf(error, cap, "/: %s", why);
    return false;
}

/* A header name without blanks around it nor a bracketed unit after it. */
static void header_name(const char *s, char *out, size_t cap)
{
    snprintf(out, cap, "%s", s + strspn(s, " \t"));
    char *b = strstr(out, "(");
    if (!b) b = strstr(out, "（");
    if (b) *b = 0;
    size_t n = strlen(out);
    while (n && (out[n - 1] == ' ' || out[n - 1] == '\t')) out[--n] = 0;
}

/* Whether row is the header (a date and a credit column): its layout. */
static bool header(const struct csv_row *row, struct layout *l)
{
    for (int c = 0; c < NCOL; c++) {
        l->col[c] = -1;
        snprintf(l->name[c], sizeof l->name[c], "%s", names[c][0]);
    }
    l->nremit = 0;
    for (size_t i = 0; i < row->n; i++) {
        char name[128];
        header_name(row->field[i], name, sizeof name);
        for (int c = 0; c < NCOL; c++)
            for (int k = 0; names[c][k]; k++) {
                if (strcmp(name, names[c][k])) continue;
                if (c == REMIT && l->nremit < 8) {
                    l->remit[l->nremit++] = (int)i;
                } else if (c != REMIT && l->col[c] < 0) {
                    l->col[c] = (int)i;
                    snprintf(l->name[c], sizeof l->name[c], "%s", name);
                }
            }
    }
    return l->col[DATE] >= 0 && l->col[CREDIT] >= 0;
}

static const char *cell(const struct csv_row *row, int col)
{
    if (col < 0 || (size_t)col >= row->n) return "";
    return row->field[col] + strspn(row->field[col], " \t");
}

/* "1,234.56" as banks print amounts, without its thousands separators
 * (groups of three digits after one to three); anything else as it is,
 * for camt_amount to judge. */
static void plain_amount(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s), k = 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    size_t whole = strcspn(s, ".");
    if (whole > n) whole = n;
    bool grouped = memchr(s, ',', whole) != NULL;
    size_t first = strcspn(s, ",");
    grouped = grouped && first >= 1 && first <= 3 && (whole - first) % 4 == 0;
    for (size_t i = first; grouped && i < whole; i++)
        grouped = ((i - first) % 4 == 0) == (s[i] == ',') && (s[i] == ',' || (s[i] >= '0' && s[i] <= '9'));
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        if (!(grouped && i < whole && s[i] == ',')) out[k++] = s[i];
    out[k] = 0;
}

/* An amount cell in minor units (0 for an empty cell); false after
 * writing why into error. */
static bool amount_cell(const char *text, int digits, const char *currency, size_t line,
                        const char *column, int64_t *minor, char *error, size_t cap)
{
    char plain[64], why[160];
    *minor = 0;
    if (!*text) return true;
    if (strlen(text) >= sizeof plain) {
        snprintf(why, sizeof why, "\"%.40s...\" is too large", text);
        return refuse(error, cap, line, column, why);
    }
    plain_amount(text, plain, sizeof plain);
    const char *bad = camt_amount(plain, digits, currency, minor, why, sizeof why);
    return bad ? refuse(error, cap, line, column, bad) : true;
}

/* YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD, a time after it ignored. */
static bool date_cell(const char *text, char out[11])
{
    char d[11];
    if (strlen(text) >= 10 && (text[4] == '-' || text[4] == '/') && text[7] == text[4])
        snprintf(d, sizeof d, "%.4s-%.2s-%.2s", text, text + 5, text + 8);
    else if (strlen(text) >= 8 && strspn(text, "0123456789") == 8)
        snprintf(d, sizeof d, "%.4s-%.2s-%.2s", text, text + 4, text + 6);
    else return false;
    size_t used = text[4] == '-' || text[4] == '/' ? 10 : 8;
    int64_t days;
    if ((text[used] && text[used] != ' ' && text[used] != 'T') || !time_parse_date(d, &days))
        return false;
    memcpy(out, d, 11);
    return true;
}

static const char *currency_code(const char *s)
{
    for (size_t i = 0; i < sizeof currency_names / sizeof *currency_names; i++)
        if (!strcmp(s, currency_names[i][0])) return currency_names[i][1];
    return s;
}

static bool entry(const struct csv_row *row, const struct layout *l, size_t line,
                  const char *account, camt_digits_fn digits, void *ctx, struct bank_entry *e,
                  char *error, size_t cap)
{
    char path[32];
    snprintf(path, sizeof path, "line %zu", line);
    e->path = xstrdup(path);
    const char *own = cell(row, l->col[OWN_ACCOUNT]);
    if (!*own && !account)
        return refuse(error, cap, line, "本方账号", "no account: name it with --account");
    e->account = xstrdup(*own ? own : account);
    if (!date_cell(cell(row, l->col[DATE]), e->booked_on))
        return refuse(error, cap, line, l->name[DATE], "not a date (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)");
    const char *cur = l->col[CURRENCY] >= 0 ? currency_code(cell(row, l->col[CURRENCY])) : "CNY";
    int d = strlen(cur) == 3 ? digits(cur, ctx) : -1;
    if (d < 0) {
        char why[64];
        snprintf(why, sizeof why, "unknown currency \"%.16s\"", cur);
        return refuse(error, cap, line, l->name[CURRENCY], why);
    }
    snprintf(e->currency, sizeof e->currency, "%s", cur);
    int64_t credit, debit;
    if (!amount_cell(cell(row, l->col[CREDIT]), d, cur, line, l->name[CREDIT], &credit, error,
                     cap) ||
        !amount_cell(cell(row, l->col[DEBIT]), d, cur, line, l->name[DEBIT], &debit, error, cap) ||
        !amount_cell(cell(row, l->col[FEE]), d, cur, line, l->name[FEE], &e->charges_minor, error,
                     cap))
        return false;
    if ((credit > 0) == (debit > 0)) {
        char why[320];
        snprintf(why, sizeof why, "one of %s and %s is above 0, not both nor neither",
                 l->name[CREDIT], l->name[DEBIT]);
        return refuse(error, cap, line, NULL, why);
    }
    e->credit = credit > 0;
    e->amount_minor = credit > 0 ? credit : debit;
    e->booked = true;
    const char *ref = cell(row, l->col[REF]);
    e->bank_ref = *ref ? xstrdup(ref) : NULL;
    if (e->credit && !e->bank_ref)
        return refuse(error, cap, line, l->name[REF], "a credit without a bank reference");
    const char *name = cell(row, l->col[NAME]), *payer = cell(row, l->col[PAYER_ACCOUNT]);
    e->debtor_name = *name ? xstrdup(name) : NULL;
    e->debtor_account = *payer ? xstrdup(payer) : NULL;
    struct strbuf sb = {0};
    for (int i = 0; i < l->nremit; i++) {
        const char *t = cell(row, l->remit[i]);
        if (!*t) continue;
        if (sb.len) sb_putc(&sb, ' ');
        sb_puts(&sb, t);
    }
    e->remittance = xstrdup(sb_str(&sb));
    sb_free(&sb);
    return true;
}

/* GB18030 text as UTF-8, strictly: false on a byte sequence that is not
 * GB18030. */
static bool from_gb18030(const char *in, size_t len, struct strbuf *out)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) return false;
    sb_reserve(out, len * 2 + 4);
    char *src = (char *)in, *dst = out->buf;
    size_t left = len, room = len * 2 + 4;
    bool ok = iconv(cd, &src, &left, &dst, &room) != (size_t)-1 && left == 0;
    iconv_close(cd);
    out->len = (size_t)(dst - out->buf);
    out->buf[out->len] = 0;
    return ok;
}

bool bankcsv_parse(const char *data, size_t len, const char *encoding, const char *account,
                   const char *label, camt_digits_fn digits, void *ctx,
                   struct bank_statement_file *out, char *error, size_t cap)
{
    memset(out, 0, sizeof *out);
    struct strbuf text = {0};
    if (!strcmp(encoding, "gb18030")) {
        if (!from_gb18030(data, len, &text)) {
            sb_free(&text);
            return refuse(error, cap, 0, NULL, "not GB18030 text");
        }
        data = text.buf;
        len = text.len;
    }
    bool ok = true;
    if (!utf8_valid(data, len))
        ok = refuse(error, cap, 0, NULL, "not valid UTF-8 (a GB18030 export: --encoding gb18030)");
    size_t pos = len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0, line = 0, at;
    struct csv_row row = {0};
    struct layout l;
    const char *why = NULL;
    bool found = false;
    int rc = 0;
    while (ok && (at = line + 1, rc = csv_read_row(data, len, &pos, &line, &row, &why)) == 1) {
        bool blank = true;
        for (size_t i = 0; i < row.n && blank; i++) blank = !*cell(&row, (int)i);
        if (blank) continue;
        if (!found) {
            found = header(&row, &l);
            continue;
        }
        /* the bank's totals line ends the transactions */
        if (!strncmp(cell(&row, 0), "合计", strlen("合计")) ||
            !strncmp(cell(&row, 0), "总计", strlen("总计")))
            break;
        out->entries = xreallocarray(out->entries, out->n + 1, sizeof *out->entries);
        struct bank_entry *e = &out->entries[out->n++];
        memset(e, 0, sizeof *e);
        ok = entry(&row, &l, at, account, digits, ctx, e, error, cap);
    }
    if (ok && rc < 0) ok = refuse(error, cap, at, NULL, why);
    if (ok && !found)
        ok = refuse(error, cap, 0, NULL,
                    "no header row naming 交易日期 and 贷方金额 (docs/payments.md, \"CSV layout\")");
    if (ok) {
        out->message_id = xstrdup(label);
        out->account = xstrdup(out->n ? out->entries[0].account : account ? account : "-");
    }
    csv_row_free(&row);
    sb_free(&text);
    if (!ok) camt_free(out);
    return ok;
}
