/* store: draft invoices in PostgreSQL (see store.h). */
#include "invoice/store.h"

#include "core/db.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <stdio.h>

static bool store_lines(PGconn *conn, const char *invoice_id, const struct bill *b)
{
    struct strbuf arr[8] = {{0}};
    for (int k = 0; k < 8; k++)
        db_array_open(&arr[k]);
    int line_no = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct bill_line *l = &b->lines[i];
        if (!l->billed) continue;
        db_array_add_int(&arr[0], ++line_no);
        db_array_add(&arr[1], l->meter);
        db_array_add(&arr[2], l->model);
        db_array_add_int(&arr[3], l->quantity);
        db_array_add_int(&arr[4], l->unit_price);
        db_array_add_int(&arr[5], l->amount);
        db_array_add(&arr[6], l->band);
        db_array_add_int(&arr[7], l->multiplier_ppm ? l->multiplier_ppm : 1000000);
    }
    const char *p[9] = {invoice_id};
    for (int k = 0; k < 8; k++) {
        db_array_close(&arr[k]);
        p[k + 1] = sb_str(&arr[k]);
    }
    bool ok = db_exec(conn, "clear draft invoice lines",
                      "DELETE FROM invoice_line WHERE invoice_id = $1", 1, p) &&
              db_exec(conn, "write invoice lines",
                      "INSERT INTO invoice_line (invoice_id, line_no, meter, model, quantity, "
                      "unit_price, amount, band, multiplier_ppm) SELECT $1, * FROM unnest("
                      "$2::int[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], "
                      "$7::bigint[], $8::text[], $9::bigint[])",
                      9, p);
    for (int k = 0; k < 8; k++)
        sb_free(&arr[k]);
    return ok;
}

bool invoice_store(PGconn *conn, const char *first_day, const struct bill *b)
{
    char tax_ppm[24], sub[24], tax[24], total[24];
    snprintf(tax_ppm, sizeof tax_ppm, "%lld", (long long)b->tax_ppm);
    snprintf(sub, sizeof sub, "%lld", (long long)b->subtotal);
    snprintf(tax, sizeof tax, "%lld", (long long)b->tax);
    snprintf(total, sizeof total, "%lld", (long long)b->total);
    const char *p[] = {b->customer, first_day, b->currency, tax_ppm, sub, tax, total};
    PGresult *res = db_query(
        conn, "write the draft invoice",
        "INSERT INTO invoice AS i (customer_id, period, currency, tax_rate_ppm, subtotal, tax, "
        "total) SELECT id, $2::date, $3, $4, $5, $6, $7 FROM customer WHERE code = $1 "
        "ON CONFLICT (customer_id, period) DO UPDATE SET currency = excluded.currency, "
        "tax_rate_ppm = excluded.tax_rate_ppm, subtotal = excluded.subtotal, "
        "tax = excluded.tax, total = excluded.total, updated_at = now() "
        "WHERE i.status = 'draft' RETURNING id",
        7, p);
    if (!res) return false;
    bool ok = PQntuples(res) != 1 || store_lines(conn, PQgetvalue(res, 0, 0), b);
    PQclear(res);
    return ok;
}

static const char show_sql[] =
    "SELECT c.code, c.name, pl.code, i.currency, cur.minor_digits, i.tax_rate_ppm, "
    "       to_char(i.period, 'YYYY-MM'), i.status, i.subtotal, i.tax, i.total, "
    "       l.meter, l.model, l.quantity, m.units_per_price, m.base_unit, m.price_unit, "
    "       l.unit_price, l.amount, l.band, l.multiplier_ppm "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "JOIN price_plan pl ON pl.id = c.plan_id JOIN currency cur ON cur.code = i.currency "
    "LEFT JOIN invoice_line l ON l.invoice_id = i.id LEFT JOIN meter m ON m.code = l.meter "
    "WHERE c.code = $1 AND i.period = $2::date ORDER BY l.line_no";

/* Reads a stored invoice into b; checks that its totals equal its lines. */
bool invoice_load(PGconn *conn, const char *customer, const char *first_day, struct bill *b)
{
    const char *p[] = {customer, first_day};
    PGresult *res = db_query(conn, "read the invoice", show_sql, 2, p);
    if (!res) return false;
    bool ok = PQntuples(res) > 0;
    if (!ok) log_error("no invoice for customer \"%s\" in %.7s", customer, first_day);
    int64_t digits = 2, sum = 0;
    for (int row = 0; ok && row < PQntuples(res); row++) {
        if (row == 0) {
            snprintf(b->customer, sizeof b->customer, "%s", PQgetvalue(res, 0, 0));
            snprintf(b->customer_name, sizeof b->customer_name, "%s", PQgetvalue(res, 0, 1));
            snprintf(b->plan, sizeof b->plan, "%s", PQgetvalue(res, 0, 2));
            snprintf(b->currency, sizeof b->currency, "%s", PQgetvalue(res, 0, 3));
            snprintf(b->period, sizeof b->period, "%s", PQgetvalue(res, 0, 6));
            snprintf(b->status, sizeof b->status, "%s", PQgetvalue(res, 0, 7));
            ok = db_get_int64(res, 0, 4, &digits) && db_get_int64(res, 0, 5, &b->tax_ppm) &&
                 db_get_int64(res, 0, 8, &b->subtotal) && db_get_int64(res, 0, 9, &b->tax) &&
                 db_get_int64(res, 0, 10, &b->total);
            b->minor_digits = (int)digits;
        }
        if (PQgetisnull(res, row, 11)) continue;
        struct bill_line *l = bill_add_line(b);
        snprintf(l->meter, sizeof l->meter, "%s", PQgetvalue(res, row, 11));
        snprintf(l->model, sizeof l->model, "%s", PQgetvalue(res, row, 12));
        snprintf(l->base_unit, sizeof l->base_unit, "%s", PQgetvalue(res, row, 15));
        snprintf(l->price_unit, sizeof l->price_unit, "%s", PQgetvalue(res, row, 16));
        l->billed = l->meter_billed = true;
        ok = ok && db_get_int64(res, row, 13, &l->quantity) &&
             db_get_int64(res, row, 14, &l->units_per_price) &&
             db_get_int64(res, row, 17, &l->unit_price) && db_get_int64(res, row, 18, &l->amount) &&
             db_get_int64(res, row, 20, &l->multiplier_ppm);
        snprintf(l->band, sizeof l->band, "%s", PQgetvalue(res, row, 19));
        sum += l->amount;
    }
    PQclear(res);
    if (ok && (sum != b->subtotal || b->subtotal + b->tax != b->total)) {
        log_error("stored invoice for customer \"%s\" in %s does not add up", customer, b->period);
        log_detail("Lines sum to %lld, subtotal is %lld, tax %lld, total %lld (minor units).",
                   (long long)sum, (long long)b->subtotal, (long long)b->tax, (long long)b->total);
        ok = false;
    }
    return ok;
}
