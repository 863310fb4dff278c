/* price_index: the realised compute price index (see price_index.h). */
#include "billing/price_index.h"

#include "billing/billing.h"
#include "core/cli.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/money.h"

#include "core/invariant.h"
#include <stdio.h>
#include <string.h>

/* A line counts in the month it prices: a prior_period line in the month
 * it adjusts (docs/invoices.md, late usage), any other in its document's.
 * A partial credit note's lines copy the credited line's kind, meter and
 * model, with minus the quantity and money credited (a credit by amount
 * takes money and no quantity). A contract contributes when a document of
 * it has a counted line. The price is the month's money in micro-units
 * (10^-6 of the currency) per GPU-hour, rounded once, half away from zero
 * (numeric round), from the exact sums: no float anywhere. A month is
 * final once it is over and no customer's invoice for it is a draft or
 * void with none standing in its place (a void month re-issued later
 * moves the figures); until then provisional. */
static const char index_sql[] =
    "WITH l AS ("
    "  SELECT CASE WHEN l.kind = 'prior_period' THEN l.adjusts ELSE i.period END AS month, "
    "         l.model, i.currency, i.customer_id, i.contract, l.quantity, l.amount "
    "  FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id "
    "  WHERE " INVOICE_NETS("i.") " AND l.meter = 'gpu_ms' "
    "    AND l.kind IN ('usage', 'prior_period')) "
    "SELECT to_char(l.month, 'YYYY-MM'), l.model, l.currency, c.minor_digits, "
    "       count(DISTINCT (l.customer_id, l.contract)), sum(l.quantity), sum(l.amount), "
    "       CASE WHEN sum(l.quantity) > 0 THEN round(sum(l.amount)::numeric "
    "            * power(10::numeric, 6 - c.minor_digits) * 3600000 / sum(l.quantity)) END, "
    "       l.month < date_trunc('month', now())::date AND NOT EXISTS ("
    "         SELECT 1 FROM invoice d WHERE d.kind = 'invoice' AND d.period = l.month "
    "         AND (d.status = 'draft' OR (d.status = 'void' AND NOT EXISTS ("
    "           SELECT 1 FROM invoice s WHERE s.customer_id = d.customer_id "
    "           AND s.period = d.period AND " INVOICE_STANDS("s.") ")))) "
    "FROM l JOIN currency c ON c.code = l.currency "
    "WHERE l.month BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR l.model = $3) "
    "GROUP BY l.month, l.model, l.currency, c.minor_digits "
    "ORDER BY l.month, l.model COLLATE \"C\", l.currency";

/* One row's figures as printed: "-" for what confidentiality withholds. */
struct index_row {
    const char *month, *model, *currency, *status;
    char contracts[24], hours[32], amount[40], price[40];
};

static void row_read(const PGresult *res, int r, long min_contracts, struct index_row *o)
{
    int64_t contracts = 0, ms = 0, amount = 0, price = 0, digits = 0;
    o->month = PQgetvalue(res, r, 0);
    o->model = PQgetvalue(res, r, 1);
    o->currency = PQgetvalue(res, r, 2);
    db_get_int64(res, r, 3, &digits);
    db_get_int64(res, r, 4, &contracts);
    db_get_int64(res, r, 5, &ms);
    db_get_int64(res, r, 6, &amount);
    o->status = !strcmp(PQgetvalue(res, r, 8), "t") ? "final" : "provisional";
    snprintf(o->contracts, sizeof o->contracts, "%lld", (long long)contracts);
    bool published = contracts >= min_contracts && !PQgetisnull(res, r, 7) &&
                     db_get_int64(res, r, 7, &price);
    if (!published) {
        snprintf(o->hours, sizeof o->hours, "-");
        snprintf(o->amount, sizeof o->amount, "-");
        snprintf(o->price, sizeof o->price, "insufficient");
        return;
    }
    report_gpu_hours(ms, o->hours, sizeof o->hours);
    money_format(amount, (int)digits, o->amount, sizeof o->amount);
    money_format(price, 6, o->price, sizeof o->price);
}

static void row_out(const struct index_row *o, enum report_format format, bool first,
                    struct strbuf *out)
{
    if (format == REPORT_TEXT) {
        sb_printf(out, "%-8s %-16s %-4s %9s %14s %16s %16s %s\n", o->month, o->model,
                  o->currency, o->contracts, o->hours, o->amount, o->price, o->status);
    } else if (format == REPORT_CSV) {
        const char *const fields[] = {o->month,  o->model,  o->currency, o->contracts,
                                      o->hours,  o->amount, o->price,    o->status};
        for (size_t k = 0; k < sizeof fields / sizeof *fields; k++) {
            if (k) sb_putc(out, ',');
            csv_field(out, fields[k]); /* a model is a collector's name: neutralised */
        }
        sb_putc(out, '\n');
    } else {
        sb_puts(out, first ? "\n  {" : ",\n  {");
        static const char *const names[] = {"month",     "model",  "currency",
                                            "contracts", "gpu_hours", "amount",
                                            "price_per_gpu_hour", "status"};
        const char *const values[] = {o->month,  o->model,  o->currency, o->contracts,
                                      o->hours,  o->amount, o->price,    o->status};
        for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
            sb_printf(out, "%s\"%s\": ", k ? ", " : "", names[k]);
            sb_put_json_string(out, values[k]);
        }
        sb_putc(out, '}');
    }
}

bool price_index_report(PGconn *conn, const char *from, const char *to, const char *model,
                        long min_contracts, enum report_format format, struct strbuf *out)
{
    assert(min_contracts >= 1);
    char d0[16], d1[16];
    const char *p[] = {cli_month_start(from, d0), cli_month_start(to, d1), model};
    PGresult *res = db_query(conn, "read the price index", index_sql, 3, p);
    if (!res) return false;
    if (format == REPORT_TEXT)
        sb_printf(out,
                  "realised compute price index %s to %s: GPU-hours of invoices that stand, "
                  "gross of vouchers and subsidies; published with at least %ld contracts\n"
                  "%-8s %-16s %-4s %9s %14s %16s %16s %s\n",
                  from, to, min_contracts, "month", "model", "cur", "contracts", "GPU-hours",
                  "amount", "per GPU-hour", "status");
    else if (format == REPORT_CSV)
        sb_puts(out, "month,model,currency,contracts,gpu_hours,amount,price_per_gpu_hour,"
                     "status\n");
    else
        sb_printf(out, "{\"from\": \"%s\", \"to\": \"%s\", \"basis\": \"gross\", "
                       "\"series\": \"gpu_hours\", \"min_contracts\": %ld, \"rows\": [",
                  from, to, min_contracts);
    struct index_row row;
    for (int r = 0; r < PQntuples(res); r++) {
        row_read(res, r, min_contracts, &row);
        row_out(&row, format, r == 0, out);
    }
    if (format == REPORT_JSON) sb_puts(out, PQntuples(res) ? "\n]}\n" : "]}\n");
    PQclear(res);
    return true;
}
