/* project_report: `gpumeter report project --project CODE --period YYYY-MM
 * [--backlog] [--format text|csv|json]`, the investor's report of a
 * project (issue 37, docs/investor.md, "The investor's month" and
 * "Backlog, payback, NPV and IRR"): the rows project_book.h reads, or with
 * --backlog its backlog curve, month by month. billing/report.c
 * dispatches to it (commands.h). Each run uses its own connection. */
#include "commands.h"

#include "billing/project_book.h"
#include "billing/report_format.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <stdio.h>

int cmd_report_project(int argc, char **argv)
{
    const char *code = NULL, *period = NULL, *format_text = "text";
    bool backlog = false;
    const struct cli_opt opts[] = {
        {"project", CLI_STR, &code, "CODE", "the project (required)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "month (required)", 0, 0},
        {"backlog", CLI_BOOL, &backlog, NULL, "the backlog curve, month by month", 0, 0},
        {"format", CLI_STR, &format_text, "FORMAT", "text (default), csv or json", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report project --project CODE --period YYYY-MM [--backlog] "
        "[--format text|csv|json]",
        "The investor's report of a project: revenue billed, cash collected, operating cost, "
        "CFADS, debt service, DSCR, utilisation, the contracted backlog, payback, NPV and IRR "
        "(docs/investor.md).",
        opts, 0, 0};
    int npos, y, mo, rc;
    enum report_format format;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!code) return cli_usage_error(&spec, "--project CODE is required");
    if (!period || !time_parse_month(period, &y, &mo))
        return cli_usage_error(&spec, "--period YYYY-MM is required");
    if (!report_format_parse(format_text, &format))
        return cli_usage_error(&spec, "--format is text, csv or json");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    struct project_book b;
    bool ok = project_book_read(conn, code, period, cfg.default_after_days, &b);
    if (ok && backlog)
        project_figures_put_backlog(b.backlog, b.nbacklog, b.digits, b.p->code, b.from, period,
                                    b.p->currency, format, &out);
    else if (ok)
        project_figures_put(&b.figures, b.p->code, b.from, period, b.p->currency, format, &out);
    if (ok) fputs(sb_str(&out), stdout);
    project_book_free(&b);
    sb_free(&out);
    PQfinish(conn);
    return ok ? 0 : 1;
}
