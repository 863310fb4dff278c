/* project_show: `gpumeter project show CODE [--at DATE] [--schedule
 * [--format text|csv|json]]`, a project's stored version or its debt
 * schedule (pricing/debt.h, docs/investor.md "The debt schedule"). It
 * lives in billing/ beside the other reports for their output formats
 * (report_format.h); terms/project.c dispatches to it (commands.h).
 * Amounts print in the project's currency with two decimals, as its
 * document writes them. Each run uses its own connection. */
#include "billing/project_show.h"
#include "commands.h"

#include "billing/report_format.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "terms/project.h"
#include "terms/project_doc.h"

#include <stdio.h>
#include <stdlib.h>

#define FIGURES 6 /* opening, drawn, interest, principal, payment, closing */

static const char *const figure_names[FIGURES] = {"opening", "drawn",   "interest",
                                                  "principal", "payment", "closing"};

static void row_figures(const struct debt_row *r, int64_t v[FIGURES])
{
    v[0] = r->opening, v[1] = r->drawn, v[2] = r->interest;
    v[3] = r->principal, v[4] = r->payment, v[5] = r->closing;
}

static void print_schedule(const struct project *p, const char *from, const struct debt_row *rows,
                           enum report_format format, struct strbuf *out)
{
    const struct debt_terms *t = &p->debt;
    char rate[32], a[40], d1[16], d2[16];
    money_format_trimmed(t->rate_micro, 6, rate, sizeof rate);
    if (format == REPORT_JSON)
        sb_printf(out,
                  "{\"project\":\"%s\",\"effective_from\":\"%s\",\"currency\":\"%s\","
                  "\"annual_rate\":\"%s\",\"day_count\":\"%s\",\"repayment\":\"%s\","
                  "\"rows\":[",
                  p->code, from, p->currency, rate, debt_day_count_name(t->day_count),
                  debt_repayment_name(t->repayment));
    else if (format == REPORT_CSV)
        sb_puts(out, "period,from,due,opening,drawn,interest,principal,payment,closing\n");
    else
        sb_printf(out,
                  "project %s (version of %s), %s, %s a year, %s, %s %s x %d\n"
                  "%6s  %-10s  %-10s  %16s  %16s  %14s  %16s  %16s  %16s\n",
                  p->code, from, p->currency, rate, debt_day_count_name(t->day_count),
                  debt_repayment_name(t->repayment),
                  t->months_per_period == 1 ? "monthly" : "quarterly", t->payments, "period",
                  "from", "due", "opening", "drawn", "interest", "principal", "payment",
                  "closing");
    int64_t total[FIGURES] = {0};
    for (int k = 0; k < t->payments; k++) {
        int64_t v[FIGURES];
        row_figures(&rows[k], v);
        time_format_date(rows[k].from_day, d1);
        time_format_date(rows[k].due_day, d2);
        if (format == REPORT_JSON)
            sb_printf(out, "%s{\"period\":%d,\"from\":\"%s\",\"due\":\"%s\"", k ? "," : "", k + 1,
                      d1, d2);
        else if (format == REPORT_CSV) sb_printf(out, "%d,%s,%s", k + 1, d1, d2);
        else sb_printf(out, "%6d  %-10s  %-10s", k + 1, d1, d2);
        for (int f = 0; f < FIGURES; f++) {
            money_format(v[f], 2, a, sizeof a);
            if (f >= 1 && f <= 4) total[f] += v[f];
            if (format == REPORT_JSON) sb_printf(out, ",\"%s\":\"%s\"", figure_names[f], a);
            else if (format == REPORT_CSV) sb_printf(out, ",%s", a);
            else sb_printf(out, "  %*s", f == 2 ? 14 : 16, a);
        }
        sb_puts(out, format == REPORT_JSON ? "}" : "\n");
    }
    if (format == REPORT_JSON) {
        sb_puts(out, "]}\n");
        return;
    }
    if (format == REPORT_CSV) return;
    sb_printf(out, "%6s  %-10s  %-10s  %16s", "total", "", "", "");
    for (int f = 1; f < FIGURES; f++) {
        money_format(total[f], 2, a, sizeof a);
        sb_printf(out, "  %*s", f == 2 ? 14 : 16, f == 5 ? "" : a);
    }
    sb_puts(out, "\n");
}

bool project_schedule(PGconn *conn, const char *code, const char *at, enum report_format format,
                      struct strbuf *out)
{
    struct project *p = calloc(1, sizeof *p);
    struct debt_row *rows = calloc(DEBT_MAX_PAYMENTS, sizeof *rows);
    char from[16];
    bool ok = p && rows && docstore_load(conn, &project_kind, code, at, p, from);
    if (ok && !p->has_debt) {
        log_error("project \"%s\" (version of %s) has no debt: no schedule to show", code, from);
        ok = false;
    }
    if (ok && !debt_schedule(&p->debt, rows)) {
        log_error("project \"%s\": the debt schedule does not fit in 64-bit amounts", code);
        ok = false;
    }
    if (ok) print_schedule(p, from, rows, format, out);
    free(p);
    free(rows);
    return ok;
}

static bool show_schedule(PGconn *conn, const char *code, const char *at,
                          enum report_format format)
{
    struct strbuf out = STRBUF_INIT;
    bool ok = project_schedule(conn, code, at, format, &out);
    if (ok) fputs(sb_str(&out), stdout);
    sb_free(&out);
    return ok;
}

int cmd_project_show(int argc, char **argv)
{
    const char *at = "9999-12-31", *format_text = NULL;
    bool schedule = false;
    const struct cli_opt opts[] = {
        {"at", CLI_STR, &at, "YYYY-MM-DD", "the version in effect on this date (default: latest)",
         0, 0},
        {"schedule", CLI_BOOL, &schedule, NULL, "print the debt schedule instead of the document",
         0, 0},
        {"format", CLI_STR, &format_text, "text|csv|json",
         "of the schedule: text (default), csv or json", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter project show CODE [--at YYYY-MM-DD] [--schedule [--format text|csv|json]]",
        "Print a stored project, or its debt schedule: each period's opening balance, drawn, "
        "interest, principal, payment and closing balance (docs/investor.md).",
        opts, 1, 1};
    int npos, rc;
    int64_t day;
    enum report_format format = REPORT_TEXT;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!time_parse_date(at, &day)) return cli_usage_error(&spec, "--at is a date YYYY-MM-DD");
    if (format_text && !schedule) return cli_usage_error(&spec, "--format goes with --schedule");
    if (format_text && !report_format_parse(format_text, &format))
        return cli_usage_error(&spec, "--format is text, csv or json");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    bool ok = schedule ? show_schedule(conn, argv[1], at, format)
                       : docstore_print(conn, &project_kind, argv[1], at);
    PQfinish(conn);
    return ok ? 0 : 1;
}
