/* dunning: `gpumeter dunning run` (issue 34, terms; docs/receivables.md
 * "Dunning"). For each open invoice past one of receivables.dunning_steps
 * (days past due), sends the highest step it has reached and not been sent
 * before: an invoice.overdue notification through the outbox, recorded on
 * the invoice (dunning_reminder). The rule is schema 032's dunning_run, in
 * one transaction; this command only passes the steps and prints what was
 * sent. Idempotent: a step is sent once however often it runs (the
 * operator schedules it daily: docs/operations.md). */
#include "commands.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

static const char dunning_sql[] =
    "SELECT r.number, r.customer, r.step, r.days_past_due, r.open_minor, r.event_id, "
    "       i.currency, cu.minor_digits "
    "FROM dunning_run($1::date, $2::integer[], $3) r "
    "JOIN invoice i ON i.number = r.number JOIN currency cu ON cu.code = i.currency "
    "ORDER BY r.number";

static int dunning_run(int argc, char **argv)
{
    const char *as_of = NULL, *actor = NULL;
    bool ahead = false;
    const struct cli_opt opts[] = {
        {"as-of", CLI_STR, &as_of, "YYYY-MM-DD",
         "judge invoices as the ledger stood at the end of this local day (default: now)", 0, 0},
        {"ahead", CLI_BOOL, &ahead, NULL,
         "let --as-of be a day after today (a simulation: the reminders are sent now)", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", "who sends the reminders (default: audit.actor)", 0,
         CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter dunning run [--as-of YYYY-MM-DD [--ahead]] [--actor NAME]",
        "Send each overdue invoice's reminder for the highest step of receivables.dunning_steps "
        "it has reached (an invoice.overdue notification, once per step), and record it on the "
        "invoice.",
        opts, 0, 0};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!cli_day_ok(&spec, "as-of", as_of)) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    if (!cli_day_not_ahead(conn, &spec, "as-of", as_of, ahead)) {
        PQfinish(conn);
        return CLI_EXIT_USAGE;
    }
    struct strbuf steps = STRBUF_INIT;
    db_array_open(&steps);
    for (int i = 0; i < cfg.n_dunning_steps; i++)
        db_array_add_int(&steps, cfg.dunning_steps[i]);
    db_array_close(&steps);
    const char *p[] = {as_of, sb_str(&steps), actor ? actor : cfg.actor};
    PGresult *res = db_query(conn, "run dunning", dunning_sql, 3, p);
    for (int i = 0; res && i < PQntuples(res); i++) {
        int64_t open = 0, digits = 2;
        char amount[40];
        db_get_int64(res, i, 4, &open);
        db_get_int64(res, i, 7, &digits);
        money_format(open, (int)digits, amount, sizeof amount);
        printf("%s %s: step %s reached (%s days past due, %s %s open); invoice.overdue %s\n",
               PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
               PQgetvalue(res, i, 3), amount, PQgetvalue(res, i, 6), PQgetvalue(res, i, 5));
    }
    if (res) printf("dunning: %d reminder%s sent\n", PQntuples(res), PQntuples(res) == 1 ? "" : "s");
    rc = res ? 0 : 1;
    PQclear(res);
    sb_free(&steps);
    PQfinish(conn);
    return rc;
}

static const struct cli_command dunning_table[] = {
    {"run", dunning_run, "send the reminders overdue invoices have reached, once each", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(dunning, "gpumeter dunning", dunning_table)
