/* health_report: the fleet's health for a month (see health_report.h). */
#include "billing/health_report.h"

#include "billing/yield_engine.h"
#include "pricing/bill.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/health_reasons.h"
#include "core/invariant.h"
#include "core/money.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Schema 053's security definers (the API role may not read
 * device_health): a window counts whole in the month its start falls in,
 * as `report availability` counts a day's. A device is named with its
 * node and site: NPU ids repeat on every node. Every device not always up
 * is read, for the month's total down cost; the first `top` are listed. */
static const char devices_sql[] =
    "SELECT site || '/' || node || '/' || device, model, metered_ms, degraded_ms, down_ms, "
    "incidents FROM health_month_devices($1::date) "
    "ORDER BY 5 DESC, 4 DESC, (site || '/' || node || '/' || device) COLLATE \"C\"";

/* A window with two reasons counts under each: a reason's time is the time
 * it held, and the reasons' times do not sum to the time not up. */
static const char reasons_sql[] =
    "SELECT reason, devices, windows, ms FROM health_month_reasons($1::date) "
    "ORDER BY 4 DESC, reason COLLATE \"C\"";

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

/* The month's down time over every device, not only the listed ones:
 * the priced part's cost (each device's rounded once, as listed) and the
 * time no rate priced. */
struct down_total {
    int64_t cost, unpriced_ms;
};

static void devices_out(const PGresult *res, const char *period, long long top,
                        const struct yield_cells *models, int digits, const char *currency,
                        enum report_format format, struct strbuf *out, struct down_total *total)
{
    static const char *const names[] = {"metered_ms", "degraded_ms", "down_ms", "incidents"};
    static const char *const hours_names[] = {"metered_gpu_hours", "degraded_gpu_hours",
                                              "down_gpu_hours"};
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
        if (priced)
            total->cost += cost_minor;
        else
            total->unpriced_ms += ms[2];
        if (r >= top) continue; /* counted in the total, not listed */
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
            for (int k = 0; k < 3; k++) { /* the same as GPU-hours, for pages */
                char h[32];
                report_gpu_hours(ms[k], h, sizeof h);
                sb_printf(out, ",\"%s\":\"%s\"", hours_names[k], h);
            }
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
            char h[32];
            report_gpu_hours(ms, h, sizeof h);
            sb_printf(out, ",\"devices\":%s,\"windows\":%s,\"ms\":%lld,\"gpu_hours\":\"%s\",\"meaning\":",
                      devices, windows, (long long)ms, h);
            sb_put_json_string(out, meaning);
            sb_putc(out, '}');
        }
    }
    if (format == REPORT_JSON) sb_putc(out, ']');
}

/* The SLA credits of the month in currency (docs/availability.md, "What
 * the credits cost"): the sla_credit lines of standing invoices, a credit
 * (negative) counted as its cost (positive); the month's own invoice's,
 * and the late adjustments of later invoices whose `adjusts` names the
 * month, counted in the month they correct. */
static const char credits_sql[] =
    "SELECT c.code, "
    "  coalesce(sum(-l.amount) FILTER (WHERE l.adjusts IS NULL OR l.adjusts = i.period), 0), "
    "  coalesce(sum(-l.amount) FILTER (WHERE l.adjusts <> i.period), 0), sum(-l.amount) "
    "FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id "
    "JOIN customer c ON c.id = i.customer_id "
    "WHERE " INVOICE_STANDS("i.") " AND l.kind = 'sla_credit' AND i.currency = $2 "
    "  AND coalesce(l.adjusts, i.period) = $1::date "
    "GROUP BY c.code ORDER BY c.code COLLATE \"C\"";

static void credit_row(const char *customer, const int64_t v[3], int digits,
                       enum report_format format, bool first, struct strbuf *out)
{
    static const char *const names[] = {"month_invoice", "late_adjustments", "sla_credits"};
    char m[3][32];
    for (int k = 0; k < 3; k++)
        money_format(v[k], digits, m[k], sizeof m[k]);
    if (format == REPORT_TEXT) {
        sb_printf(out, "%-32s %16s %16s %16s\n", customer, m[0], m[1], m[2]);
    } else if (format == REPORT_CSV) {
        csv_field(out, customer);
        sb_printf(out, ",%s,%s,%s\n", m[0], m[1], m[2]);
    } else {
        sb_puts(out, first ? "{\"customer\":" : ",{\"customer\":");
        sb_put_json_string(out, customer);
        for (int k = 0; k < 3; k++)
            sb_printf(out, ",\"%s\":\"%s\"", names[k], m[k]);
        sb_putc(out, '}');
    }
}

/* Per customer and in total, then what poor delivery cost: the down
 * time's cost (an estimate) beside the credits (money given back). */
static void credits_out(const PGresult *res, const char *period, const char *currency,
                        int digits, const struct down_total *down, bool per_customer,
                        enum report_format format, struct strbuf *out)
{
    if (format == REPORT_TEXT)
        sb_printf(out,
                  "\nSLA credits of %s in %s (issued invoices; a late adjustment counts in the "
                  "month it corrects)\n%-32s %16s %16s %16s\n",
                  period, currency, "customer", "month's invoice", "late", "credits");
    else if (format == REPORT_CSV)
        sb_puts(out, "\ncustomer,month_invoice,late_adjustments,sla_credits\n");
    else if (per_customer)
        sb_puts(out, ",\"credits\":[");
    int64_t all[3] = {0};
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t v[3] = {0};
        for (int k = 0; k < 3; k++)
            db_get_int64(res, r, 1 + k, &v[k]);
        assert(v[0] + v[1] == v[2]);
        for (int k = 0; k < 3; k++)
            all[k] += v[k];
        if (per_customer) credit_row(PQgetvalue(res, r, 0), v, digits, format, r == 0, out);
    }
    if (format == REPORT_JSON) sb_puts(out, per_customer ? "],\"credits_total\":" : ",\"credits_total\":");
    credit_row("all", all, digits, format, true, out);
    char cost[32], credits[32];
    money_format(down->cost, digits, cost, sizeof cost);
    money_format(all[2], digits, credits, sizeof credits);
    if (format == REPORT_TEXT) {
        char h[32];
        report_gpu_hours(down->unpriced_ms, h, sizeof h);
        sb_printf(out,
                  "\nwhat poor delivery cost in %s: down time %s (revenue forgone, an estimate; "
                  "%s down GPU-hours without a rate), SLA credits %s\n",
                  period, cost, h, credits);
    } else if (format == REPORT_CSV) {
        sb_printf(out, "\ndown_cost,unpriced_down_ms,sla_credits\n%s,%lld,%s\n", cost,
                  (long long)down->unpriced_ms, credits);
    } else {
        char h[32];
        report_gpu_hours(down->unpriced_ms, h, sizeof h);
        sb_printf(out,
                  ",\"cost\":{\"down_cost\":\"%s\",\"unpriced_down_ms\":%lld,"
                  "\"unpriced_down_gpu_hours\":\"%s\",\"sla_credits\":\"%s\"}}\n",
                  cost, (long long)down->unpriced_ms, h, credits);
    }
}

bool health_report(PGconn *conn, const char *period, const char *currency, long long top,
                   bool per_customer, enum report_format format, struct strbuf *out)
{
    assert(top > 0);
    char first[16];
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
    const char *p[] = {first, currency};
    PGresult *devices = db_query(conn, "read device health", devices_sql, 1, p);
    PGresult *reasons = devices ? db_query(conn, "read health reasons", reasons_sql, 1, p) : NULL;
    PGresult *credits =
        reasons ? db_query(conn, "read the month's SLA credits", credits_sql, 2, p) : NULL;
    if (!credits) {
        PQclear(devices);
        PQclear(reasons);
        free(models.v);
        return false;
    }
    struct down_total down = {0};
    devices_out(devices, period, top, &models, digits, currency, format, out, &down);
    reasons_out(reasons, format, out);
    credits_out(credits, period, currency, digits, &down, per_customer, format, out);
    PQclear(devices);
    PQclear(reasons);
    PQclear(credits);
    free(models.v);
    return true;
}
