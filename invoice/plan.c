/* plan: `gpumeter plan apply|list|show|diff|simulate`.
 *
 * Plans are versioned documents (docstore.h, format in plan_doc.h and
 * docs/plans.md). simulate prices one customer's real month twice through
 * the one billing path, under its contract's plan and under a proposed plan
 * document (not stored), and prints both side by side, line by line. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "invoice/billing.h"
#include "invoice/docstore.h"
#include "invoice/plan_doc.h"
#include "invoice/render.h"

#include <stdio.h>
#include <string.h>

static bool parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return plan_doc_parse(doc, out, c);
}

static void identify(const void *parsed, struct doc_identity *id)
{
    const struct plan *p = parsed;
    snprintf(id->code, sizeof id->code, "%s", p->code);
    snprintf(id->currency, sizeof id->currency, "%s", p->currency);
    id->effective_from = p->effective_from;
}

const struct doc_kind plan_kind = {
    "plan",
    true,
    sizeof(struct plan),
    parse,
    identify,
    NULL,
    NULL,
    "SELECT count(*) FROM invoice WHERE plan = $1 AND status <> 'draft' "
    "AND period + interval '1 month' > $2::date"};

static int plan_apply(int argc, char **argv)
{
    return docstore_apply(&plan_kind, argc, argv);
}
static int plan_list(int argc, char **argv)
{
    return docstore_list(&plan_kind, argc, argv);
}
static int plan_show(int argc, char **argv)
{
    return docstore_show(&plan_kind, argc, argv);
}
static int plan_diff(int argc, char **argv)
{
    return docstore_diff(&plan_kind, argc, argv);
}

/* Keeps the one bill bill_load gives. */
static bool keep(struct bill *b, void *opaque)
{
    struct bill *out = opaque;
    bill_move(out, b);
    return true;
}

static bool same_line(const struct bill_line *a, const struct bill_line *b)
{
    return a->kind == b->kind && !strcmp(a->meter, b->meter) && !strcmp(a->model, b->model) &&
           !strcmp(a->band, b->band) && !strcmp(a->site, b->site) && !strcmp(a->detail, b->detail);
}

static void row(const char *label, bool has_a, int64_t a, bool has_b, int64_t b, int digits)
{
    char x[32] = "-", y[32] = "-", d[32];
    if (has_a) money_format(a, digits, x, sizeof x);
    if (has_b) money_format(b, digits, y, sizeof y);
    money_format((has_b ? b : 0) - (has_a ? a : 0), digits, d, sizeof d);
    printf("%-44s %16s %16s %16s\n", label, x, y, d);
}

static void line_name(const struct bill_line *l, char *buf, size_t len)
{
    char label[256];
    render_line_label(l, label, sizeof label);
    snprintf(buf, len, "%s%s%s", l->kind == LINE_USAGE ? l->meter : "",
             l->kind == LINE_USAGE ? " " : "", label);
}

static void print_side_by_side(const struct bill *cur, const struct bill *new)
{
    char label[512];
    int d = cur->minor_digits;
    printf("simulate %s %s (%s): current plan %s, proposed plan %s\n", cur->customer, cur->period,
           cur->currency, cur->plan, new->plan);
    printf("%-44s %16s %16s %16s\n", "line", "current", "proposed", "difference");
    for (size_t i = 0; i < cur->n; i++) {
        const struct bill_line *l = &cur->lines[i], *m = NULL;
        for (size_t j = 0; j < new->n && !m; j++)
            if (same_line(l, &new->lines[j])) m = &new->lines[j];
        line_name(l, label, sizeof label);
        row(label, true, l->amount, m != NULL, m ? m->amount : 0, d);
    }
    for (size_t j = 0; j < new->n; j++) {
        bool found = false;
        for (size_t i = 0; i < cur->n && !found; i++)
            found = same_line(&cur->lines[i], &new->lines[j]);
        if (found) continue;
        line_name(&new->lines[j], label, sizeof label);
        row(label, false, 0, true, new->lines[j].amount, d);
    }
    row("subtotal", true, cur->subtotal, true, new->subtotal, d);
    row("tax", true, cur->tax, true, new->tax, d);
    row("total", true, cur->total, true, new->total, d);
    row("claimed from voucher programs", true, cur->claimed, true, new->claimed, d);
    row("due from customer", true, cur->due, true, new->due, d);
}

static int plan_simulate(int argc, char **argv)
{
    const char *customer = NULL, *period = NULL, *file = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "customer code (required)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "month of real usage to price (required)", 0, 0},
        {"plan", CLI_STR, &file, "FILE", "proposed plan document (required)", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter plan simulate --customer CODE --period YYYY-MM --plan FILE",
        "Price a customer's real month under its current plan and under a proposed plan, side "
        "by side, line by line. Nothing is stored.",
        opts, 0, 0};
    int npos, rc, y, m;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!customer || !period || !file || !time_parse_month(period, &y, &m)) {
        log_error("--customer, --period YYYY-MM and --plan FILE are required");
        cli_usage(&spec, stderr);
        return CLI_EXIT_USAGE;
    }
    static struct plan proposed;
    cJSON *doc = docstore_load_file(&plan_kind, file, &proposed, &rc);
    if (!doc) return rc;
    cJSON_Delete(doc);
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct bill cur = {0}, new = {0};
    bool ok = bill_load(conn, period, customer, NULL, keep, &cur) == 1 &&
              bill_load(conn, period, customer, &proposed, keep, &new) == 1;
    const char *why = cur.error[0] ? cur.error : new.error;
    if (ok && why[0]) {
        log_error("customer \"%s\": %s", customer, why);
        ok = false;
    }
    if (ok) print_side_by_side(&cur, &new);
    bill_free(&cur);
    bill_free(&new);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static const struct cli_command plan_commands[] = {
    {"apply", plan_apply, "validate a plan document and store it as a version"},
    {"list", plan_list, "list plan versions"},
    {"show", plan_show, "print the version in effect on a date"},
    {"diff", plan_diff, "show what applying a document would change"},
    {"simulate", plan_simulate, "price a customer's month under a proposed plan, side by side"},
    {NULL, NULL, NULL},
};

int cmd_plan(int argc, char **argv)
{
    return cli_dispatch("gpumeter plan", plan_commands, argc, argv);
}
