/* export: `gpumeter export etax|focus`, the one command that writes a
 * month's paperwork for a system outside gpumeter:
 *   etax   the fapiao hand-off (billing/etax.h): a fapiao for each issued
 *          invoice that has none yet and a red reversal for each void one
 *          whose fapiao was issued, one XLSX in the e-tax bureau's layout;
 *   focus  the issued invoices as FinOps FOCUS 1.0 rows (billing/focus.h),
 *          CSV to standard output or a file.
 * `invoice export --format etax`, the spelling before issue 33, is an alias
 * of `export etax` for one release (invoice.c). Main thread only. */
#include "billing/etax.h"
#include "billing/focus.h"
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int export_etax(int argc, char **argv)
{
    const char *period = NULL, *output = NULL;
    bool all = false;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "the month (required)", 0, 0},
        {"output", CLI_STR, &output, "FILE", "where to write it (required)", 0, 0},
        {"all", CLI_BOOL, &all, NULL,
         "also invoices whose fapiao (or red fapiao) is recorded already", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter export etax --period YYYY-MM --output FILE.xlsx [--all]",
        "Write what finance hands to the tax system for the month, in the e-tax bureau's bulk "
        "issuing layout (XLSX): a fapiao for each issued invoice that has none yet, and a "
        "red-reversal request for each void one whose fapiao was issued (docs/invoices.md).",
        opts, 0, 0};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    char first_day[16];
    if (!cli_period(&spec, period, first_day)) return CLI_EXIT_USAGE;
    if (!output || !output[0]) return cli_usage_error(&spec, "--output FILE is required");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    rc = etax_export(first_day, output, all, &cfg, conn);
    PQfinish(conn);
    return rc;
}

static int export_focus(int argc, char **argv)
{
    const char *period = NULL, *customer = NULL, *output = NULL;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "the month (required)", 0, 0},
        {"customer", CLI_STR, &customer, "CODE", "only this customer's invoices", 0, 0},
        {"output", CLI_STR, &output, "FILE", "write to FILE instead of standard output", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter export focus --period YYYY-MM [--customer CODE] [--output FILE]",
        "Write the month's issued invoices as FinOps FOCUS 1.0 cost and usage rows, CSV: one "
        "row per invoice line and one tax row per invoice (docs/invoices.md, \"FOCUS\").",
        opts, 0, 0};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    char first_day[16];
    if (!cli_period(&spec, period, first_day)) return CLI_EXIT_USAGE;
    if (customer && !cli_code_ok(&spec, "--customer", customer)) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf csv = STRBUF_INIT;
    bool ok = focus_export(conn, first_day, customer, &cfg.seller, &csv);
    PQfinish(conn);
    FILE *out = ok && output ? fopen(output, "w") : stdout;
    if (!out) {
        log_error("cannot write %s: %s", output, strerror(errno));
        ok = false;
    } else if (ok) {
        ok = fwrite(csv.buf ? csv.buf : "", 1, csv.len, out) == csv.len;
        if (output) ok = fclose(out) == 0 && ok;
        if (!ok)
            log_error("cannot write %s: %s", output ? output : "standard output", strerror(errno));
    }
    sb_free(&csv);
    return ok ? 0 : 1;
}

static const struct cli_command export_table[] = {
    {"etax", export_etax, "the month's fapiao and red reversals for the tax system (XLSX)", NULL},
    {"focus", export_focus, "the month's invoices as FinOps FOCUS 1.0 rows (CSV)", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(export, "gpumeter export", export_table)
