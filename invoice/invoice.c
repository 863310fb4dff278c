/* invoice: the monthly invoice batch and its views.
 *
 * `invoice run` prices every customer's month through billing.h and writes
 * one draft invoice per customer with usage, all in one transaction: a run
 * either refreshes every draft or changes nothing, and rerunning it never
 * duplicates anything (one invoice per customer and period). Any pricing
 * error stops the whole run, listing every customer affected. Usage of
 * accounts that no customer owns is reported, never silently dropped. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "invoice/billing.h"
#include "invoice/render.h"

#include <stdio.h>
#include <string.h>

struct run_ctx {
    PGconn *conn;
    char first_day[16];
    int written, failed;
};

static bool store_lines(PGconn *conn, const char *invoice_id, const struct bill *b)
{
    struct strbuf arr[6] = {{0}};
    for (int k = 0; k < 6; k++)
        db_array_open(&arr[k]);
    int line_no = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct bill_line *l = &b->lines[i];
        if (!l->billed) continue;
        db_array_add_int(&arr[0], ++line_no);
        db_array_add(&arr[1], l->meter);
        db_array_add(&arr[2], l->model);
        db_array_add_int(&arr[3], l->quantity);
        db_array_add_int(&arr[4], l->unit_price);
        db_array_add_int(&arr[5], l->amount);
    }
    const char *p[7] = {invoice_id};
    for (int k = 0; k < 6; k++) {
        db_array_close(&arr[k]);
        p[k + 1] = sb_str(&arr[k]);
    }
    bool ok = db_exec(conn, "clear draft invoice lines",
                      "DELETE FROM invoice_line WHERE invoice_id = $1", 1, p) &&
              db_exec(conn, "write invoice lines",
                      "INSERT INTO invoice_line (invoice_id, line_no, meter, model, quantity, "
                      "unit_price, amount) SELECT $1, * FROM unnest($2::int[], $3::text[], "
                      "$4::text[], $5::bigint[], $6::bigint[], $7::bigint[])",
                      7, p);
    for (int k = 0; k < 6; k++)
        sb_free(&arr[k]);
    return ok;
}

static bool store_invoice(struct bill *b, void *opaque)
{
    struct run_ctx *ctx = opaque;
    char err[512];
    if (!b->n) return true; /* a named customer without usage gets no invoice */
    if (!bill_price(b, err, sizeof err)) {
        log_error("%s", err);
        ctx->failed++;
        return true; /* report every customer's problem, then roll back */
    }
    char tax_ppm[24], sub[24], tax[24], total[24];
    snprintf(tax_ppm, sizeof tax_ppm, "%lld", (long long)b->tax_ppm);
    snprintf(sub, sizeof sub, "%lld", (long long)b->subtotal);
    snprintf(tax, sizeof tax, "%lld", (long long)b->tax);
    snprintf(total, sizeof total, "%lld", (long long)b->total);
    const char *p[] = {b->customer, ctx->first_day, b->currency, tax_ppm, sub, tax, total};
    PGresult *res = db_query(
        ctx->conn, "write the draft invoice",
        "INSERT INTO invoice AS i (customer_id, period, currency, tax_rate_ppm, subtotal, tax, "
        "total) SELECT id, $2::date, $3, $4, $5, $6, $7 FROM customer WHERE code = $1 "
        "ON CONFLICT (customer_id, period) DO UPDATE SET currency = excluded.currency, "
        "tax_rate_ppm = excluded.tax_rate_ppm, subtotal = excluded.subtotal, "
        "tax = excluded.tax, total = excluded.total, updated_at = now() "
        "WHERE i.status = 'draft' RETURNING id",
        7, p);
    if (!res) return false;
    bool ok = PQntuples(res) != 1 || store_lines(ctx->conn, PQgetvalue(res, 0, 0), b);
    PQclear(res);
    if (!ok) return false;
    char amount[32];
    money_format(b->total, b->minor_digits, amount, sizeof amount);
    printf("%-24s %s  draft  %16s %s\n", b->customer, b->period, amount, b->currency);
    ctx->written++;
    return true;
}

/* Usage in the month (Asia/Shanghai) of accounts that no customer owns. */
static void warn_unowned(PGconn *conn, const char *first_day)
{
    const char *p[] = {first_day};
    PGresult *res = db_query(
        conn, "look for usage of unowned accounts",
        "SELECT h.account, count(*) FROM usage_hourly h "
        "WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.account = h.account) "
        "  AND h.hour >= $1::date::timestamp AT TIME ZONE 'Asia/Shanghai' "
        "  AND h.hour < ($1::date + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai' "
        "GROUP BY h.account ORDER BY h.account",
        1, p);
    if (!res) return;
    for (int i = 0; i < PQntuples(res); i++)
        log_warn("usage of account \"%s\" (%s hourly rows) is not billed: no customer owns it",
                 PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
    if (PQntuples(res)) log_hint("Map the account to a customer; the next run bills its usage.");
    PQclear(res);
}

static int invoice_run(int argc, char **argv)
{
    const char *period = NULL, *customer = NULL;
    bool dry_run = false;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "month to invoice (required)", 0, 0},
        {"customer", CLI_STR, &customer, "CODE", "only this customer", 0, 0},
        {"dry-run", CLI_BOOL, &dry_run, NULL, "price and print, but write nothing", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice run --period YYYY-MM [options]",
        "Write or refresh one draft invoice per customer with usage in the month.", opts, 0, 0};
    int npos, y, m;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!period || !time_parse_month(period, &y, &m)) {
        log_error("--period YYYY-MM is required");
        cli_usage(&spec, stderr);
        return CLI_EXIT_USAGE;
    }
    struct config cfg;
    int rc;
    struct run_ctx ctx = {.conn = db_open(&cfg, &rc)};
    if (!ctx.conn) return rc;
    snprintf(ctx.first_day, sizeof ctx.first_day, "%s-01", period);
    bool ok = db_begin(ctx.conn) && bill_load(ctx.conn, period, customer, store_invoice, &ctx) >= 0;
    if (ok && ctx.failed) {
        log_error("invoice run for %s stopped: %d customer%s could not be priced", period,
                  ctx.failed, ctx.failed == 1 ? "" : "s");
        log_detail("Nothing was written.");
        ok = false;
    }
    if (ok && dry_run) {
        db_rollback(ctx.conn);
        log_info("dry run: %d invoices priced, nothing written", ctx.written);
    } else if (ok && db_commit(ctx.conn)) {
        log_info("%d draft invoices written for %s", ctx.written, period);
    } else {
        db_rollback(ctx.conn);
        ok = false;
    }
    if (ok && !customer) warn_unowned(ctx.conn, ctx.first_day);
    PQfinish(ctx.conn);
    return ok ? 0 : 1;
}

static const char show_sql[] =
    "SELECT c.code, c.name, pl.code, i.currency, cur.minor_digits, i.tax_rate_ppm, "
    "       to_char(i.period, 'YYYY-MM'), i.status, i.subtotal, i.tax, i.total, "
    "       l.meter, l.model, l.quantity, m.units_per_price, m.base_unit, m.price_unit, "
    "       l.unit_price, l.amount "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "JOIN price_plan pl ON pl.id = c.plan_id JOIN currency cur ON cur.code = i.currency "
    "LEFT JOIN invoice_line l ON l.invoice_id = i.id LEFT JOIN meter m ON m.code = l.meter "
    "WHERE c.code = $1 AND i.period = $2::date ORDER BY l.line_no";

/* Reads a stored invoice into b; checks that its totals equal its lines. */
static bool load_invoice(PGconn *conn, const char *customer, const char *first_day, struct bill *b)
{
    const char *p[] = {customer, first_day};
    PGresult *res = db_query(conn, "read the invoice", show_sql, 2, p);
    if (!res) return false;
    bool ok = PQntuples(res) > 0;
    if (!ok) log_error("no invoice for customer \"%s\" in %.7s", customer, first_day);
    int64_t digits = 2, sum = 0;
    for (int row = 0; ok && row < PQntuples(res); row++) {
        if (row == 0) {
            snprintf(b->customer, sizeof b->customer, "%s", PQgetvalue(res, 0, 0));
            snprintf(b->customer_name, sizeof b->customer_name, "%s", PQgetvalue(res, 0, 1));
            snprintf(b->plan, sizeof b->plan, "%s", PQgetvalue(res, 0, 2));
            snprintf(b->currency, sizeof b->currency, "%s", PQgetvalue(res, 0, 3));
            snprintf(b->period, sizeof b->period, "%s", PQgetvalue(res, 0, 6));
            snprintf(b->status, sizeof b->status, "%s", PQgetvalue(res, 0, 7));
            ok = db_get_int64(res, 0, 4, &digits) && db_get_int64(res, 0, 5, &b->tax_ppm) &&
                 db_get_int64(res, 0, 8, &b->subtotal) && db_get_int64(res, 0, 9, &b->tax) &&
                 db_get_int64(res, 0, 10, &b->total);
            b->minor_digits = (int)digits;
        }
        if (PQgetisnull(res, row, 11)) continue;
        struct bill_line *l = bill_add_line(b);
        snprintf(l->meter, sizeof l->meter, "%s", PQgetvalue(res, row, 11));
        snprintf(l->model, sizeof l->model, "%s", PQgetvalue(res, row, 12));
        snprintf(l->base_unit, sizeof l->base_unit, "%s", PQgetvalue(res, row, 15));
        snprintf(l->price_unit, sizeof l->price_unit, "%s", PQgetvalue(res, row, 16));
        l->billed = l->meter_billed = true;
        ok = ok && db_get_int64(res, row, 13, &l->quantity) &&
             db_get_int64(res, row, 14, &l->units_per_price) &&
             db_get_int64(res, row, 17, &l->unit_price) && db_get_int64(res, row, 18, &l->amount);
        sum += l->amount;
    }
    PQclear(res);
    if (ok && (sum != b->subtotal || b->subtotal + b->tax != b->total)) {
        log_error("stored invoice for customer \"%s\" in %s does not add up", customer, b->period);
        log_detail("Lines sum to %lld, subtotal is %lld, tax %lld, total %lld (minor units).",
                   (long long)sum, (long long)b->subtotal, (long long)b->tax, (long long)b->total);
        ok = false;
    }
    return ok;
}

static int invoice_show(int argc, char **argv)
{
    const char *customer = NULL, *period = NULL, *format = "text";
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "customer code (required)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "invoice month (required)", 0, 0},
        {"format", CLI_STR, &format, "FORMAT", "text, json or csv (default text)", 0, 0},
        {0},
    };
    const struct cli_spec spec = {"gpumeter invoice show --customer CODE --period YYYY-MM",
                                  "Print one stored invoice.", opts, 0, 0};
    int npos, y, m;
    enum render_format fmt;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!customer || !period || !time_parse_month(period, &y, &m) ||
        !render_parse_format(format, &fmt)) {
        log_error("--customer and --period YYYY-MM are required; --format is text, json or csv");
        cli_usage(&spec, stderr);
        return CLI_EXIT_USAGE;
    }
    struct config cfg;
    int rc;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    char first_day[16];
    snprintf(first_day, sizeof first_day, "%s-01", period);
    struct bill b = {0};
    bool ok = load_invoice(conn, customer, first_day, &b);
    if (ok) render_bill(&b, fmt, "Invoice", stdout);
    bill_free(&b);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static int invoice_list(int argc, char **argv)
{
    const char *period = NULL;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "only invoices of this month", 0, 0},
        {0},
    };
    const struct cli_spec spec = {"gpumeter invoice list [--period YYYY-MM]",
                                  "List invoices: customer, period, status, total.", opts, 0, 0};
    int npos, y, m;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (period && !time_parse_month(period, &y, &m)) {
        log_error("--period must look like YYYY-MM");
        return CLI_EXIT_USAGE;
    }
    struct config cfg;
    int rc;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    char first_day[16];
    snprintf(first_day, sizeof first_day, "%s-01", period ? period : "");
    const char *p[] = {period ? first_day : NULL};
    PGresult *res = db_query(conn, "list invoices",
                             "SELECT c.code, to_char(i.period, 'YYYY-MM'), i.status, i.total, "
                             "cur.minor_digits, i.currency FROM invoice i "
                             "JOIN customer c ON c.id = i.customer_id "
                             "JOIN currency cur ON cur.code = i.currency "
                             "WHERE $1::date IS NULL OR i.period = $1::date "
                             "ORDER BY i.period, c.code",
                             1, p);
    for (int i = 0; res && i < PQntuples(res); i++) {
        int64_t total = 0, digits = 2;
        char amount[32];
        db_get_int64(res, i, 3, &total);
        db_get_int64(res, i, 4, &digits);
        money_format(total, (int)digits, amount, sizeof amount);
        printf("%-24s %s  %-6s %16s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), amount, PQgetvalue(res, i, 5));
    }
    PQclear(res);
    PQfinish(conn);
    return res ? 0 : 1;
}

static const struct cli_command invoice_commands[] = {
    {"run", invoice_run, "write or refresh the draft invoices of a month"},
    {"show", invoice_show, "print one invoice (text, json, csv)"},
    {"list", invoice_list, "list invoices"},
    {NULL, NULL, NULL},
};

int cmd_invoice(int argc, char **argv)
{
    return cli_dispatch("gpumeter invoice", invoice_commands, argc, argv);
}
