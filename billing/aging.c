/* aging: the receivables aging report (see aging.h). */
#include "billing/aging.h"

#include "core/csv.h"
#include "core/db.h"
#include "core/money.h"

#include <stdio.h>
#include <string.h>

/* receivables_aging's rows (schema 032) with the currency's decimals, the
 * day they are as of, and the day the customer entered default when it is
 * in default then ($3 days; customer_default_at, 036, judged at the end of
 * the day as `receivables check --on` judges it), else ''. */
static const char aging_sql[] =
    "WITH d AS (SELECT coalesce($1::date, (now() AT TIME ZONE default_time_zone())::date) AS day) "
    "SELECT coalesce(a.customer, ''), a.currency, a.current_minor, a.d1_30_minor, "
    "       a.d31_60_minor, a.d61_90_minor, a.over_90_minor, a.open_minor, a.invoices, "
    "       a.sales_90d_minor, coalesce(a.dso::text, '-'), cu.minor_digits, d.day, "
    "       a.customer IS NULL, coalesce(to_char(df.since, 'YYYY-MM-DD'), '') "
    "FROM d CROSS JOIN LATERAL receivables_aging(d.day, $2) a "
    "JOIN currency cu ON cu.code = a.currency "
    "LEFT JOIN customer c ON c.code = a.customer "
    "LEFT JOIN customer_default_at(receivables_day_end(d.day, default_time_zone()), $3::int) df "
    "       ON df.customer_id = c.id AND df.currency = a.currency "
    "ORDER BY a.currency, a.customer IS NULL, a.customer COLLATE \"C\"";

enum { C_CUSTOMER, C_CURRENCY, C_B0, C_B1, C_B2, C_B3, C_B4, C_OPEN, C_INVOICES, C_SALES,
       C_DSO, C_DIGITS, C_DAY, C_TOTAL, C_DEFAULT };
#define AMOUNTS 7 /* the five buckets, the total open and the sales, from C_B0 */

/* The names of the amounts in CSV and JSON (JSON adds _minor to the
 * integer and keeps the name for the decimal text). */
static const char *const amount_names[AMOUNTS] = {"current", "days_1_30",  "days_31_60",
                                                  "days_61_90", "over_90", "open",
                                                  "sales_90d"};

static int column(int k)
{
    return k < 6 ? C_B0 + k : C_SALES;
}

/* Whether customer is one (only asked when its report came back empty). */
static enum aging_result known(PGconn *conn, const char *customer)
{
    const char *p[] = {customer};
    PGresult *res = db_query(conn, "find the customer", "SELECT 1 FROM customer WHERE code = $1",
                             1, p);
    enum aging_result r = !res ? AGING_FAILED : PQntuples(res) ? AGING_OK : AGING_NO_CUSTOMER;
    PQclear(res);
    return r;
}

enum aging_result aging_report(PGconn *conn, const char *as_of, const char *customer,
                               long default_after_days, enum report_format format,
                               struct strbuf *out)
{
    char days[24];
    snprintf(days, sizeof days, "%ld", default_after_days);
    const char *p[] = {as_of, customer, days};
    PGresult *res = db_query(conn, "read receivables aging", aging_sql, 3, p);
    if (!res) return AGING_FAILED;
    enum aging_result found = customer && !PQntuples(res) ? known(conn, customer) : AGING_OK;
    if (found != AGING_OK) {
        PQclear(res);
        return found;
    }
    char day[16] = "";
    if (PQntuples(res)) {
        snprintf(day, sizeof day, "%s", PQgetvalue(res, 0, C_DAY));
    } else if (as_of) {
        snprintf(day, sizeof day, "%s", as_of);
    } else { /* nothing owed: the day is still today's, as the query takes it */
        PGresult *d = db_query(conn, "read today", "SELECT (now() AT TIME ZONE "
                                                   "default_time_zone())::date", 0, NULL);
        if (d && PQntuples(d)) snprintf(day, sizeof day, "%s", PQgetvalue(d, 0, 0));
        PQclear(d);
    }
    if (format == REPORT_TEXT)
        sb_printf(out,
                  "receivables as of %s (open by days past due; DSO = open / credit sales of "
                  "the last 90 days x 90)\n%-20s %-3s %12s %12s %12s %12s %12s %13s %8s %13s "
                  "%7s  %s\n",
                  day, "customer", "cur", "current", "1-30", "31-60", "61-90", "over 90",
                  "total open", "invoices", "sales 90d", "DSO", "in default since");
    else if (format == REPORT_CSV) {
        sb_puts(out, "as_of,customer,currency");
        for (int k = 0; k < AMOUNTS; k++)
            sb_printf(out, ",%s", amount_names[k]);
        sb_puts(out, ",invoices,dso,default_since\n");
    } else {
        sb_puts(out, "{\"as_of\":");
        sb_put_json_string(out, day);
        sb_puts(out, ",\"rows\":[");
    }
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t digits = 2;
        char v[AMOUNTS][40];
        db_get_int64(res, r, C_DIGITS, &digits);
        for (int k = 0; k < AMOUNTS; k++) {
            int64_t minor = 0;
            db_get_int64(res, r, column(k), &minor);
            money_format(minor, (int)digits, v[k], sizeof v[k]);
        }
        bool total = !strcmp(PQgetvalue(res, r, C_TOTAL), "t");
        const char *code = PQgetvalue(res, r, C_CUSTOMER), *cur = PQgetvalue(res, r, C_CURRENCY),
                   *n = PQgetvalue(res, r, C_INVOICES), *dso = PQgetvalue(res, r, C_DSO),
                   *since = PQgetvalue(res, r, C_DEFAULT);
        if (format == REPORT_TEXT) {
            sb_printf(out, "%-20s %-3s %12s %12s %12s %12s %12s %13s %8s %13s %7s%s%s\n",
                      total ? "total" : code, cur, v[0], v[1], v[2], v[3], v[4], v[5], n, v[6],
                      dso, since[0] ? "  " : "", since);
        } else if (format == REPORT_CSV) {
            sb_printf(out, "%s,", day);
            csv_field(out, total ? "total" : code);
            sb_printf(out, ",%s", cur);
            for (int k = 0; k < AMOUNTS; k++)
                sb_printf(out, ",%s", v[k]);
            sb_printf(out, ",%s,%s,%s\n", n, dso, since);
        } else {
            sb_printf(out, "%s{\"customer\":", r ? "," : "");
            if (total) sb_puts(out, "null");
            else sb_put_json_string(out, code);
            sb_printf(out, ",\"total\":%s,\"currency\":\"%s\"", total ? "true" : "false", cur);
            for (int k = 0; k < AMOUNTS; k++)
                sb_printf(out, ",\"%s_minor\":%s,\"%s\":\"%s\"", amount_names[k],
                          PQgetvalue(res, r, column(k)), amount_names[k], v[k]);
            sb_printf(out, ",\"invoices\":%s,\"dso\":", n);
            if (strcmp(dso, "-")) sb_printf(out, "\"%s\"", dso);
            else sb_puts(out, "null");
            sb_puts(out, ",\"default_since\":");
            if (since[0]) sb_printf(out, "\"%s\"", since);
            else sb_puts(out, "null");
            sb_putc(out, '}');
        }
    }
    if (format == REPORT_JSON) sb_puts(out, "]}\n");
    PQclear(res);
    return AGING_OK;
}
