/* report: `gpumeter report vouchers|commitments|contracts`. The first two
 * read the append-only ledgers (schema 007), with reversals of void
 * invoices netted out.
 *
 * vouchers lists, for one program and month, what each voucher paid on each
 * customer's invoice: the figures of the program's reimbursement claim
 * (issued invoices only count in the total). commitments shows, per
 * customer and month, the take-or-pay shortfall billed, the make-up bank
 * drawn and expired, and the bank left, in money. contracts is the
 * contract calendar (docs/operator.md): per month ahead, the contracts in
 * force and what they commit, the contracts ending and the GPUs their
 * accounts kept busy, which go idle when they end. */
#include "billing/claims.h"
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "billing/aging.h"
#include "billing/availability.h"
#include "billing/calendar.h"
#include "billing/health_report.h"
#include "billing/idle.h"
#include "billing/price_index.h"
#include "billing/sla_availability.h"
#include "billing/yield.h"
#include "billing/store.h"
#include "terms/known.h"

#include <stdio.h>
#include <string.h>

static void amount(const PGresult *res, int row, int col, int digits, char *buf, size_t len)
{
    int64_t v = 0;
    db_get_int64(res, row, col, &v);
    money_format(v, digits, buf, len);
}

/* --from and --to of the reports over days: both days, --to not before
 * --from, at most a year apart. */
static bool day_range_ok(const char *from, const char *to)
{
    int64_t d0, d1;
    return from && to && time_parse_date(from, &d0) && time_parse_date(to, &d1) && d1 >= d0 &&
           d1 - d0 <= 366;
}

static int day_range_error(const struct cli_spec *spec)
{
    return cli_usage_error(spec, "--from and --to are days (YYYY-MM-DD), --to not before "
                                 "--from, at most a year apart");
}

/* A report built into out: printed when ok; the connection closed. */
static int print_report(PGconn *conn, bool ok, struct strbuf *out)
{
    if (ok) fputs(sb_str(out), stdout);
    sb_free(out);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static int report_vouchers(int argc, char **argv)
{
    const char *program = NULL, *period = NULL;
    const struct cli_opt opts[] = {
        {"program", CLI_STR, &program, "CODE", "voucher program (required)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "invoice month (required)", 0, 0},
        {0},
    };
    const struct cli_spec spec = {"gpumeter report vouchers --program CODE --period YYYY-MM",
                                  "What a voucher program paid, per customer, voucher and "
                                  "invoice: its reimbursement claim for the month.",
                                  opts, 0, 0};
    int npos, y, m, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!program || !period || !time_parse_month(period, &y, &m))
        return cli_usage_error(&spec, "--program and --period YYYY-MM are required");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    char first_day[16];
    time_month_first_day(period, first_day);
    PGresult *res = claims_read(conn, program, first_day);
    int64_t total = 0, digits = 2;
    printf("program %s, %s\n%-24s %-20s %-18s %-7s %14s\n", program, period, "customer", "voucher",
           "invoice", "status", "paid");
    for (int i = 0; res && i < PQntuples(res); i++) {
        char a[32];
        int64_t v = 0;
        db_get_int64(res, i, 5, &digits);
        db_get_int64(res, i, 4, &v);
        amount(res, i, 4, (int)digits, a, sizeof a);
        printf("%-24s %-20s %-18s %-7s %14s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), a, PQgetvalue(res, i, 6));
        if (!strcmp(PQgetvalue(res, i, 3), "issued")) total += v;
    }
    char t[32];
    money_format(total, (int)digits, t, sizeof t);
    if (res) printf("%-72s %14s\n", "claim (issued invoices)", t);
    PQclear(res);
    PQfinish(conn);
    return res ? 0 : 1;
}

/* Per customer and month: shortfall, drawn, expired (money), bank after. */
static const char commitments_sql[] =
    "WITH m AS (SELECT c.code, l.period, "
    "    sum(CASE WHEN l.kind = 'shortfall' THEN l.signed_value ELSE 0 END) AS shortfall, "
    "    -sum(CASE WHEN l.kind = 'makeup_draw' THEN l.signed_value ELSE 0 END) AS drawn, "
    "    -sum(CASE WHEN l.kind = 'expiry' THEN l.signed_value ELSE 0 END) AS expired "
    "  FROM commitment_ledger_signed l JOIN customer c ON c.id = l.customer_id "
    "  WHERE ($1::text IS NULL OR c.code = $1) GROUP BY 1, 2) "
    "SELECT m.code, to_char(m.period, 'YYYY-MM'), m.shortfall, m.drawn, m.expired, "
    "       sum(m.shortfall - m.drawn - m.expired) OVER (PARTITION BY m.code ORDER BY m.period), "
    "       coalesce((SELECT coalesce(i.number, '-') || ' ' || i.status FROM invoice i JOIN "
    "customer c "
    "                 ON c.id = i.customer_id WHERE c.code = m.code AND i.period = m.period "
    "                 AND i.kind = 'invoice' AND i.status <> 'void'), '-'), "
    "       coalesce((SELECT cur.minor_digits FROM invoice i JOIN customer c "
    "                 ON c.id = i.customer_id JOIN currency cur ON cur.code = i.currency "
    "                 WHERE c.code = m.code ORDER BY i.period DESC LIMIT 1), 2) "
    "FROM m ORDER BY 1, 2";

static int report_commitments(int argc, char **argv)
{
    const char *customer = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "only this customer", 0, 0},
        {0},
    };
    const struct cli_spec spec = {"gpumeter report commitments [--customer CODE]",
                                  "Take-or-pay per customer and month: shortfall billed, make-up "
                                  "bank drawn and expired, bank left.",
                                  opts, 0, 0};
    int rc;
    struct config cfg;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {customer};
    PGresult *res = db_query(conn, "read the commitment ledger", commitments_sql, 1, p);
    printf("%-24s %-7s %14s %14s %14s %14s  %s\n", "customer", "month", "shortfall", "drawn",
           "expired", "bank after", "invoice");
    for (int i = 0; res && i < PQntuples(res); i++) {
        int64_t digits = 2;
        char v[4][32];
        db_get_int64(res, i, 7, &digits);
        for (int k = 0; k < 4; k++)
            amount(res, i, 2 + k, (int)digits, v[k], sizeof v[k]);
        printf("%-24s %-7s %14s %14s %14s %14s  %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               v[0], v[1], v[2], v[3], PQgetvalue(res, i, 6));
    }
    PQclear(res);
    PQfinish(conn);
    return res ? 0 : 1;
}

static int report_contracts(int argc, char **argv)
{
    const char *from = NULL, *format = "text";
    long long horizon = 6;
    const struct cli_opt opts[] = {
        {"from", CLI_STR, &from, "YYYY-MM", "first month (default: this month, UTC)", 0, 0},
        {"horizon", CLI_INT, &horizon, "N", "months to show (default 6)", 1, 120},
        {"format", CLI_STR, &format, "text|json", "text (default) or json", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report contracts [--from YYYY-MM] [--horizon N] [--format text|json]",
        "The contract calendar: per month, the contracts in force and what they commit, the "
        "contracts ending and the GPUs their accounts kept busy last month (what goes idle).",
        opts, 0, 0};
    int npos, y, m, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    bool json = !strcmp(format, "json");
    if ((from && !time_parse_month(from, &y, &m)) || (!json && strcmp(format, "text")))
        return cli_usage_error(&spec, "--from must look like YYYY-MM; --format is text or json");
    char first_day[16], now[8];
    if (!from) { /* this month, UTC */
        time_current_month(now);
        from = now;
    }
    time_month_first_day(from, first_day);
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    PGresult *res = calendar_read(conn, first_day, (int)horizon, cfg.default_after_days);
    if (res && json) { /* the API's body (GET /v1/operator/contracts) */
        struct strbuf sb = STRBUF_INIT;
        calendar_json(res, first_day, true, &sb);
        fputs(sb_str(&sb), stdout);
        sb_free(&sb);
    } else if (res) {
        printf("%-7s %9s  %-24s %12s  %-24s %-36s %s\n", "month", "contracts",
               "committed (money)", "GPU-hours", "ending", "their GPUs busy last month (average)",
               "at risk (in default)");
        for (int i = 0; i < PQntuples(res); i++)
            printf("%-7s %9s  %-24s %12s  %-24s %-36s %s\n", PQgetvalue(res, i, 0),
                   PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
                   PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 7));
    }
    rc = res ? 0 : 1;
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int report_yield(int argc, char **argv)
{
    const char *period = NULL, *by_text = "model", *format_text = "text",
               *currency = MONEY_DEFAULT_CURRENCY;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "month (required)", 0, 0},
        {"by", CLI_STR, &by_text, "model|site|node",
         "rows per accelerator model (default), "
         "site or node",
         0, 0},
        {"format", CLI_STR, &format_text, "text|csv|json", "text (default), csv or json", 0, 0},
        {"currency", CLI_STR, &currency, "CODE",
         "currency of the books (default " MONEY_DEFAULT_CURRENCY ")", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report yield --period YYYY-MM [--by model|site|node] [--format text|csv|json]",
        "What each GPU earned: capacity and utilisation, revenue allocated to the hardware, "
        "energy cost, depreciation, margin and payback (docs/operator.md).",
        opts, 0, 0};
    int npos, rc;
    enum yield_by by;
    enum report_format format;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    char first_day[16];
    if (!cli_period(&spec, period, first_day)) return CLI_EXIT_USAGE;
    if (!yield_by_parse(by_text, &by) || !report_format_parse(format_text, &format))
        return cli_usage_error(&spec, "--by is model, site or node; --format is text, csv or json");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    bool ok = yield_report(conn, period, currency, by, format, &out);
    if (ok) fputs(sb_str(&out), stdout);
    sb_free(&out);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static int report_capacity(int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *by = "day", *format_text = "text";
    const struct cli_opt opts[] = {
        {"from", CLI_STR, &from, "YYYY-MM-DD", "first day (required)", 0, 0},
        {"to", CLI_STR, &to, "YYYY-MM-DD", "last day, included (required)", 0, 0},
        {"by", CLI_STR, &by, "hour|day", "rows per hour or day (default day)", 0, 0},
        {"format", CLI_STR, &format_text, "text|csv|json", "text (default), csv or json", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report capacity --from YYYY-MM-DD --to YYYY-MM-DD [--by hour|day] "
        "[--format text|csv|json]",
        "Idle capacity by site and model, hour by hour or day by day: what whole idle nodes "
        "could take an 8-GPU job, and what is fragments (docs/operator.md).",
        opts, 0, 0};
    int npos, rc;
    enum report_format format;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!day_range_ok(from, to)) return day_range_error(&spec);
    if ((strcmp(by, "hour") && strcmp(by, "day")) || !report_format_parse(format_text, &format))
        return cli_usage_error(&spec, "--by is hour or day; --format is text, csv or json");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    return print_report(conn, idle_report(conn, from, to, !strcmp(by, "hour"), format, &out), &out);
}

/* `report availability --customer` (issue 36, the customer's evidence):
 * billing/sla_availability.h. Nothing to report (no such customer, no sla
 * in the month) exits 1 with the reason, as `report receivables` does. */
static int customer_availability(const struct cli_spec *spec, const char *customer,
                                 const char *period, enum report_format format)
{
    int y, m, rc;
    char msg[160];
    if (!cli_code_ok(spec, "--customer", customer)) return CLI_EXIT_USAGE;
    if (!period)
        return cli_usage_error(spec, "--customer needs --period YYYY-MM: the month measured");
    if (!time_parse_month(period, &y, &m)) {
        snprintf(msg, sizeof msg, "--period is a month YYYY-MM, not \"%.32s\"", period);
        return cli_usage_error(spec, msg);
    }
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    enum sla_availability_result ok = sla_availability_report(conn, customer, period, format,
                                                              &out);
    if (ok == SLA_AVAILABILITY_OK) fputs(sb_str(&out), stdout);
    else if (ok == SLA_AVAILABILITY_NO_CUSTOMER) known_missing(conn, "customer", customer);
    else if (ok == SLA_AVAILABILITY_NO_SLA)
        log_error("customer %s has no sla in %s: its contract in effect in the month promises "
                  "no availability (docs/contracts.md, \"SLA\")", customer, period);
    sb_free(&out);
    PQfinish(conn);
    return ok == SLA_AVAILABILITY_OK ? 0 : 1;
}

/* `report availability` (issue 36): billing/availability.h, or with
 * --customer the customer's under its SLA. */
static int report_availability(int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *by_text = NULL, *format_text = "text";
    const char *customer = NULL, *period = NULL;
    const struct cli_opt opts[] = {
        {"from", CLI_STR, &from, "YYYY-MM-DD", "first day (required without --customer)", 0, 0},
        {"to", CLI_STR, &to, "YYYY-MM-DD", "last day, included (required without --customer)", 0,
         0},
        {"by", CLI_STR, &by_text, "site|model|node|device",
         "one row per site (default), model, node or device", 0, 0},
        {"customer", CLI_STR, &customer, "CODE",
         "instead: this customer's availability under its contract's SLA", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "the month, with --customer", 0, 0},
        {"format", CLI_STR, &format_text, "text|csv|json", "text (default), csv or json", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report availability --from YYYY-MM-DD --to YYYY-MM-DD "
        "[--by site|model|node|device] [--format text|csv|json]\n"
        "       gpumeter report availability --customer CODE --period YYYY-MM "
        "[--format text|csv|json]",
        "Each site's, model's, node's or device's metered time up, degraded and down, and its "
        "availability (up over metered), from the devices' health; or one customer's month "
        "under its SLA: terms, days, devices, the windows not up (docs/availability.md).",
        opts, 0, 0};
    int npos, rc;
    enum availability_by by;
    enum report_format format;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!report_format_parse(format_text, &format)) {
        char msg[96];
        snprintf(msg, sizeof msg, "--format is text, csv or json, not \"%.32s\"", format_text);
        return cli_usage_error(&spec, msg);
    }
    if (customer) {
        if (from || to || by_text)
            return cli_usage_error(&spec, "--customer takes --period, not --from, --to or --by");
        return customer_availability(&spec, customer, period, format);
    }
    if (period) return cli_usage_error(&spec, "--period goes with --customer");
    if (!day_range_ok(from, to)) return day_range_error(&spec);
    if (!availability_by_parse(by_text ? by_text : "site", &by))
        return cli_usage_error(&spec, "--by is site, model, node or device");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    return print_report(conn, availability_report(conn, from, to, by, format, &out), &out);
}

/* `report health` (issue 36, the operator's view): billing/health_report.h. */
static int report_health(int argc, char **argv)
{
    const char *period = NULL, *format_text = "text", *currency = MONEY_DEFAULT_CURRENCY;
    long long top = 10;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "month (required)", 0, 0},
        {"top", CLI_INT, &top, "N", "devices listed, most time down first (default 10)", 1,
         1000000},
        {"format", CLI_STR, &format_text, "text|csv|json", "text (default), csv or json", 0, 0},
        {"currency", CLI_STR, &currency, "CODE",
         "currency of the down time's cost (default " MONEY_DEFAULT_CURRENCY ")", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report health --period YYYY-MM [--top N] [--format text|csv|json] "
        "[--currency CODE]",
        "The fleet's health for a month: the devices down and degraded longest, with their "
        "incidents, and the reasons (docs/availability.md).",
        opts, 0, 0};
    int npos, rc;
    enum report_format format;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    char first_day[16];
    if (!cli_period(&spec, period, first_day)) return CLI_EXIT_USAGE;
    if (!report_format_parse(format_text, &format))
        return cli_usage_error(&spec, "--format is text, csv or json");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    return print_report(conn, health_report(conn, period, currency, top, true, format, &out), &out);
}

/* `report receivables` (issue 34, terms): billing/aging.h. */
static int report_receivables(int argc, char **argv)
{
    const char *as_of = NULL, *customer = NULL, *format_text = "text";
    const struct cli_opt opts[] = {
        {"as-of", CLI_STR, &as_of, "YYYY-MM-DD",
         "the ledger as it stood at the end of this local day (default: today)", 0, 0},
        {"customer", CLI_STR, &customer, "CODE", "one customer (default: all)", 0, 0},
        {"format", CLI_STR, &format_text, "text|csv|json", "text (default), csv or json", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report receivables [--as-of YYYY-MM-DD] [--customer CODE] "
        "[--format text|csv|json]",
        "Aging: what each customer owes per currency, by days past due (current, 1-30, 31-60, "
        "61-90, over 90), with totals and DSO (docs/receivables.md).",
        opts, 0, 0};
    int npos, rc;
    enum report_format format;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!cli_day_ok(&spec, "as-of", as_of)) return CLI_EXIT_USAGE;
    if (customer && !cli_code_ok(&spec, "--customer", customer)) return CLI_EXIT_USAGE;
    if (!report_format_parse(format_text, &format))
        return cli_usage_error(&spec, "--format is text, csv or json");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    enum aging_result ok = aging_report(conn, as_of, customer, cfg.default_after_days, format,
                                        &out);
    if (ok == AGING_OK) fputs(sb_str(&out), stdout);
    else if (ok == AGING_NO_CUSTOMER) known_missing(conn, "customer", customer);
    sb_free(&out);
    PQfinish(conn);
    return ok == AGING_OK ? 0 : 1;
}

/* `report index` (issue 37, deliverable 3): billing/price_index.h. */
static int report_index(int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *period = NULL, *model = NULL, *format_text = "text";
    const char *series_text = NULL, *basis_text = NULL;
    bool revisions = false, days = false;
    const struct cli_opt opts[] = {
        {"from", CLI_STR, &from, "YYYY-MM", "first month (required without --period)", 0, 0},
        {"to", CLI_STR, &to, "YYYY-MM", "last month (required without --period)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "one month: --from and --to both", 0, 0},
        {"series", CLI_STR, &series_text, "gpu_hours|tokens|commitments",
         "gpu_hours (default), tokens or commitments", 0, 0},
        {"basis", CLI_STR, &basis_text, "gross|net",
         "gross (default) or net of pre-tax vouchers and subsidies", 0, 0},
        {"model", CLI_STR, &model, "MODEL",
         "one accelerator model, or token class (default: all)", 0, 0},
        {"revisions", CLI_BOOL, &revisions, NULL,
         "every publication stored (index publish), revisions beside the original", 0, 0},
        {"days", CLI_BOOL, &days, NULL,
         "the GPU-hour series per day of one month (--from = --to), provisional", 0, 0},
        {"format", CLI_STR, &format_text, "text|csv|json", "text (default), csv or json", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter report index --from YYYY-MM --to YYYY-MM | --period YYYY-MM "
        "[--series gpu_hours|tokens|commitments] "
        "[--basis gross|net] [--model MODEL] [--revisions | --days] [--format text|csv|json]",
        "The realised compute price index: per month and accelerator model (or token class), "
        "the volume-weighted price of the invoices that stand (docs/investor.md).",
        opts, 0, 0};
    int npos, y0, m0, y1, m1, rc;
    enum report_format format;
    struct price_index_query q = {from, to, model, INDEX_GPU_HOURS, INDEX_GROSS, false, false};
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (period) { /* the month index publish and report project name with --period */
        if (from || to) return cli_usage_error(&spec, "--period is one month: not with --from or --to");
        from = to = period;
    }
    if (!from || !to || !time_parse_month(from, &y0, &m0) || !time_parse_month(to, &y1, &m1) ||
        y1 * 12 + m1 < y0 * 12 + m0)
        return cli_usage_error(&spec, "--from and --to are months (YYYY-MM), --to not before "
                                      "--from");
    if (model && (!*model || !utf8_valid(model, strlen(model))))
        return cli_usage_error(&spec, "--model is an accelerator model or token class (UTF-8)");
    if (!price_index_series_parse(series_text, &q.series))
        return cli_usage_error(&spec, "--series is gpu_hours, tokens or commitments");
    if (!price_index_basis_parse(basis_text, &q.basis))
        return cli_usage_error(&spec, "--basis is gross or net");
    if (days && (q.series != INDEX_GPU_HOURS || revisions || strcmp(from, to)))
        return cli_usage_error(&spec, "--days is the GPU-hour series of one month (--from = "
                                      "--to), not with --revisions");
    if (!report_format_parse(format_text, &format))
        return cli_usage_error(&spec, "--format is text, csv or json");
    q.from = from;
    q.to = to;
    q.model = model;
    q.days = days;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf out = STRBUF_INIT;
    return print_report(
        conn, price_index_report(conn, &q, cfg.index_min_contracts, revisions, format, &out),
        &out);
}

static const struct cli_command report_table[] = {
    {"vouchers", report_vouchers, "what a voucher program paid in a month, per customer", NULL},
    {"commitments", report_commitments, "take-or-pay use, shortfall, bank and expiries", NULL},
    {"contracts", report_contracts, "the contract calendar: commitments, endings, GPUs freed",
     NULL},
    {"capacity", report_capacity, "idle capacity: whole idle nodes and stranded GPUs", NULL},
    {"yield", report_yield, "what each GPU earned: capacity, revenue, costs, margin, payback",
     NULL},
    {"project", cmd_report_project, "a project's month: revenue, cash, costs, CFADS, DSCR", NULL},
    {"receivables", report_receivables, "aging: open amounts by days past due, and DSO", NULL},
    {"availability", report_availability, "devices' up, degraded and down time, availability",
     NULL},
    {"health", report_health, "the devices that fail most, and why", NULL},
    {"index", report_index, "the realised compute price index per model and month", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(report, "gpumeter report", report_table)
