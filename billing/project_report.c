/* project_report: `gpumeter report project --project CODE --period YYYY-MM
 * [--backlog] [--format text|csv|json]`, the investor's report of a
 * project (issue 37, docs/investor.md, "The investor's month" and
 * "Backlog, payback, NPV and IRR"): the rows project_book.h reads, or with
 * --backlog its backlog curve, month by month; with `--format xlsx --from
 * --to --out` the lender pack (lender_pack.h) of those rows month by
 * month. project_report_month (project_report.h) is the one output
 * function the CLI, GET /v1/project and the lender pack print. billing/
 * report.c dispatches to it (commands.h). Each run uses its own
 * connection. */
#include "billing/project_report.h"
#include "commands.h"

#include "billing/lender_pack.h"
#include "billing/project_book.h"
#include "billing/report_format.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

bool project_report_month(PGconn *conn, const char *code, const char *period,
                          long default_after_days, bool backlog, enum report_format format,
                          struct strbuf *out)
{
    return project_report_month_cached(conn, code, period, default_after_days, backlog, format,
                                       NULL, out);
}

bool project_report_month_cached(PGconn *conn, const char *code, const char *period,
                                 long default_after_days, bool backlog,
                                 enum report_format format, struct project_month_cache *months,
                                 struct strbuf *out)
{
    struct project_book b;
    bool ok = project_book_read_cached(conn, code, period, default_after_days, months, &b);
    if (ok && backlog)
        project_figures_put_backlog(b.backlog, b.nbacklog, b.digits, b.p->code, b.from, period,
                                    b.p->currency, format, out);
    else if (ok)
        project_figures_put(&b.figures, b.p->code, b.from, period, b.p->currency, format, out);
    project_book_free(&b);
    return ok;
}

/* The lender pack's month: project_report_month reading the months
 * before it from ctx's cache (a project_month_cache of this pack's
 * project), so the pack reads each month once. */
static bool pack_month(void *ctx, PGconn *conn, const char *code, const char *period,
                       long default_after_days, bool backlog, enum report_format format,
                       struct strbuf *out)
{
    return project_report_month_cached(conn, code, period, default_after_days, backlog, format,
                                       ctx, out);
}

/* --format xlsx: the lender pack (lender_pack.h) of --from .. --to. */
static int lender_pack(const struct cli_spec *spec, const char *code, const char *period,
                       bool backlog, const char *from, const char *to, const char *out)
{
    int y0, m0, y1, m1, rc;
    if (period) return cli_usage_error(spec, "--format xlsx takes --from and --to, not --period");
    if (backlog) return cli_usage_error(spec, "--backlog is not a lender pack: csv, json or text");
    if (!from || !time_parse_month(from, &y0, &m0) || !to || !time_parse_month(to, &y1, &m1))
        return cli_usage_error(spec, "--format xlsx needs --from YYYY-MM and --to YYYY-MM");
    long span = (long)(y1 - y0) * 12 + (m1 - m0);
    if (span < 0) return cli_usage_error(spec, "--to is before --from");
    if (span >= LENDER_PACK_MAX_MONTHS) {
        char msg[64];
        snprintf(msg, sizeof msg, "at most %d months in one lender pack", LENDER_PACK_MAX_MONTHS);
        return cli_usage_error(spec, msg);
    }
    if (!out || !out[0]) return cli_usage_error(spec, "--format xlsx needs --out FILE");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct project_month_cache months = {0};
    bool ok = lender_pack_write(conn, code, from, to, out, cfg.default_after_days, pack_month,
                                &months);
    /* the pack's cost, for a test that it stays linear (docs/investor.md) */
    log_debug("lender pack: %ld month reads for %ld months", months.reads, span + 1);
    project_month_cache_free(&months);
    PQfinish(conn);
    if (ok) printf("%s: project %s, %s to %s\n", out, code, from, to);
    return ok ? 0 : 1;
}

int cmd_report_project(int argc, char **argv)
{
    const char *code = NULL, *period = NULL, *format_text = "text";
    const char *from = NULL, *to = NULL, *out_path = NULL;
    bool backlog = false;
    const struct cli_opt opts[] = {
        {"project", CLI_STR, &code, "CODE", "the project (required)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "month (required but with xlsx)", 0, 0},
        {"backlog", CLI_BOOL, &backlog, NULL, "the backlog curve, month by month", 0, 0},
        {"format", CLI_STR, &format_text, "text|csv|json|xlsx",
         "text (default), csv, json or xlsx", 0, 0},
        {"from", CLI_STR, &from, "YYYY-MM", "xlsx: the first month of the lender pack", 0, 0},
        {"to", CLI_STR, &to, "YYYY-MM", "xlsx: its last month", 0, 0},
        {"out", CLI_STR, &out_path, "FILE", "xlsx: the workbook to write", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report project --project CODE --period YYYY-MM [--backlog] "
        "[--format text|csv|json]\n"
        "       gpumeter report project --project CODE --from YYYY-MM --to YYYY-MM --format xlsx "
        "--out FILE",
        "The investor's report of a project: revenue billed, cash collected, operating cost, "
        "CFADS, debt service, DSCR, utilisation, the contracted backlog, payback, NPV and IRR; "
        "as xlsx, the lender pack of its months and debt schedule (docs/investor.md).",
        opts, 0, 0};
    int npos, rc;
    enum report_format format;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!code || !cli_code_valid(code))
        return cli_usage_error(&spec, "--project CODE is required: a project code (lower-case "
                                      "letters, digits, - and _)");
    if (!strcmp(format_text, "xlsx"))
        return lender_pack(&spec, code, period, backlog, from, to, out_path);
    if (from || to || out_path)
        return cli_usage_error(&spec, "--from, --to and --out go with --format xlsx");
    char first_day[16];
    if (!cli_period(&spec, period, first_day)) return CLI_EXIT_USAGE;
    if (!report_format_parse(format_text, &format))
        return cli_usage_error(&spec, "--format is text, csv, json or xlsx");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    bool ok = project_report_month(conn, code, period, cfg.default_after_days, backlog, format,
                                   &out);
    if (ok) fputs(sb_str(&out), stdout);
    sb_free(&out);
    PQfinish(conn);
    return ok ? 0 : 1;
}
