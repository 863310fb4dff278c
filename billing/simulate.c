/* simulate: `gpumeter plan simulate`. Prices one customer's real month twice
 * through the one billing path, under its contract's plan and under a
 * proposed plan document (not stored), and prints both side by side, line
 * by line. */
#include "commands.h"
#include "billing/billing.h"
#include "core/alloc.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "render/render.h"
#include "terms/docstore.h"
#include "pricing/plan.h"
#include "terms/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keeps the one bill billing_load gives. */
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

int cmd_plan_simulate(int argc, char **argv)
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
    if (!customer || !period || !file || !time_parse_month(period, &y, &m))
        return cli_usage_error(&spec, "--customer, --period YYYY-MM and --plan FILE are required");
    struct plan *proposed = xcalloc(1, sizeof *proposed);
    cJSON *doc = docstore_load_file(&plan_kind, file, proposed, &rc);
    struct config cfg;
    PGconn *conn = doc ? db_open(&cfg, &rc) : NULL;
    cJSON_Delete(doc);
    if (!conn) {
        free(proposed);
        return rc;
    }
    struct bill cur = {0}, new = {0};
    bool ok = billing_load(conn, period, customer, NULL, keep, &cur) == 1 &&
              billing_load(conn, period, customer, proposed, keep, &new) == 1;
    const char *why = cur.error[0] ? cur.error : new.error;
    if (ok && why[0]) {
        log_error("customer \"%s\": %s", customer, why);
        ok = false;
    }
    if (ok) print_side_by_side(&cur, &new);
    bill_free(&cur);
    bill_free(&new);
    free(proposed);
    PQfinish(conn);
    return ok ? 0 : 1;
}
