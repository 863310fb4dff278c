/* limits: the limits that keep one client from taking the server (see
 * limits.h). */
#include "api/limits.h"

#include "core/timeutil.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <strings.h>

void limits_init(struct limits *l, const struct config *cfg)
{
    l->cfg = cfg;
    atomic_init(&l->timed_out, 0);
    deadlines_init(&l->deadlines);
    /* api.max_connections_per_ip, but not for a trusted proxy, which holds
     * every client's connections (core/deadline.h) */
    deadlines_cap_per_peer(&l->deadlines, (unsigned)cfg->api_max_connections_per_ip,
                           cfg->api_trusted_proxies, (size_t)cfg->n_trusted_proxies);
    l->rate = buckets_new((double)cfg->api_rate, (double)cfg->api_rate);
    l->auth = auth_new(cfg->api_auth_failures_per_min);
}

void limits_free(struct limits *l)
{
    auth_free(l->auth);
    buckets_free(l->rate);
    deadlines_destroy(&l->deadlines);
}

void limits_sweep(struct limits *l)
{
    atomic_fetch_add(&l->timed_out,
                     deadline_sweep(&l->deadlines, l->cfg->api_request_timeout_s * 1000));
}

bool limits_within_rate(struct limits *l, const char *key)
{
    return bucket_take(l->rate, key, time_monotonic_ms(), true);
}

/* The address of the connection's peer. */
static void peer_address(struct MHD_Connection *conn, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, len, "?");
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                  (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                  (socklen_t)len);
}

/* Joins every X-Forwarded-For header, in order, with commas. */
static enum MHD_Result join_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct strbuf *xff = cls;
    if (value && !strcasecmp(key, "X-Forwarded-For")) {
        if (xff->len) sb_putc(xff, ',');
        sb_puts(xff, value);
    }
    return MHD_YES;
}

void limits_client_address(const struct limits *l, struct MHD_Connection *conn, char *out)
{
    char peer[NETADDR_TEXT];
    peer_address(conn, peer, sizeof peer);
    if (!l->cfg->n_trusted_proxies) {
        snprintf(out, NETADDR_TEXT, "%s", peer);
        return;
    }
    struct strbuf xff = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, join_forwarded, &xff);
    netaddr_forwarded_client(l->cfg->api_trusted_proxies, (size_t)l->cfg->n_trusted_proxies, peer,
                             xff.len ? sb_str(&xff) : NULL, out);
    sb_free(&xff);
}

void limits_metrics(struct limits *l, struct strbuf *sb)
{
    sb_printf(sb,
              "# HELP gpumeter_api_requests_timed_out_total Connections cut for not delivering a "
              "whole request within api.request_timeout_s.\n"
              "# TYPE gpumeter_api_requests_timed_out_total counter\n"
              "gpumeter_api_requests_timed_out_total %ld\n",
              atomic_load(&l->timed_out));
    struct auth_counts a;
    auth_counts(l->auth, &a);
    sb_printf(sb,
              "# HELP gpumeter_api_auth_failures_total Requests presenting a credential that "
              "is not valid (answered 401 or 429).\n"
              "# TYPE gpumeter_api_auth_failures_total counter\n"
              "gpumeter_api_auth_failures_total %ld\n"
              "# HELP gpumeter_api_auth_limited_total Of those, refused with 429: their key id "
              "or client address was over api.auth_failures_per_min.\n"
              "# TYPE gpumeter_api_auth_limited_total counter\n"
              "gpumeter_api_auth_limited_total %ld\n"
              "# HELP gpumeter_api_auth_served_while_limited_total Requests with a valid key "
              "answered although its id or the client's address was over its limit.\n"
              "# TYPE gpumeter_api_auth_served_while_limited_total counter\n"
              "gpumeter_api_auth_served_while_limited_total %ld\n"
              "# HELP gpumeter_api_keyring_loads_total Reads of every live key's id and digest "
              "(at most one a second, only while some id or address is limited).\n"
              "# TYPE gpumeter_api_keyring_loads_total counter\n"
              "gpumeter_api_keyring_loads_total %ld\n",
              a.failures, a.limited, a.served_while_limited, a.keyring_loads);
}
