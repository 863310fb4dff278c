/* index_revision: index revisions after issue, repriced per line kind
 * (see index_revision.h). */
#include "billing/index_revision.h"

#include "billing/late.h"
#include "core/db.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "pricing/bill.h"
#include "pricing/index_link.h"
#include "pricing/index_swap.h"

#include <stdio.h>
#include <string.h>

/* The value each customer's month was last settled at (the one
 * definition, for stale_sql and swap_sql): per customer, month adjusted
 * (the invoice's own, or what a prior_period or index_revision line
 * adjusts), kind, index month, model and currency of the invoice_index_use
 * rows of the lines of invoices that stand, of the months `months` picks,
 * the publication those lines were last priced at (the newest revision
 * among them) and its terms. The kind is "usage" for a row with an index
 * link's terms (schema 059), else a fixed-for-floating settlement's,
 * "index_swap" (its line, and the index_revision lines that settle a
 * revision of it). */
#define SETTLED(months)                                                                      \
    "settled AS (SELECT c.code, i.customer_id, coalesce(l.adjusts, i.period) AS month, "     \
    "       CASE WHEN x.lag_months IS NOT NULL THEN 'usage' ELSE 'index_swap' END AS kind, " \
    "       x.index_month, x.model, x.currency, max(x.revision) AS settled, "                \
    "       (array_agg(x.price_micro ORDER BY x.revision DESC))[1] AS settled_price, "       \
    "       (array_agg(x.lag_months ORDER BY x.revision DESC))[1] AS lag, "                  \
    "       (array_agg(x.spread_micro ORDER BY x.revision DESC))[1] AS spread, "             \
    "       (array_agg(x.floor_micro ORDER BY x.revision DESC))[1] AS floor, "               \
    "       (array_agg(x.cap_micro ORDER BY x.revision DESC))[1] AS cap "                    \
    "    FROM invoice i JOIN customer c ON c.id = i.customer_id "                            \
    "    JOIN invoice_line l ON l.invoice_id = i.id "                                        \
    "    JOIN invoice_index_use x ON x.invoice_id = l.invoice_id AND x.line_no = l.line_no " \
    "    WHERE " INVOICE_STANDS("i.") " AND " months                                         \
    "      AND ($2::text[] IS NULL OR c.code = ANY($2::text[])) "                            \
    "    GROUP BY 1, 2, 3, 4, 5, 6, 7) "

/* The groups of SETTLED, of the months before the one billed, whose newest
 * publication now is published (not withheld: an invoice keeps the last
 * value it was priced at until one is) and differs from the one settled.
 * Only months with an invoice that stands: a void month is priced again,
 * at the newest value, when it is invoiced again (and deducts what later
 * invoices billed of it, late.c). */
static const char stale_sql[] =
    "WITH " SETTLED("i.period < $1::date")
    "SELECT u.kind, to_char(u.month, 'YYYY-MM'), u.code, u.settled_price, n.price_micro, "
    "       u.lag, u.spread, coalesce(u.floor, -1), coalesce(u.cap, -1) "
    "FROM settled u CROSS JOIN LATERAL price_index_latest(u.index_month, u.model, u.currency) n "
    "WHERE n.price_micro IS NOT NULL AND n.revision > u.settled "
    "  AND n.price_micro <> u.settled_price AND u.month < $1::date "
    "  AND EXISTS (SELECT 1 FROM invoice s WHERE s.customer_id = u.customer_id "
    "              AND s.period = u.month AND " INVOICE_STANDS("s.") ") "
    "ORDER BY 1, 2, 3";

/* The index_swap lines of month $1's invoice that stands, for the
 * customers $2, each with the value its month was last settled at
 * (SETTLED) and the newest publication of its index month, when that is a
 * later revision with a value and final (a swap settles only at a final
 * determination, as the month's own line does). Read from the stored line,
 * the one record of what was settled: quantity the notional, unit_price
 * the fixed price, model the series; the invoice_index_use row its index
 * month and currency. */
static const char swap_sql[] =
    "WITH " SETTLED("coalesce(l.adjusts, i.period) = $1::date")
    "SELECT c.code, cur.minor_digits, l.model, l.quantity, l.unit_price, "
    "       to_char(x.index_month, 'YYYY-MM'), s.settled, s.settled_price, n.revision, "
    "       to_char(n.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), n.price_micro "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "JOIN currency cur ON cur.code = i.currency "
    "JOIN invoice_line l ON l.invoice_id = i.id AND l.kind = 'index_swap' "
    "JOIN invoice_index_use x ON x.invoice_id = l.invoice_id AND x.line_no = l.line_no "
    "JOIN settled s ON s.customer_id = i.customer_id AND s.kind = 'index_swap' "
    " AND s.index_month = x.index_month AND s.model = x.model AND s.currency = x.currency "
    "CROSS JOIN LATERAL price_index_latest(x.index_month, x.model, x.currency) n "
    "WHERE " INVOICE_STANDS("i.") " AND i.period = $1::date AND c.code = ANY($2::text[]) "
    "  AND n.price_micro IS NOT NULL AND n.status = 'final' AND n.revision > s.settled "
    "ORDER BY c.code COLLATE \"C\", l.line_no";

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

/* A fixed-for-floating settlement: whether it settles differently at the
 * newest value depends on each line's notional and fixed price, so every
 * group is read and swap_reprice makes no line of a difference that
 * rounds to 0. */
static bool swap_changed(const PGresult *res, int row)
{
    (void)res, (void)row;
    return true;
}

/* Each index_swap line of month (YYYY-MM) of the customers (an array
 * literal) settled again at the newest publication of its index month:
 * one index_revision line per line whose settlement changes
 * (index_swap_revision, the difference of two settlements each rounded
 * once), in the customer's line order. */
static bool swap_reprice(PGconn *conn, const char *month, const char *customers,
                         struct prior_lines *out)
{
    char first_day[16];
    time_month_first_day(month, first_day);
    const char *p[] = {first_day, customers};
    PGresult *res = db_query_reused(conn, "read the settlements of a revised index", swap_sql, 2, p);
    bool ok = res != NULL;
    for (int i = 0; ok && i < PQntuples(res); i++) {
        struct index_swap_settled s = {0};
        struct index_fixing f = {.published = true, .final = true};
        int64_t digits = 0, revision = 0, newest = 0;
        snprintf(s.model, sizeof s.model, "%s", PQgetvalue(res, i, 2));
        snprintf(s.index_month, sizeof s.index_month, "%s", PQgetvalue(res, i, 5));
        snprintf(f.month, sizeof f.month, "%s", PQgetvalue(res, i, 5));
        snprintf(f.published_at, sizeof f.published_at, "%s", PQgetvalue(res, i, 9));
        ok = db_get_int64(res, i, 1, &digits) && db_get_int64(res, i, 3, &s.notional_ms) &&
             db_get_int64(res, i, 4, &s.fixed_micro) && db_get_int64(res, i, 6, &revision) &&
             db_get_int64(res, i, 7, &s.price_micro) && db_get_int64(res, i, 8, &newest) &&
             db_get_int64(res, i, 10, &f.price_micro);
        if (!ok) {
            log_error("could not read customer \"%s\"'s settlement of %s", PQgetvalue(res, i, 0),
                      month);
            break;
        }
        s.revision = (int)revision;
        f.revision = (int)newest;
        struct bill_line l;
        if (!index_swap_revision(&s, &f, month, (int)digits, &l)) {
            /* a stored settlement no valid document gives: said, never a
             * wrong line; the invoice stands as issued */
            log_warn("the index revision of customer \"%s\"'s %s settlement of %s does not fit "
                     "an amount: not settled",
                     PQgetvalue(res, i, 0), s.model, month);
            continue;
        }
        if (l.amount) *prior_add(out, PQgetvalue(res, i, 0)) = l; /* 0: settled to the fen */
    }
    PQclear(res);
    return ok;
}

/* How the lines of one kind priced or settled at the index are repriced
 * at the newest publication: the one place per kind. */
struct index_repricing {
    const char *kind; /* as stale_sql names it */
    bool (*changed)(const PGresult *res, int row);
    bool (*reprice)(PGconn *conn, const char *month, const char *customers,
                    struct prior_lines *out);
    /* late usage rates the month's lines of this kind again at the newest
     * value: a month it rated in this run is not repriced twice */
    bool late_usage_reprices;
};
static const struct index_repricing repricings[] = {
    {"usage", usage_changed, usage_reprice, true},
    /* late usage rates usage alone (month_load without terms): a swap's
     * month is settled again here even when late usage rated it */
    {"index_swap", swap_changed, swap_reprice, false},
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
            if (r->late_usage_reprices && late_rated(out, late, code, month)) continue;
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
