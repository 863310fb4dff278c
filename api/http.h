/* http: one API request as the handlers see it, and the helpers they and
 * the server share (http.c; serve.c owns the server, limits.h its limits).
 *
 * A handler reads validated parameters, the caller and a database
 * connection of its own thread, and fills the response: a status and a body
 * (JSON by default, CSV or PDF on request). Every error is a JSON body
 * {"error": {"code": ..., "message": ...}} with its HTTP status.
 * Thread-safety: a request belongs to the one thread answering it; these
 * functions touch only the request given (and its thread's connection). */
#ifndef GPUMETER_HTTP_H
#define GPUMETER_HTTP_H

#include "api/cache.h"
#include "api/keys.h"
#include "api/statement_inputs.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

#define HTTP_MAX_PARAMS 16

struct request {
    const char *path_arg; /* {number} of /v1/invoices/{number}, else NULL */
    const char *names[HTTP_MAX_PARAMS], *values[HTTP_MAX_PARAMS];
    int nparams;
    const char *nul_param; /* the first parameter whose name or value holds a NUL byte */
    struct caller who;
    PGconn *conn;
    unsigned *prepared; /* statements prepared on conn (db_query_prepared), the thread's */
    const struct config *cfg;
    struct cache *cache; /* usage responses by usage version (cache.h) */
    struct statement_inputs *statements; /* statements' inputs by version (statement_inputs.h) */
    const struct strbuf *upload; /* the body of a POST route, else NULL */
    /* a console session's CSRF token (session.h), when the request came
     * through one: GET /v1/me and sign-in hand it to the console */
    char csrf[72];
    /* the response */
    unsigned status;
    const char *content_type;
    struct strbuf body;
    const unsigned char *fixed; /* a body that outlives the request (console files) */
    size_t fixed_len;
    const char *cache_control, *etag; /* console files */
    bool console_page;                /* index.html: its security policy */
    char set_cookie[192];             /* a Set-Cookie header, when signing in or out */
};

struct MHD_Connection;

/* db_query_prepared on the request's connection and its thread's prepared
 * statements (r->conn and r->prepared set). */
PGresult *http_query(struct request *r, int slot, const char *what, const char *sql, int n,
                     const char *const *params);

/* The value of parameter name, or NULL. */
const char *http_param(const struct request *r, const char *name);
/* Sets an error response; returns false for `return http_error(...)`. */
bool http_error(struct request *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The customer a request is about: the caller's own, or for finance keys
 * the `customer` parameter. False with 400/403 set when not allowed. */
bool http_customer(struct request *r, const char **customer);

/* Reads the query parameters of conn into r, with their lengths: a name
 * or value holding a NUL byte is noted in r->nul_param, never cut short. */
void http_read_params(struct request *r, struct MHD_Connection *conn);
/* True when every parameter read is in allowed (names separated by one
 * space), none repeated, none holding a NUL and at most HTTP_MAX_PARAMS;
 * else false with a 400 naming the first that is not. */
bool http_params_known(struct request *r, const char *allowed);

#endif
