/* customer: `gpumeter customer add|update|list`.
 *
 * A customer is a code and a name; what it pays is in its contracts. add
 * is idempotent: the same code and name again change nothing; another name
 * for an existing code is refused (customers are never renamed by
 * accident). Additions are written to audit_log. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/utf8.h"
#include "terms/known.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A taxpayer identification number: 统一社会信用代码 is 18 characters, older
 * numbers 15 to 20; upper-case letters and digits (schema 019 checks it too). */
static bool tax_id_valid(const char *t)
{
    size_t n = strlen(t);
    return n >= 15 && n <= 20 && strspn(t, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

#define TAX_ID_HELP "the buyer's taxpayer identification number, 15 to 20 of 0-9 and A-Z"
#define ACTOR_HELP  "who makes the change (default: audit.actor, $USER)"

static int customer_add(int argc, char **argv)
{
    const char *name = NULL, *actor = NULL, *tax_id = NULL;
    const struct cli_opt opts[] = {
        {"name", CLI_STR, &name, "NAME", "the customer's name (required)", 0, 0},
        {"tax-id", CLI_STR, &tax_id, "ID", TAX_ID_HELP, 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter customer add CODE --name NAME [--tax-id ID] [--actor NAME]", "Add a customer.",
        opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    const char *code = argv[1];
    if (!name || !name[0] || !cli_code_valid(code))
        return cli_usage_error(
            &spec, "CODE is 1 to 64 lower-case letters, digits, '-' or '_'; --name is required");
    /* what pricing/bill.h keeps of a name and the invoice's PDF and
     * fapiao print: a longer one is refused, with its length, not cut */
    if (strlen(name) > 256) {
        char msg[96];
        snprintf(msg, sizeof msg, "--name is at most 256 bytes of UTF-8; this one is %zu",
                 strlen(name));
        return cli_usage_error(&spec, msg);
    }
    if (tax_id && !tax_id_valid(tax_id))
        return cli_usage_error(&spec, "--tax-id is 15 to 20 upper-case letters and digits");
    /* printed on invoices and fapiao: no control or bidirectional formatting
     * character may make it display as another name */
    const char *why = utf8_ident_problem(name, strlen(name));
    if (why) {
        char msg[128];
        snprintf(msg, sizeof msg, "--name %s", why);
        return cli_usage_error(&spec, msg);
    }
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {code, name, actor ? actor : cfg.actor, tax_id};
    PGresult *res =
        db_query(conn, "add the customer",
                 "WITH old AS (SELECT name, tax_id FROM customer WHERE code = $1), "
                 "new AS (INSERT INTO customer (code, name, tax_id) SELECT $1, $2, $4 "
                 "        WHERE NOT EXISTS (SELECT 1 FROM old) RETURNING code), "
                 "audit AS (INSERT INTO audit_log (actor, object, key, action, after) "
                 "        SELECT $3, 'customer', code, 'add', jsonb_strip_nulls(jsonb_build_object("
                 "        'code', $1::text, 'name', $2::text, 'tax_id', $4::text)) FROM new) "
                 "SELECT (SELECT count(*) FROM new), (SELECT name FROM old), "
                 "       (SELECT (tax_id IS NOT DISTINCT FROM $4::text OR $4::text IS NULL)::text "
                 "        FROM old)",
                 4, p);
    rc = 1;
    if (res && !strcmp(PQgetvalue(res, 0, 0), "1")) {
        printf("customer %s: added\n", code);
        rc = 0;
    } else if (res && !strcmp(PQgetvalue(res, 0, 1), name) &&
               !strcmp(PQgetvalue(res, 0, 2), "true")) {
        printf("customer %s: unchanged\n", code);
        rc = 0;
    } else if (res && strcmp(PQgetvalue(res, 0, 1), name)) {
        log_error("customer %s exists with another name: \"%s\"", code, PQgetvalue(res, 0, 1));
    } else if (res) {
        log_error("customer %s exists with another taxpayer number", code);
        log_hint("Change it with: gpumeter customer update %s --tax-id ID", code);
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

/* Only the taxpayer number changes: a name never does (invoices and keys
 * name customers), and what a customer pays is in its contracts. Issued
 * invoices keep the number they were issued with (schema 019). */
static int customer_update(int argc, char **argv)
{
    const char *actor = NULL, *tax_id = NULL;
    const struct cli_opt opts[] = {
        {"tax-id", CLI_STR, &tax_id, "ID", TAX_ID_HELP " (required)", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {"gpumeter customer update CODE --tax-id ID [--actor NAME]",
                                  "Change a customer's taxpayer identification number; audited.",
                                  opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    const char *code = argv[1];
    if (!cli_code_ok(&spec, "CODE", code)) return CLI_EXIT_USAGE;
    if (!tax_id || !tax_id_valid(tax_id))
        return cli_usage_error(&spec, "--tax-id is 15 to 20 upper-case letters and digits");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {code, tax_id, actor ? actor : cfg.actor};
    PGresult *res = db_query(
        conn, "update the customer",
        "WITH old AS (SELECT id, tax_id FROM customer WHERE code = $1 FOR UPDATE), "
        "upd AS (UPDATE customer c SET tax_id = $2 FROM old "
        "        WHERE c.id = old.id AND old.tax_id IS DISTINCT FROM $2 RETURNING c.code), "
        "audit AS (INSERT INTO audit_log (actor, object, key, action, before, after) "
        "          SELECT $3, 'customer', $1, 'update', jsonb_build_object('tax_id', old.tax_id), "
        "          jsonb_build_object('tax_id', $2::text) FROM old, upd) "
        "SELECT (SELECT count(*) FROM old), (SELECT count(*) FROM upd)",
        3, p);
    rc = 1;
    if (res && !strcmp(PQgetvalue(res, 0, 0), "0")) {
        known_missing(conn, "customer", code);
    } else if (res) {
        printf("customer %s: %s\n", code,
               strcmp(PQgetvalue(res, 0, 1), "1") ? "unchanged" : "taxpayer number set");
        rc = 0;
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
        0, NULL, "%-24s %-24s %8s  %s\n",
        (const char *const[]){"CODE", "CONTRACT", "ACCOUNTS", "NAME", NULL});
}

static const struct cli_command customer_table[] = {
    {"add", customer_add, "add a customer", NULL},
    {"update", customer_update, "change a customer's taxpayer number", NULL},
    {"list", customer_list, "list customers", NULL},
    {"key", cmd_customer_key, "customers' API keys", customer_key_commands},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(customer, "gpumeter customer", customer_table)
