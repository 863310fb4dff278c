/* metrics_http: GET /metrics on libmicrohttpd (see metrics_http.h). */
#include "rating/metrics_http.h"

#include "core/listen.h"
#include "core/log.h"
#include "core/alloc.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metrics_http {
    struct MHD_Daemon *d;
    pthread_mutex_t lock;
    char *page;
    size_t len;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version, (void)data, (void)data_size, (void)con_cls;
    struct metrics_http *m = cls;
    struct MHD_Response *r;
    unsigned status = 200;
    if (strcmp(method, "GET")) {
        status = 405;
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else if (!strcmp(url, "/metrics")) {
        pthread_mutex_lock(&m->lock);
        r = MHD_create_response_from_buffer(m->len, m->page ? m->page : (void *)"",
                                            MHD_RESPMEM_MUST_COPY);
        pthread_mutex_unlock(&m->lock);
        MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    } else if (!strcmp(url, "/healthz")) {
        r = MHD_create_response_from_buffer(3, (void *)"ok\n", MHD_RESPMEM_PERSISTENT);
    } else {
        status = 404;
        r = MHD_create_response_from_buffer(10, (void *)"not found\n", MHD_RESPMEM_PERSISTENT);
    }
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

struct metrics_http *metrics_http_start(const char *listen)
{
    struct sockaddr_in addr;
    if (!listen_parse(listen, "--metrics", &addr)) return NULL;
    struct metrics_http *m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                            ntohs(addr.sin_port), NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!m->d) {
        log_error("cannot serve metrics on %s", listen);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
    }
    return m;
}

void metrics_http_publish(struct metrics_http *m, const char *text, size_t len)
{
    char *copy = xmalloc(len + 1);
    memcpy(copy, text, len);
    pthread_mutex_lock(&m->lock);
    char *old = m->page;
    m->page = copy;
    m->len = len;
    pthread_mutex_unlock(&m->lock);
    free(old);
}

void metrics_http_stop(struct metrics_http *m)
{
    if (!m) return;
    MHD_stop_daemon(m->d);
    pthread_mutex_destroy(&m->lock);
    free(m->page);
    free(m);
}
