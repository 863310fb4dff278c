/* statement: a customer's usage and charges for a month.
 *
 * An open month is priced live through the same billing_load path as
 * `invoice run`; an issued month is its issued invoice, read back and
 * marked as such, never priced again under today's documents
 * (store_load_month). Either way a statement equals its invoice to the
 * fen. Text and JSON add the customer's deposit held and prepaid balance
 * as the receivables ledger stands now (balances.h). */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "billing/balances.h"
#include "billing/billing.h"
#include "billing/store.h"
#include "render/render.h"

#include <stdio.h>

struct statement_ctx {
    PGconn *conn;
    enum render_format format;
    bool ok;
};

static bool print_statement(struct bill *b, void *opaque)
{
    struct statement_ctx *ctx = opaque;
    if (b->error[0]) {
        log_error("customer \"%s\": %s", b->customer, b->error);
        ctx->ok = false;
        return false;
    }
    /* the ledger's balances beside the month (not in CSV: its rows are
     * the month's, the invoice's own) */
    if (ctx->format != RENDER_CSV && !balances_read(ctx->conn, b)) return ctx->ok = false;
    render_bill(b, ctx->format, "Statement", stdout);
    return true;
}

int cmd_statement(int argc, char **argv)
{
    const char *customer = NULL, *period = NULL, *format = "text";
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "customer code (required)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "month, in the customer's time zone (required)", 0,
         0},
        {"format", CLI_STR, &format, "text|json|csv", "text, json or csv (default text)", 0, 0},
        {0},
    };
    const struct cli_spec spec = {"gpumeter statement --customer CODE --period YYYY-MM [options]",
                                  "Print a customer's usage and charges for a month.", opts, 0, 0};
    int npos, y, m;
    struct statement_ctx ctx = {NULL, RENDER_TEXT, true};
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!customer || !period || !time_parse_month(period, &y, &m) ||
        !render_parse_format(format, &ctx.format))
        return cli_usage_error(
            &spec, "--customer and --period YYYY-MM are required; --format is text, json or csv");
    struct config cfg;
    int rc;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    ctx.conn = conn;
    int n = store_load_month(conn, period, customer, print_statement, &ctx);
    PQfinish(conn);
    return n == 1 && ctx.ok ? 0 : 1;
}
