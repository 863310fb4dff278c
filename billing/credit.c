/* credit: `gpumeter invoice credit`, a partial credit note (销售折让, a
 * partial 红冲) against an issued invoice that stands.
 *
 * The credit is an amount before tax, spread over the invoice's lines in
 * proportion to what each still bills (money_split), or chosen lines, whole
 * or a quantity of them. Each of its lines is taxed once and stored
 * (credit_line_tax): the credit notes of an invoice line are taxed
 * together, as one amount rounded once, each taking the difference; the
 * credit note's tax is the sum. So the red fapiaos reverse the blue line
 * taxes exactly, line by line, never more, and no fen is stranded. The invoice
 * row is held (FOR UPDATE) from the first read of what remains to the
 * commit; void holds the same row, so two credits, or a credit and a void,
 * racing on one invoice never credit more than it billed. The credit note
 * is numbered in the CN series and audited ('credit') in the same
 * transaction. docs/invoices.md, "Partial credit notes". */
#include "billing/credit.h"

#include "billing/etax.h"
#include "billing/lifecycle.h"
#include "billing/store.h"

#include "core/alloc.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/decimal.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/units.h"
#include "core/meter.h"
#include "pricing/bill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The invoice credited (held by lock_sql first: a statement that waited
 * for the lock would still sum the credit notes as they stood before), id, status, kind, tax rate,
 * minor digits, currency, and what remains of its subtotal, tax and total
 * after the credit notes issued against it. */
static const char lock_sql[] = "SELECT 1 FROM invoice WHERE number = $1 FOR UPDATE";
static const char hold_sql[] =
    "WITH i AS (SELECT i.id, i.status, i.kind, i.tax_rate_ppm, i.currency, i.subtotal, i.tax, "
    "                  i.total FROM invoice i WHERE i.number = $1) "
    "SELECT i.id, i.status, i.kind, i.tax_rate_ppm, cur.minor_digits, i.currency, "
    "       i.subtotal + coalesce(c.s, 0), i.tax + coalesce(c.t, 0), i.total + coalesce(c.n, 0) "
    "FROM i JOIN currency cur ON cur.code = i.currency "
    "LEFT JOIN LATERAL (SELECT sum(subtotal) s, sum(tax) t, sum(total) n FROM invoice "
    "                   WHERE credits = i.id AND status = 'issued') c ON true";

/* The invoice's lines and what remains of each (line_no, kind, meter,
 * quantity, amount, tax): the line less what credit notes took of it. */
static const char remaining_lines_sql[] =
    "SELECT r.line_no, r.kind, coalesce(r.meter, ''), r.rem_quantity, r.rem_amount, r.rem_tax, "
    "       r.amount, r.billed_tax "
    "FROM " REMAINING_LINES_SQL " r ORDER BY r.line_no";

/* The credit note of invoice $1 as a draft (numbered next): $2 subtotal,
 * $3 tax, $4 total, $5 code, $6 note; its lines ($7 line numbers, $8
 * quantities, $9 amounts, $10 taxes) are the invoice's lines with those. */
static const char write_sql[] =
    "WITH cn AS (INSERT INTO invoice (customer_id, period, status, currency, tax_rate_ppm, "
    "  subtotal, tax, total, claimed, due, contract, plan, kind, credits, credit_code, "
    "  credit_reason) SELECT customer_id, period, 'draft', currency, tax_rate_ppm, $2, $3, $4, "
    "  0, $4, contract, plan, 'credit_note', id, $5, $6 FROM invoice WHERE id = $1 "
    "  RETURNING id), "
    "l AS (INSERT INTO invoice_line (invoice_id, line_no, kind, meter, model, quantity, "
    "  unit_price, amount, band, multiplier_ppm, site, pue_ppm, override_ppm, detail, adjusts, "
    "  tax) "
    "  SELECT cn.id, l.line_no, l.kind, l.meter, l.model, u.q, l.unit_price, u.a, l.band, "
    "         l.multiplier_ppm, l.site, l.pue_ppm, l.override_ppm, l.detail, l.adjusts, u.t "
    "  FROM cn, unnest($7::int[], $8::bigint[], $9::bigint[], $10::bigint[]) u(n, q, a, t) "
    "  JOIN invoice_line l ON l.invoice_id = $1 AND l.line_no = u.n) "
    "SELECT id FROM cn";

struct line {
    int no;
    char kind[24], meter[16];
    int64_t quantity, amount, tax; /* what remains */
    int64_t billed, billed_tax;    /* the invoice line's own amount and tax */
    int64_t credit_q, credit_a, credit_t; /* what this credit takes (negative), 0 if nothing */
    bool chosen;
};

struct credit {
    const char *invoice;
    int digits;
    int64_t tax_ppm, rem_sub, rem_tax, rem_total;
    struct line *lines;
    int n;
};

/* The reason: a code 01..04 or its name as the tax system writes it. */
static const char *reason_code(const char *s)
{
    static const char *const codes[] = {"01", "02", "03", "04"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, codes[i]) || !strcmp(s, etax_reason_name(codes[i]))) return codes[i];
    return NULL;
}

/* A quantity in the line's price unit (GPU-hours, million tokens, kWh, GiB-hours) as
 * base units, exactly; false if it is not a whole number of base units. */
static bool quantity_base(const char *text, const char *meter, int64_t *out)
{
    const struct meter_units *u = meter_units(meter);
    int64_t micro = 0;
    if (!u || !decimal_parse(text, strlen(text), MONEY_PRICE_DIGITS, DECIMAL_EXACT, &micro))
        return false;
    __int128 units = (__int128)micro * u->per_price;
    if (units % MONEY_PRICE_SCALE || units / MONEY_PRICE_SCALE > INT64_MAX) return false;
    *out = (int64_t)(units / MONEY_PRICE_SCALE);
    return *out > 0;
}

static struct line *find_line(struct credit *c, int no)
{
    for (int i = 0; i < c->n; i++)
        if (c->lines[i].no == no) return &c->lines[i];
    return NULL;
}

/* Spreads amount (minor units, > 0) over the lines in proportion to what
 * each still bills; lines that bill nothing or less than nothing (a voucher
 * discount) take none. */
static bool spread(struct credit *c, int64_t amount)
{
    int64_t *w = xcalloc((size_t)c->n + 1, sizeof *w);
    int64_t *share = xcalloc((size_t)c->n + 1, sizeof *share);
    for (int i = 0; i < c->n; i++)
        w[i] = c->lines[i].amount > 0 ? c->lines[i].amount : 0;
    bool ok = money_split(-amount, w, (size_t)c->n, share);
    if (!ok)
        log_error("%s has no line left that bills anything: nothing remains to credit",
                  c->invoice);
    for (int i = 0; ok && i < c->n; i++) {
        c->lines[i].credit_a = share[i];
        c->lines[i].chosen = share[i] != 0;
    }
    free(w);
    free(share);
    return ok;
}

/* The lines chosen by "N[:QTY],...": false after saying why. */
/* One item of --line: a line number and, optionally, a quantity's text. */
struct pick {
    int no;
    const char *qty; /* NULL: the whole of what remains */
};

/* Parses --line's items, comma-separated, each N (1 to 999999, no sign,
 * space or leading zero) or N:QTY (QTY a plain decimal), before anything is
 * read: a malformed item is named whatever the invoice holds. copy is
 * spec's copy, cut up in place; *picks (freed by the caller) points into it. */
static bool parse_lines(char *copy, const char *spec, struct pick **picks, int *n)
{
    *n = 0;
    *picks = xcalloc(strlen(copy) + 1, sizeof **picks); /* items <= commas + 1 */
    for (char *tok = copy, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = '\0';
        char *qty = strchr(tok, ':');
        if (qty) *qty++ = '\0';
        size_t d = strspn(tok, "0123456789");
        if (d == 0 || d > 6 || tok[d] || tok[0] == '0') {
            log_error("--line \"%s\": \"%s\" is not a line number (1 to 999999)", spec, tok);
            return false;
        }
        if (qty && !money_text_plain(qty)) {
            log_error("--line \"%s\": quantity \"%s\" of line %s is not a plain decimal "
                      "(digits, optionally '.' and more digits)",
                      spec, qty, tok);
            return false;
        }
        (*picks)[*n].no = atoi(tok);
        (*picks)[(*n)++].qty = qty;
    }
    return true;
}

static bool choose(struct credit *c, const struct pick *picks, int n)
{
    bool ok = true;
    for (int i = 0; ok && i < n; i++) {
        int no = picks[i].no;
        const char *qty = picks[i].qty;
        struct line *l = find_line(c, no);
        ok = false;
        if (!l)
            log_error("%s has no line \"%d\": its lines are 1 to %d (invoice show %s)", c->invoice,
                      no, c->n, c->invoice);
        else if (l->chosen)
            log_error("line %d is named twice", no);
        else if (l->amount <= 0)
            log_error("line %d of %s has nothing left to credit (it bills %lld minor units)", no,
                      c->invoice, (long long)l->amount);
        else if (qty && !l->meter[0])
            log_error("line %d of %s (%s) has no quantity: credit it whole, or by --amount", no,
                      c->invoice, l->kind);
        else if (qty && !quantity_base(qty, l->meter, &l->credit_q))
            log_error("line %d: quantity \"%s\" is not a positive quantity in %s, exact to "
                      "the %s",
                      no, qty, meter_units(l->meter)->price_unit, meter_units(l->meter)->base_unit);
        else if (qty && l->credit_q > l->quantity) {
            /* said in the unit the user typed (the price unit), not in base units */
            const struct meter_units *u = meter_units(l->meter);
            char left[32];
            units_format(l->quantity, u->per_price, left, sizeof left);
            log_error("line %d of %s: quantity %s is more than the %s %s it has left", no,
                      c->invoice, qty, left, u->label_en);
        } else
            ok = true;
        if (!ok) break;
        l->chosen = true;
        if (!qty || l->credit_q == l->quantity) { /* the whole of what remains */
            l->credit_q = -l->quantity;
            l->credit_a = -l->amount;
        } else {
            int64_t a = 0;
            ok = money_mul_div_round((unsigned __int128)l->amount, (unsigned __int128)l->credit_q,
                                     (unsigned __int128)l->quantity, &a);
            l->credit_q = -l->credit_q;
            l->credit_a = -a;
        }
    }
    return ok;
}

static bool load(PGconn *conn, const PGresult *inv, struct credit *c)
{
    const char *id[] = {PQgetvalue(inv, 0, 0)};
    PGresult *res = db_query(conn, "read the invoice's lines", remaining_lines_sql, 1, id);
    if (!res) return false;
    c->n = PQntuples(res);
    c->lines = xcalloc((size_t)c->n + 1, sizeof *c->lines);
    bool ok = true;
    for (int i = 0; ok && i < c->n; i++) {
        struct line *l = &c->lines[i];
        int64_t no = 0;
        ok = db_get_int64(res, i, 0, &no) && db_get_int64(res, i, 3, &l->quantity) &&
             db_get_int64(res, i, 4, &l->amount) && db_get_int64(res, i, 5, &l->tax) &&
             db_get_int64(res, i, 6, &l->billed) && db_get_int64(res, i, 7, &l->billed_tax);
        l->no = (int)no;
        snprintf(l->kind, sizeof l->kind, "%s", PQgetvalue(res, i, 1));
        snprintf(l->meter, sizeof l->meter, "%s", PQgetvalue(res, i, 2));
    }
    PQclear(res);
    return ok;
}

/* The tax of what a credit takes of a line (docs/invoices.md, "Each
 * line's tax"): the credit notes of an invoice line are taxed together, as
 * one amount rounded once, and each takes the difference. So this part's
 * tax is the tax of all that is credited of the line with it (its amount x
 * the rate, rounded once: bill_line_tax) less the tax the earlier credit
 * notes took. The red lines of an invoice line never reverse more tax
 * than its blue line bears, however many credits (263 credits of 0.25
 * each rounded up alone would), each stays within a fen of its own amount
 * x the rate, and a credit that takes the rest of the line takes exactly
 * the rest of its tax. */
static bool credit_line_tax(const struct line *l, const struct bill_line *part, int64_t tax_ppm,
                            int64_t *tax)
{
    struct bill_line credited = *part;
    int64_t all;
    /* what remains less what the line billed: the earlier credits (<= 0) */
    credited.amount = l->amount - l->billed + part->amount;
    if (!bill_line_tax(&credited, tax_ppm, &all)) return false;
    *tax = all - (l->tax - l->billed_tax);
    return true;
}

/* The credit note's totals: false after saying why it is refused. */
static bool settle_credit(struct credit *c, struct bill *cn)
{
    char rem[32], sub[32];
    cn->tax_ppm = c->tax_ppm;
    cn->subtotal = cn->tax = 0;
    for (int i = 0; i < c->n; i++) { /* its lines, each taxed once */
        struct line *l = &c->lines[i];
        if (!l->chosen) continue;
        struct bill_line *bl = bill_add_line(cn);
        bool known = bill_kind_parse(l->kind, &bl->kind);
        assert(known); /* the schema's check holds the same kinds */
        (void)known;
        snprintf(bl->meter, sizeof bl->meter, "%s", l->meter);
        bl->quantity = l->credit_q;
        bl->amount = l->credit_a;
        if (!credit_line_tax(l, bl, c->tax_ppm, &l->credit_t) ||
            !money_add(cn->tax, l->credit_t, &cn->tax)) {
            log_error("the credit of line %d cannot be taxed", l->no);
            return false;
        }
        bl->tax = l->credit_t;
        cn->subtotal += l->credit_a;
    }
    money_format(c->rem_sub, c->digits, rem, sizeof rem);
    money_format(-cn->subtotal, c->digits, sub, sizeof sub);
    if (cn->subtotal == 0) {
        log_error("the credit comes to 0.00: nothing to credit");
        return false;
    }
    if (-cn->subtotal > c->rem_sub) {
        log_error("a credit of %s before tax is more than what remains of %s: %s before tax", sub,
                  c->invoice, rem);
        return false;
    }
    if (!money_add(cn->subtotal, cn->tax, &cn->total)) {
        log_error("a credit of %s cannot be taxed", sub);
        return false;
    }
    if (-cn->total > c->rem_total) {
        money_format(c->rem_total, c->digits, rem, sizeof rem);
        log_error("a credit of %s with its tax is more than what remains of %s: %s", sub,
                  c->invoice, rem);
        return false;
    }
    return true;
}

/* Writes, numbers and audits the credit note; its number in number. */
static bool write_credit(PGconn *conn, const struct credit *c, const char *id,
                         const struct bill *cn, const char *const who[3], char *number,
                         size_t cap)
{
    struct strbuf nos, qs, as, ts;
    db_array_open(&nos);
    db_array_open(&qs);
    db_array_open(&as);
    db_array_open(&ts);
    for (int i = 0; i < c->n; i++) {
        if (!c->lines[i].chosen) continue;
        db_array_add_int(&nos, c->lines[i].no);
        db_array_add_int(&qs, c->lines[i].credit_q);
        db_array_add_int(&as, c->lines[i].credit_a);
        db_array_add_int(&ts, c->lines[i].credit_t);
    }
    db_array_close(&nos);
    db_array_close(&qs);
    db_array_close(&as);
    db_array_close(&ts);
    char sub[24], tax[24], total[24], rem[24];
    snprintf(sub, sizeof sub, "%lld", (long long)cn->subtotal);
    snprintf(tax, sizeof tax, "%lld", (long long)cn->tax);
    snprintf(total, sizeof total, "%lld", (long long)cn->total);
    snprintf(rem, sizeof rem, "%lld", (long long)(c->rem_total + cn->total));
    const char *p[] = {id, sub, tax, total, who[1], who[2], sb_str(&nos), sb_str(&qs),
                       sb_str(&as), sb_str(&ts)};
    PGresult *res = db_query(conn, "write the credit note", write_sql, 10, p);
    bool ok = res && PQntuples(res) == 1 &&
              lifecycle_number(conn, PQgetvalue(res, 0, 0), "CN", NULL, number, cap) && number[0];
    char before[24];
    snprintf(before, sizeof before, "%lld", (long long)c->rem_total);
    const char *a[] = {who[0], c->invoice, before, number, who[1], etax_reason_name(who[1]),
                       who[2], sub, tax, total, rem};
    ok = ok &&
         db_exec(conn, "write the audit log",
                 "INSERT INTO audit_log (actor, object, key, action, before, after) "
                 "SELECT $1, 'invoice', $2, 'credit', jsonb_build_object('remaining', $3::bigint), "
                 "jsonb_build_object('credit_note', $4::text, 'code', $5::text, "
                 "'reason', $6::text, "
                 "'note', $7::text, 'subtotal', $8::bigint, 'tax', $9::bigint, 'total', "
                 "$10::bigint, 'remaining', $11::bigint, 'currency', i.currency) "
                 "FROM invoice i WHERE i.number = $2",
                 11, a);
    PQclear(res);
    sb_free(&nos);
    sb_free(&qs);
    sb_free(&as);
    sb_free(&ts);
    return ok;
}

/* Reads what remains of the held invoice; exit code 0 to go on. */
static int check_invoice(const PGresult *inv, const char *number, struct credit *c)
{
    if (PQntuples(inv) != 1) {
        log_error("no invoice numbered \"%s\"", number);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(PQgetvalue(inv, 0, 2), "invoice")) {
        log_error("%s is a credit note: only an invoice is credited", number);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(PQgetvalue(inv, 0, 1), "issued")) {
        log_error("%s is %s: only an issued invoice is credited", number, PQgetvalue(inv, 0, 1));
        return CLI_EXIT_USAGE;
    }
    int64_t digits = 2;
    bool ok = db_get_int64(inv, 0, 3, &c->tax_ppm) && db_get_int64(inv, 0, 4, &digits) &&
              db_get_int64(inv, 0, 6, &c->rem_sub) && db_get_int64(inv, 0, 7, &c->rem_tax) &&
              db_get_int64(inv, 0, 8, &c->rem_total);
    c->digits = (int)digits;
    return ok ? 0 : 1;
}

int lifecycle_credit(int argc, char **argv)
{
    const char *amount = NULL, *lines = NULL, *reason = NULL, *note = "", *actor = NULL;
    const struct cli_opt opts[] = {
        {"amount", CLI_STR, &amount, "X",
         "credit this amount before tax (at most the currency's decimals, > 0), spread over the "
         "lines in proportion",
         0, 0},
        {"line", CLI_STR, &lines, "N[:QTY],...",
         "credit these lines whole, or QTY of a line in its price unit (GPU-hours, million "
         "tokens, kWh, GiB-hours)",
         0, 0},
        {"reason", CLI_STR, &reason, "CODE",
         "the red-letter reason (required): 02 销货退回, 03 服务中止 or 04 销售折让, the code or "
         "the name (01 开票有误 is a full reversal: invoice void)",
         0, 0},
        {"note", CLI_TEXT, &note, "TEXT", "finance's note, printed with the reason", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice credit NUMBER (--amount X | --line N[:QTY],...) --reason CODE "
        "[--note TEXT] [--actor NAME]",
        "Issue a partial credit note against an issued invoice; the invoice stands for what "
        "remains. Audited.",
        opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!amount == !lines) return cli_usage_error(&spec, "give --amount or --line, one of them");
    if (!lifecycle_number_ok(&spec, "NUMBER", argv[1])) return CLI_EXIT_USAGE;
    const char *code = reason ? reason_code(reason) : NULL;
    if (!code) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "--reason \"%s\" is not a red-letter reason: 01 开票有误, 02 销货退回, 03 "
                 "服务中止 or 04 销售折让 (the code or the name)",
                 reason ? reason : "");
        return cli_usage_error(&spec, msg);
    }
    if (!strcmp(code, "01"))
        return cli_usage_error(&spec, "--reason 01 开票有误 reverses a fapiao in full, never in "
                                      "part: void the invoice (invoice void NUMBER --code 01); "
                                      "a partial credit is 02 销货退回, 03 服务中止 or 04 销售折让");
    if (amount && !money_text_plain(amount)) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "--amount \"%.64s\" is not a plain decimal (digits, optionally '.' and more "
                 "digits: 12, 0.5, 12.50)",
                 amount);
        return cli_usage_error(&spec, msg);
    }
    /* parsed whole before the invoice is read: a malformed item is refused
     * as such, never as a line with nothing left */
    char *copy = lines ? xstrdup(lines) : NULL;
    struct pick *picks = NULL;
    int npicks = 0;
    if (lines && !parse_lines(copy, lines, &picks, &npicks)) {
        free(copy);
        free(picks);
        cli_usage(&spec, stderr);
        return CLI_EXIT_USAGE;
    }
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) {
        free(copy);
        free(picks);
        return rc;
    }
    struct credit c = {.invoice = argv[1]};
    struct bill cn = {0};
    PGresult *inv = NULL;
    int64_t minor = 0;
    char number[32] = "";
    rc = 1;
    if (!db_begin(conn) ||
        !db_exec(conn, "hold the invoice", lock_sql, 1, (const char *[]){argv[1]}) ||
        !(inv = db_query(conn, "read what remains of the invoice", hold_sql, 1,
                         (const char *[]){argv[1]})))
        goto out;
    if ((rc = check_invoice(inv, argv[1], &c)) || (rc = 1, !load(conn, inv, &c))) goto out;
    rc = CLI_EXIT_USAGE;
    if (amount && !decimal_parse(amount, strlen(amount), c.digits, DECIMAL_EXACT, &minor)) {
        const char *dot = strchr(amount, '.');
        if (dot && strlen(dot + 1) > (size_t)c.digits)
            log_error("--amount \"%s\" has too many decimals: at most %d decimals", amount,
                      c.digits);
        else
            log_error("--amount \"%s\" is larger than any amount an invoice holds", amount);
        goto out;
    }
    if (amount && minor <= 0) {
        log_error("--amount \"%s\" is not above 0", amount);
        goto out;
    }
    if (amount ? !spread(&c, minor) : !choose(&c, picks, npicks)) goto out;
    if (!settle_credit(&c, &cn)) goto out;
    const char *who[] = {actor ? actor : cfg.actor, code, note};
    rc = 1;
    if (write_credit(conn, &c, PQgetvalue(inv, 0, 0), &cn, who, number, sizeof number) &&
        db_commit(conn)) {
        char sub[32], tax[32], total[32], rem[32];
        money_format(cn.subtotal, c.digits, sub, sizeof sub);
        money_format(cn.tax, c.digits, tax, sizeof tax);
        money_format(cn.total, c.digits, total, sizeof total);
        money_format(c.rem_total + cn.total, c.digits, rem, sizeof rem);
        printf("%s: credit note %s issued: %s + tax %s = %s %s; %s remains\n", argv[1], number,
               sub, tax, total, PQgetvalue(inv, 0, 5), rem);
        rc = 0;
    }
out:
    if (rc) db_rollback(conn);
    PQclear(inv);
    free(c.lines);
    free(copy);
    free(picks);
    bill_free(&cn);
    PQfinish(conn);
    return rc;
}
