/* keys: creating, listing, revoking and verifying API keys (see keys.h). */
#include "api/keys.h"

#include "commands.h"
#include "core/cli.h"
#include "core/credential.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/log.h"
#include "terms/known.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX "gmk_"

bool keys_id(const char *key, char id[CREDENTIAL_ID_LEN + 1])
{
    return credential_split(KEY_PREFIX, key, id);
}

enum key_result keys_verify(PGconn *conn, unsigned *prepared, const char *presented,
                            const char *asked, struct caller *who)
{
    char id[CREDENTIAL_ID_LEN + 1], hash[65];
    memset(who, 0, sizeof *who);
    if (!presented || !credential_split(KEY_PREFIX, presented, id)) return KEY_INVALID;
    digest_sha256_hex(presented, strlen(presented), hash);
    const char *p[] = {id, asked};
    PGresult *res = db_query_prepared(
        conn, prepared, KEY_VERIFY_SLOT, "look up the API key",
        "SELECT k.sha256, k.role, coalesce(c.code, ''), coalesce((SELECT sum(v.version)::bigint "
        "  FROM usage_version v JOIN customer u ON u.id = v.customer_id "
        "  WHERE u.code = coalesce($2, c.code)), 0), "
        "  (SELECT s.version FROM statement_version s), k.read_only "
        "FROM api_key k LEFT JOIN customer c ON c.id = k.customer_id "
        "WHERE k.id = $1 AND k.revoked_at IS NULL",
        2, p);
    if (!res) return KEY_ERROR;
    enum key_result r = KEY_INVALID;
    if (PQntuples(res) == 1 && CRYPTO_memcmp(PQgetvalue(res, 0, 0), hash, 64) == 0) {
        snprintf(who->key_id, sizeof who->key_id, "%s", id);
        who->finance = !strcmp(PQgetvalue(res, 0, 1), "finance");
        who->sales = !strcmp(PQgetvalue(res, 0, 1), "sales");
        who->operator = !strcmp(PQgetvalue(res, 0, 1), "operator");
        who->read_only = !strcmp(PQgetvalue(res, 0, 5), "t");
        snprintf(who->customer, sizeof who->customer, "%s", PQgetvalue(res, 0, 2));
        who->usage_version = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
        who->statement_version = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
        r = KEY_OK;
    }
    PQclear(res);
    return r;
}

bool keys_new(char *key, char *id, char *sha256)
{
    return credential_new(KEY_PREFIX, key, id, sha256);
}

void keys_note_use(PGconn *conn, const char *id)
{
    const char *p[] = {id};
    PGresult *res = db_query_reused(conn, "record the key's use", "SELECT api_key_used($1)", 1, p);
    PQclear(res);
}

static int key_create(int argc, char **argv)
{
    bool finance = false, sales = false, operator = false;
    const char *label = "", *actor = NULL;
    const struct cli_opt opts[] = {
        {"finance", CLI_BOOL, &finance, NULL, "a finance key: reads every customer", 0, 0},
        {"sales", CLI_BOOL, &sales, NULL, "a sales key: plans, customers and simulations", 0, 0},
        {"operator", CLI_BOOL, &operator, NULL,
         "an operator key: the fleet's reports, no customer's money", 0, 0},
        {"label", CLI_STR, &label, "TEXT", "what the key is for", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", "who creates it (default: audit.actor, $USER)", 0,
         CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter customer key create (CODE | --finance | --sales | --operator) [--label TEXT]",
        "Create an API key and print it once; only its SHA-256 is kept.", opts, 0, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (finance + sales + operator + (npos == 1) != 1)
        return cli_usage_error(&spec,
                               "give one of a customer CODE, --finance, --sales or --operator");
    char id[CREDENTIAL_ID_LEN + 1], key[CREDENTIAL_LEN + 1], hash[65];
    if (!keys_new(key, id, hash)) return 1;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {id,    npos == 1 ? argv[1] : NULL, hash,
                       label, actor ? actor : cfg.actor,
                         sales ? "sales" : operator ? "operator" : "finance"};
    PGresult *res =
        db_query(conn, "create the API key",
                 "INSERT INTO api_key (id, customer_id, role, sha256, label, created_by) "
                 "SELECT $1, c.id, CASE WHEN $2::text IS NULL THEN $6 ELSE 'customer' END, $3, $4, "
                 "$5 FROM (SELECT NULL) x LEFT JOIN customer c ON c.code = $2 "
                 "WHERE $2::text IS NULL OR c.id IS NOT NULL RETURNING id",
                 6, p);
    rc = 1;
    if (res && PQntuples(res) == 1) {
        printf("%s\n", key);
        log_info("key %s created; it is shown only now", id);
        rc = 0;
    } else if (res) {
        known_missing(conn, "customer", argv[1]);
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int key_list(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {"gpumeter customer key list",
                                         "List API keys: id, customer or role, created, "
                                         "revoked, label (never the key).",
                                         opts, 0, 0};
    return cli_list(
        &spec, argc, argv, "list API keys",
        "SELECT k.id, coalesce(c.code, '(' || k.role || ')'), "
        "to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "coalesce(to_char(k.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "'active'), k.label FROM api_key k LEFT JOIN customer c ON c.id = k.customer_id "
        "ORDER BY k.created_at, k.id",
        0, NULL, "%-12s  %-24s %-20s  %-20s %s\n",
        (const char *const[]){"ID", "OWNER", "CREATED", "REVOKED", "LABEL", NULL});
}

static int key_revoke(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {"gpumeter customer key revoke ID",
                                         "Revoke an API key; the next request with it gets 401.",
                                         opts, 1, 1};
    int rc;
    struct config cfg;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {argv[1]};
    PGresult *res = db_query(conn, "revoke the API key",
                             "UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) "
                             "WHERE id = $1 RETURNING id",
                             1, p);
    rc = 1;
    if (res && PQntuples(res) == 1) {
        printf("key %s: revoked\n", argv[1]);
        rc = 0;
    } else if (res) {
        log_error("no API key %s", argv[1]);
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static const struct cli_command customer_key_table[] = {
    {"create", key_create, "create an API key (shown once)", NULL},
    {"list", key_list, "list API keys", NULL},
    {"revoke", key_revoke, "revoke an API key", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(customer_key, "gpumeter customer key", customer_key_table)
