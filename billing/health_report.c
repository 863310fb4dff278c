/* health_report: the fleet's health for a month (see health_report.h). */
#include "billing/health_report.h"

#include "billing/yield_engine.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/health_reasons.h"
#include "core/invariant.h"
#include "core/money.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The month's windows, each counted whole in the month its start falls in
 * (as `report availability` counts a day's). */
#define MONTH_WINDOWS                                                                        \
    "WITH r AS (SELECT $1::date::timestamp AT TIME ZONE default_time_zone() AS lo, "         \
    "      ($1::date + interval '1 month')::timestamp AT TIME ZONE default_time_zone() AS hi) "

/* An incident is a run of windows not up: its first window follows an up
 * one, or is the device's first of the month (a device already failing
 * when the month begins has an incident too). A device is named with its
 * node and site: NPU ids repeat on every node. */
static const char devices_sql[] = MONTH_WINDOWS
    ", h AS (SELECT d.site, d.node, d.device, d.model, d.state, d.window_ms, "
    "      lag(d.state) OVER (PARTITION BY d.site, d.node, d.device ORDER BY d.start_at) AS prev "
    "      FROM device_health d, r WHERE d.start_at >= r.lo AND d.start_at < r.hi) "
    "SELECT site || '/' || node || '/' || device, min(model), sum(window_ms), "
    "  coalesce(sum(window_ms) FILTER (WHERE state = 'degraded'), 0), "
    "  coalesce(sum(window_ms) FILTER (WHERE state = 'down'), 0), "
    "  count(*) FILTER (WHERE state <> 'up' AND (prev IS NULL OR prev = 'up')) "
    "FROM h GROUP BY site, node, device HAVING bool_or(state <> 'up') "
    "ORDER BY 5 DESC, 4 DESC, (site || '/' || node || '/' || device) COLLATE \"C\" "
    "LIMIT $2";

/* A window with two reasons counts under each: a reason's time is the time
 * it held, and the reasons' times do not sum to the time not up. */
static const char reasons_sql[] = MONTH_WINDOWS
    "SELECT reason, count(DISTINCT (d.site, d.node, d.device)), count(*), sum(d.window_ms) "
    "FROM device_health d CROSS JOIN r CROSS JOIN unnest(d.reasons) AS reason "
    "WHERE d.start_at >= r.lo AND d.start_at < r.hi "
    "GROUP BY reason ORDER BY 4 DESC, reason COLLATE \"C\"";

static const char *const state_name[] = {[HEALTH_UP] = "up", [HEALTH_DEGRADED] = "degraded",
                                         [HEALTH_DOWN] = "down"};

/* What a device's down time would have earned: its model's revenue per
 * allocated GPU-hour of the month (report yield's by-model row, yield.h),
 * times the down time, rounded once, half up, from the exact figures.
 * False, and "-", when the model had no allocated time to price by. */
static bool down_cost(const struct yield_cells *models, const char *model, int64_t down_ms,
                      int digits, char price[32], char cost[32], int64_t *out)
{
    snprintf(price, 32, "-");
    snprintf(cost, 32, "-");
    for (size_t i = 0; i < models->n; i++) {
        const struct yield_cell *c = &models->v[i];
        if (strcmp(c->model, model) || c->allocated <= 0) continue;
        if (!money_div_round((__int128)yield_revenue(c) * down_ms, c->allocated, out))
            return false;
        report_per_gpu_hour(yield_revenue(c), c->allocated, digits, price, 32);
        money_format(*out, digits, cost, 32);
        return true;
    }
    return false;
}

static void devices_out(const PGresult *res, const char *period, long long top,
                        const struct yield_cells *models, int digits, const char *currency,
                        enum report_format format, struct strbuf *out)
{
    static const char *const names[] = {"metered_ms", "degraded_ms", "down_ms", "incidents"};
    if (format == REPORT_TEXT)
        sb_printf(out,
                  "health of %s: up to %lld devices not always up, most time down first "
                  "(GPU-hours; money in %s, an estimate of revenue forgone)\n"
                  "%-48s %-16s %10s %10s %10s %9s %12s %12s\n",
                  period, top, currency, "device", "model", "metered", "degraded", "down",
                  "incidents", "/alloc GPU-h", "down cost");
    else if (format == REPORT_CSV)
        sb_puts(out, "device,model,metered_ms,degraded_ms,down_ms,incidents,"
                     "revenue_per_allocated_gpu_hour,down_cost\n");
    else
        sb_printf(out, "{\"period\":\"%s\",\"currency\":\"%s\",\"top\":%lld,\"devices\":[",
                  period, currency, top);
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t ms[3] = {0};
        for (int k = 0; k < 3; k++)
            db_get_int64(res, r, 2 + k, &ms[k]);
        assert(ms[1] + ms[2] <= ms[0] && ms[1] + ms[2] > 0); /* only devices not always up */
        const char *device = PQgetvalue(res, r, 0), *model = PQgetvalue(res, r, 1),
                   *incidents = PQgetvalue(res, r, 5);
        char price[32], cost[32];
        int64_t cost_minor = 0;
        bool priced = down_cost(models, model, ms[2], digits, price, cost, &cost_minor);
        if (format == REPORT_TEXT) {
            char h[3][32];
            for (int k = 0; k < 3; k++)
                report_gpu_hours(ms[k], h[k], sizeof h[k]);
            sb_printf(out, "%-48s %-16s %10s %10s %10s %9s %12s %12s\n", device, model, h[0], h[1],
                      h[2], incidents, price, cost);
        } else if (format == REPORT_CSV) {
            csv_field(out, device); /* collectors' names: quoted if need be */
            sb_putc(out, ',');
            csv_field(out, model);
            sb_printf(out, ",%lld,%lld,%lld,%s,%s,%s\n", (long long)ms[0], (long long)ms[1],
                      (long long)ms[2], incidents, priced ? price : "", priced ? cost : "");
        } else {
            sb_puts(out, r ? ",{\"device\":" : "{\"device\":");
            sb_put_json_string(out, device);
            sb_puts(out, ",\"model\":");
            sb_put_json_string(out, model);
            for (int k = 0; k < 3; k++)
                sb_printf(out, ",\"%s\":%lld", names[k], (long long)ms[k]);
            sb_printf(out, ",\"%s\":%s", names[3], incidents);
            if (priced)
                sb_printf(out, ",\"revenue_per_allocated_gpu_hour\":\"%s\",\"down_cost\":\"%s\"}",
                          price, cost);
            else
                sb_puts(out, ",\"revenue_per_allocated_gpu_hour\":null,\"down_cost\":null}");
        }
    }
}

static void reasons_out(const PGresult *res, enum report_format format, struct strbuf *out)
{
    if (format == REPORT_TEXT)
        sb_printf(out, "\nreasons (a window with two reasons counts under each)\n"
                       "%-26s %-9s %-8s %7s %7s %10s  %s\n",
                  "reason", "state", "customer", "devices", "windows", "hours", "meaning");
    else if (format == REPORT_CSV)
        sb_puts(out, "\nreason,state,customer_caused,devices,windows,ms,meaning\n");
    else
        sb_puts(out, "],\"reasons\":[");
    for (int r = 0; r < PQntuples(res); r++) {
        const char *code = PQgetvalue(res, r, 0), *devices = PQgetvalue(res, r, 1),
                   *windows = PQgetvalue(res, r, 2);
        int64_t ms = 0;
        db_get_int64(res, r, 3, &ms);
        /* A code the table does not know (an XID outside the catalog's
         * rows) is reported as such, not guessed. */
        const struct health_reason *why = health_reason_find(code);
        const char *state = why ? state_name[why->state] : "-";
        const char *customer = why ? (why->customer_caused ? "yes" : "no") : "-";
        const char *meaning = why ? why->why : "not in the reason table (core/health_reasons.h)";
        if (format == REPORT_TEXT) {
            char h[32];
            report_gpu_hours(ms, h, sizeof h);
            sb_printf(out, "%-26s %-9s %-8s %7s %7s %10s  %s\n", code, state, customer, devices,
                      windows, h, meaning);
        } else if (format == REPORT_CSV) {
            csv_field(out, code);
            sb_printf(out, ",%s,%s,%s,%s,%lld,", state, customer, devices, windows,
                      (long long)ms);
            csv_field(out, meaning);
            sb_putc(out, '\n');
        } else {
            sb_puts(out, r ? ",{\"reason\":" : "{\"reason\":");
            sb_put_json_string(out, code);
            if (why)
                sb_printf(out, ",\"state\":\"%s\",\"customer_caused\":%s", state,
                          why->customer_caused ? "true" : "false");
            else
                sb_puts(out, ",\"state\":null,\"customer_caused\":null");
            sb_printf(out, ",\"devices\":%s,\"windows\":%s,\"ms\":%lld,\"meaning\":", devices,
                      windows, (long long)ms);
            sb_put_json_string(out, meaning);
            sb_putc(out, '}');
        }
    }
    if (format == REPORT_JSON) sb_puts(out, "]}\n");
}

bool health_report(PGconn *conn, const char *period, const char *currency, long long top,
                   enum report_format format, struct strbuf *out)
{
    assert(top > 0);
    char first[16], limit[24];
    time_month_first_day(period, first);
    int digits;
    if (!yield_currency_digits(conn, currency, &digits)) return false;
    struct yield_cells cells = {0}, models = {0};
    bool priced = yield_read_month(conn, first, currency, &cells, NULL);
    if (priced) yield_group(&cells, YIELD_BY_MODEL, &models);
    free(cells.v);
    if (!priced) {
        free(models.v);
        return false;
    }
    snprintf(limit, sizeof limit, "%lld", top);
    const char *p[] = {first, limit};
    PGresult *devices = db_query(conn, "read device health", devices_sql, 2, p);
    PGresult *reasons = devices ? db_query(conn, "read health reasons", reasons_sql, 1, p) : NULL;
    if (!reasons) {
        PQclear(devices);
        free(models.v);
        return false;
    }
    devices_out(devices, period, top, &models, digits, currency, format, out);
    reasons_out(reasons, format, out);
    PQclear(devices);
    PQclear(reasons);
    free(models.v);
    return true;
}
