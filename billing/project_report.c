/* project_report: `gpumeter report project --project CODE --period YYYY-MM
 * [--format text|csv|json]`, the investor's month of a project (issue 37,
 * docs/investor.md, "The investor's month"; the figures' rules are
 * project_month.h). For the project version in effect on the month's last
 * day: revenue billed and cash collected on its contracts' invoices, the
 * energy cost and utilisation of its fleets from the yield's own cells
 * (yield_engine.h: no second formula), its fixed costs, CFADS, the debt
 * service its schedule (pricing/debt.h) has due in the month, and DSCR.
 * billing/report.c dispatches to it (commands.h). Each run uses its own
 * connection. */
#include "billing/project_report.h"
#include "commands.h"

#include "billing/lender_pack.h"
#include "billing/project_month.h"
#include "billing/report_format.h"
#include "billing/yield_engine.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "pricing/bill.h"
#include "terms/project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Revenue billed: the before-tax subtotal of the month's standing invoices
 * of the project's contracts ($3, a text[]) in its currency. */
static const char revenue_sql[] =
    "SELECT coalesce(sum(i.subtotal), 0) FROM invoice i WHERE " INVOICE_STANDS("i.") " "
    "AND i.period = $1::date AND i.currency = $2 AND i.contract = ANY($3::text[])";

/* Cash collected: schema 061's project_cash_collected, the one
 * definition (a security definer: the API role may not read the ledger). */
static const char collected_sql[] = "SELECT project_cash_collected($1::date, $2, $3::text[])";

static bool read_amount(PGconn *conn, const char *what, const char *sql, const char *const p[3],
                        int64_t *out)
{
    PGresult *res = db_query(conn, what, sql, 3, p);
    bool ok = res && db_get_int64(res, 0, 0, out);
    PQclear(res);
    return ok;
}

/* The project's fleets' energy cost and GPU time, from the yield's cells. */
static bool read_fleets(PGconn *conn, const struct project *p, const char *first_day,
                        struct project_month *m)
{
    struct yield_cells cells = {0};
    bool ok = yield_read_month(conn, first_day, p->currency, &cells, NULL);
    for (size_t i = 0; ok && i < cells.n; i++) {
        const struct yield_cell *c = &cells.v[i];
        for (int a = 0; a < p->nassets; a++)
            if (!strcmp(c->site, p->assets[a].site) && !strcmp(c->model, p->assets[a].model)) {
                m->energy += c->idle_cost + c->used_cost;
                m->installed += c->installed, m->allocated += c->allocated;
            }
    }
    free(cells.v);
    return ok;
}

static void contracts_array(const struct project *p, struct strbuf *sb)
{
    sb_puts(sb, "{");
    for (int i = 0; i < p->ncontracts; i++) /* codes are [a-z0-9_-] (the document's rule) */
        sb_printf(sb, "%s\"%s\"", i ? "," : "", p->contracts[i]);
    sb_puts(sb, "}");
}

#define FIGURES 7

static void put_report(const struct project *p, const char *from, const char *period,
                       const struct project_month *m, enum report_format format,
                       struct strbuf *out)
{
    const char *names[FIGURES] = {"revenue_billed", "cash_collected", "energy_cost",
                                  "fixed_costs",    "operating_cost", "cfads",
                                  "debt_service"};
    const int64_t v[FIGURES] = {m->revenue, m->collected, m->energy,
                                m->fixed, m->operating, m->cfads, m->debt_service};
    char a[40], dscr[40] = "", util[40] = "";
    int64_t h;
    if (project_month_dscr(m->cfads, m->debt_service, &h)) money_format(h, 2, dscr, sizeof dscr);
    if (project_month_utilisation(m->allocated, m->installed, &h))
        money_format(h, 2, util, sizeof util);
    if (format == REPORT_JSON)
        sb_printf(out, "{\"project\":\"%s\",\"effective_from\":\"%s\",\"period\":\"%s\","
                       "\"currency\":\"%s\"",
                  p->code, from, period, p->currency);
    else if (format == REPORT_CSV) sb_puts(out, "figure,value\n");
    else
        sb_printf(out, "project %s (version of %s), %s, money in %s\n\n", p->code, from, period,
                  p->currency);
    for (int f = 0; f < FIGURES; f++) {
        money_format(v[f], 2, a, sizeof a);
        if (format == REPORT_JSON) sb_printf(out, ",\"%s\":\"%s\"", names[f], a);
        else if (format == REPORT_CSV) sb_printf(out, "%s,%s\n", names[f], a);
        else sb_printf(out, "%-16s %18s\n", names[f], a);
    }
    if (format == REPORT_JSON) {
        sb_puts(out, ",\"dscr\":");
        if (dscr[0]) sb_printf(out, "\"%s\"", dscr);
        else sb_puts(out, "null");
        sb_puts(out, ",\"utilisation_percent\":");
        if (util[0]) sb_printf(out, "\"%s\"", util);
        else sb_puts(out, "null");
        sb_puts(out, "}\n");
    } else if (format == REPORT_CSV) {
        sb_printf(out, "dscr,%s\nutilisation_percent,%s\n", dscr, util);
    } else {
        sb_printf(out, "%-16s %18s\n%-16s %18s\n", "dscr", dscr[0] ? dscr : "none",
                  "utilisation %", util[0] ? util : "none");
    }
}

bool project_report_month(PGconn *conn, const char *code, const char *period,
                          enum report_format format, struct strbuf *out)
{
    char first_day[16], last_day[16], from[16];
    int y, mo;
    time_parse_month(period, &y, &mo);
    time_month_first_day(period, first_day);
    int64_t first = time_days_from_civil(y, (unsigned)mo, 1);
    int64_t next = mo == 12 ? time_days_from_civil(y + 1, 1, 1)
                            : time_days_from_civil(y, (unsigned)mo + 1, 1);
    int64_t last = next - 1;
    time_format_date(last, last_day);
    struct project *p = calloc(1, sizeof *p);
    struct debt_row *rows = calloc(DEBT_MAX_PAYMENTS, sizeof *rows);
    struct project_month m = {0};
    struct strbuf contracts = STRBUF_INIT;
    bool ok = p && rows && docstore_load(conn, &project_kind, code, last_day, p, from);
    if (ok && p->has_debt && !debt_schedule(&p->debt, rows)) {
        log_error("project \"%s\": the debt schedule does not fit in 64-bit amounts", code);
        ok = false;
    }
    if (ok) {
        contracts_array(p, &contracts);
        const char *params[3] = {first_day, p->currency, sb_str(&contracts)};
        ok = read_amount(conn, "read the project's revenue billed", revenue_sql, params,
                         &m.revenue) &&
             read_amount(conn, "read the project's cash collected", collected_sql, params,
                         &m.collected) &&
             read_fleets(conn, p, first_day, &m);
    }
    if (ok) {
        m.fixed = project_month_fixed(p, first, last);
        if (p->has_debt)
            m.debt_service = project_month_debt_service(rows, p->debt.payments, first, last);
        project_month_close(&m);
        put_report(p, from, period, &m, format, out);
    }
    sb_free(&contracts);
    free(p);
    free(rows);
    return ok;
}

/* --format xlsx: the lender pack (lender_pack.h) of --from .. --to. */
static int lender_pack(const struct cli_spec *spec, const char *code, const char *period,
                       const char *from, const char *to, const char *out)
{
    int y0, m0, y1, m1, rc;
    if (period) return cli_usage_error(spec, "--format xlsx takes --from and --to, not --period");
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
    bool ok = lender_pack_write(conn, code, from, to, out, project_report_month);
    PQfinish(conn);
    if (ok) printf("%s: project %s, %s to %s\n", out, code, from, to);
    return ok ? 0 : 1;
}

int cmd_report_project(int argc, char **argv)
{
    const char *code = NULL, *period = NULL, *format_text = "text";
    const char *from = NULL, *to = NULL, *out_path = NULL;
    const struct cli_opt opts[] = {
        {"project", CLI_STR, &code, "CODE", "the project (required)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "month (required but with xlsx)", 0, 0},
        {"format", CLI_STR, &format_text, "FORMAT", "text (default), csv, json or xlsx", 0, 0},
        {"from", CLI_STR, &from, "YYYY-MM", "xlsx: the first month of the lender pack", 0, 0},
        {"to", CLI_STR, &to, "YYYY-MM", "xlsx: its last month", 0, 0},
        {"out", CLI_STR, &out_path, "FILE", "xlsx: the workbook to write", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report project --project CODE --period YYYY-MM [--format text|csv|json]\n"
        "       gpumeter report project --project CODE --from YYYY-MM --to YYYY-MM --format xlsx "
        "--out FILE",
        "The investor's month of a project: revenue billed, cash collected, operating cost, "
        "CFADS, debt service, DSCR and utilisation; as xlsx, the lender pack of its months and "
        "debt schedule (docs/investor.md).",
        opts, 0, 0};
    int npos, y, mo, rc;
    enum report_format format;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!code) return cli_usage_error(&spec, "--project CODE is required");
    if (!strcmp(format_text, "xlsx")) return lender_pack(&spec, code, period, from, to, out_path);
    if (from || to || out_path)
        return cli_usage_error(&spec, "--from, --to and --out go with --format xlsx");
    if (!period || !time_parse_month(period, &y, &mo))
        return cli_usage_error(&spec, "--period YYYY-MM is required");
    if (!report_format_parse(format_text, &format))
        return cli_usage_error(&spec, "--format is text, csv, json or xlsx");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    bool ok = project_report_month(conn, code, period, format, &out);
    if (ok) fputs(sb_str(&out), stdout);
    sb_free(&out);
    PQfinish(conn);
    return ok ? 0 : 1;
}
