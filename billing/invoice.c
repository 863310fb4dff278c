/* invoice: the monthly invoice batch and its views.
 *
 * `invoice run` prices every customer's month through billing.h and writes
 * one draft invoice per customer with usage, a commitment or a voucher
 * claim, all in one transaction: a run
 * either refreshes every draft or changes nothing, and rerunning it never
 * duplicates anything (one invoice per customer and period). A customer
 * whose month cannot be priced stops nobody else: it is reported with its
 * reason, recorded in invoice_problem, its stale draft removed, and the run
 * exits 1 after writing everyone else's. Usage of
 * accounts that no customer owns, or on days or jobs no contract covers, is
 * reported, never silently dropped. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/progress.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "billing/billing.h"
#include "billing/credit.h"
#include "billing/lifecycle.h"
#include "billing/sla_evidence.h"
#include "render/render.h"
#include "billing/store.h"
#include "billing/writeoff.h"
#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Drafts are written this many at a time, in a few statements each. */
#define STORE_BATCH 1000

struct run_ctx {
    PGconn *conn;
    struct progress progress;
    char first_day[16];
    int written, failed;
    struct bill *pending; /* STORE_BATCH bills waiting to be written */
    size_t npending;
    struct strbuf failed_codes, failed_reasons; /* array literals */
};

/* Writes the pending drafts and lists them (an issued month is left alone). */
static bool flush(struct run_ctx *ctx)
{
    bool written[STORE_BATCH] = {false};
    bool ok = store_invoices(ctx->conn, ctx->first_day, ctx->pending, ctx->npending, written);
    for (size_t i = 0; i < ctx->npending; i++) {
        const struct bill *b = &ctx->pending[i];
        char amount[32];
        money_format(b->total, b->minor_digits, amount, sizeof amount);
        if (ok)
            printf("%-24s %s  %-6s %16s %s\n", b->customer, b->period,
                   written[i] ? "draft" : "issued", written[i] ? amount : "(left alone)",
                   written[i] ? b->currency : "");
        ctx->written += ok && written[i];
        bill_free(&ctx->pending[i]);
    }
    ctx->npending = 0;
    return ok;
}

static bool store_invoice(struct bill *b, void *opaque)
{
    struct run_ctx *ctx = opaque;
    progress_step(&ctx->progress, "invoice run", b->count);
    if (b->error[0]) {
        log_error("customer \"%s\" not invoiced: %s", b->customer, b->error);
        printf("%-24s %s  %-6s %16s\n", b->customer, b->period, "failed", "(see the error)");
        db_array_add(&ctx->failed_codes, b->customer);
        db_array_add(&ctx->failed_reasons, b->error);
        ctx->failed++;
        return true; /* everyone else is still invoiced */
    }
    if (!bill_has_content(b)) return true; /* nothing used, committed or claimed */
    bill_move(&ctx->pending[ctx->npending++], b);
    return ctx->npending < STORE_BATCH || flush(ctx);
}

/* Events the rater parked because no customer owns their account. */
static void warn_parked(PGconn *conn)
{
    PGresult *res = billing_parked(conn);
    if (!res) return;
    for (int i = 0; i < PQntuples(res); i++)
        log_warn("account \"%s\" has %s parked usage events, not billed: no customer owns it",
                 PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
    if (PQntuples(res))
        log_hint("Map the account to a customer; the rater then rates its events and the next "
                 "run bills them.");
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
    int npos, rc;
    struct run_ctx ctx = {0};
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!cli_period(&spec, period, ctx.first_day)) return CLI_EXIT_USAGE;
    struct config cfg;
    if (!(ctx.conn = db_open(&cfg, &rc))) return rc;
    ctx.pending = xcalloc(STORE_BATCH, sizeof *ctx.pending);
    db_array_open(&ctx.failed_codes);
    db_array_open(&ctx.failed_reasons);
    bool ok = db_begin(ctx.conn) &&
              billing_load(ctx.conn, period, customer, NULL, store_invoice, &ctx) >= 0 &&
              flush(&ctx) && store_refreshed(ctx.conn, ctx.first_day, customer);
    db_array_close(&ctx.failed_codes);
    db_array_close(&ctx.failed_reasons);
    ok = ok && store_problems(ctx.conn, ctx.first_day, customer, sb_str(&ctx.failed_codes),
                              sb_str(&ctx.failed_reasons));
    progress_end(&ctx.progress);
    free(ctx.pending);
    sb_free(&ctx.failed_codes);
    sb_free(&ctx.failed_reasons);
    if (ok && dry_run) {
        db_rollback(ctx.conn);
        log_info("dry run: %d invoices priced, nothing written", ctx.written);
    } else if (ok && db_commit(ctx.conn)) {
        log_info("%d draft invoices written for %s", ctx.written, period);
        if (ctx.failed) {
            log_error("%d customer%s of %s could not be priced and %s not invoiced", ctx.failed,
                      ctx.failed == 1 ? "" : "s", period, ctx.failed == 1 ? "is" : "are");
            log_detail("Every other customer's draft was written; a draft an earlier run left "
                       "for them was removed, so no stale amount can be issued.");
            log_hint("Fix what each error names and run the month again; invoice issue issues "
                     "the rest meanwhile.");
        }
    } else {
        db_rollback(ctx.conn);
        ok = false;
    }
    if (ok && !customer) {
        warn_parked(ctx.conn);
        billing_warn_uncovered(ctx.conn, period);
    }
    PQfinish(ctx.conn);
    return ok && !ctx.failed ? 0 : 1;
}

static int invoice_show(int argc, char **argv)
{
    const char *customer = NULL, *period = NULL, *format = "text", *out = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "customer code (without NUMBER)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "invoice month (without NUMBER)", 0, 0},
        {"format", CLI_STR, &format, "text|json|csv|pdf",
         "text, json, csv or pdf (default text)", 0, 0},
        {"output", CLI_STR, &out, "FILE", "write to FILE (required for pdf)", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice show NUMBER | --customer CODE --period YYYY-MM [options]",
        "Print one stored invoice or credit note.", opts, 0, 1};
    int npos, y, m;
    enum render_format fmt;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    const char *number = npos ? argv[1] : NULL;
    if ((!number && (!customer || !period || !time_parse_month(period, &y, &m))) ||
        !render_parse_format(format, &fmt) || (fmt == RENDER_PDF && !out))
        return cli_usage_error(
            &spec, "give NUMBER, or --customer and --period YYYY-MM; --format is text, json, csv "
                   "or pdf (pdf needs --output FILE)");
    if (number && !lifecycle_number_ok(&spec, "NUMBER", number)) return CLI_EXIT_USAGE;
    char first_day[16];
    const char *start = cli_month_start(period, first_day);
    struct config cfg;
    int rc;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct bill b = {0};
    bool ok = store_load(conn, number, customer, start, &b);
    if (ok && fmt == RENDER_PDF) { /* with its SLA evidence pages, if it has any */
        struct sla_evidence ev = {0};
        ok = sla_evidence_load(conn, number, customer, start, &ev) &&
             pdf_render_with_evidence(&b, &ev, &cfg.seller, out);
        sla_evidence_free(&ev);
    } else if (ok && out) {
        ok = render_bill_file(&b, fmt, "Invoice", &cfg.seller, out);
    } else if (ok) {
        render_bill(&b, fmt, "Invoice", stdout);
    }
    bill_free(&b);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static int invoice_list(int argc, char **argv)
{
    const char *period = NULL;
    bool no_fapiao = false;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "only invoices of this month", 0, 0},
        {"no-fapiao", CLI_BOOL, &no_fapiao, NULL,
         "only issued (or void) ones whose fapiao number is not recorded yet", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice list [--period YYYY-MM] [--no-fapiao]",
        "List invoices: number, customer, period, status, total, the fapiao number "
        "(\"no-fapiao\" for an issued one that lacks it), the due day and the state now "
        "(open, partially_paid, paid, credited, written_off, void; \"overdue Nd\").",
        opts, 0, 0};
    int npos, y, m;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (period && !time_parse_month(period, &y, &m))
        return cli_usage_error(&spec, "--period must look like YYYY-MM");
    char first_day[16];
    const char *p[] = {cli_month_start(period, first_day), no_fapiao ? "t" : "f"};
    struct config cfg;
    int rc;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    PGresult *res = db_query(
        conn, "list invoices",
        "SELECT c.code, to_char(i.period, 'YYYY-MM'), i.status, i.total, "
        "cur.minor_digits, i.currency, coalesce(i.number, '-'), "
        "CASE WHEN i.status = 'draft' THEN '-' ELSE coalesce(i.fapiao_number, 'no-fapiao') END, "
        /* receivables (issue 34, schema 032): due day and state now */
        "coalesce(to_char(st.due_on, 'YYYY-MM-DD'), '-'), coalesce(st.state || CASE WHEN "
        "st.overdue THEN ' overdue ' || st.days_past_due || 'd' ELSE '' END, i.status) "
        "FROM invoice i JOIN customer c ON c.id = i.customer_id "
        "JOIN currency cur ON cur.code = i.currency "
        "LEFT JOIN invoice_state_at(now()) st ON st.invoice_id = i.id "
        "WHERE ($1::date IS NULL OR i.period = $1::date) "
        "  AND (NOT $2::bool OR (i.status <> 'draft' AND i.fapiao_number IS NULL)) "
        "ORDER BY i.period, c.code, i.id",
        2, p);
    static const char fmt[] = "%-16s %-24s %-7s  %-6s %16s %-3s  %-20s  due %-10s  %s\n";
    if (res && PQntuples(res))
        cli_list_header(stdout, fmt,
                        (const char *const[]){"NUMBER", "CUSTOMER", "PERIOD", "STATUS", "TOTAL",
                                              "CUR", "FAPIAO", "DUE", "STATE", NULL});
    for (int i = 0; res && i < PQntuples(res); i++) {
        int64_t total = 0, digits = 2;
        char amount[32];
        db_get_int64(res, i, 3, &total);
        db_get_int64(res, i, 4, &digits);
        money_format(total, (int)digits, amount, sizeof amount);
        printf(fmt, PQgetvalue(res, i, 6),
               PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), amount,
               PQgetvalue(res, i, 5), PQgetvalue(res, i, 7), PQgetvalue(res, i, 8),
               PQgetvalue(res, i, 9));
    }
    PQclear(res);
    PQfinish(conn);
    return res ? 0 : 1;
}

/* `invoice export --format etax ...`: the spelling before `export etax`
 * (issue 33), kept working for one release so that finance's scripts go on
 * while they are changed: a one-line warning on stderr, then `export etax`
 * with the same options less --format. Any --format but etax, or --format
 * given twice, is refused as before (exit 2), with no warning. */
static int invoice_export(int argc, char **argv)
{
    char **args = xcalloc((size_t)argc + 2, sizeof *args);
    int n = 0, formats = 0;
    const char *format = NULL;
    args[n++] = "export";
    args[n++] = "etax";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc)
            format = argv[++i], formats++;
        else if (!strncmp(argv[i], "--format=", 9))
            format = argv[i] + 9, formats++;
        else
            args[n++] = argv[i];
    }
    for (int i = 2; i < n && !format; i++) /* --help needs no --format */
        if (!strcmp(args[i], "--help") || !strcmp(args[i], "-h")) format = "etax";
    const char *why = NULL;
    if (formats > 1) /* an option once, as cli_parse holds every other (issue 32) */
        why = "option \"--format\" is given more than once";
    else if (!format || strcmp(format, "etax"))
        why = "--format etax is the one export format";
    int rc;
    if (why) {
        log_error("%s", why);
        if (format && !strcmp(format, "focus")) /* FOCUS was never here: say where it is */
            log_hint("Run \"gpumeter export focus --period YYYY-MM [--output FILE]\".");
        else
            log_hint("Run \"gpumeter export etax --period YYYY-MM --output FILE.xlsx\".");
        rc = CLI_EXIT_USAGE;
    } else {
        log_warn("\"gpumeter invoice export --format etax\" is deprecated and goes in the next "
                 "release: use \"gpumeter export etax\"");
        rc = cmd_export(n, args);
    }
    free(args);
    return rc;
}

static const struct cli_command invoice_table[] = {
    {"run", invoice_run, "write or refresh the draft invoices of a month", NULL},
    {"issue", lifecycle_issue, "number and issue the drafts of a month", NULL},
    {"void", lifecycle_void, "void an issued invoice with a credit note", NULL},
    {"credit", lifecycle_credit, "credit part of an issued invoice with a credit note", NULL},
    {"fapiao", lifecycle_fapiao, "record the tax system's fapiao number of an issued invoice",
     NULL},
    {"write-off", writeoff_invoice, "write off what is open of an issued invoice", NULL},
    {"show", invoice_show, "print one invoice (text, json, csv)", NULL},
    {"list", invoice_list, "list invoices", NULL},
    {"export", invoice_export, "deprecated: \"gpumeter export etax\" (the fapiao hand-off)", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(invoice, "gpumeter invoice", invoice_table)
