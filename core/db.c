/* db: libpq helpers with uniform error reporting (see db.h). */
#include "db.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void notice_to_debug(void *arg, const char *message)
{
    (void)arg;
    log_debug("postgresql: %.*s", (int)strcspn(message, "\n"), message);
}

static void print_pg_error(const char *message)
{
    size_t n = strlen(message);
    while (n && (message[n - 1] == '\n' || message[n - 1] == ' '))
        n--;
    log_detail("%.*s", (int)n, message);
}

PGconn *db_connect(const struct config *cfg)
{
    /* pg.conninfo, with the user of this process's role in place of its own */
    const char *const keys[] = {"dbname", cfg->pg_user[0] ? "user" : NULL, NULL};
    const char *const values[] = {cfg->pg_conninfo, cfg->pg_user, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(conn, notice_to_debug, NULL);
        /* gpumeter's queries are index-driven; compiling them with JIT cost
         * the invoice batch 1.3 s of 4 (bench/REPORT.md) and saved nothing. */
        PQclear(PQexec(conn, "SET jit = off"));
        return conn;
    }
    log_error("could not connect to PostgreSQL at host=%s port=%s dbname=%s user=%s",
              PQhost(conn) ? PQhost(conn) : "?", PQport(conn) ? PQport(conn) : "?",
              PQdb(conn) ? PQdb(conn) : "?", PQuser(conn) ? PQuser(conn) : "?");
    print_pg_error(PQerrorMessage(conn));
    if (strstr(PQerrorMessage(conn), "role \"") && strstr(PQerrorMessage(conn), "does not exist"))
        log_hint("Each command connects as its own role: run \"gpumeter migrate\" as the "
                 "database's administrator to create them, or set pg.%s_user "
                 "(docs/configuration.md).",
                 strstr(cfg->pg_user, "rater") ? "rater"
                 : strstr(cfg->pg_user, "api") ? "api"
                                               : "billing");
    else if (strstr(PQerrorMessage(conn), "database \"") &&
             strstr(PQerrorMessage(conn), "does not exist"))
        /* the server answered: the database named is not on it */
        log_hint("The server has no such database. Choose the one that holds your data with "
                 "GPUMETER_PG (a libpq connection string, e.g. \"dbname=gpumeter_demo\" after "
                 "make demo) or a config file's pg.conninfo (GPUMETER_CONFIG), or create it and "
                 "run \"gpumeter migrate\" (docs/configuration.md).");
    else
        log_hint("Start the local services with \"make services-up\", or point GPUMETER_PG at "
                 "your server (docs/configuration.md).");
    PQfinish(conn);
    return NULL;
}

PGconn *db_open(struct config *cfg, int *exit_code)
{
    if (config_load(cfg)) {
        *exit_code = 2;
        return NULL;
    }
    PGconn *conn = db_connect(cfg);
    *exit_code = conn ? 0 : 1;
    return conn;
}

void db_warn_if_async_standby(PGconn *conn, const char *what)
{
    PGresult *res = PQexec(conn, "SELECT EXISTS (SELECT 1 FROM pg_stat_replication) AND "
                                 "(current_setting('synchronous_standby_names') = '' OR "
                                 "current_setting('synchronous_commit') IN ('off', 'local'))");
    bool async = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
                 !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    if (!async) return;
    log_warn("PostgreSQL replicates to its standby asynchronously: %s committed now would be "
             "lost if the primary failed before the standby had them",
             what);
    log_hint("Set synchronous_standby_names on the primary for finance, or check the last "
             "issued numbers after a failover (docs/operations.md#database-failover).");
}

/* The last failure this thread saw, for callers that must tell a refused
 * row from a lost server (db_last_sqlstate). */
static __thread char last_state[6], last_message[256];

/* res if it succeeded; else NULL after printing "could not <what>". */
static PGresult *checked(PGconn *conn, const char *what, PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    snprintf(last_state, sizeof last_state, "%s", state ? state : "");
    snprintf(last_message, sizeof last_message, "%s", primary ? primary : PQerrorMessage(conn));
    log_error("could not %s", what);
    print_pg_error(PQerrorMessage(conn));
    /* undefined_table, undefined_function: a database gpumeter never
     * migrated (or an older one), or not the database meant: say which it is */
    if (state && (!strcmp(state, "42P01") || !strcmp(state, "42883")))
        log_hint("The database reached, dbname=%s on %s port %s, is not migrated or is not the "
                 "one meant. Run \"gpumeter migrate\" to create its schema, or choose another "
                 "database with GPUMETER_PG (a libpq connection string, e.g. "
                 "\"dbname=gpumeter_demo\" after make demo) or a config file's pg.conninfo "
                 "(GPUMETER_CONFIG; docs/configuration.md).",
                 PQdb(conn) ? PQdb(conn) : "?", PQhost(conn) ? PQhost(conn) : "?",
                 PQport(conn) ? PQport(conn) : "?");
    PQclear(res);
    return NULL;
}

const char *db_last_sqlstate(void)
{
    return last_state;
}

const char *db_last_error(void)
{
    return last_message;
}

void db_clear_error(void)
{
    last_state[0] = last_message[0] = '\0';
}

PGresult *db_query(PGconn *conn, const char *what, const char *sql, int n,
                   const char *const *params)
{
    return checked(conn, what, PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0));
}

PGresult *db_query_prepared(PGconn *conn, unsigned *prepared, int slot, const char *what,
                            const char *sql, int n, const char *const *params)
{
    char name[16];
    snprintf(name, sizeof name, "gm%d", slot);
    if (!(*prepared & (1u << slot))) {
        PGresult *p = checked(conn, what, PQprepare(conn, name, sql, n, NULL));
        if (!p) return NULL;
        PQclear(p);
        *prepared |= 1u << slot;
    }
    return checked(conn, what, PQexecPrepared(conn, name, n, params, NULL, NULL, 0));
}

/* Statements db_query_reused prepared, by SQL text address: per thread,
 * so no lock. A slot remembers the connection it was prepared on; on
 * another connection (or the same address reconnected, which the SQLSTATE
 * 26000 retry finds) it is prepared again. */
#define REUSED_MAX 48
static __thread struct reused {
    const PGconn *conn;
    const char *sql;
} reused[REUSED_MAX];
static __thread int nreused;

/* Prepares slot's statement; true also when this session already has it. */
static bool prepare_reused(PGconn *conn, int slot, const char *sql, int n)
{
    char name[16];
    snprintf(name, sizeof name, "gr%d", slot);
    PGresult *p = PQprepare(conn, name, sql, n, NULL);
    const char *state = PQresultErrorField(p, PG_DIAG_SQLSTATE);
    bool ok = PQresultStatus(p) == PGRES_COMMAND_OK || (state && !strcmp(state, "42P05"));
    PQclear(p);
    return ok;
}

PGresult *db_query_reused(PGconn *conn, const char *what, const char *sql, int n,
                          const char *const *params)
{
    int slot = -1;
    for (int i = 0; i < nreused && slot < 0; i++)
        if (reused[i].sql == sql) slot = i;
    if (slot < 0 && nreused < REUSED_MAX) {
        slot = nreused++;
        reused[slot] = (struct reused){NULL, sql};
    }
    if (slot < 0) return db_query(conn, what, sql, n, params);
    if (reused[slot].conn != conn) {
        if (!prepare_reused(conn, slot, sql, n)) return db_query(conn, what, sql, n, params);
        reused[slot].conn = conn;
    }
    char name[16];
    snprintf(name, sizeof name, "gr%d", slot);
    PGresult *res = PQexecPrepared(conn, name, n, params, NULL, NULL, 0);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && !strcmp(state, "26000")) { /* a new session: prepare it again */
        PQclear(res);
        reused[slot].conn = NULL;
        if (!prepare_reused(conn, slot, sql, n)) return db_query(conn, what, sql, n, params);
        reused[slot].conn = conn;
        res = PQexecPrepared(conn, name, n, params, NULL, NULL, 0);
    }
    return checked(conn, what, res);
}

bool db_exec(PGconn *conn, const char *what, const char *sql, int n, const char *const *params)
{
    PGresult *res = db_query(conn, what, sql, n, params);
    PQclear(res);
    return res != NULL;
}

bool db_begin(PGconn *conn)
{
    return db_exec(conn, "begin a transaction", "BEGIN", 0, NULL);
}

bool db_commit(PGconn *conn)
{
    return db_exec(conn, "commit the transaction", "COMMIT", 0, NULL);
}

void db_rollback(PGconn *conn)
{
    PQclear(PQexec(conn, "ROLLBACK"));
}

int db_rows_of(const PGresult *res, int *at, const char *key, int *count)
{
    while (*at < PQntuples(res) && strcmp(PQgetvalue(res, *at, 0), key) < 0)
        (*at)++;
    int first = *at;
    while (*at < PQntuples(res) && !strcmp(PQgetvalue(res, *at, 0), key))
        (*at)++;
    *count = *at - first;
    return first;
}

bool db_get_int64(const PGresult *res, int row, int col, int64_t *out)
{
    if (PQgetisnull(res, row, col)) return false;
    const char *s = PQgetvalue(res, row, col);
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) return false;
    *out = v;
    return true;
}

void db_columns_open(struct db_columns *c, int n)
{
    c->n = n;
    for (int k = 0; k < n; k++) {
        c->v[k] = (struct strbuf)STRBUF_INIT;
        db_array_open(&c->v[k]);
    }
}

void db_columns_close(struct db_columns *c, const char **params, int first)
{
    for (int k = 0; k < c->n; k++) {
        db_array_close(&c->v[k]);
        params[first + k] = sb_str(&c->v[k]);
    }
}

void db_columns_free(struct db_columns *c)
{
    for (int k = 0; k < c->n; k++)
        sb_free(&c->v[k]);
}

void db_array_open(struct strbuf *sb)
{
    sb_reset(sb);
    sb_putc(sb, '{');
}

void db_array_add(struct strbuf *sb, const char *elem)
{
    if (sb->len > 1) sb_putc(sb, ',');
    if (!elem) {
        sb_puts(sb, "NULL");
        return;
    }
    sb_putc(sb, '"');
    for (const char *p = elem; *p; p++) {
        if (*p == '"' || *p == '\\') sb_putc(sb, '\\');
        sb_putc(sb, *p);
    }
    sb_putc(sb, '"');
}

void db_array_add_int(struct strbuf *sb, int64_t v)
{
    if (sb->len > 1) sb_putc(sb, ',');
    sb_printf(sb, "%lld", (long long)v);
}

void db_array_close(struct strbuf *sb)
{
    sb_putc(sb, '}');
}
