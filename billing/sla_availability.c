/* sla_availability: a customer's availability report (see
 * sla_availability.h). Three queries, all through schema 049: the terms,
 * the figures (by day, by device, the month: one grouping-sets query over
 * sla_device_days, so the three can never disagree), the windows not up
 * (sla_spans: sla_windows' windows, consecutive alike ones merged). */
#include "billing/sla_availability.h"

#include "core/csv.h"
#include "core/db.h"
#include "core/health_reasons.h"
#include "core/invariant.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

/* The contract in effect for the month and its sla, as text for people
 * and as JSON (json_build_object: the terms' keys in the documented order); the customer's row even without a contract (LEFT JOIN), so
 * that "no such customer" and "no sla" are told apart. A percent the
 * document leaves out is its default (docs/contracts.md, "SLA"). */
static const char terms_sql[] =
    "SELECT cu.id, c.contract, c.time_zone, c.document ? 'sla', s->>'target', "
    "  coalesce(s->>'cap', '100'), coalesce((s->>'commitment_shrink')::boolean, false), "
    "  (SELECT string_agg('below ' || (t->>'below') || '%: ' || (t->>'credit') || '%', '; ' "
    "     ORDER BY o) FROM jsonb_array_elements(s->'tiers') WITH ORDINALITY x(t, o)), "
    "  (SELECT coalesce(string_agg(e, ' ' ORDER BY o), '') "
    "     FROM jsonb_array_elements_text(coalesce(s->'excludes', '[]')) WITH ORDINALITY y(e, o)), "
    "  (SELECT string_agg(concat_ws('/', r->>'site', r->>'node', r->>'device'), ' ' ORDER BY o) "
    "     FROM jsonb_array_elements(s->'reserved') WITH ORDINALITY z(r, o)), "
    "  json_build_object('target', s->'target', 'tiers', s->'tiers', "
    "    'cap', coalesce(s->'cap', '\"100\"'), "
    "    'commitment_shrink', coalesce(s->'commitment_shrink', 'false'), "
    "    'excludes', coalesce(s->'excludes', '[]'), 'reserved', s->'reserved')::text "
    "FROM customer cu LEFT JOIN contract_in_effect($2::date) c ON c.customer_id = cu.id "
    "CROSS JOIN LATERAL (SELECT c.document->'sla' AS s) k WHERE cu.code = $1";
enum { T_ID, T_CONTRACT, T_ZONE, T_HAS_SLA, T_TARGET, T_CAP, T_SHRINK, T_TIERS, T_EXCLUDES,
       T_RESERVED, T_JSON };

/* Days first, then devices, then the month (grouping set ()). A device is
 * named with its site and node: NPU ids repeat on every node. Availability
 * in ppm in numeric, rounded down; NULL when nothing was metered. */
static const char figures_sql[] =
    "WITH d AS (SELECT * FROM sla_device_days($1, $2::date, $3::text[])) "
    "SELECT CASE WHEN grouping(day) = 0 THEN 'day' WHEN grouping(site) = 0 THEN 'device' "
    "         ELSE 'total' END AS what, "
    "  coalesce(to_char(day, 'YYYY-MM-DD'), site || '/' || node || '/' || device, 'total'), "
    "  coalesce(model, ''), "
    "  coalesce(sum(metered_ms), 0), coalesce(sum(up_ms), 0), coalesce(sum(degraded_ms), 0), "
    "  coalesce(sum(down_ms), 0), coalesce(sum(maintenance_ms), 0), "
    "  coalesce(sum(customer_ms), 0), coalesce(sum(downtime_ms), 0), "
    "  " SLA_AVAILABILITY_PPM_SQL " "
    "FROM d GROUP BY GROUPING SETS ((day), (site, node, device, model), ()) "
    "ORDER BY grouping(day), grouping(site), "
    "  coalesce(to_char(day, 'YYYY-MM-DD'), site || '/' || node || '/' || device) COLLATE \"C\"";
enum { F_WHAT, F_KEY, F_MODEL, F_MS, F_PPM = F_MS + 7 };
static const char *const ms_names[] = {"metered_ms",     "up_ms",       "degraded_ms",
                                       "down_ms",        "maintenance_ms", "customer_ms",
                                       "downtime_ms"};
static const char *const ms_heads[] = {"metered",     "up",       "degraded", "down",
                                       "maintenance", "customer", "downtime"};

/* The windows not up, local times in the contract's zone: a device's
 * consecutive windows with the same state, reasons and class as one
 * (sla_spans, schema 052, as the invoice keeps them), so a node down for a
 * day at 30 s scrapes is a line per device, not 2,880. */
static const char windows_sql[] =
    "SELECT site || '/' || node || '/' || device, "
    "  to_char(start_at AT TIME ZONE $4, 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
    "  to_char(end_at AT TIME ZONE $4, 'YYYY-MM-DD\"T\"HH24:MI:SS'), state, "
    "  array_to_string(reasons, ' '), "
    "  CASE class WHEN 'maintenance' THEN 'maintenance' WHEN 'customer' THEN 'customer_caused' "
    "    ELSE 'no' END, span_ms "
    "FROM sla_spans($1, $2::date, $3::text[]) "
    "ORDER BY site || '/' || node || '/' || device COLLATE \"C\", start_at";

static void terms_out(const PGresult *t, const char *customer, const char *period,
                      enum report_format format, struct strbuf *out)
{
    const char *v[T_JSON + 1];
    for (int k = 0; k <= T_JSON; k++)
        v[k] = PQgetvalue(t, 0, k);
    bool shrink = !strcmp(v[T_SHRINK], "t");
    if (format == REPORT_TEXT) {
        sb_printf(out,
                  "availability of %s in %s under contract %s (local days and times in %s; "
                  "GPU-hours; availability = (metered - downtime) / metered, rounded down)\n"
                  "terms: target %s%%; tiers %s; cap %s%%; commitment shrink %s; excludes %s\n"
                  "reserved: %s\n",
                  customer, period, v[T_CONTRACT], v[T_ZONE], v[T_TARGET], v[T_TIERS], v[T_CAP],
                  shrink ? "yes" : "no", v[T_EXCLUDES][0] ? v[T_EXCLUDES] : "nothing",
                  v[T_RESERVED]);
    } else if (format == REPORT_CSV) {
        static const char *const names[] = {"customer", "period",  "contract", "time_zone",
                                            "target",   "tiers",   "cap",      "commitment_shrink",
                                            "excludes", "reserved"};
        const char *vals[] = {customer,  period,      v[T_CONTRACT], v[T_ZONE],
                              v[T_TARGET], v[T_TIERS], v[T_CAP],      shrink ? "true" : "false",
                              v[T_EXCLUDES], v[T_RESERVED]};
        sb_puts(out, "term,value\n");
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            sb_printf(out, "%s,", names[k]);
            csv_field(out, vals[k]);
            sb_putc(out, '\n');
        }
    } else {
        sb_puts(out, "{\"customer\":");
        sb_put_json_string(out, customer);
        sb_printf(out, ",\"period\":\"%s\",\"contract\":", period);
        sb_put_json_string(out, v[T_CONTRACT]);
        sb_puts(out, ",\"time_zone\":");
        sb_put_json_string(out, v[T_ZONE]);
        sb_printf(out, ",\"terms\":%s", v[T_JSON]); /* PostgreSQL's JSON */
    }
}

/* The ppm of column c as report_ppm_percent prints it; "-" when NULL
 * (nothing was metered). */
static void percent(const PGresult *res, int r, int c, char *buf, size_t len)
{
    int64_t v = -1;
    if (!PQgetisnull(res, r, c)) db_get_int64(res, r, c, &v);
    report_ppm_percent(v, buf, len);
}

/* JSON: "days":[...],"devices":[...],"total":{...}; the rows come in
 * that order (figures_sql), the month's always (grouping set ()). */
static void figures_json(const PGresult *res, int r, const int64_t ms[7], const char *pct,
                         struct strbuf *out)
{
    const char *what = PQgetvalue(res, r, F_WHAT);
    const char *before = r ? PQgetvalue(res, r - 1, F_WHAT) : "";
    bool total = !strcmp(what, "total"), first = strcmp(before, what) != 0;
    if (first && r && strcmp(before, "total")) sb_putc(out, ']'); /* closes days or devices */
    if (total) {
        if (!r) sb_puts(out, ",\"days\":[],\"devices\":[]");
        sb_puts(out, ",\"total\":{");
    } else {
        sb_printf(out, "%s{\"%s\":", first ? (!strcmp(what, "day") ? ",\"days\":[" : ",\"devices\":[")
                                           : ",", what);
        sb_put_json_string(out, PQgetvalue(res, r, F_KEY));
        if (!strcmp(what, "device")) {
            sb_puts(out, ",\"model\":");
            sb_put_json_string(out, PQgetvalue(res, r, F_MODEL));
        }
        sb_putc(out, ',');
    }
    for (int k = 0; k < 7; k++)
        sb_printf(out, "%s\"%s\":%lld", k ? "," : "", ms_names[k], (long long)ms[k]);
    if (PQgetisnull(res, r, F_PPM))
        sb_puts(out, ",\"availability_ppm\":null,\"availability_percent\":null}");
    else
        sb_printf(out, ",\"availability_ppm\":%s,\"availability_percent\":\"%s\"}",
                  PQgetvalue(res, r, F_PPM), pct);
}

static void figures_out(const PGresult *res, enum report_format format, struct strbuf *out)
{
    int width = 10; /* a day; device keys are wider */
    for (int r = 0; r < PQntuples(res); r++)
        if (PQgetlength(res, r, F_KEY) > width) width = PQgetlength(res, r, F_KEY);
    for (int r = 0; r < PQntuples(res); r++) {
        const char *what = PQgetvalue(res, r, F_WHAT), *key = PQgetvalue(res, r, F_KEY);
        bool head = (!r || strcmp(PQgetvalue(res, r - 1, F_WHAT), what)) && strcmp(what, "total");
        int64_t ms[7] = {0};
        for (int k = 0; k < 7; k++)
            db_get_int64(res, r, F_MS + k, &ms[k]);
        assert(ms[0] == ms[1] + ms[2] + ms[3]);         /* metered = up + degraded + down */
        assert(ms[6] == ms[2] + ms[3] - ms[4] - ms[5]); /* downtime: the rest of not up */
        char pct[32];
        percent(res, r, F_PPM, pct, sizeof pct);
        if (format == REPORT_JSON) {
            figures_json(res, r, ms, pct, out);
        } else if (format == REPORT_TEXT) {
            if (head) {
                sb_printf(out, "\n%-*s", width, what);
                for (int k = 0; k < 7; k++)
                    sb_printf(out, " %11s", ms_heads[k]);
                sb_printf(out, " %10s\n", "available");
            }
            sb_printf(out, "%-*s", width, key);
            for (int k = 0; k < 7; k++) {
                char h[32];
                report_gpu_hours(ms[k], h, sizeof h);
                sb_printf(out, " %11s", h);
            }
            sb_printf(out, " %9s%%\n", pct);
        } else {
            if (head) {
                sb_printf(out, "\n%s,model", what);
                for (int k = 0; k < 7; k++)
                    sb_printf(out, ",%s", ms_names[k]);
                sb_puts(out, ",availability_ppm,availability_percent\n");
            }
            csv_field(out, key); /* collectors' names: formula characters neutralised */
            sb_putc(out, ',');
            csv_field(out, PQgetvalue(res, r, F_MODEL));
            for (int k = 0; k < 7; k++)
                sb_printf(out, ",%lld", (long long)ms[k]);
            sb_printf(out, ",%s,%s\n", PQgetisnull(res, r, F_PPM) ? "-" : PQgetvalue(res, r, F_PPM),
                      pct);
        }
    }
}

static void windows_out(const PGresult *res, enum report_format format, struct strbuf *out)
{
    static const char *const names[] = {"device", "start", "end", "state", "reasons", "excluded",
                                        "ms"};
    int width = 6;
    for (int r = 0; r < PQntuples(res); r++)
        if (PQgetlength(res, r, 0) > width) width = PQgetlength(res, r, 0);
    if (format == REPORT_TEXT) {
        sb_printf(out, "\nwindows not up\n%-*s %-19s %-19s %-8s %-15s %9s  %s\n", width, names[0],
                  names[1], names[2], names[3], names[5], "GPU-hours", names[4]);
        if (!PQntuples(res)) sb_puts(out, "none\n");
    } else if (format == REPORT_CSV) {
        sb_puts(out, "\ndevice,start,end,state,reasons,excluded,ms\n");
    } else {
        sb_puts(out, ",\"windows\":[");
    }
    for (int r = 0; r < PQntuples(res); r++) {
        const char *v[7];
        for (int k = 0; k < 7; k++)
            v[k] = PQgetvalue(res, r, k);
        int64_t ms = 0;
        db_get_int64(res, r, 6, &ms);
        if (format == REPORT_TEXT) {
            char h[32];
            report_gpu_hours(ms, h, sizeof h);
            sb_printf(out, "%-*s %-19s %-19s %-8s %-15s %9s  %s\n", width, v[0], v[1], v[2], v[3],
                      v[5], h, v[4]);
        } else if (format == REPORT_CSV) {
            for (int k = 0; k < 7; k++) {
                if (k) sb_putc(out, ',');
                csv_field(out, v[k]); /* reasons and names come from collectors */
            }
            sb_putc(out, '\n');
        } else {
            sb_puts(out, r ? ",{" : "{");
            for (int k = 0; k < 6; k++) {
                sb_printf(out, "%s\"%s\":", k ? "," : "", names[k]);
                if (k == 4) { /* reasons: an array of codes */
                    sb_putc(out, '[');
                    const char *p = v[4];
                    for (int n = 0; *p; n++) {
                        size_t len = strcspn(p, " ");
                        char code[256];
                        snprintf(code, sizeof code, "%.*s", (int)len, p);
                        if (n) sb_putc(out, ',');
                        sb_put_json_string(out, code);
                        p += len + (p[len] == ' ');
                    }
                    sb_putc(out, ']');
                } else {
                    sb_put_json_string(out, v[k]);
                }
            }
            sb_printf(out, ",\"ms\":%lld}", (long long)ms);
        }
    }
    if (format == REPORT_JSON) sb_puts(out, "]}\n");
}

enum sla_availability_result sla_availability_report(PGconn *conn, const char *customer,
                                                     const char *period,
                                                     enum report_format format,
                                                     struct strbuf *out)
{
    char first_day[16];
    time_month_first_day(period, first_day);
    const char *tp[] = {customer, first_day};
    PGresult *t = db_query(conn, "read the contract's sla", terms_sql, 2, tp);
    if (!t) return SLA_AVAILABILITY_DB_ERROR;
    if (!PQntuples(t)) {
        PQclear(t);
        return SLA_AVAILABILITY_NO_CUSTOMER;
    }
    if (strcmp(PQgetvalue(t, 0, T_HAS_SLA), "t")) {
        PQclear(t);
        return SLA_AVAILABILITY_NO_SLA;
    }
    struct strbuf codes = STRBUF_INIT;
    health_reason_customer_caused_array(&codes);
    const char *p[] = {PQgetvalue(t, 0, T_ID), first_day, sb_str(&codes), PQgetvalue(t, 0, T_ZONE)};
    enum sla_availability_result result = SLA_AVAILABILITY_DB_ERROR;
    PGresult *f = db_query(conn, "read the reserved devices' availability", figures_sql, 3, p);
    PGresult *w = f ? db_query(conn, "read the windows not up", windows_sql, 4, p) : NULL;
    if (f && w) {
        terms_out(t, customer, period, format, out);
        figures_out(f, format, out);
        windows_out(w, format, out);
        result = SLA_AVAILABILITY_OK;
    }
    PQclear(w);
    PQclear(f);
    PQclear(t);
    sb_free(&codes);
    return result;
}
