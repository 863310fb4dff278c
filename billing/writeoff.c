/* writeoff: `gpumeter invoice write-off` (writeoff.h). The amount is what
 * the ledger says is open when the invoice's customer is held, so a
 * payment racing the write-off is either in it or refused after it. */
#include "billing/writeoff.h"

#include "billing/lifecycle.h"

#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int writeoff_invoice(int argc, char **argv)
{
    const char *reason = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"reason", CLI_TEXT, &reason, "TEXT", "why it will not be paid (required)", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {"gpumeter invoice write-off NUMBER --reason TEXT [--actor NAME]",
                                  "Write off what is open of an issued invoice. Audited.", opts, 1,
                                  1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!reason) return cli_usage_error(&spec, "give --reason");
    if (!lifecycle_number_ok(&spec, "NUMBER", argv[1])) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {argv[1], reason, actor ? actor : cfg.actor};
    PGresult *res = db_query(conn, "write off the invoice",
                             "SELECT w, i.currency, cur.minor_digits FROM "
                             "invoice_write_off($1, $2, $3) w "
                             "JOIN invoice i ON i.number = $1 "
                             "JOIN currency cur ON cur.code = i.currency",
                             3, p);
    if (res && PQntuples(res) == 1) {
        char amount[32];
        money_format(atoll(PQgetvalue(res, 0, 0)), atoi(PQgetvalue(res, 0, 2)), amount,
                     sizeof amount);
        printf("%s: %s %s written off\n", argv[1], amount, PQgetvalue(res, 0, 1));
        rc = 0;
    } else {
        rc = !strncmp(db_last_sqlstate(), "22", 2) ? CLI_EXIT_USAGE : 1;
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}
