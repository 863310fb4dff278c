/* http: the helpers every API resource and the server share (see http.h):
 * reading a request's parameters, its database queries, its customer and
 * its error replies. handlers.c, office.c and serve.c call these; this file
 * calls none of them, so no two of them call each other. */
#include "api/http.h"

#include "core/cli.h"
#include "core/db.h"
#include "core/invariant.h"
#include "core/utf8.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

PGresult *http_query(struct request *r, int slot, const char *what, const char *sql, int n,
                     const char *const *params)
{
    assert(r->conn && r->prepared);
    return db_query_prepared(r->conn, r->prepared, slot, what, sql, n, params);
}

const char *http_param(const struct request *r, const char *name)
{
    for (int i = 0; i < r->nparams && i < HTTP_MAX_PARAMS; i++)
        if (!strcmp(r->names[i], name)) return r->values[i];
    return NULL;
}

bool http_error(struct request *r, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->status = status;
    r->content_type = "application/json";
    sb_reset(&r->body);
    sb_printf(&r->body, "{\"error\":{\"code\":\"%s\",\"message\":", code);
    sb_put_json_string(&r->body, msg);
    sb_puts(&r->body, "}}\n");
    return false;
}

bool http_customer(struct request *r, const char **customer)
{
    const char *asked = http_param(r, "customer");
    if (r->who.sales)
        return http_error(r, 403, "forbidden",
                          "a sales key reads plans, customers and simulations only");
    if (r->who.operator)
        return http_error(r, 403, "forbidden",
                          "an operator key reads the fleet's reports, no customer's data");
    if (!r->who.finance) {
        if (asked && strcmp(asked, r->who.customer))
            return http_error(r, 403, "forbidden", "this key reads only customer %s",
                              r->who.customer);
        *customer = r->who.customer;
        return true;
    }
    if (!asked) return http_error(r, 400, "bad_request", "a finance key must name the customer");
    if (!cli_code_valid(asked))
        return http_error(r, 400, "bad_request", "customer must be a customer code");
    *customer = asked;
    return true;
}

/* With their lengths: a %00 inside a name or value would otherwise cut it
 * short unseen (period=2026-01%00 read as 2026-01). */
static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct request *r = cls;
    if (!r->nul_param &&
        (strlen(key) != key_size || (value && strlen(value) != value_size)))
        r->nul_param = key;
    if (r->nparams < HTTP_MAX_PARAMS) {
        r->names[r->nparams] = key;
        r->values[r->nparams] = value ? value : "";
    }
    r->nparams++;
    return MHD_YES;
}

void http_read_params(struct request *r, struct MHD_Connection *conn)
{
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_param, r);
}

bool http_params_known(struct request *r, const char *allowed)
{
    if (r->nparams > HTTP_MAX_PARAMS)
        return http_error(r, 400, "bad_request", "too many parameters");
    if (r->nul_param)
        return http_error(r, 400, "bad_request", "parameter \"%.64s\" contains a NUL byte",
                          r->nul_param);
    for (int i = 0; i < r->nparams; i++) {
        size_t n = strlen(r->names[i]);
        bool known = false;
        for (const char *p = allowed; n && *p && !known; p += strcspn(p, " "), p += *p == ' ')
            known = strcspn(p, " ") == n && !strncmp(p, r->names[i], n);
        for (int j = 0; known && j < i; j++)
            known = strcmp(r->names[j], r->names[i]) != 0;
        if (!known)
            return http_error(r, 400, "bad_request", "unknown or repeated parameter \"%.64s\"",
                              r->names[i]);
        /* every value goes to PostgreSQL as text, which refuses bytes that
         * are not UTF-8: a 400 naming the parameter, not a failed query */
        if (!utf8_valid(r->values[i], strlen(r->values[i])))
            return http_error(r, 400, "bad_request", "parameter \"%.64s\" is not valid UTF-8",
                              r->names[i]);
    }
    return true;
}
