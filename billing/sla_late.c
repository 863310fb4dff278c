/* sla_late: late health of issued months as sla_credit adjustments (see
 * sla_late.h; the credit itself is pricing/sla.c). */
#include "billing/sla_late.h"

#include "billing/report_format.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/health_reasons.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "pricing/sla.h"
#include "terms/contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The candidates (customer, month P): P's standing invoice, the time the
 * last invoice that credited P was refreshed (iss.at: invoice_refreshed_at,
 * schema 067, as late usage reads it), and health ingested
 * after it among the windows that may start in P's local month
 * (health_month_last_ingested, schema 051). The newest ingestion of each
 * distinct month is read once (device_health_window's start_at leads), so
 * a run costs one range of health per month with a standing invoice, not
 * one per customer; only the customers whose contract for P has an sla and whose
 * P was refreshed before that ingestion are computed again. What was
 * credited for P so far: every sla_credit line of a standing invoice that
 * is P's own (adjusts empty) or adjusts P. */
static const char candidates_sql[] =
    "WITH iss AS MATERIALIZED (SELECT i.id, i.customer_id, c.code, i.period, "
    "    greatest(invoice_refreshed_at(i), (SELECT max(invoice_refreshed_at(j)) FROM invoice j "
    "      JOIN invoice_line l ON l.invoice_id = j.id "
    "      WHERE " INVOICE_STANDS("j.") " AND j.customer_id = i.customer_id "
    "        AND l.kind = 'sla_credit' AND l.adjusts = i.period)) AS at "
    "  FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "  WHERE " INVOICE_STANDS("i.") " AND i.period < $1::date "
    "    AND ($2::text[] IS NULL OR c.code = ANY($2::text[]))), "
    "per AS MATERIALIZED (SELECT p.period, health_month_last_ingested(p.period) AS ingested "
    "  FROM (SELECT DISTINCT period FROM iss) p), "
    "k AS MATERIALIZED (SELECT per.period, e.customer_id, e.document FROM per "
    "  CROSS JOIN LATERAL contract_in_effect(per.period) e "
    "  WHERE per.ingested IS NOT NULL AND e.document ? 'sla') "
    "SELECT iss.code, to_char(iss.period, 'YYYY-MM'), iss.id, k.document::text, "
    "  coalesce(cur.minor_digits, 2), "
    "  (SELECT coalesce(sum(l.amount), 0) FROM invoice j JOIN invoice_line l ON l.invoice_id = j.id "
    "   WHERE " INVOICE_STANDS("j.") " AND j.customer_id = iss.customer_id "
    "     AND l.kind = 'sla_credit' AND coalesce(l.adjusts, j.period) = iss.period) "
    "FROM iss JOIN per ON per.period = iss.period AND per.ingested > iss.at "
    "JOIN k ON k.period = iss.period AND k.customer_id = iss.customer_id "
    "LEFT JOIN currency cur ON cur.code = k.document->>'currency' "
    "ORDER BY 2, iss.code COLLATE \"C\"";

/* Month $1's evidence now for the customers $2, by (model, site) of the
 * reserved devices: the sums and cells settlement reads (month.c). */
static const char evidence_sql[] =
    "SELECT c.code, d.model, d.site, sum(d.metered_ms), sum(d.downtime_ms) "
    "FROM customer c CROSS JOIN LATERAL sla_device_days(c.id, $1::date, $3::text[]) d "
    "WHERE c.code = ANY($2::text[]) "
    "GROUP BY 1, 2, 3 ORDER BY c.code COLLATE \"C\", 2, 3";

/* The standing invoices' lines as issued: what their affected charges
 * were. */
static const char lines_sql[] =
    "SELECT c.code, l.kind, coalesce(l.meter, ''), coalesce(l.model, ''), "
    "  coalesce(l.site, ''), l.amount "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "JOIN invoice_line l ON l.invoice_id = i.id "
    "WHERE i.id = ANY($1::bigint[]) ORDER BY c.code COLLATE \"C\", l.line_no";

/* sla_credit lines of later standing invoices that adjust month $1: a new
 * invoice for the month (after a void) deducts what they already credited,
 * as late usage's "billed on" lines do (late.c). */
static const char credited_later_sql[] =
    "SELECT c.code, sum(l.amount)::bigint, string_agg(DISTINCT j.number, ', ') "
    "FROM invoice j JOIN customer c ON c.id = j.customer_id "
    "JOIN invoice_line l ON l.invoice_id = j.id "
    "WHERE " INVOICE_STANDS("j.") " AND l.kind = 'sla_credit' "
    "  AND l.adjusts = $1::date AND j.period <> $1::date "
    "  AND ($2::text[] IS NULL OR c.code = ANY($2::text[])) "
    "GROUP BY 1 HAVING sum(l.amount) <> 0";

/* Deductions for what later invoices already credited of this month:
 * "2026-10: INV-2026-000002", figures and the numbers only, like every
 * SLA detail. No evidence: the month's own rows are its evidence. */
static bool credited_later(PGconn *conn, const char *const *p, struct prior_lines *out)
{
    PGresult *res =
        db_query_reused(conn, "read what later invoices credited", credited_later_sql, 2, p);
    for (int k = 0; res && k < PQntuples(res); k++) {
        struct bill_line *l = prior_add(out, PQgetvalue(res, k, 0));
        int64_t a = 0;
        db_get_int64(res, k, 1, &a);
        l->kind = LINE_SLA_CREDIT;
        l->amount = -a;
        l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
        snprintf(l->adjusts, sizeof l->adjusts, "%.7s", p[0]);
        snprintf(l->detail, sizeof l->detail, "%.7s: %.110s", p[0], PQgetvalue(res, k, 2));
    }
    bool ok = res != NULL;
    PQclear(res);
    return ok;
}

/* One candidate's month read again: its evidence now and its lines. */
struct late_month {
    const char *month; /* YYYY-MM */
    PGresult *evidence, *lines;
    int evidence_at, lines_at;
    struct contract *k;
};

/* "2026-10: 75.0000% < 95%: 30% x 1000.00 = 300.00 - 100.00": figures and
 * signs, like the month's own credit (sla_credit_detail). */
static void late_detail(const struct late_month *lm, const struct sla_credit *c,
                        int64_t affected, int64_t before, int digits, char *buf, size_t len)
{
    char why[100], now[40], was[40], full[256];
    if (c->tier >= 0)
        sla_credit_detail(&lm->k->sla, c, affected, digits, why, sizeof why);
    else
        report_ppm_percent(c->measured ? c->availability_ppm : -1, why, sizeof why);
    money_format(c->amount, digits, now, sizeof now);
    money_format(before, digits, was, sizeof was);
    snprintf(full, sizeof full, "%s: %s = %s - %s", lm->month, why, now, was);
    /* figures of realistic amounts fit a line's detail many times over;
     * amounts of 19 digits would be cut, never overrun */
    size_t n = strlen(full) < len ? strlen(full) : len - 1;
    memcpy(buf, full, n);
    buf[n] = '\0';
}

/* Candidate row r of cand: its adjustment, if any, into out. */
static bool adjust(struct late_month *lm, const PGresult *cand, int r, struct prior_lines *out)
{
    const char *code = PQgetvalue(cand, r, 0);
    int64_t digits = 2, credited = 0;
    db_get_int64(cand, r, 4, &digits);
    db_get_int64(cand, r, 5, &credited);
    memset(lm->k, 0, sizeof *lm->k);
    if (!docstore_parse(&contract_kind, PQgetvalue(cand, r, 3), lm->k) || !lm->k->sla.present) {
        log_warn("late health of customer \"%s\" in %s cannot be credited: its stored contract "
                 "does not validate",
                 code, lm->month);
        return true;
    }
    struct sla_month m = {0};
    struct bill issued = {0};
    int n, first = db_rows_of(lm->evidence, &lm->evidence_at, code, &n);
    bool ok = true;
    for (int i = 0; ok && i < n; i++) {
        int64_t metered = 0, downtime = 0;
        ok = db_get_int64(lm->evidence, first + i, 3, &metered) &&
             db_get_int64(lm->evidence, first + i, 4, &downtime) &&
             money_add(m.metered_ms, metered, &m.metered_ms) &&
             money_add(m.downtime_ms, downtime, &m.downtime_ms);
        struct sla_cell *c = sla_month_add_cell(&m);
        snprintf(c->model, sizeof c->model, "%s", PQgetvalue(lm->evidence, first + i, 1));
        snprintf(c->site, sizeof c->site, "%s", PQgetvalue(lm->evidence, first + i, 2));
    }
    first = db_rows_of(lm->lines, &lm->lines_at, code, &n);
    for (int i = 0; ok && i < n; i++) {
        struct bill_line *l = bill_add_line(&issued);
        int row = first + i;
        ok = bill_kind_parse(PQgetvalue(lm->lines, row, 1), &l->kind) &&
             db_get_int64(lm->lines, row, 5, &l->amount);
        snprintf(l->meter, sizeof l->meter, "%s", PQgetvalue(lm->lines, row, 2));
        snprintf(l->model, sizeof l->model, "%s", PQgetvalue(lm->lines, row, 3));
        snprintf(l->site, sizeof l->site, "%s", PQgetvalue(lm->lines, row, 4));
    }
    int64_t affected = 0, difference = 0;
    struct sla_credit credit;
    ok = ok && sla_affected(&issued, &m, &affected) &&
         sla_credit_compute(&lm->k->sla, m.metered_ms, m.downtime_ms, affected, &credit) &&
         /* credited: the lines' signed sum (a credit is negative): now - before */
         money_add(credit.amount, credited, &difference);
    if (!ok)
        log_warn("late health of customer \"%s\" in %s cannot be credited: its sums do not fit",
                 code, lm->month);
    if (ok && difference != 0) {
        struct bill_line *l = prior_add(out, code);
        l->kind = LINE_SLA_CREDIT;
        l->amount = -difference;
        l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
        snprintf(l->adjusts, sizeof l->adjusts, "%s", lm->month);
        late_detail(lm, &credit, affected, -credited, (int)digits, l->detail, sizeof l->detail);
        l->sla_metered_ms = m.metered_ms;
        l->sla_downtime_ms = m.downtime_ms;
    }
    bill_free(&issued);
    sla_month_free(&m);
    return true;
}

/* Candidate rows [first, end) of cand, all of one month. */
static bool month_adjustments(PGconn *conn, const PGresult *cand, int first, int end,
                              const char *codes, struct prior_lines *out)
{
    struct late_month lm = {.month = PQgetvalue(cand, first, 1),
                            .k = xcalloc(1, sizeof(struct contract))};
    struct strbuf who = STRBUF_INIT, ids = STRBUF_INIT;
    db_array_open(&who);
    db_array_open(&ids);
    for (int r = first; r < end; r++) {
        db_array_add(&who, PQgetvalue(cand, r, 0));
        db_array_add(&ids, PQgetvalue(cand, r, 2));
    }
    db_array_close(&who);
    db_array_close(&ids);
    char first_day[16];
    snprintf(first_day, sizeof first_day, "%s-01", lm.month);
    const char *pe[] = {first_day, sb_str(&who), codes};
    const char *pl[] = {sb_str(&ids)};
    lm.evidence = db_query_reused(conn, "read a late month's SLA evidence", evidence_sql, 3, pe);
    lm.lines = lm.evidence ? db_query_reused(conn, "read a late month's issued lines",
                                             lines_sql, 1, pl)
                           : NULL;
    bool ok = lm.lines != NULL;
    for (int r = first; ok && r < end; r++)
        ok = adjust(&lm, cand, r, out);
    PQclear(lm.evidence);
    PQclear(lm.lines);
    free(lm.k);
    sb_free(&who);
    sb_free(&ids);
    return ok;
}

bool sla_late_load(PGconn *conn, const char *first_day, const char *customers,
                   struct prior_lines *out)
{
    const char *p[] = {first_day, customers};
    PGresult *cand = credited_later(conn, p, out)
                         ? db_query_reused(conn, "look for late health of issued months",
                                           candidates_sql, 2, p)
                         : NULL;
    if (!cand) return false;
    struct strbuf codes = STRBUF_INIT;
    health_reason_customer_caused_array(&codes);
    bool ok = true;
    /* rows come by month, then customer: one reading per month */
    for (int i = 0; ok && i < PQntuples(cand);) {
        int end = i;
        while (end < PQntuples(cand) && !strcmp(PQgetvalue(cand, end, 1), PQgetvalue(cand, i, 1)))
            end++;
        ok = month_adjustments(conn, cand, i, end, sb_str(&codes), out);
        i = end;
    }
    sb_free(&codes);
    PQclear(cand);
    return ok;
}
