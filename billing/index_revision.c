/* index_revision: index revisions after issue, repriced per line kind
 * (see index_revision.h). */
#include "billing/index_revision.h"

#include "billing/late.h"
#include "core/db.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "pricing/bill.h"
#include "pricing/index_link.h"

#include <stdio.h>
#include <string.h>

/* Per customer, month adjusted (the invoice's own, or what a prior_period
 * or index_revision line adjusts), kind, index month, model and currency:
 * the publication its standing lines were last priced at (the newest
 * revision among them) and the terms, against the newest publication now.
 * Rows whose newest value is published (not withheld: an invoice keeps the
 * last value it was priced at until one is) and differs from the one
 * settled. The kind is "usage" for a row with an index link's terms
 * (schema 059), else a fixed-for-floating settlement's, "index_swap". Only
 * months with an invoice that stands: a void month is priced again, at
 * the newest value, when it is invoiced again (and deducts what later
 * invoices billed of it, late.c). */
static const char stale_sql[] =
    "WITH used AS (SELECT c.code, i.customer_id, coalesce(l.adjusts, i.period) AS month, "
    "       CASE WHEN x.lag_months IS NOT NULL THEN 'usage' ELSE 'index_swap' END AS kind, "
    "       x.index_month, x.model, x.currency, max(x.revision) AS settled, "
    "       (array_agg(x.price_micro ORDER BY x.revision DESC))[1] AS settled_price, "
    "       (array_agg(x.lag_months ORDER BY x.revision DESC))[1] AS lag, "
    "       (array_agg(x.spread_micro ORDER BY x.revision DESC))[1] AS spread, "
    "       (array_agg(x.floor_micro ORDER BY x.revision DESC))[1] AS floor, "
    "       (array_agg(x.cap_micro ORDER BY x.revision DESC))[1] AS cap "
    "    FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "    JOIN invoice_line l ON l.invoice_id = i.id "
    "    JOIN invoice_index_use x ON x.invoice_id = l.invoice_id AND x.line_no = l.line_no "
    "    WHERE " INVOICE_STANDS("i.") " AND i.period < $1::date "
    "      AND ($2::text[] IS NULL OR c.code = ANY($2::text[])) "
    "    GROUP BY 1, 2, 3, 4, 5, 6, 7) "
    "SELECT u.kind, to_char(u.month, 'YYYY-MM'), u.code, u.settled_price, n.price_micro, "
    "       u.lag, u.spread, coalesce(u.floor, -1), coalesce(u.cap, -1) "
    "FROM used u CROSS JOIN LATERAL price_index_latest(u.index_month, u.model, u.currency) n "
    "WHERE n.price_micro IS NOT NULL AND n.revision > u.settled "
    "  AND n.price_micro <> u.settled_price AND u.month < $1::date "
    "  AND EXISTS (SELECT 1 FROM invoice s WHERE s.customer_id = u.customer_id "
    "              AND s.period = u.month AND " INVOICE_STANDS("s.") ") "
    "ORDER BY 1, 2, 3";

/* Whether a usage line priced at the index bills differently at the
 * newest value: its unit price under the link's terms changes (a floor
 * or cap that bites both times changes nothing). */
static bool usage_changed(const PGresult *res, int row)
{
    int64_t settled = 0, newest = 0, lag = 0, was = 0, now = 0;
    struct index_link l = {.on = true};
    bool ok = db_get_int64(res, row, 3, &settled) && db_get_int64(res, row, 4, &newest) &&
              db_get_int64(res, row, 5, &lag) && db_get_int64(res, row, 6, &l.spread) &&
              db_get_int64(res, row, 7, &l.floor) && db_get_int64(res, row, 8, &l.cap);
    l.lag_months = (int)lag;
    /* a value whose price does not fit is repriced, and refused there */
    return !ok || !index_link_price(&l, settled, &was) || !index_link_price(&l, newest, &now) ||
           was != now;
}

/* A usage line priced at the index: its month rated again, as late usage. */
static bool usage_reprice(PGconn *conn, const char *month, const char *customers,
                          struct prior_lines *out)
{
    return late_month_adjust(conn, month, customers, LINE_INDEX_REVISION, out);
}

/* How the lines of one kind priced or settled at the index are repriced
 * at the newest publication: the one place per kind. */
struct index_repricing {
    const char *kind; /* as stale_sql names it */
    bool (*changed)(const PGresult *res, int row);
    bool (*reprice)(PGconn *conn, const char *month, const char *customers,
                    struct prior_lines *out);
};
static const struct index_repricing repricings[] = {
    {"usage", usage_changed, usage_reprice},
    /* "index_swap": a contract's fixed-for-floating settlement, repriced
     * with the settlement itself (not built here) */
};

static const struct index_repricing *repricing_of(const char *kind)
{
    for (size_t i = 0; i < sizeof repricings / sizeof repricings[0]; i++)
        if (!strcmp(repricings[i].kind, kind)) return &repricings[i];
    return NULL;
}

/* Whether late usage already rated customer's month again in this run:
 * one of its first n lines of out (late_load's) adjusts it. */
static bool late_rated(const struct prior_lines *out, size_t n, const char *customer,
                       const char *month)
{
    for (size_t i = 0; i < n; i++)
        if (out->v[i].line.kind == LINE_PRIOR_PERIOD && !strcmp(out->v[i].line.adjusts, month) &&
            !strcmp(out->v[i].customer, customer))
            return true;
    return false;
}

bool index_revision_load(PGconn *conn, const char *first_day, const char *customers,
                         struct prior_lines *out)
{
    const char *p[] = {first_day, customers};
    PGresult *res = db_query_reused(conn, "look for index revisions of issued months", stale_sql,
                                    2, p);
    bool ok = res != NULL;
    size_t late = out->n; /* the lines so far are late usage's */
    /* one repricing per kind and month, of its customers (rows come by
     * kind, month, then customer; a customer may come once per model) */
    for (int i = 0; ok && i < PQntuples(res);) {
        const char *kind = PQgetvalue(res, i, 0), *month = PQgetvalue(res, i, 1);
        const struct index_repricing *r = repricing_of(kind);
        struct strbuf who = STRBUF_INIT;
        const char *last = "";
        bool any = false;
        db_array_open(&who);
        for (; i < PQntuples(res) && !strcmp(PQgetvalue(res, i, 0), kind) &&
               !strcmp(PQgetvalue(res, i, 1), month);
             i++) {
            const char *code = PQgetvalue(res, i, 2);
            if (!r) {
                log_warn("the index of customer \"%s\"'s %s lines of %s was revised: no "
                         "repricing of that kind is built, so it is not settled",
                         code, kind, month);
                continue;
            }
            if (!strcmp(code, last) || !r->changed(res, i)) continue;
            if (late_rated(out, late, code, month)) continue;
            db_array_add(&who, code);
            last = code;
            any = true;
        }
        db_array_close(&who);
        if (any) ok = r->reprice(conn, month, sb_str(&who), out);
        sb_free(&who);
    }
    PQclear(res);
    return ok;
}
