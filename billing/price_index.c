/* price_index: the realised compute price index (see price_index.h). */
#include "billing/price_index.h"

#include "billing/billing.h"
#include "core/cli.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/invariant.h"
#include "core/money.h"

#include <stdio.h>
#include <string.h>

/* Whether month m (a date expression) is final: over, and no customer's
 * invoice for it is a draft, or void with none standing in its place (a
 * void month issued again moves the figures). Finality is the month's,
 * whatever the model. */
#define MONTH_FINAL(m)                                                                        \
    "(" m " < date_trunc('month', now())::date AND NOT EXISTS ("                             \
    "SELECT 1 FROM invoice d WHERE d.kind = 'invoice' AND d.period = " m " "                  \
    "AND (d.status = 'draft' OR (d.status = 'void' AND NOT EXISTS ("                          \
    "SELECT 1 FROM invoice s WHERE s.customer_id = d.customer_id AND s.period = d.period "    \
    "AND " INVOICE_STANDS("s.") ")))))"

/* The index of the months $1..$2 (first days), of model $3 when not NULL:
 * month (YYYY-MM), model, currency, minor digits, contracts, GPU-ms,
 * amount, price in micro-units per GPU-hour, final.
 *
 * A line counts in the month it prices: a prior_period line in the month
 * it adjusts (docs/invoices.md, late usage), any other in its document's.
 * A partial credit note's lines copy the credited line's kind, meter and
 * model, with minus the quantity and money credited (a credit by amount
 * takes money and no quantity). A contract contributes when its counted
 * lines leave it GPU time in the month and model (net of credit notes: a
 * line credited whole leaves only the others, and must not count as one of
 * them). The price is the month's money in micro-units
 * (10^-6 of the currency) per GPU-hour, rounded once, half away from zero
 * (numeric round), from the exact sums: no float anywhere. */
#define INDEX_SELECT                                                                          \
    "WITH l AS ("                                                                             \
    "  SELECT CASE WHEN l.kind = 'prior_period' THEN l.adjusts ELSE i.period END AS month, "  \
    "         l.model, i.currency, i.customer_id, i.contract, l.quantity, l.amount "          \
    "  FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id "                            \
    "  WHERE " INVOICE_NETS("i.") " AND l.meter = 'gpu_ms' "                                  \
    "    AND l.kind IN ('usage', 'prior_period')), "                                          \
    "k AS (SELECT month, model, currency, customer_id, contract, sum(quantity) AS quantity, "  \
    "  sum(amount) AS amount FROM l GROUP BY month, model, currency, customer_id, contract) "  \
    "SELECT to_char(l.month, 'YYYY-MM'), l.model, l.currency, c.minor_digits, "               \
    "       count(*) FILTER (WHERE l.quantity > 0), sum(l.quantity), sum(l.amount), "          \
    "       CASE WHEN sum(l.quantity) > 0 THEN round(sum(l.amount)::numeric "                 \
    "            * power(10::numeric, 6 - c.minor_digits) * 3600000 / sum(l.quantity)) END, " \
    "       " MONTH_FINAL("l.month") " "                                                      \
    "FROM k l JOIN currency c ON c.code = l.currency "                                        \
    "WHERE l.month BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR l.model = $3) "     \
    "GROUP BY l.month, l.model, l.currency, c.minor_digits"

static const char index_sql[] = INDEX_SELECT " ORDER BY 1, l.model COLLATE \"C\", 3";

/* One month's publication ($1 = $2 its first day, $3 NULL, $4
 * min_contracts): the figures as published (gpu_ms, amount and price NULL
 * below $4 contracts, or with no GPU time), each model and currency
 * against its newest publication of the month; a row is added where they
 * differ, or where there was none (revision 0). A model and currency with
 * no line left is published with 0 contracts, once. Prints first rows,
 * revisions and rows unchanged. */
static const char publish_sql[] =
    "WITH x(month, model, currency, digits, contracts, gpu_ms, amount, price, final) AS ("
    INDEX_SELECT "), "
    "n AS (SELECT model, currency, contracts, "
    "  CASE WHEN contracts >= $4 AND price IS NOT NULL THEN gpu_ms END AS gpu_ms, "
    "  CASE WHEN contracts >= $4 AND price IS NOT NULL THEN amount END AS amount, "
    "  CASE WHEN contracts >= $4 THEN price END AS price, "
    "  CASE WHEN final THEN 'final' ELSE 'provisional' END AS status FROM x), "
    "last AS (SELECT DISTINCT ON (model, currency) * FROM price_index_publication "
    "  WHERE month = $1::date ORDER BY model, currency, revision DESC), "
    "d AS (SELECT coalesce(n.model, p.model) AS model, coalesce(n.currency, p.currency) AS currency, "
    "  coalesce(n.contracts, 0) AS contracts, n.gpu_ms, n.amount, n.price, "
    "  coalesce(n.status, CASE WHEN " MONTH_FINAL("$1::date") " THEN 'final' "
    "           ELSE 'provisional' END) AS status, "
    "  p.revision AS p_revision, p.contracts AS p_contracts, p.gpu_ms AS p_gpu_ms, "
    "  p.amount AS p_amount, p.price_micro AS p_price, p.status AS p_status "
    "  FROM n FULL JOIN last p ON p.model = n.model AND p.currency = n.currency), "
    "ins AS (INSERT INTO price_index_publication (month, model, currency, revision, contracts, "
    "  min_contracts, gpu_ms, amount, price_micro, status) "
    "  SELECT $1::date, model, currency, coalesce(p_revision + 1, 0), contracts, $4::int, "
    "         gpu_ms, amount, price, status FROM d "
    "  WHERE p_revision IS NULL OR (contracts, gpu_ms, amount, price, status) IS DISTINCT FROM "
    "        (p_contracts, p_gpu_ms, p_amount, p_price, p_status) "
    "  RETURNING revision) "
    "SELECT count(*) FILTER (WHERE revision = 0), count(*) FILTER (WHERE revision > 0), "
    "       (SELECT count(*) FROM d) - count(*) FROM ins";

/* The publications of the months $1..$2, of model $3 when not NULL, in
 * the order they were made per month, model and currency. */
static const char revisions_sql[] =
    "SELECT to_char(p.month, 'YYYY-MM'), p.model, p.currency, c.minor_digits, p.contracts, "
    "       p.gpu_ms, p.amount, p.price_micro, p.status = 'final', p.revision, "
    "       to_char(p.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM price_index_publication p JOIN currency c ON c.code = p.currency "
    "WHERE p.month BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR p.model = $3) "
    "ORDER BY p.month, p.model COLLATE \"C\", p.currency, p.revision";

enum { F_MONTH, F_MODEL, F_CURRENCY, F_CONTRACTS, F_HOURS, F_AMOUNT, F_PRICE, F_STATUS,
       F_REVISION, F_PUBLISHED, F_COUNT };

static const char *const field_name[F_COUNT] = {
    "month", "model", "currency", "contracts", "gpu_hours", "amount", "price_per_gpu_hour",
    "status", "revision", "published_at"};
static const char *const field_head[F_COUNT] = {
    "month", "model", "cur", "contracts", "GPU-hours", "amount", "per GPU-hour", "status",
    "revision", "published"};
static const int field_width[F_COUNT] = {-8, -16, -4, 9, 14, 16, 16, -11, 8, -20};

/* A row's fields as printed: "-" for what confidentiality withholds. The
 * columns are those of index_sql, then revisions_sql's two more. */
struct index_row {
    const char *v[F_COUNT];
    char contracts[24], hours[32], amount[40], price[40];
};

static void row_read(const PGresult *res, int r, long min_contracts, struct index_row *o)
{
    int64_t contracts = 0, ms = 0, amount = 0, price = 0, digits = 0;
    o->v[F_MONTH] = PQgetvalue(res, r, 0);
    o->v[F_MODEL] = PQgetvalue(res, r, 1);
    o->v[F_CURRENCY] = PQgetvalue(res, r, 2);
    db_get_int64(res, r, 3, &digits);
    db_get_int64(res, r, 4, &contracts);
    o->v[F_STATUS] = !strcmp(PQgetvalue(res, r, 8), "t") ? "final" : "provisional";
    snprintf(o->contracts, sizeof o->contracts, "%lld", (long long)contracts);
    o->v[F_CONTRACTS] = o->contracts;
    o->v[F_HOURS] = o->hours;
    o->v[F_AMOUNT] = o->amount;
    o->v[F_PRICE] = o->price;
    bool published = contracts >= min_contracts && !PQgetisnull(res, r, 7) &&
                     db_get_int64(res, r, 7, &price) && db_get_int64(res, r, 5, &ms) &&
                     db_get_int64(res, r, 6, &amount);
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

static void row_out(const char *const *v, int n, enum report_format format, bool first,
                    struct strbuf *out)
{
    for (int k = 0; k < n; k++) {
        if (format == REPORT_TEXT) {
            /* the last column unpadded: no blanks end a line */
            sb_printf(out, k ? " %*s" : "%*s", k == n - 1 ? 0 : field_width[k], v[k]);
        } else if (format == REPORT_CSV) {
            if (k) sb_putc(out, ',');
            csv_field(out, v[k]); /* a model is a collector's name: neutralised */
        } else {
            sb_puts(out, k ? ", " : first ? "\n  {" : ",\n  {");
            sb_put_json_string(out, field_name[k]);
            sb_puts(out, ": ");
            sb_put_json_string(out, v[k]);
        }
    }
    sb_puts(out, format == REPORT_JSON ? "}" : "\n");
}

static void head_out(const char *from, const char *to, long min_contracts, bool revisions,
                     enum report_format format, struct strbuf *out)
{
    int n = revisions ? F_COUNT : F_REVISION;
    if (format == REPORT_TEXT) {
        sb_printf(out,
                  "realised compute price index %s to %s%s: GPU-hours of invoices that stand, "
                  "gross of vouchers and subsidies; published with at least %ld contracts\n",
                  from, to, revisions ? ", every publication" : "", min_contracts);
        row_out(field_head, n, format, true, out);
    } else if (format == REPORT_CSV) {
        for (int k = 0; k < n; k++) sb_printf(out, "%s%s", k ? "," : "", field_name[k]);
        sb_putc(out, '\n');
    } else {
        sb_printf(out, "{\"from\": \"%s\", \"to\": \"%s\", \"basis\": \"gross\", "
                       "\"series\": \"gpu_hours\", \"min_contracts\": %ld, \"%s\": [",
                  from, to, min_contracts, revisions ? "publications" : "rows");
    }
}

bool price_index_report(PGconn *conn, const char *from, const char *to, const char *model,
                        long min_contracts, bool revisions, enum report_format format,
                        struct strbuf *out)
{
    assert(min_contracts >= 1);
    char d0[16], d1[16];
    const char *p[] = {cli_month_start(from, d0), cli_month_start(to, d1), model};
    PGresult *res = db_query(conn, "read the price index", revisions ? revisions_sql : index_sql,
                             3, p);
    if (!res) return false;
    head_out(from, to, min_contracts, revisions, format, out);
    struct index_row row;
    for (int r = 0; r < PQntuples(res); r++) {
        /* a publication is shown as it was published, under its own minimum */
        row_read(res, r, revisions ? 1 : min_contracts, &row);
        if (revisions) {
            row.v[F_REVISION] = PQgetvalue(res, r, 9);
            row.v[F_PUBLISHED] = PQgetvalue(res, r, 10);
        }
        row_out(row.v, revisions ? F_COUNT : F_REVISION, format, r == 0, out);
    }
    if (format == REPORT_JSON) sb_puts(out, PQntuples(res) ? "\n]}\n" : "]}\n");
    PQclear(res);
    return true;
}

bool price_index_publish(PGconn *conn, const char *period, long min_contracts,
                         struct price_index_published *out)
{
    assert(min_contracts >= 1);
    char d0[16], min[24];
    snprintf(min, sizeof min, "%ld", min_contracts);
    const char *p[] = {cli_month_start(period, d0), d0, NULL, min};
    PGresult *res = db_query(conn, "publish the price index", publish_sql, 4, p);
    if (!res) return false;
    int64_t v[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) db_get_int64(res, 0, k, &v[k]);
    out->first = v[0];
    out->revisions = v[1];
    out->unchanged = v[2];
    PQclear(res);
    return true;
}
