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
#include "core/invariant.h"
#include "core/log.h"
#include "core/meter.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "render/describe.h"
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

/* bill_line_model_order (pricing/bill.h, the one grouping), the rows'
 * order before it breaking ties: every other line after the usage lines
 * in the order it came. */
static int by_model(const void *pa, const void *pb)
{
    const struct simulate_row *a = pa, *b = pb;
    int c = bill_line_model_order(a->line, b->line);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

void simulate_compare(const struct bill *cur, const struct bill *new, simulate_row_fn fn, void *ctx)
{
    struct simulate_row *rows = xcalloc(cur->n + new->n + 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < cur->n; i++) {
        const struct bill_line *l = &cur->lines[i], *m = NULL;
        for (size_t j = 0; j < new->n && !m; j++)
            if (same_line(l, &new->lines[j])) m = &new->lines[j];
        rows[n] = (struct simulate_row){.has_cur = true,
                                        .cur = l->amount,
                                        .has_new = m != NULL,
                                        .new = m ? m->amount : 0,
                                        .line = l,
                                        .order = n};
        line_name(l, rows[n].label, sizeof rows[n].label);
        n++;
    }
    for (size_t j = 0; j < new->n; j++) {
        bool found = false;
        for (size_t i = 0; i < cur->n && !found; i++)
            found = same_line(&cur->lines[i], &new->lines[j]);
        if (found) continue;
        rows[n] = (struct simulate_row){
            .has_new = true, .new = new->lines[j].amount, .line = &new->lines[j], .order = n};
        line_name(&new->lines[j], rows[n].label, sizeof rows[n].label);
        n++;
    }
    assert(n <= cur->n + new->n);
    qsort(rows, n, sizeof *rows, by_model);
    for (size_t i = 0; i < n; i++)
        fn(&rows[i], ctx);
    free(rows);
    struct simulate_row r;
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
    char x[32] = "-", y[32] = "-", d[32], q[64] = "";
    if (r->has_cur) money_format(r->cur, digits, x, sizeof x);
    if (r->has_new) money_format(r->new, digits, y, sizeof y);
    money_format(r->new - r->cur, digits, d, sizeof d);
    /* a usage line's quantity in its price unit, as the API's rows give it */
    const struct meter_units *u = r->line ? meter_units(r->line->meter) : NULL;
    if (u && r->line->kind == LINE_USAGE) {
        char n[48];
        render_quantity_decimal(r->line->meter, r->line->quantity, n, sizeof n);
        snprintf(q, sizeof q, "%s %s", n, u->label_en);
    }
    printf("%-44s %22s %16s %16s %16s\n", r->label, q, x, y, d);
}

static void print_side_by_side(const struct bill *cur, const struct bill *new)
{
    int d = cur->minor_digits;
    /* an issued month: current is what was issued, and says so */
    printf("simulate %s %s (%s): current plan %s%s%s, proposed plan %s\n", cur->customer,
           cur->period, cur->currency, cur->plan, cur->status[0] ? " as issued on invoice " : "",
           cur->number, new->plan);
    printf("%-44s %22s %16s %16s %16s\n", "line", "quantity", "current", "proposed",
           "difference");
    simulate_compare(cur, new, print_row, &d);
}

/* The plan document of pending or decided proposal id into *proposed;
 * NULL after saying why (exit code in *rc). */
static cJSON *load_proposal(PGconn *conn, const char *id, struct plan *proposed, int *rc)
{
    const char *p[] = {id};
    *rc = 1;
    PGresult *res = db_query(conn, "read the proposal",
                             "SELECT kind, document::text FROM proposal WHERE id = $1::bigint",
                             1, p);
    if (!res) return NULL;
    cJSON *doc = NULL;
    if (!PQntuples(res) || strcmp(PQgetvalue(res, 0, 0), "plan")) {
        log_error("proposal %s: %s", id, PQntuples(res) ? "a contract proposal, not a plan's"
                                                          : "no such proposal");
        log_hint("gpumeter plan proposals");
        *rc = CLI_EXIT_USAGE;
    } else {
        const char *text = PQgetvalue(res, 0, 1);
        struct doc_check c = {0};
        doc = doc_parse(text, strlen(text), &c);
        if (doc && !docstore_parse_text(&plan_kind, text, strlen(text), proposed, &c)) {
            log_error("proposal %s no longer validates: %s", id, sb_str(&c.errors));
            cJSON_Delete(doc);
            doc = NULL;
        }
        sb_free(&c.errors);
    }
    PQclear(res);
    return doc;
}

int cmd_plan_simulate(int argc, char **argv)
{
    const char *customer = NULL, *period = NULL, *file = NULL, *proposal = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "customer code (required)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "month of real usage to price (required)", 0, 0},
        {"plan", CLI_STR, &file, "FILE", "proposed plan document (or --proposal)", 0, 0},
        {"proposal", CLI_STR, &proposal, "ID",
         "a plan proposal's number, priced before it is approved (or --plan)", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter plan simulate --customer CODE --period YYYY-MM --plan FILE|--proposal ID",
        "Price a customer's real month under its current plan and under a proposed plan (a "
        "file, or a proposal's document), side by side: usage lines grouped by model, then "
        "band, with their quantities, then the other lines and the totals. Nothing is stored.",
        opts, 0, 0};
    int npos, rc, y, m;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!customer || !period || !time_parse_month(period, &y, &m) || !file == !proposal)
        return cli_usage_error(&spec, "--customer, --period YYYY-MM and one of --plan FILE and "
                                      "--proposal ID are required");
    size_t idn = proposal ? strlen(proposal) : 0;
    if (proposal && (!idn || idn > 18 || strspn(proposal, "0123456789") != idn))
        return cli_usage_error(&spec, "--proposal ID is a proposal's number (gpumeter plan "
                                      "proposals)");
    struct plan *proposed = xcalloc(1, sizeof *proposed);
    cJSON *doc = file ? docstore_load_file(&plan_kind, file, proposed, &rc) : NULL;
    struct config cfg;
    PGconn *conn = doc || proposal ? db_open(&cfg, &rc) : NULL;
    if (conn && proposal && !(doc = load_proposal(conn, proposal, proposed, &rc))) {
        PQfinish(conn);
        conn = NULL;
    }
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
