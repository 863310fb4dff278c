/* db: PostgreSQL connection and query helpers over libpq.
 *
 * Every failure is printed here in the error/DETAIL/HINT shape, naming what
 * was being done, so callers only decide whether to stop. Values always
 * travel as libpq parameters, never spliced into SQL text; batches travel as
 * array literals built with db_array_*. A connection is used by one thread
 * at a time; the helpers keep no shared state (the last error is per
 * thread). */
#ifndef GPUMETER_DB_H
#define GPUMETER_DB_H

#include "config.h"
#include "strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Connects with cfg->pg_conninfo, keyword form or URI, with the user of this
 * process's role in place of its own and every other keyword kept: several
 * hosts with target_session_attrs=read-write reach whichever is the primary
 * (docs/operations.md, "Database failover"), and so does PQreset on the
 * connection later. NULL after printing where it tried. */
PGconn *db_connect(const struct config *cfg);
/* config_load then db_connect, for commands; on NULL, *exit_code is the
 * command's exit code (2 bad configuration, 1 unreachable). */
PGconn *db_open(struct config *cfg, int *exit_code);

/* Before writing what must survive a failover (issued documents): warns
 * when the server streams to a standby asynchronously, since the last
 * commits are then lost if it dies before the standby has them
 * (docs/operations.md, "Database failover"). Silent without a standby. */
void db_warn_if_async_standby(PGconn *conn, const char *what);

/* Runs sql with n text parameters; returns the result (tuples or command) or
 * NULL after printing "could not <what>". */
PGresult *db_query(PGconn *conn, const char *what, const char *sql, int n,
                   const char *const *params);
/* db_query through a statement prepared once per connection, for queries
 * run many times (the API): slot 0..31 names it ("gm<slot>", one SQL text
 * per slot); *prepared holds the connection's prepared slots and must be
 * zeroed when the connection is new or reset. */
PGresult *db_query_prepared(PGconn *conn, unsigned *prepared, int slot, const char *what,
                            const char *sql, int n, const char *const *params);

/* db_query through a statement prepared on this connection the first time
 * this thread runs sql (matched by address: pass static strings), so that
 * a long-lived connection (the API's) plans it once, or lets PostgreSQL
 * keep custom plans where a generic one would be worse. Up to 48 per
 * thread; beyond, plain db_query. */
PGresult *db_query_reused(PGconn *conn, const char *what, const char *sql, int n,
                          const char *const *params);

/* db_query for statements whose result is not needed. */
bool db_exec(PGconn *conn, const char *what, const char *sql, int n, const char *const *params);

/* The SQLSTATE and primary message of the last statement that failed in
 * db_* on this thread ("" when it had none, as when the connection was
 * lost). */
const char *db_last_sqlstate(void);
const char *db_last_error(void);
/* Forgets this thread's last failure ("" again). */
void db_clear_error(void);

bool db_begin(PGconn *conn);
bool db_commit(PGconn *conn);
void db_rollback(PGconn *conn);

/* A merge over a result sorted by column 0 (strcmp order, COLLATE "C"):
 * advances *at past the rows before key and over key's, returning the
 * first of key's rows and their *count (0: none). */
int db_rows_of(const PGresult *res, int *at, const char *key, int *count);

/* Reads an int64 cell; false if NULL or not a whole number in range. */
bool db_get_int64(const PGresult *res, int row, int col, int64_t *out);

/* PostgreSQL array literals: db_array_open, then db_array_add per element,
 * then db_array_close; elements are quoted and escaped, NULL stays NULL. */
void db_array_open(struct strbuf *sb);
void db_array_add(struct strbuf *sb, const char *elem);
void db_array_add_int(struct strbuf *sb, int64_t v);
void db_array_close(struct strbuf *sb);

/* Rows sent as columns: n array literals (v[0..n)) filled with db_array_add
 * per row, then closed into params[first..first+n) for unnest($k::type[]). */
#define DB_COLUMNS_MAX 16
struct db_columns {
    struct strbuf v[DB_COLUMNS_MAX];
    int n;
};
void db_columns_open(struct db_columns *c, int n);
void db_columns_close(struct db_columns *c, const char **params, int first);
void db_columns_free(struct db_columns *c);

#endif
