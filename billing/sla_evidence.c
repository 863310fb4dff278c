/* sla_evidence: an invoice's SLA evidence rows (see sla_evidence.h). */
#include "billing/sla_evidence.h"

#include "core/db.h"
#include "core/health_reasons.h"
#include "core/log.h"
#include "core/strbuf.h"

bool sla_evidence_write(PGconn *conn, const char *first_day, const char *drafts,
                        const char *ids, const char *metered, const char *downtime,
                        const char *customers)
{
    struct strbuf codes = STRBUF_INIT;
    health_reason_customer_caused_array(&codes);
    const char *del[] = {drafts};
    const char *ins[] = {ids, first_day, sb_str(&codes)};
    const char *chk[] = {ids, metered, downtime, customers};
    bool ok =
        db_exec(conn, "clear the drafts' SLA evidence",
                "DELETE FROM invoice_sla_evidence WHERE invoice_id = ANY($1::bigint[])", 1, del) &&
        db_exec(conn, "write the SLA evidence",
                "INSERT INTO invoice_sla_evidence (invoice_id, month, day, site, node, device, "
                "model, metered_ms, up_ms, degraded_ms, down_ms, maintenance_ms, customer_ms, "
                "downtime_ms) SELECT i.id, $2::date, d.* FROM invoice i "
                "CROSS JOIN LATERAL sla_device_days(i.customer_id, $2::date, $3::text[]) d "
                "WHERE i.id = ANY($1::bigint[])",
                3, ins);
    sb_free(&codes);
    PGresult *changed =
        ok ? db_query(conn, "check the SLA evidence against the credits",
                      "SELECT u.code FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], "
                      "  $4::text[]) u(id, metered, downtime, code) "
                      "LEFT JOIN (SELECT invoice_id, sum(metered_ms) m, sum(downtime_ms) d "
                      "  FROM invoice_sla_evidence WHERE invoice_id = ANY($1::bigint[]) "
                      "  GROUP BY 1) e ON e.invoice_id = u.id "
                      "WHERE coalesce(e.m, 0) <> u.metered OR coalesce(e.d, 0) <> u.downtime "
                      "ORDER BY 1",
                      4, chk)
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
