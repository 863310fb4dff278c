/* store: draft invoices in PostgreSQL (see store.h). */
#include "invoice/store.h"

#include "core/db.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <stdio.h>
#include <string.h>

#define LINE_COLUMNS 14

static bool store_lines(PGconn *conn, const char *invoice_id, const struct bill *b)
{
    struct strbuf arr[LINE_COLUMNS] = {{0}};
    for (int k = 0; k < LINE_COLUMNS; k++)
        db_array_open(&arr[k]);
    for (size_t i = 0; i < b->n; i++) {
        const struct bill_line *l = &b->lines[i];
        db_array_add_int(&arr[0], (int64_t)i + 1);
        db_array_add(&arr[1], line_kind_name(l->kind));
        db_array_add(&arr[2], l->meter[0] ? l->meter : NULL);
        db_array_add(&arr[3], l->model);
        db_array_add_int(&arr[4], l->quantity);
        db_array_add_int(&arr[5], l->unit_price);
        db_array_add_int(&arr[6], l->amount);
        db_array_add(&arr[7], l->band);
        db_array_add_int(&arr[8], l->multiplier_ppm);
        db_array_add(&arr[9], l->site);
        db_array_add_int(&arr[10], l->pue_ppm);
        db_array_add_int(&arr[11], l->override_ppm);
        db_array_add(&arr[12], l->detail);
        char adjusts[16];
        snprintf(adjusts, sizeof adjusts, "%s-01", l->adjusts);
        db_array_add(&arr[13], l->adjusts[0] ? adjusts : NULL);
    }
    const char *p[LINE_COLUMNS + 1] = {invoice_id};
    for (int k = 0; k < LINE_COLUMNS; k++) {
        db_array_close(&arr[k]);
        p[k + 1] = sb_str(&arr[k]);
    }
    bool ok = db_exec(conn, "clear draft invoice lines",
                      "DELETE FROM invoice_line WHERE invoice_id = $1", 1, p) &&
              db_exec(conn, "write invoice lines",
                      "INSERT INTO invoice_line (invoice_id, line_no, kind, meter, model, "
                      "quantity, unit_price, amount, band, multiplier_ppm, site, pue_ppm, "
                      "override_ppm, detail, adjusts) SELECT $1, * FROM unnest($2::int[], "
                      "$3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], "
                      "$8::bigint[], $9::text[], $10::bigint[], $11::text[], $12::bigint[], "
                      "$13::bigint[], $14::text[], $15::date[])",
                      LINE_COLUMNS + 1, p);
    for (int k = 0; k < LINE_COLUMNS; k++)
        sb_free(&arr[k]);
    return ok;
}

/* The draft's commitment ledger rows and voucher redemptions, rewritten. */
static bool store_ledgers(PGconn *conn, const char *invoice_id, const char *first_day,
                          const struct bill *b)
{
    struct strbuf a[7] = {{0}};
    for (int k = 0; k < 7; k++)
        db_array_open(&a[k]);
    for (int i = 0; i < b->nledger; i++) {
        const struct ledger_row *r = &b->ledger[i];
        char month[48];
        snprintf(month, sizeof month, "%04lld-%02lld-01", (long long)(1970 + r->entry_period / 12),
                 (long long)(r->entry_period % 12 + 1));
        db_array_add(&a[0], month);
        db_array_add(&a[1], r->kind);
        db_array_add_int(&a[2], r->units);
        db_array_add_int(&a[3], r->value);
    }
    for (int i = 0; i < b->nclaims; i++) {
        db_array_add(&a[4], b->claims[i].voucher);
        db_array_add(&a[5], b->claims[i].program);
        db_array_add_int(&a[6], b->claims[i].amount);
    }
    const char *p[10] = {b->customer, first_day};
    for (int k = 0; k < 7; k++) {
        db_array_close(&a[k]);
        p[k + 2] = sb_str(&a[k]);
    }
    p[9] = invoice_id;
    const char *id[] = {invoice_id};
    bool ok =
        db_exec(conn, "clear the draft's commitment ledger",
                "DELETE FROM commitment_ledger WHERE invoice_id = $1", 1, id) &&
        db_exec(conn, "clear the draft's voucher redemptions",
                "DELETE FROM voucher_redemption WHERE invoice_id = $1", 1, id) &&
        db_exec(conn, "write the commitment ledger and voucher redemptions",
                "WITH c AS (SELECT id FROM customer WHERE code = $1), "
                "l AS (INSERT INTO commitment_ledger (customer_id, period, entry_period, kind, "
                "      units, value, invoice_id) SELECT c.id, $2::date, u.*, $10 FROM c, "
                "      unnest($3::date[], $4::text[], $5::bigint[], $6::bigint[]) u) "
                "INSERT INTO voucher_redemption (voucher, program, customer_id, period, amount, "
                "invoice_id) SELECT u.v, u.p, c.id, $2::date, u.a, $10 FROM c, "
                "unnest($7::text[], $8::text[], $9::bigint[]) u(v, p, a)",
                10, p);
    for (int k = 0; k < 7; k++)
        sb_free(&a[k]);
    return ok;
}

bool invoice_store(PGconn *conn, const char *first_day, const struct bill *b)
{
    char tax_ppm[24], sub[24], tax[24], total[24], claimed[24], due[24];
    snprintf(tax_ppm, sizeof tax_ppm, "%lld", (long long)b->tax_ppm);
    snprintf(sub, sizeof sub, "%lld", (long long)b->subtotal);
    snprintf(tax, sizeof tax, "%lld", (long long)b->tax);
    snprintf(total, sizeof total, "%lld", (long long)b->total);
    snprintf(claimed, sizeof claimed, "%lld", (long long)b->claimed);
    snprintf(due, sizeof due, "%lld", (long long)b->due);
    const char *p[] = {b->customer, first_day, b->currency, tax_ppm,     sub,    tax,
                       total,       claimed,   due,         b->contract, b->plan};
    PGresult *res = db_query(
        conn, "write the draft invoice",
        "INSERT INTO invoice AS i (customer_id, period, currency, tax_rate_ppm, subtotal, tax, "
        "total, claimed, due, contract, plan) SELECT id, $2::date, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11 FROM customer WHERE code = $1 "
        "ON CONFLICT (customer_id, period) WHERE kind = 'invoice' AND status <> 'void' "
        "DO UPDATE SET currency = excluded.currency, "
        "tax_rate_ppm = excluded.tax_rate_ppm, subtotal = excluded.subtotal, "
        "tax = excluded.tax, total = excluded.total, claimed = excluded.claimed, "
        "due = excluded.due, contract = excluded.contract, plan = excluded.plan, "
        "updated_at = now() WHERE i.status = 'draft' RETURNING id",
        11, p);
    if (!res) return false;
    bool ok = PQntuples(res) != 1 || (store_lines(conn, PQgetvalue(res, 0, 0), b) &&
                                      store_ledgers(conn, PQgetvalue(res, 0, 0), first_day, b));
    PQclear(res);
    return ok;
}

/* Header columns 0..18, line columns 19..31; $1 the invoice id. */
static const char show_sql[] =
    "SELECT c.code, c.name, i.plan, i.currency, cur.minor_digits, i.tax_rate_ppm, "
    "       to_char(i.period, 'YYYY-MM'), i.status, i.subtotal, i.tax, i.total, i.claimed, "
    "       i.due, i.contract, i.kind, coalesce(i.number, ''), coalesce(cr.number, ''), "
    "       coalesce(to_char(i.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ''), "
    "       coalesce(i.void_reason, ''), "
    "       l.kind, coalesce(l.meter, ''), l.model, l.quantity, "
    "       l.unit_price, l.amount, l.band, l.multiplier_ppm, l.site, l.pue_ppm, "
    "       l.override_ppm, l.detail, coalesce(to_char(l.adjusts, 'YYYY-MM'), '') "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "JOIN currency cur ON cur.code = i.currency "
    "LEFT JOIN invoice cr ON cr.id = i.credits "
    "LEFT JOIN invoice_line l ON l.invoice_id = i.id "
    "WHERE i.id = $1 ORDER BY l.line_no";

static const char claims_sql[] =
    "SELECT r.voucher, r.program, r.amount, d.document->>'applies' = 'pre_tax' "
    "FROM voucher_redemption r "
    "LEFT JOIN document d ON d.kind = 'voucher' AND d.code = r.voucher "
    "WHERE r.invoice_id = $1 AND NOT r.reversal ORDER BY r.voucher";

static void cell(char *dst, size_t cap, const PGresult *res, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetvalue(res, row, col));
}

static bool read_header(struct bill *b, const PGresult *res)
{
    int64_t digits = 2;
    cell(b->customer, sizeof b->customer, res, 0, 0);
    cell(b->customer_name, sizeof b->customer_name, res, 0, 1);
    cell(b->plan, sizeof b->plan, res, 0, 2);
    cell(b->currency, sizeof b->currency, res, 0, 3);
    cell(b->period, sizeof b->period, res, 0, 6);
    cell(b->status, sizeof b->status, res, 0, 7);
    cell(b->contract, sizeof b->contract, res, 0, 13);
    cell(b->kind, sizeof b->kind, res, 0, 14);
    cell(b->number, sizeof b->number, res, 0, 15);
    cell(b->credits, sizeof b->credits, res, 0, 16);
    cell(b->issued_at, sizeof b->issued_at, res, 0, 17);
    cell(b->void_reason, sizeof b->void_reason, res, 0, 18);
    bool ok = db_get_int64(res, 0, 4, &digits) && db_get_int64(res, 0, 5, &b->tax_ppm) &&
              db_get_int64(res, 0, 8, &b->subtotal) && db_get_int64(res, 0, 9, &b->tax) &&
              db_get_int64(res, 0, 10, &b->total) && db_get_int64(res, 0, 11, &b->claimed) &&
              db_get_int64(res, 0, 12, &b->due);
    b->minor_digits = (int)digits;
    return ok;
}

static bool read_line(struct bill *b, const PGresult *res, int row)
{
    struct bill_line *l = bill_add_line(b);
    cell(l->meter, sizeof l->meter, res, row, 20);
    cell(l->model, sizeof l->model, res, row, 21);
    cell(l->band, sizeof l->band, res, row, 25);
    cell(l->site, sizeof l->site, res, row, 27);
    cell(l->detail, sizeof l->detail, res, row, 30);
    cell(l->adjusts, sizeof l->adjusts, res, row, 31);
    return line_kind_parse(PQgetvalue(res, row, 19), &l->kind) &&
           db_get_int64(res, row, 22, &l->quantity) && db_get_int64(res, row, 23, &l->unit_price) &&
           db_get_int64(res, row, 24, &l->amount) &&
           db_get_int64(res, row, 26, &l->multiplier_ppm) &&
           db_get_int64(res, row, 28, &l->pue_ppm) && db_get_int64(res, row, 29, &l->override_ppm);
}

static bool read_claims(PGconn *conn, struct bill *b, const char *const *id)
{
    PGresult *res = db_query(conn, "read the voucher claims", claims_sql, 1, id);
    bool ok = res != NULL;
    for (int i = 0; ok && i < PQntuples(res) && i < BILL_MAX_CLAIMS; i++) {
        struct voucher_claim *c = &b->claims[b->nclaims++];
        cell(c->voucher, sizeof c->voucher, res, i, 0);
        cell(c->program, sizeof c->program, res, i, 1);
        c->pre_tax = PQgetvalue(res, i, 3)[0] == 't';
        ok = db_get_int64(res, i, 2, &c->amount);
    }
    PQclear(res);
    return ok;
}

bool invoice_load(PGconn *conn, const char *number, const char *customer, const char *first_day,
                  struct bill *b)
{
    const char *p[] = {number, customer, first_day};
    PGresult *idr = db_query(conn, "find the invoice",
                             "SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id "
                             "WHERE ($1::text IS NOT NULL AND i.number = $1) OR ($1::text IS NULL "
                             "AND c.code = $2 AND i.period = $3::date AND i.kind = 'invoice' "
                             "AND i.status <> 'void')",
                             3, p);
    if (!idr) return false;
    if (PQntuples(idr) != 1) {
        if (number)
            log_error("no invoice numbered \"%s\"", number);
        else
            log_error("no invoice for customer \"%s\" in %.7s", customer, first_day);
        PQclear(idr);
        return false;
    }
    const char *id[] = {PQgetvalue(idr, 0, 0)};
    PGresult *res = db_query(conn, "read the invoice", show_sql, 1, id);
    bool ok = res && read_header(b, res);
    int64_t sum = 0, claimed = 0;
    for (int row = 0; ok && row < PQntuples(res); row++)
        if (!PQgetisnull(res, row, 19)) {
            ok = read_line(b, res, row);
            sum += ok ? b->lines[b->n - 1].amount : 0;
        }
    PQclear(res);
    ok = ok && read_claims(conn, b, id);
    PQclear(idr);
    for (int i = 0; ok && i < b->nclaims; i++)
        claimed += b->claims[i].pre_tax ? 0 : b->claims[i].amount;
    if (!strcmp(b->kind, "credit_note")) claimed = b->claimed; /* its claims stay on the invoice */
    if (ok && (sum != b->subtotal || b->subtotal + b->tax != b->total || claimed != b->claimed ||
               b->claimed + b->due != b->total)) {
        log_error("stored invoice of customer \"%s\" for %s does not add up", b->customer,
                  b->period);
        log_detail("Lines sum to %lld, subtotal is %lld, tax %lld, total %lld, claimed %lld of "
                   "%lld in redemptions, due %lld (minor units).",
                   (long long)sum, (long long)b->subtotal, (long long)b->tax, (long long)b->total,
                   (long long)b->claimed, (long long)claimed, (long long)b->due);
        ok = false;
    }
    return ok;
}
