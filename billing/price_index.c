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

/* The share of amount m of the item whose running sum of weights reaches
 * s (its own weight w) of the total t: money_split's rule (core/money.h),
 * sign(m) x (floor(|m| |s| / |t|) - floor(|m| |s - w| / |t|)), so the
 * shares of all items sum to m, exactly. The weights of one split have
 * one sign (an invoice's usage lines, or a credit note's); t is not 0. */
#define EXACT_SHARE(m, s, w, t)                                                               \
    "(sign(" m ") * (div(abs(" m ")::numeric * abs(" s "), abs(" t ")) "                       \
    "- div(abs(" m ")::numeric * abs(" s " - " w "), abs(" t "))))"

/* Each usage line's share of its document's pre-tax vouchers, after a
 * CTE d of the documents (id): vs, then v (invoice_id, line_no, share).
 * The voucher_discount lines (together V) are shared over the document's
 * usage lines (of every meter, together C) in proportion to amount,
 * exactly in minor units (EXACT_SHARE, the lines in line order), so the
 * shares sum to V. A document with no voucher, or whose usage lines sum
 * to 0, shares nothing. */
#define VOUCHER_SHARES                                                                        \
    "vs AS (SELECT l.invoice_id, l.line_no, l.amount, t.v, t.c, sum(l.amount) OVER "          \
    "    (PARTITION BY l.invoice_id ORDER BY l.line_no) AS s "                                \
    "  FROM invoice_line l JOIN (SELECT invoice_id, "                                         \
    "    sum(amount) FILTER (WHERE kind = 'usage') AS c, "                                    \
    "    sum(amount) FILTER (WHERE kind = 'voucher_discount') AS v "                          \
    "    FROM invoice_line WHERE invoice_id IN (SELECT id FROM d) GROUP BY invoice_id) t "    \
    "  ON t.invoice_id = l.invoice_id WHERE l.kind = 'usage' AND t.v <> 0 AND t.c <> 0), "    \
    "v AS (SELECT invoice_id, line_no, " EXACT_SHARE("v", "s", "amount", "c") " AS share "     \
    "  FROM vs), "

/* The index of the months $1..$2 (first days), of key $3, series $4 and
 * basis $5, each when not NULL: month (YYYY-MM), key, currency, minor
 * digits, contracts, quantity, amount, price in micro-units per price
 * unit, final, series, basis.
 *
 * d: the documents that count (INVOICE_NETS: invoices that stand, and
 * the partial credit notes against them), of month $1 or later (a line
 * prices its document's month or, prior_period, an earlier one). v: each usage line's share of
 * its document's pre-tax vouchers (VOUCHER_SHARES). Subsidies pay energy
 * lines only (docs/contracts.md), which are in no series: net of them is
 * the lines themselves. l: the lines a series
 * reads, each in the month it prices: a prior_period line in the month it
 * adjusts (docs/invoices.md, late usage), any other in its document's. A
 * partial credit note's lines copy the credited line's kind, meter and
 * model, with minus the quantity and money credited (a credit by amount
 * takes money and no quantity). tp: the customers whose contract in
 * effect for a month has a take-or-pay commitment and bills GPU-hours.
 * s: each line in its series (gpu_hours by model, tokens by token class,
 * commitments under "*": the GPU time of the take-or-pay contracts and
 * their shortfall, carry-forward and make-up money, which has no
 * quantity of its own). A contract contributes when its lines leave it a
 * quantity in the month and key (net of credit notes: a line credited
 * whole leaves only the others, and must not count as one of them); a
 * customer's contracts count as one (k groups by customer: a renewal
 * under a new code bills the old month's late usage on the new one's
 * invoice, and one buyer counted twice would publish a value of two).
 * Only contributors' quantity and money make the value: a take-or-pay
 * contract with a shortfall and no GPU time is counted in neither (its
 * money summed in doubled the commitment series' price of two). The
 * price is the money in micro-units (10^-6 of the currency) per price
 * unit of the series' meter (meter.units_per_price: a GPU-hour, a million
 * tokens), rounded once, half away from zero (numeric round), from the
 * exact sums: no float anywhere. */
#define INDEX_SELECT                                                                          \
    "WITH d AS (SELECT i.id, i.period, i.currency, i.customer_id, i.contract FROM invoice i "  \
    "  WHERE " INVOICE_NETS("i.") " AND i.period >= $1::date), "                              \
    VOUCHER_SHARES                                                                            \
    "l AS (SELECT CASE WHEN l.kind = 'prior_period' THEN l.adjusts ELSE d.period END AS month, " \
    "  l.kind, l.meter, l.model, d.currency, d.customer_id, d.contract, l.quantity, l.amount, " \
    "  coalesce(v.share, 0) AS share FROM d JOIN invoice_line l ON l.invoice_id = d.id "       \
    "  LEFT JOIN v ON v.invoice_id = l.invoice_id AND v.line_no = l.line_no "                 \
    "  WHERE (l.meter IN ('gpu_ms', 'tokens') AND l.kind IN ('usage', 'prior_period')) "      \
    "     OR l.kind IN ('shortfall', 'carry_forward', 'makeup_draw')), "                      \
    "tp AS (SELECT m.month, c.customer_id FROM (SELECT DISTINCT month FROM l "                \
    "    WHERE month BETWEEN $1::date AND $2::date) m "                                       \
    "  CROSS JOIN LATERAL contract_in_effect(m.month) c WHERE c.document ? 'commitment' "     \
    "  AND coalesce(c.document->>'billing_basis', 'gpu_hours') = 'gpu_hours'), "              \
    "s AS (SELECT 'gpu_hours' AS series, month, model AS key, 'gpu_ms' AS meter, currency, "  \
    "    customer_id, contract, quantity, amount, share FROM l "                              \
    "    WHERE meter = 'gpu_ms' AND kind IN ('usage', 'prior_period') "                       \
    "  UNION ALL SELECT 'tokens', month, model, 'tokens', currency, customer_id, contract, "   \
    "    quantity, amount, share FROM l WHERE meter = 'tokens' AND kind IN ('usage', 'prior_period') " \
    "  UNION ALL SELECT 'commitments', l.month, '*', 'gpu_ms', l.currency, l.customer_id, "   \
    "    l.contract, CASE WHEN l.kind IN ('usage', 'prior_period') THEN l.quantity ELSE 0 END, " \
    "    l.amount, l.share FROM l JOIN tp ON tp.month = l.month AND tp.customer_id = l.customer_id " \
    "    WHERE l.kind NOT IN ('usage', 'prior_period') OR l.meter = 'gpu_ms'), "              \
    "k AS (SELECT s.series, b.basis, s.month, s.key, s.meter, s.currency, s.customer_id, "    \
    "    sum(s.quantity) AS quantity, "                                                       \
    "    sum(s.amount + CASE WHEN b.basis = 'net' THEN s.share ELSE 0 END) AS amount "         \
    "  FROM s CROSS JOIN (VALUES ('gross'), ('net')) b(basis) "                               \
    "  WHERE s.month BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR s.key = $3) "      \
    "    AND ($4::text IS NULL OR s.series = $4) AND ($5::text IS NULL OR b.basis = $5) "      \
    "  GROUP BY 1, 2, 3, 4, 5, 6, 7) "                                                        \
    "SELECT to_char(k.month, 'YYYY-MM'), k.key, k.currency, c.minor_digits, "                 \
    "       count(*) FILTER (WHERE k.quantity > 0), sum(k.quantity) FILTER (WHERE "           \
    "       k.quantity > 0), sum(k.amount) FILTER (WHERE k.quantity > 0), "                   \
    "       CASE WHEN sum(k.quantity) FILTER (WHERE k.quantity > 0) > 0 THEN round("          \
    "            sum(k.amount) FILTER (WHERE k.quantity > 0)::numeric "                       \
    "            * power(10::numeric, 6 - c.minor_digits) * m.units_per_price "               \
    "            / sum(k.quantity) FILTER (WHERE k.quantity > 0)) END, "                      \
    "       " MONTH_FINAL("k.month") ", k.series, k.basis "                                   \
    "FROM k JOIN currency c ON c.code = k.currency JOIN meter m ON m.code = k.meter "         \
    "GROUP BY k.series, k.basis, k.month, k.key, k.currency, c.minor_digits, m.units_per_price"

static const char index_sql[] = INDEX_SELECT " ORDER BY 1, k.key COLLATE \"C\", 3";

/* The GPU-hour series per local day of the month $1 (first day), of model
 * $2 when not NULL, basis $3: day, model, currency, minor digits,
 * contracts, GPU-ms, amount, price, final (always false: provisional).
 *
 * d: the month's invoices, drafts (the last `invoice run`) and those that
 * stand, and the partial credit notes against them. mm: each customer's
 * money and billed GPU time of each model and currency on them, from
 * their GPU-time usage lines (net: the money with their voucher shares,
 * VOUCHER_SHARES). ud: the same customers' rated GPU time of each model
 * per local day of their contract's zone, from the rollup (schema 018) of
 * the usage their account windows own (account_window, 029), contracts
 * billed by GPU-hour only (a by-token contract's GPU time is not what its
 * GPU-hour lines bill). da: the month's money and billed GPU time of each
 * customer and model, both split over its days in proportion to its rated
 * GPU time, exactly (EXACT_SHARE, the days in order: they sum to the
 * month's). Splitting the billed time, not the rated time, keeps each
 * customer's day at its month's price when the two differ (a credit note
 * by quantity, usage rated after the invoice was written, a plan's
 * increments): money over time it was not billed for would be a price no
 * one paid. The day's price is the volume-weighted price of those
 * amounts, rounded once. */
static const char days_sql[] =
    "WITH d AS (SELECT i.id FROM invoice i WHERE i.period = $1::date AND (" INVOICE_NETS("i.")
    "  OR (i.kind = 'invoice' AND i.status = 'draft'))), "
    VOUCHER_SHARES
    "mm AS (SELECT i.customer_id, i.currency, l.model, sum(l.amount + CASE WHEN $3 = 'net' "
    "    THEN coalesce(v.share, 0) ELSE 0 END) AS money, sum(l.quantity) AS billed "
    "  FROM d JOIN invoice i ON i.id = d.id JOIN invoice_line l ON l.invoice_id = d.id "
    "  LEFT JOIN v ON v.invoice_id = l.invoice_id AND v.line_no = l.line_no "
    "  WHERE l.meter = 'gpu_ms' AND l.kind = 'usage' GROUP BY 1, 2, 3), "
    "k AS (SELECT customer_id AS id, time_zone AS tz FROM contract_in_effect($1::date) "
    "  WHERE coalesce(document->>'billing_basis', 'gpu_hours') = 'gpu_hours'), "
    "ud AS (SELECT k.id, r.day, r.model, sum(r.quantity) AS q FROM k "
    "  CROSS JOIN LATERAL account_window(k.id, k.tz, $1::date, "
    "    ($1::date + interval '1 month')::date) a "
    "  JOIN usage_rollup r ON r.tz = k.tz AND r.span = 'day' AND r.account = a.account "
    "   AND r.day >= a.lo_day AND r.day < a.hi_day AND starts_with(r.job, a.job_prefix) "
    "  WHERE r.meter = 'gpu_ms' AND ($2::text IS NULL OR r.model = $2) GROUP BY 1, 2, 3), "
    "dd AS (SELECT ud.id, ud.day, ud.model, mm.currency, mm.money, mm.billed, ud.q, "
    "    sum(ud.q) OVER (PARTITION BY ud.id, ud.model, mm.currency ORDER BY ud.day) AS s, "
    "    sum(ud.q) OVER (PARTITION BY ud.id, ud.model, mm.currency) AS total "
    "  FROM ud JOIN mm ON mm.customer_id = ud.id AND mm.model = ud.model), "
    "da AS (SELECT day, model, currency, " EXACT_SHARE("billed", "s", "q", "total") " AS q, "
    "    " EXACT_SHARE("money", "s", "q", "total") " AS amount "
    "  FROM dd WHERE total > 0) "
    "SELECT to_char(da.day, 'YYYY-MM-DD'), da.model, da.currency, c.minor_digits, "
    "       count(*) FILTER (WHERE da.q > 0), sum(da.q), sum(da.amount), "
    "       CASE WHEN sum(da.q) > 0 THEN round(sum(da.amount)::numeric "
    "            * power(10::numeric, 6 - c.minor_digits) "
    "            * (SELECT units_per_price FROM meter WHERE code = 'gpu_ms') / sum(da.q)) END, false "
    "FROM da JOIN currency c ON c.code = da.currency "
    "GROUP BY da.day, da.model, da.currency, c.minor_digits "
    "ORDER BY 1, da.model COLLATE \"C\", 3";

/* One month's publication ($1 = $2 its first day, $3, $4 and $5 NULL: every
 * key, series and basis; $6 min_contracts): the figures as published
 * (quantity, amount and price NULL below $6 contracts, or with no
 * quantity), each series, basis, key and currency against its newest
 * publication of the month; a row is added where they differ, or where
 * there was none (revision 0). One with no line left is published with 0
 * contracts, once. Prints first rows, revisions and rows unchanged. */
static const char publish_sql[] =
    "WITH x(month, model, currency, digits, contracts, gpu_ms, amount, price, final, series, "
    "  basis) AS (" INDEX_SELECT "), "
    "n AS (SELECT series, basis, model, currency, contracts, "
    "  CASE WHEN contracts >= $6 AND price IS NOT NULL THEN gpu_ms END AS gpu_ms, "
    "  CASE WHEN contracts >= $6 AND price IS NOT NULL THEN amount END AS amount, "
    "  CASE WHEN contracts >= $6 THEN price END AS price, "
    "  CASE WHEN final THEN 'final' ELSE 'provisional' END AS status FROM x), "
    "last AS (SELECT DISTINCT ON (series, basis, model, currency) * FROM price_index_publication "
    "  WHERE month = $1::date ORDER BY series, basis, model, currency, revision DESC), "
    "cmp AS (SELECT coalesce(n.series, p.series) AS series, coalesce(n.basis, p.basis) AS basis, "
    "  coalesce(n.model, p.model) AS model, coalesce(n.currency, p.currency) AS currency, "
    "  coalesce(n.contracts, 0) AS contracts, n.gpu_ms, n.amount, n.price, "
    "  coalesce(n.status, CASE WHEN " MONTH_FINAL("$1::date") " THEN 'final' "
    "           ELSE 'provisional' END) AS status, "
    "  p.revision AS p_revision, p.contracts AS p_contracts, p.gpu_ms AS p_gpu_ms, "
    "  p.amount AS p_amount, p.price_micro AS p_price, p.status AS p_status "
    "  FROM n FULL JOIN last p ON p.series = n.series AND p.basis = n.basis "
    "  AND p.model = n.model AND p.currency = n.currency), "
    "ins AS (INSERT INTO price_index_publication (month, series, basis, model, currency, "
    "  revision, contracts, min_contracts, gpu_ms, amount, price_micro, status) "
    "  SELECT $1::date, series, basis, model, currency, coalesce(p_revision + 1, 0), contracts, "
    "         $6::int, gpu_ms, amount, price, status FROM cmp "
    "  WHERE p_revision IS NULL OR (contracts, gpu_ms, amount, price, status) IS DISTINCT FROM "
    "        (p_contracts, p_gpu_ms, p_amount, p_price, p_status) "
    "  RETURNING revision) "
    "SELECT count(*) FILTER (WHERE revision = 0), count(*) FILTER (WHERE revision > 0), "
    "       (SELECT count(*) FROM cmp) - count(*) FROM ins";

/* The publications of the months $1..$2, of key $3 when not NULL, of
 * series $4 and basis $5, in the order they were made per month, key and
 * currency. */
static const char revisions_sql[] =
    "SELECT to_char(p.month, 'YYYY-MM'), p.model, p.currency, c.minor_digits, p.contracts, "
    "       p.gpu_ms, p.amount, p.price_micro, p.status = 'final', p.revision, "
    "       to_char(p.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM price_index_publication p JOIN currency c ON c.code = p.currency "
    "WHERE p.month BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR p.model = $3) "
    "  AND p.series = $4 AND p.basis = $5 "
    "ORDER BY p.month, p.model COLLATE \"C\", p.currency, p.revision";

/* The newest publication of each month, key and currency of the series
 * and basis, when it is final (a month made provisional again by a void
 * shows nothing until it is final and published again). */
static const char published_sql[] =
    "SELECT * FROM (SELECT DISTINCT ON (p.month, p.model, p.currency) "
    "       to_char(p.month, 'YYYY-MM'), p.model, p.currency, c.minor_digits, p.contracts, "
    "       p.gpu_ms, p.amount, p.price_micro, p.status = 'final' AS final, p.revision, "
    "       to_char(p.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "       p.month AS m "
    "    FROM price_index_publication p JOIN currency c ON c.code = p.currency "
    "    WHERE p.month BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR p.model = $3) "
    "      AND p.series = $4 AND p.basis = $5 "
    "    ORDER BY p.month, p.model, p.currency, p.revision DESC) x "
    "WHERE x.final ORDER BY x.m, x.model COLLATE \"C\", x.currency";

static const char *const series_name[] = {"gpu_hours", "tokens", "commitments"};
static const char *const basis_name[] = {"gross", "net"};

bool price_index_series_parse(const char *s, enum price_index_series *out)
{
    for (int k = 0; k < 3; k++)
        if (!s ? k == INDEX_GPU_HOURS : !strcmp(s, series_name[k])) {
            *out = (enum price_index_series)k;
            return true;
        }
    return false;
}

bool price_index_basis_parse(const char *s, enum price_index_basis *out)
{
    for (int k = 0; k < 2; k++)
        if (!s ? k == INDEX_GROSS : !strcmp(s, basis_name[k])) {
            *out = (enum price_index_basis)k;
            return true;
        }
    return false;
}

enum { F_MONTH, F_MODEL, F_CURRENCY, F_CONTRACTS, F_QUANTITY, F_AMOUNT, F_PRICE, F_STATUS,
       F_REVISION, F_PUBLISHED, F_COUNT };

/* The fields as named (CSV, JSON) and headed (text); the quantity and the
 * price say their unit, the series' price unit. */
static const char *const field_name[F_COUNT] = {
    "month", "model", "currency", "contracts", "gpu_hours", "amount", "price_per_gpu_hour",
    "status", "revision", "published_at"};
static const char *const field_head[F_COUNT] = {
    "month", "model", "cur", "contracts", "GPU-hours", "amount", "per GPU-hour", "status",
    "revision", "published"};
static const int field_width[F_COUNT] = {-10, -16, -4, 9, 14, 16, 16, -11, 8, -20};

/* The names of the fields of q's series: tokens are counted and priced in
 * millions of tokens, keyed by token class; days are days. */
static void series_fields(const struct price_index_query *q, bool head, const char **v)
{
    const char *const *base = head ? field_head : field_name;
    for (int k = 0; k < F_COUNT; k++) v[k] = base[k];
    if (q->days) v[F_MONTH] = "day";
    if (q->series == INDEX_TOKENS) {
        v[F_MODEL] = head ? "token class" : "model";
        v[F_QUANTITY] = head ? "M tokens" : "million_tokens";
        v[F_PRICE] = head ? "per M tokens" : "price_per_million_tokens";
    }
}

/* A row's fields as printed: "-" for what confidentiality withholds. The
 * columns are those of index_sql, then revisions_sql's two more. */
struct index_row {
    const char *v[F_COUNT];
    char contracts[24], quantity[32], amount[40], price[40];
};

static void row_read(const PGresult *res, int r, long min_contracts,
                     enum price_index_series series, struct index_row *o)
{
    int64_t contracts = 0, quantity = 0, amount = 0, price = 0, digits = 0;
    o->v[F_MONTH] = PQgetvalue(res, r, 0);
    o->v[F_MODEL] = PQgetvalue(res, r, 1);
    o->v[F_CURRENCY] = PQgetvalue(res, r, 2);
    db_get_int64(res, r, 3, &digits);
    db_get_int64(res, r, 4, &contracts);
    o->v[F_STATUS] = !strcmp(PQgetvalue(res, r, 8), "t") ? "final" : "provisional";
    snprintf(o->contracts, sizeof o->contracts, "%lld", (long long)contracts);
    o->v[F_CONTRACTS] = o->contracts;
    o->v[F_QUANTITY] = o->quantity;
    o->v[F_AMOUNT] = o->amount;
    o->v[F_PRICE] = o->price;
    bool published = contracts >= min_contracts && !PQgetisnull(res, r, 7) &&
                     db_get_int64(res, r, 7, &price) && db_get_int64(res, r, 5, &quantity) &&
                     db_get_int64(res, r, 6, &amount);
    if (!published) {
        snprintf(o->quantity, sizeof o->quantity, "-");
        snprintf(o->amount, sizeof o->amount, "-");
        snprintf(o->price, sizeof o->price, "insufficient");
        return;
    }
    if (series == INDEX_TOKENS) /* tokens in millions, exactly */
        money_format(quantity, 6, o->quantity, sizeof o->quantity);
    else
        report_gpu_hours(quantity, o->quantity, sizeof o->quantity);
    money_format(amount, (int)digits, o->amount, sizeof o->amount);
    money_format(price, 6, o->price, sizeof o->price);
}

static void row_out(const char *const *v, const char *const *names, int n,
                    enum report_format format, bool first, struct strbuf *out)
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
            sb_put_json_string(out, names[k]);
            sb_puts(out, ": ");
            sb_put_json_string(out, v[k]);
        }
    }
    sb_puts(out, format == REPORT_JSON ? "}" : "\n");
}

/* What the text heading says each series and basis is. */
static const char *const series_says[] = {
    "GPU-hours of invoices that stand",
    "million training tokens of invoices that stand, by token class",
    "GPU-hours used under take-or-pay commitments, their shortfall and make-up money included"};
static const char *const basis_says[] = {"gross of vouchers and subsidies",
                                         "net of pre-tax vouchers and subsidies"};

static void head_out(const struct price_index_query *q, long min_contracts, bool revisions,
                     enum report_format format, struct strbuf *out)
{
    int n = revisions ? F_COUNT : F_REVISION;
    const char *names[F_COUNT];
    if (format == REPORT_TEXT) {
        sb_printf(out,
                  "realised compute price index %s to %s%s: %s, %s; published with at least "
                  "%ld contracts\n",
                  q->from, q->to,
                  revisions ? ", every publication" : q->days ? ", per day, provisional" : "",
                  q->days ? "GPU-hours of the month's drafts and invoices that stand, by day"
                          : series_says[q->series],
                  basis_says[q->basis], min_contracts);
        series_fields(q, true, names);
        row_out(names, names, n, format, true, out);
    } else if (format == REPORT_CSV) {
        series_fields(q, false, names);
        for (int k = 0; k < n; k++) sb_printf(out, "%s%s", k ? "," : "", names[k]);
        sb_putc(out, '\n');
    } else {
        sb_printf(out, "{\"from\": \"%s\", \"to\": \"%s\", \"basis\": \"%s\", "
                       "\"series\": \"%s\", \"min_contracts\": %ld, \"%s\": [",
                  q->from, q->to, basis_name[q->basis], series_name[q->series], min_contracts,
                  revisions ? "publications" : q->days ? "days" : "rows");
    }
}

bool price_index_report(PGconn *conn, const struct price_index_query *q, long min_contracts,
                        bool revisions, enum report_format format, struct strbuf *out)
{
    assert(min_contracts >= 1);
    assert(!q->days || (q->series == INDEX_GPU_HOURS && !revisions && !strcmp(q->from, q->to)));
    assert(!q->published_only || (!q->days && !revisions));
    /* the newest final publications print as publications do */
    const char *sql = q->published_only ? published_sql : revisions ? revisions_sql : index_sql;
    revisions = revisions || q->published_only;
    char d0[16], d1[16];
    const char *p[] = {cli_month_start(q->from, d0), cli_month_start(q->to, d1), q->model,
                       series_name[q->series], basis_name[q->basis]};
    const char *pd[] = {p[0], q->model, basis_name[q->basis]};
    PGresult *res = q->days ? db_query(conn, "read the price index by day", days_sql, 3, pd)
                            : db_query(conn, "read the price index", sql, 5, p);
    if (!res) return false;
    head_out(q, min_contracts, revisions, format, out);
    const char *names[F_COUNT];
    series_fields(q, false, names);
    struct index_row row;
    for (int r = 0; r < PQntuples(res); r++) {
        /* a publication is shown as it was published, under its own minimum */
        row_read(res, r, revisions ? 1 : min_contracts, q->series, &row);
        if (revisions) {
            row.v[F_REVISION] = PQgetvalue(res, r, 9);
            row.v[F_PUBLISHED] = PQgetvalue(res, r, 10);
        }
        row_out(row.v, names, revisions ? F_COUNT : F_REVISION, format, r == 0, out);
    }
    if (format == REPORT_JSON) sb_puts(out, PQntuples(res) ? "\n]}\n" : "]}\n");
    /* what a person reading the terminal needs to read the status words */
    if (format == REPORT_TEXT)
        sb_printf(out,
                  "\ninsufficient: fewer contributing contracts than the minimum, withheld "
                  "(docs/investor.md)\nprovisional: the month may still move (not over, a "
                  "draft, or a void not issued again); final: it moves only by a revision\n");
    PQclear(res);
    return true;
}

bool price_index_publish(PGconn *conn, const char *period, long min_contracts,
                         struct price_index_published *out)
{
    assert(min_contracts >= 1);
    char d0[16], min[24];
    snprintf(min, sizeof min, "%ld", min_contracts);
    const char *p[] = {cli_month_start(period, d0), d0, NULL, NULL, NULL, min};
    PGresult *res = db_query(conn, "publish the price index", publish_sql, 6, p);
    if (!res) return false;
    int64_t v[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) db_get_int64(res, 0, k, &v[k]);
    out->first = v[0];
    out->revisions = v[1];
    out->unchanged = v[2];
    PQclear(res);
    return true;
}
