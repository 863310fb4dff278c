/* sla_evidence: an invoice's SLA evidence rows, written and read (see
 * sla_evidence.h). */
#include "billing/sla_evidence.h"

#include "billing/report_format.h"
#include "billing/sla_availability.h"
#include "billing/store.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/health_reasons.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sla_evidence_write(PGconn *conn, const char *drafts, const char *ids, const char *months,
                        const char *metered, const char *downtime, const char *customers)
{
    struct strbuf codes = STRBUF_INIT;
    health_reason_customer_caused_array(&codes);
    const char *del[] = {drafts};
    const char *ins[] = {ids, months, sb_str(&codes)};
    const char *chk[] = {ids, months, metered, downtime, customers};
    bool ok =
        db_exec(conn, "clear the drafts' SLA evidence",
                "DELETE FROM invoice_sla_evidence WHERE invoice_id = ANY($1::bigint[])", 1, del) &&
        db_exec(conn, "clear the drafts' SLA spans",
                "DELETE FROM invoice_sla_span WHERE invoice_id = ANY($1::bigint[])", 1, del) &&
        db_exec(conn, "write the SLA evidence",
                "INSERT INTO invoice_sla_evidence (invoice_id, month, day, site, node, device, "
                "model, metered_ms, up_ms, degraded_ms, down_ms, maintenance_ms, customer_ms, "
                "downtime_ms) SELECT i.id, u.month, d.* "
                "FROM unnest($1::bigint[], $2::date[]) u(id, month) "
                "JOIN invoice i ON i.id = u.id "
                "CROSS JOIN LATERAL sla_device_days(i.customer_id, u.month, $3::text[]) d",
                3, ins) &&
        db_exec(conn, "write the SLA spans",
                "INSERT INTO invoice_sla_span (invoice_id, month, site, node, device, model, "
                "start_at, end_at, span_ms, state, reasons, class) SELECT i.id, u.month, s.* "
                "FROM unnest($1::bigint[], $2::date[]) u(id, month) "
                "JOIN invoice i ON i.id = u.id "
                "CROSS JOIN LATERAL sla_spans(i.customer_id, u.month, $3::text[]) s",
                3, ins);
    sb_free(&codes);
    PGresult *changed =
        ok ? db_query(conn, "check the SLA evidence against the credits",
                      "SELECT u.code FROM unnest($1::bigint[], $2::date[], $3::bigint[], "
                      "  $4::bigint[], $5::text[]) u(id, month, metered, downtime, code) "
                      "LEFT JOIN (SELECT invoice_id, month, sum(metered_ms) m, "
                      "  sum(downtime_ms) d FROM invoice_sla_evidence "
                      "  WHERE invoice_id = ANY($1::bigint[]) GROUP BY 1, 2) e "
                      "  ON e.invoice_id = u.id AND e.month = u.month "
                      "LEFT JOIN (SELECT invoice_id, month, sum(span_ms) d FROM invoice_sla_span "
                      "  WHERE invoice_id = ANY($1::bigint[]) AND class = 'downtime' "
                      "  GROUP BY 1, 2) s ON s.invoice_id = u.id AND s.month = u.month "
                      "WHERE coalesce(e.m, 0) <> u.metered OR coalesce(e.d, 0) <> u.downtime "
                      "   OR coalesce(s.d, 0) <> u.downtime "
                      "ORDER BY 1",
                      5, chk)
           : NULL;
    if (!changed) return false;
    int n = PQntuples(changed);
    if (n) {
        log_error("customer \"%s\"%s: health arrived while the month was invoiced, so its SLA "
                  "credit and its evidence would disagree; nothing was written",
                  PQgetvalue(changed, 0, 0), n > 1 ? " and others" : "");
        log_hint("Run invoice run again: it prices the month with the health now stored.");
    }
    PQclear(changed);
    return n == 0;
}

/* Per month: the days, the devices with downtime (HAVING), the month;
 * availability by the report's one expression. */
static const char evidence_sql[] =
    "SELECT to_char(e.month, 'YYYY-MM'), "
    "  CASE WHEN grouping(e.day) = 0 THEN 0 WHEN grouping(e.site) = 0 THEN 1 ELSE 2 END AS kind, "
    "  coalesce(to_char(e.day, 'YYYY-MM-DD'), e.site || '/' || e.node || '/' || e.device, ''), "
    "  coalesce(e.model, ''), sum(metered_ms), sum(maintenance_ms), sum(customer_ms), "
    "  sum(downtime_ms), " SLA_AVAILABILITY_PPM_SQL ", bool_or(x.m), bool_or(x.cc) "
    "FROM invoice_sla_evidence e JOIN invoice ie ON ie.id = e.invoice_id "
    /* the month's terms (contracts of issued months are frozen) */
    "LEFT JOIN LATERAL (SELECT coalesce(k.document->'sla'->'excludes' ? 'maintenance', false) m, "
    "  coalesce(k.document->'sla'->'excludes' ? 'customer_caused', false) cc "
    "  FROM contract_in_effect(e.month) k WHERE k.customer_id = ie.customer_id) x ON true "
    "WHERE e.invoice_id = (SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "                      WHERE " STORE_INVOICE_NAMED ") "
    "GROUP BY GROUPING SETS ((e.month, e.day), (e.month, e.site, e.node, e.device, e.model), "
    "  (e.month)) "
    "HAVING grouping(e.site) = 1 OR sum(downtime_ms) > 0 "
    "ORDER BY 1, 2, coalesce(to_char(e.day, 'YYYY-MM-DD'), "
    "  e.site || '/' || e.node || '/' || e.device, '') COLLATE \"C\"";

static bool spans_load(PGconn *conn, const char *const p[3], struct sla_evidence *ev);

bool sla_evidence_load(PGconn *conn, const char *number, const char *customer,
                       const char *first_day, struct sla_evidence *ev)
{
    const char *p[] = {number, customer, first_day};
    PGresult *res = db_query(conn, "read the invoice's SLA evidence", evidence_sql, 3, p);
    if (!res) return false;
    int n = PQntuples(res);
    ev->rows = n ? xcalloc((size_t)n, sizeof *ev->rows) : NULL;
    for (int r = 0; r < n; r++) {
        struct sla_evidence_row *row = &ev->rows[r];
        snprintf(row->month, sizeof row->month, "%s", PQgetvalue(res, r, 0));
        row->kind = (enum sla_evidence_kind)atoi(PQgetvalue(res, r, 1));
        assert(row->kind <= SLA_EVIDENCE_MONTH);
        /* a name longer than the page's column is cut here, as the PDF
         * would ellipsize it */
        snprintf(row->key, sizeof row->key, "%s", PQgetvalue(res, r, 2));
        snprintf(row->model, sizeof row->model, "%s", PQgetvalue(res, r, 3));
        char *const hours[] = {row->metered, row->maintenance, row->customer, row->downtime};
        for (int k = 0; k < 4; k++) { /* columns 4..7, as GPU-hours */
            int64_t ms = 0;
            db_get_int64(res, r, 4 + k, &ms);
            report_gpu_hours(ms, hours[k], sizeof row->metered);
        }
        int64_t ppm = -1;
        if (!PQgetisnull(res, r, 8)) db_get_int64(res, r, 8, &ppm);
        report_ppm_percent(ppm, row->percent, sizeof row->percent);
        row->ex_maintenance = !strcmp(PQgetvalue(res, r, 9), "t");
        row->ex_customer = !strcmp(PQgetvalue(res, r, 10), "t");
    }
    ev->n = (size_t)n;
    PQclear(res);
    return spans_load(conn, p, ev);
}

/* The invoice's spans not up, local to the contract's zone of their month. */
static const char spans_sql[] =
    "SELECT to_char(s.month, 'YYYY-MM'), s.site || '/' || s.node || '/' || s.device, s.model, "
    "  to_char(s.start_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI:SS'), "
    "  to_char(s.end_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI:SS'), s.state, s.span_ms, "
    "  array_to_string(s.reasons, ' '), s.class "
    "FROM invoice_sla_span s JOIN invoice ie ON ie.id = s.invoice_id "
    "CROSS JOIN LATERAL (SELECT customer_time_zone(ie.customer_id, s.month) AS tz) z "
    "WHERE s.invoice_id = (SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "                      WHERE " STORE_INVOICE_NAMED ") "
    "ORDER BY s.month, s.site || '/' || s.node || '/' || s.device COLLATE \"C\", s.start_at";

static bool spans_load(PGconn *conn, const char *const p[3], struct sla_evidence *ev)
{
    PGresult *res = db_query(conn, "read the invoice's SLA spans", spans_sql, 3, p);
    if (!res) return false;
    int n = PQntuples(res);
    ev->spans = n ? xcalloc((size_t)n, sizeof *ev->spans) : NULL;
    for (int r = 0; r < n; r++) {
        struct sla_evidence_span *s = &ev->spans[r];
        snprintf(s->month, sizeof s->month, "%s", PQgetvalue(res, r, 0));
        snprintf(s->key, sizeof s->key, "%s", PQgetvalue(res, r, 1));
        snprintf(s->model, sizeof s->model, "%s", PQgetvalue(res, r, 2));
        snprintf(s->start, sizeof s->start, "%s", PQgetvalue(res, r, 3));
        snprintf(s->end, sizeof s->end, "%s", PQgetvalue(res, r, 4));
        snprintf(s->state, sizeof s->state, "%s", PQgetvalue(res, r, 5));
        int64_t ms = 0;
        db_get_int64(res, r, 6, &ms);
        report_gpu_hours(ms, s->hours, sizeof s->hours);
        snprintf(s->reasons, sizeof s->reasons, "%s", PQgetvalue(res, r, 7));
        snprintf(s->cls, sizeof s->cls, "%s", PQgetvalue(res, r, 8));
    }
    ev->nspans = (size_t)n;
    PQclear(res);
    return true;
}

void sla_evidence_free(struct sla_evidence *ev)
{
    free(ev->rows);
    free(ev->spans);
    ev->rows = NULL;
    ev->spans = NULL;
    ev->n = ev->nspans = 0;
}
