/* prior: prior-period adjustments for late usage (see prior.h). */
#include "invoice/prior.h"

#include "core/db.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* (customer, month) pairs: an issued invoice with usage ingested after it,
 * or the last issued invoice adjusting it, was last refreshed (the window
 * is a day wider than any time zone). */
static const char late_sql[] =
    "SELECT c.code, to_char(i.period, 'YYYY-MM') FROM invoice i "
    "JOIN customer c ON c.id = i.customer_id "
    "WHERE i.kind = 'invoice' AND i.status = 'issued' AND i.period < $1::date "
    "  AND ($2::text IS NULL OR c.code = $2) "
    "  AND EXISTS (SELECT 1 FROM account a JOIN usage_hourly h ON h.account = a.account "
    "      WHERE a.customer_id = i.customer_id AND h.hour >= i.period - 1 "
    "        AND h.hour < i.period + interval '1 month 1 day' "
    "        AND h.last_ingest > greatest(i.updated_at, (SELECT max(j.updated_at) "
    "            FROM invoice j JOIN invoice_line l ON l.invoice_id = j.id "
    "            WHERE j.customer_id = i.customer_id AND j.status = 'issued' "
    "              AND l.adjusts = i.period))) "
    "ORDER BY 2, 1";

/* What was invoiced for month $1 per usage line key: the issued invoice's
 * lines and the prior_period lines of later issued invoices. */
static const char invoiced_sql[] =
    "SELECT c.code, coalesce(l.meter, ''), l.model, l.band, l.site, sum(l.quantity)::bigint, "
    "       sum(l.amount)::bigint "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "JOIN invoice_line l ON l.invoice_id = i.id "
    "WHERE i.kind = 'invoice' AND i.status = 'issued' AND ($2::text IS NULL OR c.code = $2) "
    "  AND ((i.period = $1::date AND l.kind IN ('usage', 'gpu_floor')) "
    "       OR (l.kind = 'prior_period' AND l.adjusts = $1::date)) "
    "GROUP BY 1, 2, 3, 4, 5";

/* prior_period lines of later issued invoices that adjust month $1: a new
 * invoice for the month (after a void) deducts what they already billed. */
static const char billed_later_sql[] =
    "SELECT c.code, coalesce(l.meter, ''), l.model, l.band, l.site, sum(l.quantity)::bigint, "
    "       sum(l.amount)::bigint, string_agg(DISTINCT j.number, ', ') "
    "FROM invoice j JOIN customer c ON c.id = j.customer_id "
    "JOIN invoice_line l ON l.invoice_id = j.id "
    "WHERE j.kind = 'invoice' AND j.status = 'issued' AND l.kind = 'prior_period' "
    "  AND l.adjusts = $1::date AND j.period <> $1::date AND ($2::text IS NULL OR c.code = $2) "
    "GROUP BY 1, 2, 3, 4, 5";

static struct prior_line *add(struct prior_lines *p, const char *customer)
{
    ALLOC_GROW(p->v, p->n, p->cap, 16);
    struct prior_line *l = &p->v[p->n++];
    memset(l, 0, sizeof *l);
    snprintf(l->customer, sizeof l->customer, "%s", customer);
    return l;
}

static bool same_key(const struct bill_line *l, const PGresult *res, int row)
{
    return !strcmp(l->meter, PQgetvalue(res, row, 1)) &&
           !strcmp(l->model, PQgetvalue(res, row, 2)) &&
           !strcmp(l->band, PQgetvalue(res, row, 3)) && !strcmp(l->site, PQgetvalue(res, row, 4));
}

/* The month's usage lines as rated now, for the customers that are late. */
struct rated_now {
    const PGresult *late;
    const char *month;
    struct prior_lines lines;
};

static bool is_late(const PGresult *late, const char *customer, const char *month)
{
    for (int i = 0; i < PQntuples(late); i++)
        if (!strcmp(PQgetvalue(late, i, 0), customer) && !strcmp(PQgetvalue(late, i, 1), month))
            return true;
    return false;
}

static bool collect(struct bill *b, void *opaque)
{
    struct rated_now *r = opaque;
    if (!is_late(r->late, b->customer, r->month)) return true;
    if (b->error[0]) {
        log_warn("late usage of customer \"%s\" in %s cannot be rated again: %s", b->customer,
                 r->month, b->error);
        return true;
    }
    for (size_t i = 0; i < b->n; i++)
        add(&r->lines, b->customer)->line = b->lines[i];
    return true;
}

/* One adjustment line: now minus invoiced, when they differ. */
static void adjust(struct prior_lines *out, const char *customer, const char *month,
                   const struct bill_line *now, const PGresult *inv, int row)
{
    int64_t q = 0, a = 0;
    if (row >= 0) {
        db_get_int64(inv, row, 5, &q);
        db_get_int64(inv, row, 6, &a);
    }
    int64_t dq = (now ? now->quantity : 0) - q, da = (now ? now->amount : 0) - a;
    if (!dq && !da) return;
    struct bill_line *l = &add(out, customer)->line;
    if (now) {
        *l = *now;
    } else {
        snprintf(l->meter, sizeof l->meter, "%s", PQgetvalue(inv, row, 1));
        snprintf(l->model, sizeof l->model, "%s", PQgetvalue(inv, row, 2));
        snprintf(l->band, sizeof l->band, "%s", PQgetvalue(inv, row, 3));
        snprintf(l->site, sizeof l->site, "%s", PQgetvalue(inv, row, 4));
        l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
    }
    l->kind = LINE_PRIOR_PERIOD;
    l->quantity = dq;
    l->training_quantity = 0;
    l->amount = da;
    snprintf(l->adjusts, sizeof l->adjusts, "%s", month);
    snprintf(l->detail, sizeof l->detail, "late usage of %s", month);
}

static bool month_adjustments(PGconn *conn, const PGresult *late, const char *month,
                              const char *customer, struct prior_lines *out)
{
    struct rated_now r = {late, month, {0}};
    char first_day[16];
    time_month_first_day(month, first_day);
    const char *p[] = {first_day, customer};
    PGresult *inv = NULL;
    bool ok = bill_load_usage(conn, month, customer, collect, &r) >= 0 &&
              (inv = db_query_reused(conn, "read what was invoiced", invoiced_sql, 2, p));
    for (size_t i = 0; ok && i < r.lines.n; i++) {
        const struct prior_line *n = &r.lines.v[i];
        int row = -1;
        for (int k = 0; k < PQntuples(inv) && row < 0; k++)
            if (!strcmp(PQgetvalue(inv, k, 0), n->customer) && same_key(&n->line, inv, k)) row = k;
        adjust(out, n->customer, month, &n->line, inv, row);
    }
    for (int k = 0; ok && k < PQntuples(inv); k++) { /* invoiced lines no longer rated */
        const char *c = PQgetvalue(inv, k, 0);
        bool found = !is_late(late, c, month);
        for (size_t i = 0; i < r.lines.n && !found; i++)
            found = !strcmp(r.lines.v[i].customer, c) && same_key(&r.lines.v[i].line, inv, k);
        if (!found) adjust(out, c, month, NULL, inv, k);
    }
    PQclear(inv);
    prior_free(&r.lines);
    return ok;
}

/* Deductions for what later invoices already billed of this month. */
static bool billed_later(PGconn *conn, const char *const *p, struct prior_lines *out)
{
    PGresult *res =
        db_query_reused(conn, "read what later invoices billed", billed_later_sql, 2, p);
    for (int k = 0; res && k < PQntuples(res); k++) {
        struct bill_line *l = &add(out, PQgetvalue(res, k, 0))->line;
        int64_t q = 0, a = 0;
        snprintf(l->meter, sizeof l->meter, "%s", PQgetvalue(res, k, 1));
        snprintf(l->model, sizeof l->model, "%s", PQgetvalue(res, k, 2));
        snprintf(l->band, sizeof l->band, "%s", PQgetvalue(res, k, 3));
        snprintf(l->site, sizeof l->site, "%s", PQgetvalue(res, k, 4));
        db_get_int64(res, k, 5, &q);
        db_get_int64(res, k, 6, &a);
        l->kind = LINE_PRIOR_PERIOD;
        l->quantity = -q;
        l->amount = -a;
        l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
        snprintf(l->adjusts, sizeof l->adjusts, "%.7s", p[0]);
        snprintf(l->detail, sizeof l->detail, "billed on %.100s", PQgetvalue(res, k, 7));
    }
    bool ok = res != NULL;
    PQclear(res);
    return ok;
}

bool prior_load(PGconn *conn, const char *first_day, const char *customer, struct prior_lines *out)
{
    const char *p[] = {first_day, customer};
    PGresult *late = db_query_reused(conn, "look for late usage of issued months", late_sql, 2, p);
    bool ok = late != NULL && billed_later(conn, p, out);
    for (int i = 0; ok && i < PQntuples(late); i++)
        if (i == 0 || strcmp(PQgetvalue(late, i, 1), PQgetvalue(late, i - 1, 1)))
            ok = month_adjustments(conn, late, PQgetvalue(late, i, 1), customer, out);
    PQclear(late);
    return ok;
}

void prior_append(const struct prior_lines *p, struct bill *b)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].customer, b->customer)) *bill_add_line(b) = p->v[i].line;
}

void prior_free(struct prior_lines *p)
{
    free(p->v);
    memset(p, 0, sizeof *p);
}
