/* billing: quantities to money, one pricing path (see billing.h). */
#include "invoice/billing.h"

#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "invoice/charges.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bill_line *bill_add_line(struct bill *b)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->lines = realloc(b->lines, b->cap * sizeof *b->lines);
        if (!b->lines) abort();
    }
    struct bill_line *l = &b->lines[b->n++];
    memset(l, 0, sizeof *l);
    return l;
}

void bill_free(struct bill *b)
{
    free(b->lines);
    b->lines = NULL;
    b->n = b->cap = 0;
}

bool bill_price(struct bill *b, char *err, size_t errlen)
{
    int64_t subtotal = 0;
    if (b->price_error[0]) {
        snprintf(err, errlen, "customer \"%s\": %s", b->customer, b->price_error);
        return false;
    }
    for (size_t i = 0; i < b->n; i++) {
        struct bill_line *l = &b->lines[i];
        if (b->priced) {
            if (!money_add(subtotal, l->amount, &subtotal)) break;
            continue;
        }
        l->amount = 0;
        if (!l->billed && l->meter_billed) {
            snprintf(err, errlen,
                     "plan \"%s\" has no %s price for model \"%s\" used by customer \"%s\"",
                     b->plan, l->meter, l->model, b->customer);
            return false;
        }
        if (!l->billed) continue;
        if (!money_line_amount(l->quantity, l->unit_price, l->units_per_price, b->minor_digits,
                               &l->amount) ||
            !money_add(subtotal, l->amount, &subtotal)) {
            snprintf(err, errlen, "amount of %s %s for customer \"%s\" overflows", l->meter,
                     l->model, b->customer);
            return false;
        }
    }
    b->subtotal = subtotal;
    if (!money_apply_ppm(subtotal, b->tax_ppm, &b->tax) ||
        !money_add(b->subtotal, b->tax, &b->total)) {
        snprintf(err, errlen, "total for customer \"%s\" overflows", b->customer);
        return false;
    }
    return true;
}

/* Customer header columns 0..6, line columns 7..15 (NULL meter: no usage). */
static const char bill_sql[] =
    "SELECT c.code, c.name, pl.code, pl.currency, cur.minor_digits, c.tax_rate_ppm, "
    "       to_char($1::date, 'YYYY-MM'), "
    "       u.meter, u.model, u.quantity, m.units_per_price, m.base_unit, m.price_unit, "
    "       pp.unit_price, "
    "       EXISTS (SELECT 1 FROM plan_price x WHERE x.plan_id = pl.id AND x.meter = u.meter) "
    "FROM customer c "
    "JOIN price_plan pl ON pl.id = c.plan_id "
    "JOIN currency cur ON cur.code = pl.currency "
    "LEFT JOIN LATERAL ( "
    "    SELECT h.meter, h.model, sum(h.quantity)::bigint AS quantity "
    "    FROM account a JOIN usage_hourly h ON h.account = a.account "
    "    WHERE a.customer_id = c.id "
    "      AND h.hour >= $1::date::timestamp AT TIME ZONE c.time_zone "
    "      AND h.hour < ($1::date + interval '1 month')::timestamp AT TIME ZONE c.time_zone "
    "    GROUP BY h.meter, h.model) u ON true "
    "LEFT JOIN meter m ON m.code = u.meter "
    "LEFT JOIN plan_price pp ON pp.plan_id = pl.id AND pp.meter = u.meter AND pp.model = u.model "
    "WHERE ($2::text IS NULL OR c.code = $2) AND ($2::text IS NOT NULL OR u.meter IS NOT NULL) "
    "ORDER BY c.code, u.meter, u.model";

static void copy_cell(char *dst, size_t cap, const PGresult *res, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetvalue(res, row, col));
}

static bool read_line(struct bill *b, const PGresult *res, int row)
{
    struct bill_line *l = bill_add_line(b);
    l->multiplier_ppm = 1000000;
    copy_cell(l->meter, sizeof l->meter, res, row, 7);
    copy_cell(l->model, sizeof l->model, res, row, 8);
    copy_cell(l->base_unit, sizeof l->base_unit, res, row, 11);
    copy_cell(l->price_unit, sizeof l->price_unit, res, row, 12);
    l->billed = !PQgetisnull(res, row, 13);
    l->meter_billed = PQgetvalue(res, row, 14)[0] == 't';
    return db_get_int64(res, row, 9, &l->quantity) &&
           db_get_int64(res, row, 10, &l->units_per_price) &&
           (!l->billed || db_get_int64(res, row, 13, &l->unit_price));
}

static void read_header(struct bill *b, const PGresult *res, int row)
{
    int64_t digits = 2;
    memset(b, 0, sizeof *b);
    copy_cell(b->customer, sizeof b->customer, res, row, 0);
    copy_cell(b->customer_name, sizeof b->customer_name, res, row, 1);
    copy_cell(b->plan, sizeof b->plan, res, row, 2);
    copy_cell(b->currency, sizeof b->currency, res, row, 3);
    db_get_int64(res, row, 4, &digits);
    b->minor_digits = (int)digits;
    db_get_int64(res, row, 5, &b->tax_ppm);
    copy_cell(b->period, sizeof b->period, res, row, 6);
}

static const char version_sql[] =
    "SELECT v.document::text, v.currency, cur.minor_digits FROM plan_version v "
    "JOIN currency cur ON cur.code = v.currency "
    "WHERE v.plan = $1 AND v.effective_from <= $2::date ORDER BY v.effective_from DESC LIMIT 1";

/* meter, model, local hour, model size, quantity, and the meter's units. */
static const char rows_sql[] =
    "SELECT h.meter, h.model, extract(hour FROM h.hour AT TIME ZONE c.time_zone)::int, "
    "       h.model_params, sum(h.quantity)::bigint, m.units_per_price, m.base_unit, "
    "       m.price_unit "
    "FROM customer c JOIN account a ON a.customer_id = c.id "
    "JOIN usage_hourly h ON h.account = a.account JOIN meter m ON m.code = h.meter "
    "WHERE c.code = $1 AND h.hour >= $2::date::timestamp AT TIME ZONE c.time_zone "
    "  AND h.hour < ($2::date + interval '1 month')::timestamp AT TIME ZONE c.time_zone "
    "GROUP BY 1, 2, 3, 4, 6, 7, 8 ORDER BY 1, 2, 3, 4";

/* Reprices b through its plan's document version in effect on first_day,
 * if there is one; false only on a database error. */
static bool apply_document(PGconn *conn, struct bill *b, const char *first_day)
{
    const char *p[] = {b->plan, first_day};
    PGresult *v = db_query(conn, "read the plan version in effect", version_sql, 2, p);
    if (!v) return false;
    if (PQntuples(v) == 0) {
        PQclear(v);
        return true;
    }
    cJSON *doc = cJSON_Parse(PQgetvalue(v, 0, 0));
    static struct plan plan;
    struct doc_check check = {0};
    bool valid = doc && plan_doc_parse(doc, &plan, &check);
    int64_t digits = 2;
    db_get_int64(v, 0, 2, &digits);
    snprintf(b->currency, sizeof b->currency, "%s", PQgetvalue(v, 0, 1));
    b->minor_digits = (int)digits;
    PQclear(v);
    cJSON_Delete(doc);
    sb_free(&check.errors);
    b->priced = true;
    if (!valid) {
        snprintf(b->price_error, sizeof b->price_error, "stored plan %s does not validate",
                 b->plan);
        return true;
    }
    const char *q[] = {b->customer, first_day};
    PGresult *res = db_query(conn, "read usage by local hour", rows_sql, 2, q);
    if (!res) return false;
    int n = PQntuples(res);
    struct usage_row *rows = calloc(n ? (size_t)n : 1, sizeof *rows);
    if (!rows) abort();
    for (int i = 0; i < n; i++) {
        int64_t hour = 0;
        rows[i].meter = PQgetvalue(res, i, 0);
        rows[i].model = PQgetvalue(res, i, 1);
        db_get_int64(res, i, 2, &hour);
        rows[i].local_hour = (int)hour;
        db_get_int64(res, i, 3, &rows[i].model_params);
        db_get_int64(res, i, 4, &rows[i].quantity);
    }
    struct charges c;
    b->n = 0;
    if (plan_charges(&plan, rows, (size_t)n, 1000000, b->minor_digits, &c, b->price_error,
                     sizeof b->price_error)) {
        for (size_t i = 0; i < c.n; i++) {
            struct bill_line *l = bill_add_line(b);
            const struct charge_line *cl = &c.v[i];
            snprintf(l->meter, sizeof l->meter, "%s", cl->meter);
            snprintf(l->model, sizeof l->model, "%s", cl->model);
            snprintf(l->band, sizeof l->band, "%s", cl->band);
            for (int r = 0; r < n; r++) /* the meter's units, from any of its rows */
                if (!strcmp(rows[r].meter, cl->meter)) {
                    snprintf(l->base_unit, sizeof l->base_unit, "%s", PQgetvalue(res, r, 6));
                    snprintf(l->price_unit, sizeof l->price_unit, "%s", PQgetvalue(res, r, 7));
                    db_get_int64(res, r, 5, &l->units_per_price);
                    break;
                }
            l->quantity = cl->quantity;
            l->unit_price = cl->unit_price;
            l->multiplier_ppm = cl->multiplier_ppm;
            l->amount = cl->amount;
            l->billed = l->meter_billed = true;
        }
        charges_free(&c);
    }
    free(rows);
    PQclear(res);
    return true;
}

int bill_load(PGconn *conn, const char *period, const char *customer, bill_fn fn, void *ctx)
{
    char first_day[16];
    snprintf(first_day, sizeof first_day, "%s-01", period);
    const char *p[] = {first_day, customer};
    PGresult *res = db_query(conn, "read usage for billing", bill_sql, 2, p);
    if (!res) return -1;
    int rows = PQntuples(res), bills = 0;
    struct bill b = {0};
    bool ok = true;
    for (int row = 0; ok && row < rows; row++) {
        if (row == 0 || strcmp(PQgetvalue(res, row, 0), b.customer) != 0) {
            if (row > 0) {
                ok = apply_document(conn, &b, first_day) && fn(&b, ctx);
                bill_free(&b);
                bills++;
                if (!ok) break;
            }
            read_header(&b, res, row);
        }
        if (!PQgetisnull(res, row, 7) && !read_line(&b, res, row)) {
            log_error("unreadable usage row for customer \"%s\"", b.customer);
            ok = false;
        }
    }
    if (ok && rows > 0) {
        ok = apply_document(conn, &b, first_day) && fn(&b, ctx);
        bills++;
    }
    bill_free(&b);
    PQclear(res);
    if (ok && customer && rows == 0) {
        log_error("customer \"%s\" does not exist", customer);
        return -1;
    }
    return ok ? bills : -1;
}
