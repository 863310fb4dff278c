/* calendar: the contract calendar (see calendar.h). */
#include "billing/calendar.h"

#include "core/db.h"
#include "core/invariant.h"
#include "core/strbuf.h"

#include <stdio.h>
#include <string.h>

static const char calendar_sql[] =
    "WITH months AS (SELECT g::date AS m FROM generate_series($1::date, "
    "      $1::date + $2::int * interval '1 month', interval '1 month') g), "
    /* one month more than shown: whether a contract goes on */
    "k AS (SELECT months.m, k.customer_id, k.contract, k.document FROM months "
    "      CROSS JOIN LATERAL contract_in_effect(months.m) k), "
    "shown AS (SELECT * FROM k WHERE m < $1::date + $2::int * interval '1 month'), "
    "ending AS (SELECT s.* FROM shown s LEFT JOIN k n ON n.customer_id = s.customer_id "
    "      AND n.m = (s.m + interval '1 month')::date WHERE n.customer_id IS NULL), "
    "busy AS (SELECT a.customer_id, h.model, sum(h.quantity) AS gpu_ms "
    "      FROM usage_hourly h JOIN (SELECT DISTINCT account, customer_id FROM account) a "
    "        ON a.account = h.account "
    "      WHERE h.meter = 'gpu_ms' "
    "        AND h.hour >= ($1::date - interval '1 month')::timestamp AT TIME ZONE 'UTC' "
    "        AND h.hour < $1::date::timestamp AT TIME ZONE 'UTC' "
    "        AND a.customer_id IN (SELECT customer_id FROM ending) GROUP BY 1, 2), "
    "span AS (SELECT extract(epoch FROM $1::date::timestamp "
    "      - ($1::date - interval '1 month')::timestamp)::numeric * 1000 AS ms), "
    "committed AS (SELECT s.m, s.document->>'currency' AS currency, "
    "      sum((s.document->'commitment'->>'amount')::numeric) AS amount FROM shown s "
    "      WHERE s.document->'commitment' ? 'amount' GROUP BY 1, 2), "
    /* revenue at risk (036): the commitments, by month, of customers in
     * default now; a GPU-hour commitment at its shortfall_price */
    "dflt AS (SELECT DISTINCT customer_id FROM customer_default_at(now(), $3::int)), "
    "risk AS (SELECT s.m, c.code, s.document->>'currency' AS currency, "
    "      coalesce((s.document->'commitment'->>'amount')::numeric, "
    "               (s.document->'commitment'->>'gpu_hours')::numeric "
    "               * (s.document->'commitment'->>'shortfall_price')::numeric) AS amount "
    "      FROM shown s JOIN dflt d ON d.customer_id = s.customer_id "
    "      JOIN customer c ON c.id = s.customer_id WHERE s.document ? 'commitment'), "
    "released AS (SELECT e.m, b.model, round(sum(b.gpu_ms) / (SELECT ms FROM span), 1) AS gpus "
    "      FROM ending e JOIN busy b ON b.customer_id = e.customer_id GROUP BY 1, 2), "
    "per AS (SELECT mo.m, (SELECT count(*) FROM shown s WHERE s.m = mo.m) AS contracts, "
    "  (SELECT coalesce(sum((s.document->'commitment'->>'gpu_hours')::numeric), 0) "
    "     FROM shown s WHERE s.m = mo.m AND s.document->'commitment' ? 'gpu_hours') AS gpu_hours, "
    "  ARRAY(SELECT c.amount::text || ' ' || c.currency FROM committed c WHERE c.m = mo.m "
    "        ORDER BY c.currency) AS committed, "
    "  (SELECT json_agg(json_build_object('amount', c.amount::text, 'currency', c.currency) "
    "          ORDER BY c.currency) FROM committed c WHERE c.m = mo.m) AS committed_json, "
    "  ARRAY(SELECT e.contract FROM ending e WHERE e.m = mo.m ORDER BY e.contract) AS ending, "
    "  ARRAY(SELECT r.model || ' ' || r.gpus FROM released r WHERE r.m = mo.m "
    "        ORDER BY r.model) AS released, "
    "  (SELECT json_agg(json_build_object('model', r.model, 'gpus', r.gpus::text) "
    "          ORDER BY r.model) FROM released r WHERE r.m = mo.m) AS released_json, "
    "  ARRAY(SELECT k.amount::text || ' ' || k.currency || ' ' || k.code FROM risk k "
    "        WHERE k.m = mo.m ORDER BY k.code, k.currency) AS at_risk, "
    "  (SELECT json_agg(json_build_object('customer', k.code, 'amount', k.amount::text, "
    "          'currency', k.currency) ORDER BY k.code, k.currency) FROM risk k "
    "   WHERE k.m = mo.m) AS at_risk_json "
    "  FROM months mo WHERE mo.m < $1::date + $2::int * interval '1 month') "
    "SELECT to_char(m, 'YYYY-MM'), contracts, "
    "  coalesce(nullif(array_to_string(committed, ', '), ''), '-'), gpu_hours, "
    "  coalesce(nullif(array_to_string(ending, ', '), ''), '-'), "
    "  coalesce(nullif(array_to_string(released, ', '), ''), '-'), "
    "  json_build_object('month', to_char(m, 'YYYY-MM'), 'contracts', contracts, "
    "    'committed', coalesce(committed_json, '[]'), 'gpu_hours', gpu_hours, "
    "    'ending', to_json(ending), 'gpus_busy_last_month', coalesce(released_json, '[]'))::text, "
    "  coalesce(nullif(array_to_string(at_risk, ', '), ''), '-'), "
    "  coalesce(at_risk_json, '[]')::text "
    "FROM per ORDER BY m";

PGresult *calendar_read(PGconn *conn, const char *first_day, int horizon, long default_after_days)
{
    char n[16], d[24];
    snprintf(n, sizeof n, "%d", horizon);
    snprintf(d, sizeof d, "%ld", default_after_days);
    const char *p[] = {first_day, n, d};
    return db_query(conn, "read the contract calendar", calendar_sql, 3, p);
}

void calendar_json(const PGresult *res, const char *first_day, bool at_risk,
                   struct strbuf *out)
{
    sb_printf(out, "{\"from\":\"%.7s\",\"months\":[", first_day);
    for (int i = 0; i < PQntuples(res); i++) {
        const char *month = PQgetvalue(res, i, 6);
        size_t n = strlen(month);
        assert(n > 2 && month[n - 1] == '}');
        sb_printf(out, "%s%.*s", i ? "," : "", (int)(n - 1), month);
        if (at_risk) sb_printf(out, ", \"at_risk\" : %s", PQgetvalue(res, i, 8));
        sb_putc(out, '}');
    }
    sb_puts(out, "]}\n");
}
