/* deadline: a whole HTTP request within a time, however slowly it trickles.
 *
 * libmicrohttpd's own timeout is an idle timeout: every byte resets it, so
 * a client sending a header line every few seconds holds a connection for
 * ever (slowloris). A registry of open connections fixes that for both
 * HTTP servers gpumeter runs (`serve`, and `collect tokens --listen`):
 * deadline_notify, given to MHD_OPTION_NOTIFY_CONNECTION with the
 * registry as its closure, records each connection's accept time;
 * deadline_busy marks a connection answering a complete request (not
 * timed) and, when the answer is done, starts its next request's clock;
 * deadline_sweep shuts down (never closes: libmicrohttpd does, and
 * notifies first, so the descriptor cannot be reused meanwhile) every
 * connection that has not delivered a whole request within limit_ms of its
 * accept or of its previous answer. libmicrohttpd then sees it end.
 *
 * deadlines_cap_per_peer caps the connections one address holds open at
 * once, trusted proxies excepted: libmicrohttpd's own per-IP limit counts
 * a proxy like any client, so behind the TLS proxy one client holding that
 * many connections through it (or the proxy's own idle upstream pool)
 * refused every other user's. A connection over the cap is shut down as it
 * opens (the client sees it closed at once, as before).
 *
 * deadlines_cap_total holds the open connections to a number by making
 * room rather than refusing: a connection opening past it cuts the one
 * waiting longest for a request that no one has vouched for
 * (deadline_vouch: its request's credential passed), so clients trickling
 * headers without a credential, however often they reconnect, cannot keep
 * a credentialed client out (issue 31: they refused every trainer's report
 * by reopening each connection the deadline cut). The daemon's own limit
 * must leave room above it for the connection that makes room.
 *
 * Thread-safe: the registry is under its own mutex, so the API's pool
 * threads and its sweeper thread share one; the token endpoint calls all
 * three from its one thread. */
#ifndef GPUMETER_DEADLINE_H
#define GPUMETER_DEADLINE_H

#include "core/netaddr.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct deadline_conn;

struct deadlines {
    pthread_mutex_t lock;
    struct deadline_conn *open;
    unsigned per_peer; /* 0: no cap */
    unsigned total;    /* 0: no cap (the daemon's limit refuses instead) */
    long sweeps;       /* deadline_sweep calls so far */
    const struct netaddr_prefix *exempt;
    size_t n_exempt;
};

void deadlines_init(struct deadlines *d);
/* At most cap connections open at once from one address (0: no cap),
 * except from the n addresses or prefixes of exempt (which must outlive the
 * registry). Before the daemon starts. */
void deadlines_cap_per_peer(struct deadlines *d, unsigned cap, const struct netaddr_prefix *exempt,
                            size_t n);
/* After the daemon is stopped (every connection notified closed). */
void deadlines_destroy(struct deadlines *d);
/* MHD_NotifyConnectionCallback; cls is the struct deadlines. */
void deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode what);
/* At most total connections open at once, room made as above (0: none).
 * Before the daemon starts. */
void deadlines_cap_total(struct deadlines *d, unsigned total);
/* The connection's request passed authentication: it is not cut to make
 * room until that request is answered. */
void deadline_vouch(struct deadlines *d, struct MHD_Connection *conn);
/* A complete request is being answered (true) or was answered (false). */
void deadline_busy(struct deadlines *d, struct MHD_Connection *conn, bool busy);
/* Cuts the connections past limit_ms; returns how many it cut now. */
long deadline_sweep(struct deadlines *d, int64_t limit_ms);

#endif
