/* simulate: `gpumeter plan simulate`. Prices one customer's real month twice
 * through the one billing path, under its contract's plan and under a
 * proposed plan document (not stored), and prints both side by side, line
 * by line. The comparison serves `POST /v1/simulate` too (simulate.h). */
#include "billing/simulate.h"

#include "commands.h"
#include "billing/billing.h"
#include "billing/store.h"
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

static void line_name(const struct bill_line *l, char *buf, size_t len)
{
    char label[256];
    render_line_label(l, label, sizeof label);
    snprintf(buf, len, "%s%s%s", l->kind == LINE_USAGE ? l->meter : "",
             l->kind == LINE_USAGE ? " " : "", label);
}

void simulate_compare(const struct bill *cur, const struct bill *new, simulate_row_fn fn, void *ctx)
{
    struct simulate_row r;
    for (size_t i = 0; i < cur->n; i++) {
        const struct bill_line *l = &cur->lines[i], *m = NULL;
        for (size_t j = 0; j < new->n && !m; j++)
            if (same_line(l, &new->lines[j])) m = &new->lines[j];
        r = (struct simulate_row){.has_cur = true,
                                  .cur = l->amount,
                                  .has_new = m != NULL,
                                  .new = m ? m->amount : 0,
                                  .line = l};
        line_name(l, r.label, sizeof r.label);
        fn(&r, ctx);
    }
    for (size_t j = 0; j < new->n; j++) {
        bool found = false;
        for (size_t i = 0; i < cur->n && !found; i++)
            found = same_line(&cur->lines[i], &new->lines[j]);
        if (found) continue;
        r = (struct simulate_row){
            .has_new = true, .new = new->lines[j].amount, .line = &new->lines[j]};
        line_name(&new->lines[j], r.label, sizeof r.label);
        fn(&r, ctx);
    }
    const struct {
        const char *label;
        int64_t cur, new;
    } totals[] = {
        {"subtotal", cur->subtotal, new->subtotal},
        {"tax", cur->tax, new->tax},
        {"total", cur->total, new->total},
        {"claimed from voucher programs", cur->claimed, new->claimed},
        {"due from customer", cur->due, new->due},
    };
    for (size_t i = 0; i < sizeof totals / sizeof totals[0]; i++) {
        r = (struct simulate_row){.has_cur = true,
                                  .cur = totals[i].cur,
                                  .has_new = true,
                                  .new = totals[i].new,
                                  .total = true};
        snprintf(r.label, sizeof r.label, "%s", totals[i].label);
        fn(&r, ctx);
    }
}

bool simulate_price(PGconn *conn, const char *period, const char *customer,
                    const struct plan *proposed, struct bill *cur, struct bill *new, char *why,
                    size_t whylen)
{
    why[0] = '\0';
    /* current: what the month stands on, its issued invoice once issued */
    if (store_load_month(conn, period, customer, keep, cur) != 1 ||
        billing_load(conn, period, customer, proposed, keep, new) != 1) {
        snprintf(why, whylen, "no contract of customer %s in effect in %s", customer, period);
        return false;
    }
    const char *error = cur->error[0] ? cur->error : new->error;
    snprintf(why, whylen, "%s", error);
    return !error[0];
}

static void print_row(const struct simulate_row *r, void *ctx)
{
    int digits = *(const int *)ctx;
    char x[32] = "-", y[32] = "-", d[32];
    if (r->has_cur) money_format(r->cur, digits, x, sizeof x);
    if (r->has_new) money_format(r->new, digits, y, sizeof y);
    money_format(r->new - r->cur, digits, d, sizeof d);
    printf("%-44s %16s %16s %16s\n", r->label, x, y, d);
}

static void print_side_by_side(const struct bill *cur, const struct bill *new)
{
    int d = cur->minor_digits;
    /* an issued month: current is what was issued, and says so */
    printf("simulate %s %s (%s): current plan %s%s%s, proposed plan %s\n", cur->customer,
           cur->period, cur->currency, cur->plan, cur->status[0] ? " as issued on invoice " : "",
           cur->number, new->plan);
    printf("%-44s %16s %16s %16s\n", "line", "current", "proposed", "difference");
    simulate_compare(cur, new, print_row, &d);
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
    char why[512];
    bool ok = simulate_price(conn, period, customer, proposed, &cur, &new, why, sizeof why);
    if (!ok && (cur.error[0] || new.error[0])) log_error("customer \"%s\": %s", customer, why);
    if (ok) print_side_by_side(&cur, &new);
    bill_free(&cur);
    bill_free(&new);
    free(proposed);
    PQfinish(conn);
    return ok ? 0 : 1;
}
