/* rerate: reprices a customer's month from its rated quantities.
 *
 * Quantities in usage_hourly are the source of truth and charges are derived
 * from them by the one pricing function (billing.h), so correcting a plan
 * and repricing is a recomputation, never an edit of amounts. `gpumeter
 * rerate` prices the month with the plan as it is now, refreshes the draft
 * invoice, and records in rerate_log the total before and after and every
 * line whose quantity, price or amount changed. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "billing/billing.h"
#include "billing/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct rerate {
    PGconn *conn;
    char first_day[16];
    struct bill old;
    bool had_old, done;
    struct strbuf changes;
    int changed;
};

static const struct bill_line *find_line(const struct bill *b, const struct bill_line *l)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->lines[i].kind == l->kind && !strcmp(b->lines[i].meter, l->meter) &&
            !strcmp(b->lines[i].model, l->model) && !strcmp(b->lines[i].band, l->band) &&
            !strcmp(b->lines[i].site, l->site) && !strcmp(b->lines[i].detail, l->detail))
            return &b->lines[i];
    return NULL;
}

static void change(struct rerate *r, const struct bill_line *was, const struct bill_line *now)
{
    const struct bill_line *l = now ? now : was;
    if (was && now && was->quantity == now->quantity && was->unit_price == now->unit_price &&
        was->amount == now->amount)
        return;
    sb_puts(&r->changes, r->changed++ ? "," : "[");
    sb_printf(&r->changes, "{\"kind\":\"%s\",\"meter\":", bill_kind_name(l->kind));
    sb_put_json_string(&r->changes, l->meter);
    sb_puts(&r->changes, ",\"model\":");
    sb_put_json_string(&r->changes, l->model);
    sb_printf(&r->changes,
              ",\"old_quantity\":%" PRId64 ",\"new_quantity\":%" PRId64
              ",\"old_unit_price\":%" PRId64 ",\"new_unit_price\":%" PRId64
              ",\"old_amount\":%" PRId64 ",\"new_amount\":%" PRId64 "}",
              was ? was->quantity : 0, now ? now->quantity : 0, was ? was->unit_price : 0,
              now ? now->unit_price : 0, was ? was->amount : 0, now ? now->amount : 0);
    char a[32], b[32];
    money_format(was ? was->amount : 0, r->old.minor_digits ? r->old.minor_digits : 2, a, sizeof a);
    money_format(now ? now->amount : 0, r->old.minor_digits ? r->old.minor_digits : 2, b, sizeof b);
    printf("  %-10s %-20s %14s -> %14s\n",
           l->kind == LINE_USAGE ? l->meter : bill_kind_name(l->kind),
           l->model[0] ? l->model : l->detail, a, b);
}

static bool reprice(struct bill *b, void *opaque)
{
    struct rerate *r = opaque;
    if (b->error[0]) {
        log_error("customer \"%s\": %s", b->customer, b->error);
        return false;
    }
    printf("rerate %s %s: changed lines (old -> new amount, %s)\n", b->customer, b->period,
           b->currency);
    for (size_t i = 0; i < b->n; i++)
        change(r, find_line(&r->old, &b->lines[i]), &b->lines[i]);
    for (size_t i = 0; i < r->old.n; i++)
        if (!find_line(b, &r->old.lines[i])) change(r, &r->old.lines[i], NULL);
    sb_puts(&r->changes, r->changed ? "]" : "[]");
    bool issued = r->had_old && strcmp(r->old.status, "draft");
    if (bill_has_content(b) && !issued && !store_invoices(r->conn, r->first_day, b, 1, NULL))
        return false;
    char was[32], now[32], total[24];
    money_format(r->old.total, b->minor_digits, was, sizeof was);
    money_format(b->total, b->minor_digits, now, sizeof now);
    printf("total %s -> %s %s (%d lines changed)%s\n", r->had_old ? was : "none", now, b->currency,
           r->changed,
           issued ? "; the invoice is issued: the change is recorded, not applied" : "");
    snprintf(total, sizeof total, "%" PRId64, b->total);
    snprintf(was, sizeof was, "%" PRId64, r->old.total);
    const char *p[] = {b->customer, r->first_day, r->had_old ? was : NULL, total,
                       sb_str(&r->changes)};
    r->done = db_exec(r->conn, "record the rerate",
                      "INSERT INTO rerate_log (customer_id, period, old_total, new_total, changes) "
                      "SELECT id, $2::date, $3, $4, $5::jsonb FROM customer WHERE code = $1",
                      5, p);
    return r->done;
}

int cmd_rerate(int argc, char **argv)
{
    const char *customer = NULL, *period = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "customer code (required)", 0, 0},
        {"period", CLI_STR, &period, "YYYY-MM", "month (required)", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter rerate --customer CODE --period YYYY-MM",
        "Reprice a customer's month from its rated quantities with the current plan, refresh the "
        "draft invoice and record what changed.",
        opts, 0, 0};
    int npos, y, m;
    enum cli_result res = cli_parse(&spec, argc, argv, &npos);
    if (res != CLI_OK) return cli_exit_code(res);
    if (!customer || !period || !time_parse_month(period, &y, &m))
        return cli_usage_error(&spec, "--customer and --period YYYY-MM are required");
    struct config cfg;
    int rc;
    struct rerate r = {.conn = db_open(&cfg, &rc)};
    if (!r.conn) return rc;
    time_month_first_day(period, r.first_day);
    const char *p[] = {customer, r.first_day};
    bool ok = db_begin(r.conn);
    PGresult *has = ok ? db_query(r.conn, "look for the invoice",
                                  "SELECT 1 FROM invoice i JOIN customer c ON c.id = i.customer_id "
                                  "WHERE c.code = $1 AND i.period = $2::date FOR UPDATE OF i",
                                  2, p)
                       : NULL;
    ok = has != NULL;
    r.had_old = ok && PQntuples(has) == 1;
    PQclear(has);
    if (ok && r.had_old) ok = store_load(r.conn, NULL, customer, r.first_day, &r.old);
    ok = ok && billing_load(r.conn, period, customer, NULL, reprice, &r) >= 0 && r.done &&
         db_commit(r.conn);
    if (!ok) db_rollback(r.conn);
    bill_free(&r.old);
    sb_free(&r.changes);
    PQfinish(r.conn);
    return ok ? 0 : 1;
}
