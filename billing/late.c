/* late: prior-period lines for late usage, read from the database (see
 * late.h; the comparison itself is pricing/prior.c). */
#include "billing/late.h"

#include "billing/month.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* (customer, month) pairs: an issued invoice with usage ingested after it,
 * or the last issued invoice adjusting it, was last refreshed
 * (invoice_refreshed_at, schema 067: a run that found a draft unchanged
 * left it alone and recorded itself in invoice_refresh; iss.at,
 * computed once per invoice: adj groups the adjusting lines in one pass;
 * the window is a day wider than any time zone). The UTC days whose usage
 * changed since (usage_day_changed, schema 014) pick the candidates from a
 * few rows per invoice; only the hours of those days are then read. An
 * hour ingested after iss.at lies on such a day: the rater writes its
 * last_ingest and its day's changed_at with the same now(). Reading the
 * candidates' whole months instead took most of a month-end run with late
 * usage (bench: 1,000 late customers, 350,000 hourly rows read for 2,000). */
static const char late_sql[] =
    "WITH adj AS MATERIALIZED (SELECT j.customer_id, l.adjusts, "
    "           max(invoice_refreshed_at(j)) AS at "
    "    FROM invoice j JOIN invoice_line l ON l.invoice_id = j.id "
    "    JOIN customer jc ON jc.id = j.customer_id "
    "    WHERE j.status = 'issued' AND l.adjusts IS NOT NULL "
    "      AND ($2::text[] IS NULL OR jc.code = ANY($2::text[])) GROUP BY 1, 2), "
    "iss AS MATERIALIZED (SELECT i.customer_id, c.code, i.period, "
    "           greatest(invoice_refreshed_at(i), adj.at) AS at "
    "    FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "    LEFT JOIN adj ON adj.customer_id = i.customer_id AND adj.adjusts = i.period "
    "    WHERE i.kind = 'invoice' AND i.status = 'issued' AND i.period < $1::date "
    "      AND ($2::text[] IS NULL OR c.code = ANY($2::text[]))), "
    "cand AS MATERIALIZED (SELECT iss.*, d.day FROM iss JOIN usage_day_changed d "
    "    ON d.customer_id = iss.customer_id AND d.day >= iss.period - 1 "
    "      AND d.day < iss.period + interval '1 month 1 day' AND d.changed_at > iss.at) "
    "SELECT DISTINCT cand.code, to_char(cand.period, 'YYYY-MM') FROM cand "
    "WHERE EXISTS (SELECT 1 FROM account a JOIN usage_hourly h ON h.account = a.account "
    "    WHERE a.customer_id = cand.customer_id "
    "      AND h.hour >= cand.day::timestamp AT TIME ZONE 'UTC' "
    "      AND h.hour < (cand.day + 1)::timestamp AT TIME ZONE 'UTC' "
    "      AND h.hour >= cand.period - 1 "
    "      AND h.hour < cand.period + interval '1 month 1 day' AND h.last_ingest > cand.at) "
    "ORDER BY 2, 1";

/* What was invoiced for month $1 per usage line key, for the customers $2:
 * the issued invoice's lines and the prior_period and index_revision lines
 * of later issued invoices (an index revision settled is billed). Usage
 * lines and their adjustments carry a meter; an index_revision line
 * without one settles a revision of a fixed-for-floating settlement
 * (pricing/index_swap.h), and a prior_period line without one deducts
 * such lines from a month invoiced again: no usage, so never compared. */
static const char invoiced_sql[] =
    "SELECT c.code, coalesce(l.meter, ''), l.model, l.band, l.site, sum(l.quantity)::bigint, "
    "       sum(l.amount)::bigint "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "JOIN invoice_line l ON l.invoice_id = i.id "
    "WHERE i.kind = 'invoice' AND i.status = 'issued' AND c.code = ANY($2::text[]) "
    "  AND ((i.period = $1::date AND l.kind IN ('usage', 'gpu_floor')) "
    "       OR (l.kind IN ('prior_period', 'index_revision') AND l.adjusts = $1::date "
    "           AND l.meter IS NOT NULL)) "
    "GROUP BY 1, 2, 3, 4, 5";

/* prior_period and index_revision lines of later issued invoices that
 * adjust month $1: a new invoice for the month (after a void) deducts what
 * they already billed. */
static const char billed_later_sql[] =
    "SELECT c.code, coalesce(l.meter, ''), l.model, l.band, l.site, sum(l.quantity)::bigint, "
    "       sum(l.amount)::bigint, string_agg(DISTINCT j.number, ', ') "
    "FROM invoice j JOIN customer c ON c.id = j.customer_id "
    "JOIN invoice_line l ON l.invoice_id = j.id "
    "WHERE j.kind = 'invoice' AND j.status = 'issued' "
    "  AND l.kind IN ('prior_period', 'index_revision') "
    "  AND l.adjusts = $1::date AND j.period <> $1::date "
    "  AND ($2::text[] IS NULL OR c.code = ANY($2::text[])) "
    "GROUP BY 1, 2, 3, 4, 5";

/* The usage lines a late month rates to now, and the customers whose
 * rating failed (their invoices stand: nothing is credited for them). */
struct rated_now {
    const char *month;
    struct prior_lines lines;
    char (*failed)[129];
    size_t nfailed, failed_cap;
};

static bool collect(struct bill *b, void *opaque)
{
    struct rated_now *r = opaque;
    if (b->error[0]) {
        log_warn("late usage of customer \"%s\" in %s cannot be rated again: %s", b->customer,
                 r->month, b->error);
        ALLOC_GROW(r->failed, r->nfailed, r->failed_cap, 8);
        snprintf(r->failed[r->nfailed++], sizeof r->failed[0], "%s", b->customer);
        return true;
    }
    for (size_t i = 0; i < b->n; i++)
        *prior_add(&r->lines, b->customer) = b->lines[i];
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The month's adjustments for the customers (array literal) late in it. */
static bool month_adjustments(PGconn *conn, const char *month, const char *customers,
                              struct prior_lines *out)
{
    struct rated_now r = {.month = month};
    struct prior_lines invoiced = {0};
    char first_day[16];
    time_month_first_day(month, first_day);
    const char *p[] = {first_day, customers};
    PGresult *inv = NULL;
    bool ok = month_load(conn, month, customers, NULL, NULL, NULL, collect, &r) >= 0 &&
              (inv = db_query_reused(conn, "read what was invoiced", invoiced_sql, 2, p));
    if (r.nfailed) qsort(r.failed, r.nfailed, sizeof r.failed[0], by_name);
    for (int k = 0; ok && k < PQntuples(inv); k++) {
        const char *c = PQgetvalue(inv, k, 0);
        if (r.nfailed && bsearch(c, r.failed, r.nfailed, sizeof r.failed[0], by_name)) continue;
        struct bill_line *l = prior_add(&invoiced, c);
        snprintf(l->meter, sizeof l->meter, "%s", PQgetvalue(inv, k, 1));
        snprintf(l->model, sizeof l->model, "%s", PQgetvalue(inv, k, 2));
        snprintf(l->band, sizeof l->band, "%s", PQgetvalue(inv, k, 3));
        snprintf(l->site, sizeof l->site, "%s", PQgetvalue(inv, k, 4));
        db_get_int64(inv, k, 5, &l->quantity);
        db_get_int64(inv, k, 6, &l->amount);
    }
    if (ok) prior_diff(month, &r.lines, &invoiced, out);
    PQclear(inv);
    prior_free(&r.lines);
    prior_free(&invoiced);
    free(r.failed);
    return ok;
}

bool late_month_adjust(PGconn *conn, const char *month, const char *customers,
                       enum line_kind kind, struct prior_lines *out)
{
    size_t first = out->n;
    if (!month_adjustments(conn, month, customers, out)) return false;
    for (size_t i = first; kind != LINE_PRIOR_PERIOD && i < out->n; i++) {
        struct bill_line *l = &out->v[i].line;
        l->kind = kind;
        snprintf(l->detail, sizeof l->detail, "%s of %s", bill_kind_name(kind), month);
    }
    return true;
}

/* Deductions for what later invoices already billed of this month. */
static bool billed_later(PGconn *conn, const char *const *p, struct prior_lines *out)
{
    PGresult *res =
        db_query_reused(conn, "read what later invoices billed", billed_later_sql, 2, p);
    for (int k = 0; res && k < PQntuples(res); k++) {
        struct bill_line *l = prior_add(out, PQgetvalue(res, k, 0));
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

bool late_load(PGconn *conn, const char *first_day, const char *customers, struct prior_lines *out)
{
    const char *p[] = {first_day, customers};
    PGresult *late = db_query_reused(conn, "look for late usage of issued months", late_sql, 2, p);
    bool ok = late != NULL && billed_later(conn, p, out);
    /* one rating per late month, of its late customers only (rows come by
     * month, then customer) */
    for (int i = 0; ok && i < PQntuples(late);) {
        const char *month = PQgetvalue(late, i, 1);
        struct strbuf who = STRBUF_INIT;
        db_array_open(&who);
        for (; i < PQntuples(late) && !strcmp(PQgetvalue(late, i, 1), month); i++)
            db_array_add(&who, PQgetvalue(late, i, 0));
        db_array_close(&who);
        ok = month_adjustments(conn, month, sb_str(&who), out);
        sb_free(&who);
    }
    PQclear(late);
    prior_sort(out);
    return ok;
}
