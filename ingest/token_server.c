/* token_server: POST /v1/tokens on libmicrohttpd (see token_server.h). */
#include "ingest/token_server.h"

#include "core/listen.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "ingest/collector.h"
#include "core/alloc.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_MEMORY (64u << 10) /* per connection: request line and headers */
#define IDLE_TIMEOUT  30u         /* seconds without a byte before a connection is closed */

struct token_server {
    struct MHD_Daemon *d;
    struct collector *c;
    size_t max_body;
    const char *bearer; /* "" for none */
};

struct upload {
    struct strbuf body;
    bool too_large;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *json)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* "Bearer <secret>", compared in constant time. */
static bool authorized(const struct token_server *s, struct MHD_Connection *conn)
{
    if (!s->bearer[0]) return true;
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    size_t n = strlen(s->bearer);
    return h && !strncmp(h, "Bearer ", 7) && strlen(h + 7) == n &&
           CRYPTO_memcmp(h + 7, s->bearer, n) == 0;
}

static bool declared_too_large(const struct token_server *s, struct MHD_Connection *conn)
{
    const char *len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    return len && strtoull(len, NULL, 10) > s->max_body;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    struct token_server *s = cls;
    struct upload *u = *con_cls;
    if (!u) { /* headers are in: decide before reading any body */
        if (!strcmp(url, "/healthz") && !strcmp(method, "GET"))
            return reply(conn, 200, "{\"ok\":true}");
        if (strcmp(url, "/v1/tokens"))
            return reply(conn, 404, "{\"error\":\"not_found\",\"message\":\"POST /v1/tokens\"}");
        if (strcmp(method, "POST"))
            return reply(conn, 405, "{\"error\":\"method_not_allowed\",\"message\":\"use POST\"}");
        if (!authorized(s, conn))
            return reply(conn, 401,
                         "{\"error\":\"unauthorized\",\"message\":\"send Authorization: Bearer "
                         "<tokens.bearer>\"}");
        if (declared_too_large(s, conn))
            return reply(conn, 413,
                         "{\"error\":\"too_large\",\"message\":\"body over the "
                         "limit (tokens.max_body_kb)\"}");
        if (!(u = xcalloc(1, sizeof *u))) return MHD_NO;
        *con_cls = u;
        return MHD_YES;
    }
    if (*data_size) {
        if (u->body.len + *data_size > s->max_body)
            u->too_large = true; /* keep reading, keep nothing: then answer 413 */
        else if (!u->too_large)
            sb_append(&u->body, data, *data_size);
        *data_size = 0;
        return MHD_YES;
    }
    if (u->too_large)
        return reply(conn, 413,
                     "{\"error\":\"too_large\",\"message\":\"body over the limit "
                     "(tokens.max_body_kb)\"}");
    long accepted = 0, bad = 0;
    if (!collector_ingest(s->c, u->body.buf ? u->body.buf : "", u->body.len, "POST /v1/tokens",
                          &accepted, &bad))
        return reply(conn, 503,
                     "{\"error\":\"not_collected\",\"message\":\"the reports could not "
                     "be committed; nothing was counted, retry\"}");
    char json[160];
    if (!accepted) {
        snprintf(json, sizeof json,
                 "{\"error\":\"no_usable_report\",\"message\":\"no line of the body is a "
                 "usable report\",\"accepted\":0,\"rejected\":%ld}",
                 bad);
        return reply(conn, 400, json);
    }
    snprintf(json, sizeof json, "{\"accepted\":%ld,\"rejected\":%ld}", accepted, bad);
    return reply(conn, 200, json);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    struct upload *u = *con_cls;
    if (!u) return;
    sb_free(&u->body);
    free(u);
    *con_cls = NULL;
}

struct token_server *token_server_start(struct collector *c, const struct config *cfg,
                                        const char *listen)
{
    struct sockaddr_in addr;
    if (!listen_parse(listen, "--listen", &addr)) return NULL;
    struct token_server *s = xcalloc(1, sizeof *s);
    s->c = c;
    s->max_body = (size_t)cfg->tokens_max_body_kb << 10;
    s->bearer = cfg->tokens_bearer;
    s->d = MHD_start_daemon(
        MHD_USE_ERROR_LOG, ntohs(addr.sin_port), NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->tokens_max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HEADER_MEMORY, MHD_OPTION_END);
    if (!s->d) {
        log_error("cannot listen on %s", listen);
        free(s);
        return NULL;
    }
    char shown[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr.sin_addr, shown, sizeof shown);
    log_info("accepting token reports on http://%s:%u/v1/tokens (%s, at most %ld connections of "
             "%ld KiB)",
             shown, ntohs(addr.sin_port), s->bearer[0] ? "bearer secret required" : "no secret",
             cfg->tokens_max_connections, cfg->tokens_max_body_kb);
    return s;
}

void token_server_poll(struct token_server *s, int wait_ms)
{
    MHD_run_wait(s->d, wait_ms);
}

void token_server_stop(struct token_server *s)
{
    MHD_stop_daemon(s->d);
    free(s);
}
