/* customer: `gpumeter customer add|list`.
 *
 * A customer is a code and a name; what it pays is in its contracts. add
 * is idempotent: the same code and name again change nothing; another name
 * for an existing code is refused (customers are never renamed by
 * accident). Additions are written to audit_log. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

static int customer_add(int argc, char **argv)
{
    const char *name = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"name", CLI_STR, &name, "NAME", "the customer's name (required)", 0, 0},
        {"actor", CLI_STR, &actor, "NAME", "who makes the change (default: audit.actor, $USER)", 0,
         0},
        {0},
    };
    const struct cli_spec spec = {"gpumeter customer add CODE --name NAME [--actor NAME]",
                                  "Add a customer.", opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    const char *code = argv[1];
    if (!name || !name[0] || strlen(name) > 256 || !code[0] || strlen(code) > 64 ||
        strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(code))
        return cli_usage_error(
            &spec, "CODE is 1 to 64 lower-case letters, digits, '-' or '_'; --name is required");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {code, name, actor ? actor : cfg.actor};
    PGresult *res =
        db_query(conn, "add the customer",
                 "WITH old AS (SELECT name FROM customer WHERE code = $1), "
                 "new AS (INSERT INTO customer (code, name) SELECT $1, $2 "
                 "        WHERE NOT EXISTS (SELECT 1 FROM old) RETURNING code), "
                 "audit AS (INSERT INTO audit_log (actor, object, key, action, after) "
                 "        SELECT $3, 'customer', code, 'add', jsonb_build_object('code', $1::text, "
                 "        'name', $2::text) FROM new) "
                 "SELECT (SELECT count(*) FROM new), (SELECT name FROM old)",
                 3, p);
    rc = 1;
    if (res && !strcmp(PQgetvalue(res, 0, 0), "1")) {
        printf("customer %s: added\n", code);
        rc = 0;
    } else if (res && !strcmp(PQgetvalue(res, 0, 1), name)) {
        printf("customer %s: unchanged\n", code);
        rc = 0;
    } else if (res) {
        log_error("customer %s exists with another name: \"%s\"", code, PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int customer_list(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {
        "gpumeter customer list",
        "List customers: code, the contract in effect this month, accounts, name.", opts, 0, 0};
    return cli_list(
        &spec, argc, argv, "list customers",
        "SELECT c.code, coalesce((SELECT k.contract FROM "
        "  contract_in_effect(date_trunc('month', current_date)::date) k "
        "  WHERE k.customer_id = c.id), '-'), "
        "  (SELECT count(DISTINCT a.account) FROM account a WHERE a.customer_id = c.id), c.name "
        "FROM customer c ORDER BY c.code",
        0, NULL, "%-24s %-24s %4s accounts  %s\n");
}

int cmd_customer(int argc, char **argv)
{
    static const struct cli_command commands[] = {
        {"add", customer_add, "add a customer"},
        {"list", customer_list, "list customers"},
        {"key", cmd_customer_key, "create, list and revoke API keys"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch("gpumeter customer", commands, argc, argv);
}
