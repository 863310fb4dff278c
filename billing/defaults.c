/* defaults: `gpumeter receivables check`, which customers are in default
 * (docs/receivables.md, "Default"). A customer is in default when an
 * invoice of it has an open amount and is more than
 * receivables.default_after_days days past due, as the ledger stood at the
 * moment asked about: the schema's customer_default_at (036) is the one
 * definition, read from invoice_open_at (031). The check prints them and
 * emits customer.default for each through notify_emit, in the statement
 * that reads them: the subject is the customer's code and the day it
 * entered default, so a customer is told once per spell of default (one
 * that pays and defaults again is told again, with the new day). */
#include "commands.h"

#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "billing/lifecycle.h"

#include <stdio.h>
#include <stdlib.h>

/* $1: the day (end of it, in the default time zone) or NULL for now; $2:
 * the days; $3: the actor. A spell found for the first time (its
 * customer.default newly emitted) also applies a deposit held
 * "on_default" to the invoices in default (default_apply_deposit, 037),
 * in the same statement. */
static const char check_sql[] =
    "WITH at AS (SELECT CASE WHEN $1::date IS NULL THEN now() ELSE "
    "       ($1::date + 1)::timestamp AT TIME ZONE default_time_zone() "
    "       - interval '1 microsecond' END AS at), "
    "d AS (SELECT d.*, c.code, cur.minor_digits FROM at, customer_default_at(at.at, $2::int) d "
    "      JOIN customer c ON c.id = d.customer_id JOIN currency cur ON cur.code = d.currency), "
    "n AS (SELECT d.*, "
    "      notify_emit('customer.default', d.customer_id, "
    "                  d.code || '/' || to_char(d.since, 'YYYY-MM-DD'), "
    "                  jsonb_build_object('customer', d.code, 'since', d.since, "
    "                                     'currency', d.currency, 'open_minor', d.open, "
    "                                     'invoices', to_jsonb(d.invoices), "
    "                                     'days_past_due', d.worst_days_past_due, "
    "                                     'after_days', $2::int)) AS new FROM d), "
    "a AS (SELECT n.*, CASE WHEN n.new THEN default_apply_deposit(n.customer_id, n.invoices, "
    "                                                           $3) ELSE 0 END AS applied "
    "      FROM n) "
    "SELECT code, currency, open, minor_digits, to_char(since, 'YYYY-MM-DD'), "
    "       worst_days_past_due, array_to_string(invoices, ', '), new, applied "
    "FROM a ORDER BY code, currency";

static int receivables_check(int argc, char **argv)
{
    const char *on = NULL, *actor = NULL;
    bool ahead = false;
    const struct cli_opt opts[] = {
        {"on", CLI_STR, &on, "YYYY-MM-DD",
         "judge as the ledger stood at the end of this day (default: now)", 0, 0},
        {"ahead", CLI_BOOL, &ahead, NULL,
         "let --on be a day after today (a simulation: notified and posted now)", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter receivables check [--on YYYY-MM-DD [--ahead]] [--actor NAME]",
        "List the customers in default (an invoice open more than "
        "receivables.default_after_days days past due) and emit customer.default once for each "
        "spell of default; a deposit held \"on_default\" then pays the invoices in default.",
        opts, 0, 0};
    int rc;
    int64_t day;
    struct config cfg;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    if (on && !time_parse_date(on, &day)) {
        PQfinish(conn);
        return cli_usage_error(&spec, "--on is a day, YYYY-MM-DD");
    }
    if (!cli_day_not_ahead(conn, &spec, "on", on, ahead)) {
        PQfinish(conn);
        return CLI_EXIT_USAGE;
    }
    char days[24];
    snprintf(days, sizeof days, "%ld", cfg.default_after_days);
    const char *p[] = {on, days, actor ? actor : cfg.actor};
    PGresult *res = db_query(conn, "check for customers in default", check_sql, 3, p);
    for (int i = 0; res && i < PQntuples(res); i++) {
        int64_t open = 0, digits = 2;
        char amount[32];
        db_get_int64(res, i, 2, &open);
        db_get_int64(res, i, 3, &digits);
        money_format(open, (int)digits, amount, sizeof amount);
        if (i == 0)
            printf("%-16s %-8s %16s  %-10s  %13s  %s\n", "customer", "currency", "open",
                   "since", "days past due", "invoices");
        int64_t applied = 0;
        char deposit[64] = "";
        db_get_int64(res, i, 8, &applied);
        if (applied > 0) {
            char a[32];
            money_format(applied, (int)digits, a, sizeof a);
            snprintf(deposit, sizeof deposit, "; deposit applied %s", a);
        }
        printf("%-16s %-8s %16s  %-10s  %13s  %s%s%s%s\n", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), amount, PQgetvalue(res, i, 4), PQgetvalue(res, i, 5),
               PQgetvalue(res, i, 6), PQgetvalue(res, i, 7)[0] == 't' ? "  (notified" : "",
               deposit, PQgetvalue(res, i, 7)[0] == 't' ? ")" : "");
    }
    if (res && PQntuples(res) == 0)
        printf("no customer is in default (after %ld days past due)\n", cfg.default_after_days);
    bool ok = res != NULL;
    PQclear(res);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static const struct cli_command receivables_table[] = {
    {"check", receivables_check, "list customers in default; emit customer.default", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(receivables, "gpumeter receivables", receivables_table)
