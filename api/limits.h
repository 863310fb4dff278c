/* limits: what keeps one client from taking `gpumeter serve` (docs/api.md,
 * "Limits"): connections capped in all (libmicrohttpd) and per client
 * address (api.max_connections_per_ip, trusted proxies excepted); a request
 * whole within api.request_timeout_s of its connection or of the previous
 * answer, however slowly its bytes trickle (limits_sweep cuts the rest);
 * at most api.rate_per_s requests a second per key; failed authentications
 * limited per key id and per client address (auth.h), the address being
 * the forwarded one behind api.trusted_proxies. None of them refuses a
 * valid key for another client's failures.
 *
 * serve.c owns the server and the sweeper thread; this file owns the
 * limits' state and their metrics. Thread-safe: the registry, the buckets
 * and the failure counts each keep their own lock, the timed-out count is
 * atomic; limits_init and limits_free run before and after the threads. */
#ifndef GPUMETER_LIMITS_H
#define GPUMETER_LIMITS_H

#include "api/auth.h"
#include "api/bucket.h"
#include "core/config.h"
#include "core/deadline.h"
#include "core/netaddr.h"
#include "core/strbuf.h"

#include <stdatomic.h>
#include <stdbool.h>

struct MHD_Connection;

struct limits {
    const struct config *cfg;   /* api.* limits, outliving these */
    struct deadlines deadlines; /* open connections, per-address cap, request clocks */
    struct buckets *rate;       /* requests per key (api.rate_per_s) */
    struct auth *auth;          /* credentials and failed-authentication limits */
    atomic_long timed_out;      /* connections cut by limits_sweep */
};

/* Before the daemon starts: its MHD_OPTION_NOTIFY_CONNECTION is
 * deadline_notify with &l->deadlines. */
void limits_init(struct limits *l, const struct config *cfg);
/* After the daemon stopped. */
void limits_free(struct limits *l);

/* Cuts every connection that has not delivered a whole request within
 * api.request_timeout_s (the sweeper thread calls it). */
void limits_sweep(struct limits *l);

/* The client's address (NETADDR_TEXT bytes): the peer's, or behind a
 * trusted proxy the one it forwarded for (netaddr_forwarded_client). */
void limits_client_address(const struct limits *l, struct MHD_Connection *conn, char *out);

/* Takes one request of key's api.rate_per_s; false when it has none left. */
bool limits_within_rate(struct limits *l, const char *key);

/* The limits' counters in Prometheus text format (GET /metrics). */
void limits_metrics(struct limits *l, struct strbuf *sb);

#endif
