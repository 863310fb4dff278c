/* deadline: whole-request deadlines for libmicrohttpd servers (see deadline.h). */
#include "core/deadline.h"

#include "core/alloc.h"
#include "core/timeutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A connection between its accept and its close. */
struct deadline_conn {
    int fd;
    unsigned char peer[16]; /* netaddr.h's form; all zero when unknown */
    int64_t since_ms;       /* accepted, or the previous answer sent */
    bool busy;        /* a complete request is being answered */
    bool vouched;     /* its request's credential passed (deadline_vouch) */
    long born;        /* the sweep count when it was accepted */
    bool cut;
    struct deadline_conn *prev, *next;
};

void deadlines_init(struct deadlines *d)
{
    memset(d, 0, sizeof *d);
    pthread_mutex_init(&d->lock, NULL);
}

void deadlines_cap_per_peer(struct deadlines *d, unsigned cap, const struct netaddr_prefix *exempt,
                            size_t n)
{
    d->per_peer = cap;
    d->exempt = exempt;
    d->n_exempt = n;
}

void deadlines_cap_total(struct deadlines *d, unsigned total)
{
    d->total = total;
}

static void cut(struct deadline_conn *c)
{
    shutdown(c->fd, SHUT_RDWR);
    c->cut = true;
}

/* With more than d->total open now that c is registered: cuts the one
 * waiting longest for a request no one vouched for, c itself only when no
 * other may be cut. A connection accepted since the last sweep but one is
 * spared: its server may not have read the request it already sent (the
 * token endpoint sweeps once a turn of its loop), and clients reconnecting
 * as fast as they are cut would otherwise cut a trainer's before its
 * credential was seen. Under the lock. */
static void make_room(struct deadlines *d, struct deadline_conn *c)
{
    unsigned live = 0;
    struct deadline_conn *oldest = NULL;
    for (struct deadline_conn *o = d->open; o; o = o->next) {
        if (o->cut) continue;
        live++;
        if (o != c && !o->vouched && !o->busy && o->fd >= 0 && d->sweeps - o->born >= 2 &&
            (!oldest || o->since_ms < oldest->since_ms))
            oldest = o;
    }
    if (live > d->total) cut(oldest ? oldest : c);
}

/* Whether c, just registered, is one more than its address may hold; under
 * the lock. */
static bool over_cap(const struct deadlines *d, const struct deadline_conn *c)
{
    static const unsigned char unknown[16];
    if (!d->per_peer || !memcmp(c->peer, unknown, sizeof unknown) ||
        netaddr_in(d->exempt, d->n_exempt, c->peer))
        return false;
    unsigned held = 0;
    for (const struct deadline_conn *o = d->open; o; o = o->next)
        held += !o->cut && !memcmp(o->peer, c->peer, sizeof c->peer);
    return held > d->per_peer;
}

void deadlines_destroy(struct deadlines *d)
{
    pthread_mutex_destroy(&d->lock);
}

void deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode what)
{
    struct deadlines *d = cls;
    if (what == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct deadline_conn *c = xcalloc(1, sizeof *c);
        c->fd = ci ? ci->connect_fd : -1;
        c->since_ms = time_monotonic_ms();
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ai && ai->client_addr) netaddr_from_sockaddr(ai->client_addr, c->peer);
        pthread_mutex_lock(&d->lock);
        c->born = d->sweeps;
        c->next = d->open;
        if (d->open) d->open->prev = c;
        d->open = c;
        if (c->fd >= 0 && over_cap(d, c)) /* libmicrohttpd sees it end and closes it */
            cut(c);
        else if (c->fd >= 0 && d->total)
            make_room(d, c);
        pthread_mutex_unlock(&d->lock);
        *socket_context = c;
    } else if (what == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct deadline_conn *c = *socket_context;
        pthread_mutex_lock(&d->lock);
        if (c->prev)
            c->prev->next = c->next;
        else
            d->open = c->next;
        if (c->next) c->next->prev = c->prev;
        pthread_mutex_unlock(&d->lock);
        free(c);
        *socket_context = NULL;
    }
}

static struct deadline_conn *registered(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void deadline_busy(struct deadlines *d, struct MHD_Connection *conn, bool busy)
{
    struct deadline_conn *c = registered(conn);
    if (!c) return;
    pthread_mutex_lock(&d->lock);
    c->busy = busy;
    if (!busy) {
        c->since_ms = time_monotonic_ms();
        c->vouched = false; /* its next request is judged afresh */
    }
    pthread_mutex_unlock(&d->lock);
}

void deadline_vouch(struct deadlines *d, struct MHD_Connection *conn)
{
    struct deadline_conn *c = registered(conn);
    if (!c) return;
    pthread_mutex_lock(&d->lock);
    c->vouched = true;
    pthread_mutex_unlock(&d->lock);
}

long deadline_sweep(struct deadlines *d, int64_t limit_ms)
{
    long n = 0;
    int64_t now = time_monotonic_ms();
    pthread_mutex_lock(&d->lock);
    d->sweeps++;
    for (struct deadline_conn *c = d->open; c; c = c->next)
        if (!c->busy && !c->cut && c->fd >= 0 && now - c->since_ms > limit_ms) {
            cut(c);
            n++;
        }
    pthread_mutex_unlock(&d->lock);
    return n;
}
