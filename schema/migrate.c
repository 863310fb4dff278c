/* migrate: applies the embedded schema migrations in version order.
 *
 * Each migration runs in its own transaction together with the row that
 * records it in schema_migration, under an advisory lock so two concurrent
 * runs cannot both apply one. A recorded migration whose SHA-256 no longer
 * matches the embedded text is an error: schema history is append-only. */
#include "commands.h"
#include "core/digest.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "schema/migrations.h"

#include <stdio.h>
#include <string.h>

#define MIGRATE_LOCK_KEY "7262415130" /* arbitrary, constant: pg_advisory_lock key */

/* Returns 1 if applied now, 0 if already applied, -1 on error. */
static int apply_one(PGconn *conn, const struct migration *m)
{
    char version[16], sum[65];
    snprintf(version, sizeof version, "%d", m->version);
    digest_sha256_hex(m->sql, strlen(m->sql), sum);
    const char *p[] = {version};
    PGresult *res = db_query(conn, "read schema_migration",
                             "SELECT sha256 FROM schema_migration WHERE version = $1", 1, p);
    if (!res) return -1;
    int found = PQntuples(res);
    bool same = found && strcmp(PQgetvalue(res, 0, 0), sum) == 0;
    PQclear(res);
    if (found && !same) {
        log_error("migration %s was changed after it was applied", m->name);
        log_detail("The database recorded a different SHA-256 for version %d.", m->version);
        log_hint("Never edit an applied migration; add a new one instead.");
        return -1;
    }
    if (found) return 0;
    if (!db_begin(conn)) return -1;
    PGresult *r = PQexec(conn, m->sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        log_error("could not apply migration %s", m->name);
        log_detail("%s", PQerrorMessage(conn));
        PQclear(r);
        db_rollback(conn);
        return -1;
    }
    PQclear(r);
    const char *ins[] = {version, m->name, sum};
    if (!db_exec(conn, "record the migration",
                 "INSERT INTO schema_migration (version, name, sha256) VALUES ($1, $2, $3)", 3,
                 ins) ||
        !db_commit(conn)) {
        db_rollback(conn);
        return -1;
    }
    log_info("applied %s", m->name);
    return 1;
}

int cmd_migrate(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {
        "gpumeter migrate",
        "Apply the schema migrations this build carries, in order; safe to run again.", opts, 0, 0};
    struct config cfg;
    int rc;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    int applied = 0;
    rc = 1;
    if (!db_exec(conn, "take the migration lock", "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
                 0, NULL) ||
        !db_exec(conn, "create schema_migration",
                 "CREATE TABLE IF NOT EXISTS schema_migration (version integer PRIMARY KEY, "
                 "name text NOT NULL, sha256 text NOT NULL, "
                 "applied_at timestamptz NOT NULL DEFAULT now())",
                 0, NULL))
        goto out;
    for (int i = 0; i < migration_count; i++) {
        int n = apply_one(conn, &migrations[i]);
        if (n < 0) goto out;
        applied += n;
    }
    /* roles and privileges, also over what the migrations just added */
    if (!db_begin(conn)) goto out;
    PGresult *roles = PQexec(conn, roles_sql);
    if (PQresultStatus(roles) != PGRES_COMMAND_OK) {
        log_error("could not set up the database roles (schema/roles.sql)");
        log_detail("%s", PQerrorMessage(conn));
        log_hint("migrate needs a superuser, or a user with CREATEROLE that owns the database.");
        PQclear(roles);
        db_rollback(conn);
        goto out;
    }
    PQclear(roles);
    if (!db_commit(conn)) goto out;
    log_info("schema is at version %d (%d migration%s applied now)",
             migrations[migration_count - 1].version, applied, applied == 1 ? "" : "s");
    rc = 0;
out:
    PQfinish(conn);
    return rc;
}
