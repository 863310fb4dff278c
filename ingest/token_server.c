/* token_server: POST /v1/tokens on libmicrohttpd (see token_server.h). */
#include "ingest/token_server.h"

#include "core/listen.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "ingest/collector.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY (8u << 20)

struct token_server {
    struct MHD_Daemon *d;
    struct collector *c;
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
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    struct token_server *s = cls;
    bool post = !strcmp(method, "POST");
    if (!strcmp(url, "/healthz") && !strcmp(method, "GET"))
        return reply(conn, 200, "{\"ok\":true}");
    if (strcmp(url, "/v1/tokens"))
        return reply(conn, 404, "{\"error\":\"not_found\",\"message\":\"POST /v1/tokens\"}");
    if (!post)
        return reply(conn, 405, "{\"error\":\"method_not_allowed\",\"message\":\"use POST\"}");
    struct upload *u = *con_cls;
    if (!u) {
        if (!(u = calloc(1, sizeof *u))) return MHD_NO;
        *con_cls = u;
        return MHD_YES;
    }
    if (*data_size) {
        if (u->body.len + *data_size > MAX_BODY)
            u->too_large = true;
        else
            sb_append(&u->body, data, *data_size);
        *data_size = 0;
        return MHD_YES;
    }
    if (u->too_large)
        return reply(conn, 413, "{\"error\":\"too_large\",\"message\":\"body over 8 MiB\"}");
    long accepted = 0, bad = 0;
    if (!collector_ingest(s->c, u->body.buf ? u->body.buf : "", u->body.len, "POST /v1/tokens",
                          &accepted, &bad))
        return reply(conn, 503,
                     "{\"error\":\"not_collected\",\"message\":\"the reports could not "
                     "be committed; nothing was counted, retry\"}");
    char json[128];
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

struct token_server *token_server_start(struct collector *c, const char *listen)
{
    struct sockaddr_in addr;
    if (!listen_parse(listen, "--listen", &addr)) return NULL;
    struct token_server *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->c = c;
    s->d = MHD_start_daemon(MHD_USE_ERROR_LOG, ntohs(addr.sin_port), NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                            MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!s->d) {
        log_error("cannot listen on %s", listen);
        free(s);
        return NULL;
    }
    log_info("accepting token reports on http://%s/v1/tokens", listen);
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
