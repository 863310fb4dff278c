/* billing: a month's bills with late usage of earlier months, and what an
 * invoice run cannot bill (see billing.h; the month itself is month.c). */
#include "billing/billing.h"

#include "billing/index_revision.h"
#include "billing/late.h"
#include "billing/month.h"
#include "billing/sla_late.h"
#include "billing/owned.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <stdlib.h>

/* Usage of the month, local to its customer's contract, on days or of jobs
 * that no account window of a contract covers (account_window, schema 029).
 * The windows reach two days before the month and two after: zones are
 * up to 26 hours apart (UTC+14 to UTC-12), so the first hour of a month at
 * +14 is the 22nd hour of the day before the day before at -12. Thus an
 * hour of the month in one customer's zone is judged against every row of
 * its account whatever that row's owner's zone; an account whose one
 * whole-job row spans all of that is covered and skipped unread. */
static const char uncovered_sql[] =
    "WITH " CONTRACTS ", "
    "aw AS MATERIALIZED (SELECT a.* FROM k CROSS JOIN LATERAL account_window(k.id, k.tz, "
    "       $1::date - 2, ($1::date + interval '1 month 2 days')::date) a), "
    "whole AS (SELECT account FROM aw WHERE job_prefix = '' AND lo_day = $1::date - 2 "
    "          AND hi_day = ($1::date + interval '1 month 2 days')::date), "
    "acct AS (SELECT DISTINCT a.account, k.tz FROM account a JOIN k ON k.id = a.customer_id "
    "         WHERE a.account NOT IN (SELECT account FROM whole)) "
    "SELECT h.account, count(*), string_agg(DISTINCT h.job, ', ') FROM acct "
    "JOIN usage_hourly h ON h.account = acct.account "
    " AND h.hour >= $1::date::timestamp AT TIME ZONE acct.tz "
    " AND h.hour < ($1::date + interval '1 month')::timestamp AT TIME ZONE acct.tz "
    "WHERE NOT EXISTS (SELECT 1 FROM aw WHERE aw.account = h.account "
    "      AND starts_with(h.job, aw.job_prefix) AND h.hour >= aw.lo AND h.hour < aw.hi) "
    "GROUP BY 1 ORDER BY 1";

struct billing_inputs {
    struct prior_lines prior;
    struct month_inputs *month;
    bool live_health;
};

struct billing_inputs *billing_read(PGconn *conn, const char *period, const char *customer,
                                    const struct plan *proposed)
{
    struct strbuf one = STRBUF_INIT;
    if (customer) {
        db_array_open(&one);
        db_array_add(&one, customer);
        db_array_close(&one);
    }
    const char *customers = customer ? sb_str(&one) : NULL;
    char first_day[16];
    struct billing_inputs *in = xcalloc(1, sizeof *in);
    bool ok = false;
    time_month_first_day(period, first_day);
    /* late usage of earlier months first: it rates those months again
     * (month_load without terms), never this one; then index revisions
     * after issue (index_revision.h), by the same rule; then late health of
     * issued months (sla_late.h), the difference to their SLA credits */
    if (late_load(conn, first_day, customers, &in->prior) &&
        index_revision_load(conn, first_day, customers, &in->prior) &&
        sla_late_load(conn, first_day, customers, &in->prior)) {
        prior_sort(&in->prior);
        in->month = month_read(conn, period, customers, customer, proposed, &in->prior);
        ok = in->month != NULL;
    }
    /* whether the fleet's health may reach these bills: a contract of the
     * customer with an sla, in effect now or in an issued month */
    const char *p[] = {customers};
    PGresult *res =
        ok ? db_query_reused(conn, "look for a contract with an sla",
                             "SELECT EXISTS (SELECT 1 FROM document WHERE kind = 'contract' "
                             "  AND document ? 'sla' AND ($1::text[] IS NULL OR "
                             "  customer = ANY($1::text[])))",
                             1, p)
           : NULL;
    ok = res != NULL;
    in->live_health = !res || PQgetvalue(res, 0, 0)[0] != 'f';
    PQclear(res);
    sb_free(&one);
    if (!ok) {
        billing_inputs_free(in);
        return NULL;
    }
    return in;
}

int billing_price(const struct billing_inputs *in, PGconn *conn, bill_fn fn, void *ctx)
{
    return month_price(in->month, conn, fn, ctx);
}

bool billing_inputs_live_health(const struct billing_inputs *in)
{
    return in->live_health;
}

size_t billing_inputs_bytes(const struct billing_inputs *in)
{
    return sizeof *in + in->prior.n * sizeof *in->prior.v + month_bytes(in->month);
}

void billing_inputs_free(struct billing_inputs *in)
{
    if (!in) return;
    month_free(in->month);
    prior_free(&in->prior);
    free(in);
}

int billing_load(PGconn *conn, const char *period, const char *customer,
                 const struct plan *proposed, bill_fn fn, void *ctx)
{
    struct billing_inputs *in = billing_read(conn, period, customer, proposed);
    int bills = in ? billing_price(in, conn, fn, ctx) : -1;
    billing_inputs_free(in);
    return bills;
}

PGresult *billing_uncovered(PGconn *conn, const char *first_day)
{
    const char *p[] = {first_day, NULL};
    return db_query(conn, "look for usage no contract covers", uncovered_sql, 2, p);
}

/* Four rows per currency zipped from parallel arrays, so a line that has
 * nothing this month still reads 0 (a month whose invoices are all void
 * has a net of 0, not no net). */
#define ISSUED_INVOICE "kind = 'invoice' AND status <> 'draft'"
#define ISSUED_CREDIT_NOTE "kind = 'credit_note' AND status <> 'draft'"
static const char month_money_sql[] =
    "WITH m AS (SELECT currency, "
    "  ARRAY[count(*) FILTER (WHERE status = 'draft'), "
    "        count(*) FILTER (WHERE " ISSUED_INVOICE "), "
    "        count(*) FILTER (WHERE " ISSUED_CREDIT_NOTE "), "
    "        count(*) FILTER (WHERE " INVOICE_NETS("invoice.") ")] AS n, "
    "  ARRAY[coalesce(sum(total) FILTER (WHERE status = 'draft'), 0), "
    "        coalesce(sum(total) FILTER (WHERE " ISSUED_INVOICE "), 0), "
    "        coalesce(sum(total) FILTER (WHERE " ISSUED_CREDIT_NOTE "), 0), "
    "        coalesce(sum(total) FILTER (WHERE " INVOICE_NETS("invoice.") "), 0)]"
    "    ::bigint[] AS total "
    "  FROM invoice WHERE period = $1::date GROUP BY currency) "
    "SELECT l.line, m.currency, l.n, l.total, cur.minor_digits FROM m "
    "CROSS JOIN LATERAL unnest(ARRAY['draft', 'issued', 'credited', 'net'], m.n, m.total) "
    "  WITH ORDINALITY AS l(line, n, total, o) "
    "JOIN currency cur ON cur.code = m.currency ORDER BY m.currency, l.o";

PGresult *billing_month_money(PGconn *conn, const char *first_day)
{
    const char *p[] = {first_day};
    return db_query(conn, "sum the month's invoiced money", month_money_sql, 1, p);
}

PGresult *billing_parked(PGconn *conn)
{
    return db_query(conn, "look for parked usage",
                    "SELECT account, count(*) FROM parked_event GROUP BY account ORDER BY account",
                    0, NULL);
}

int billing_warn_uncovered(PGconn *conn, const char *period)
{
    char first_day[16];
    time_month_first_day(period, first_day);
    PGresult *res = billing_uncovered(conn, first_day);
    if (!res) return -1;
    int n = PQntuples(res);
    for (int i = 0; i < n; i++)
        log_warn(
            "account \"%s\" has %s hourly usage rows in %s that no contract covers (jobs: %s): "
            "not billed",
            PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), period, PQgetvalue(res, i, 2));
    if (n)
        log_hint("Apply a contract whose accounts cover those days and jobs; the next run bills "
                 "them.");
    PQclear(res);
    return n;
}
