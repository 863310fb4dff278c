/* serve: `gpumeter serve`, the customer statements API on libmicrohttpd.
 *
 * A thread pool (one per core by default) answers requests; each thread
 * keeps its own PostgreSQL connection, with the usage queries prepared on
 * it once (planning was a third of a statement's time). Every request but /healthz and
 * /metrics needs `Authorization: Bearer <key>` (keys.h), checked against
 * the database each time, so a revoked key fails on its next request; the
 * same query reads the usage version that keeps cached usage responses
 * exact (cache.h).
 * Who may use each route is access.h's (403 before any handler runs).
 * Requests are GET only (405) but for the routes that name a method, without a body (413), with only the
 * parameters their route knows (400), at most api.rate_per_s per key
 * (429). Parameters reach SQL only as libpq parameters. The routes are in
 * one table, printed by --routes, which the OpenAPI document
 * (docs/openapi.yaml) is tested against.
 *
 * One client cannot take the server (docs/api.md, "Limits"; limits.h owns
 * them): connections are capped in all and per client address; a request
 * must arrive whole within api.request_timeout_s of its connection (or of
 * the previous response), however slowly its bytes trickle in, or the
 * sweeper thread here cuts it. Failed authentications are limited on what
 * failed, the key id and the client address, and a limited request is
 * refused only once its credential was found not valid (auth.h): another
 * client's failures never refuse a valid key. The helpers a request and
 * its handlers share (parameters, errors, queries) are http.h's.
 *
 * Threads: libmicrohttpd's pool runs on_request; the sweeper runs
 * sweep(). What they share (rate buckets, the connection registry, the
 * connection list, the keyring) is under a mutex; counters are atomic;
 * everything a request prices lives on its own heap (billing.h is
 * reentrant). */
#include "api/access.h"
#include "api/auth.h"
#include "api/cache.h"
#include "api/handlers.h"
#include "api/office.h"
#include "api/own_keys.h"
#include "api/proposals.h"
#include "api/http.h"
#include "api/limits.h"
#include "api/session.h"
#include "api/statement_inputs.h"
#include "console/console.h"
#include "commands.h"
#include "core/cli.h"
#include "core/credential.h"
#include "core/db.h"
#include "core/deadline.h"
#include "core/invariant.h"
#include "core/listen.h"
#include "core/log.h"
#include "core/netaddr.h"
#include "core/timeutil.h"
#include "core/alloc.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct route {
    const char *path; /* a trailing "{number}" matches one path segment */
    bool (*handle)(struct request *r);
    const char *params; /* allowed query parameters, space-separated */
    const char *method; /* NULL: GET (and HEAD) */
};

/* The routes with a body: a plan document to simulate, a document to
 * propose. */
#define UPLOAD_PATH  "/v1/simulate"
#define PROPOSE_PATH "/v1/proposals"
#define UPLOAD_MAX   (256 * 1024)

static const struct route routes[] = {
    {"/healthz", NULL, "", NULL},
    {"/metrics", NULL, "", NULL},
    {"/v1/me", handle_me, "", NULL},
    {"/v1/meters", handle_meters, "", NULL},
    {"/v1/usage", handle_usage, "customer from to group_by format page page_size", NULL},
    {"/v1/usage/current", handle_usage_current, "customer", NULL},
    {"/v1/statement", handle_statement, "customer period format", NULL},
    {"/v1/invoices", handle_invoices, "customer page page_size", NULL},
    {"/v1/invoices/{number}", handle_invoice, "format", NULL},
    {"/v1/focus", handle_focus, "period customer", NULL},
    {"/v1/operator/contracts", handle_operator_contracts, "from horizon", NULL},
    {"/v1/operator/yield", handle_operator_yield, "period by currency", NULL},
    {"/v1/operator/capacity", handle_operator_capacity, "from to by", NULL},
    /* the fleet's health (issue 36) */
    {"/v1/fleet/health", handle_fleet_health, "period top currency", NULL},
    /* the realised compute price index (issue 37) */
    {"/v1/index", handle_index, "from to series basis model revisions days", NULL},
    /* the investor's book (issue 37) */
    {"/v1/projects", handle_projects, "", NULL},
    {"/v1/project", handle_project, "project period", NULL},
    {"/v1/project/schedule", handle_project_schedule, "project at", NULL},
    {"/v1/project/backlog", handle_project_backlog, "project period", NULL},
    {"/v1/receivables", handle_receivables, "as_of customer", NULL},
    {"/v1/payments", handle_payments, "status customer", NULL},
    {"/v1/customers", handle_customers, "", NULL},
    {"/v1/finance/month", handle_finance_month, "period", NULL},
    {"/v1/finance/vouchers", handle_finance_vouchers, "period", NULL},
    {"/v1/finance/audit", handle_finance_audit, "period", NULL},
    {"/v1/plans", handle_plans, "", NULL},
    {"/v1/contracts", handle_contracts, "", NULL},
    {"/v1/notifications", handle_notifications, "status", NULL},
    {UPLOAD_PATH, handle_simulate, "customer period", "POST"},
    /* maker-checker (issue 39, proposals.h) */
    {PROPOSE_PATH, handle_proposals, "status", NULL},
    {PROPOSE_PATH, handle_propose, "kind", "POST"},
    {"/v1/proposals/decide", handle_proposal_decide, "id decision reason", "POST"},
    /* receivables (issue 34) */
    {"/v1/credit", handle_credit, "customer", NULL},
    /* a customer's availability under its SLA (issue 36) */
    {"/v1/availability", handle_availability, "customer period", NULL},
    /* a customer's own keys (issue 39, own_keys.h) */
    {"/v1/keys", handle_keys, "customer", NULL},
    {"/v1/keys", handle_key_create, "customer label", "POST"},
    {"/v1/keys/{number}", handle_key_revoke, "customer", "DELETE"},
    /* the console's sign-in and sign-out (session_route) */
    {"/v1/session", NULL, "", "POST"},
    {"/v1/session", NULL, "", "DELETE"},
};
#define NROUTES (sizeof routes / sizeof routes[0])


struct server {
    struct MHD_Daemon *d;
    struct config cfg;
    pthread_mutex_t lock; /* conns[] */
    struct limits limits; /* what keeps one client from taking the server (limits.h) */
    pthread_t sweeper;
    struct cache *cache;       /* usage responses (api.cache_mb) */
    struct statement_inputs *statements; /* statements' inputs (api.statement_cache_mb) */
    struct sessions *sessions; /* the console's sign-ins (session.h) */
    PGconn *conns[64];         /* every thread's connection, closed on stop */
    char server_started[64];   /* the caches' server (connection(), under lock) */
    int nconns;
    atomic_long requests[6]; /* by status class 1xx..5xx, [0] unused */
    atomic_long micros;      /* total handling time */
};

static _Thread_local PGconn *thread_conn;
static _Thread_local unsigned thread_prepared; /* statements prepared on thread_conn */

static const char *method_of(const struct route *rt)
{
    return rt->method ? rt->method : "GET";
}

/* Whether url is route rt's path, with its {number} argument. */
static bool path_matches(const struct route *rt, const char *url, const char **arg)
{
    const char *brace = strchr(rt->path, '{');
    size_t n = brace ? (size_t)(brace - rt->path) : 0;
    if (!brace) return !strcmp(url, rt->path);
    if (strncmp(url, rt->path, n) || !url[n] || strchr(url + n, '/')) return false;
    *arg = url + n;
    return true;
}

/* The route of a path and method (HEAD as GET), and its {number}
 * argument; else the first route of the path (then 405), or NULL. */
static const struct route *route_of(const char *url, const char *method, const char **arg)
{
    const struct route *first = NULL;
    const char *want = !strcmp(method, "HEAD") ? "GET" : method;
    for (size_t i = 0; i < NROUTES; i++) {
        const char *a = NULL;
        if (!path_matches(&routes[i], url, &a)) continue;
        if (!strcmp(method_of(&routes[i]), want)) {
            *arg = a;
            return &routes[i];
        }
        if (!first) first = &routes[i], *arg = a;
    }
    return first;
}

/* The methods a path allows, for a 405's Allow header. */
static void allowed_methods(const char *url, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < NROUTES; i++) {
        const char *a, *m = method_of(&routes[i]);
        if (!path_matches(&routes[i], url, &a)) continue;
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s%s", n ? ", " : "", m,
                              !strcmp(m, "GET") ? ", HEAD" : "");
    }
}

/* A request's state: one of these markers, or an upload's body. nul_path:
 * the raw path holds %00, which MHD decodes into a NUL that would cut the
 * path short unseen (/v1/invoices/INV-2026-000001%00x read as the invoice). */
static int started, refused, nul_path;
struct upload {
    struct strbuf body;
    bool too_large;
};

static bool is_upload(void *state)
{
    return state && state != &started && state != &refused && state != &nul_path;
}

/* MHD's URI log callback: the raw URI, before decoding; its answer is the
 * request's first state. */
static void *raw_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls, (void)conn;
    size_t path = strcspn(uri, "?");
    for (size_t i = 0; i + 2 < path; i++)
        if (uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0') return &nul_path;
    return NULL;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
                         enum MHD_RequestTerminationCode why)
{
    (void)why;
    if (is_upload(*state)) {
        struct upload *up = *state;
        sb_free(&up->body);
        free(up);
        *state = NULL;
    }
    deadline_busy(&((struct server *)cls)->limits.deadlines, conn, false);
}

static atomic_bool sweeping = true;

/* Cuts every connection that has not delivered a whole request within
 * api.request_timeout_s; libmicrohttpd then sees it end and closes it
 * (core/deadline.h, shared with the token endpoint). */
static void *sweep(void *arg)
{
    struct server *s = arg;
    while (atomic_load(&sweeping)) {
        limits_sweep(&s->limits);
        usleep(100 * 1000);
    }
    return NULL;
}

/* A new session (a thread's first, or after a reset) may be on another
 * server than the one whose versions the caches hold: a promoted standby
 * that lacks the old primary's last commits and reuses their version
 * numbers for other data (docs/operations.md, "Database failover"). A
 * thread's first session counts too, since other threads may have filled
 * the caches from the old primary. The server is told by its postmaster's
 * start time: when it is not the one the caches were filled from, or
 * cannot be read, both caches are emptied. */
static void same_server_or_forget(struct server *s, PGconn *conn)
{
    PGresult *res = PQexec(conn, "SELECT pg_postmaster_start_time()::text");
    char seen[sizeof s->server_started] = "";
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        snprintf(seen, sizeof seen, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    pthread_mutex_lock(&s->lock);
    bool same = seen[0] && !strcmp(seen, s->server_started);
    if (!same) memcpy(s->server_started, seen, sizeof seen);
    pthread_mutex_unlock(&s->lock);
    if (!same) {
        cache_invalidate(s->cache);
        statement_inputs_invalidate(s->statements);
    }
}

static PGconn *connection(struct server *s)
{
    bool fresh = false;
    if (thread_conn && PQstatus(thread_conn) != CONNECTION_OK) {
        PQreset(thread_conn);
        thread_prepared = 0; /* a new session has none */
        fresh = true;
    }
    if (!thread_conn && (thread_conn = db_connect(&s->cfg))) {
        pthread_mutex_lock(&s->lock);
        if (s->nconns < 64) s->conns[s->nconns++] = thread_conn;
        pthread_mutex_unlock(&s->lock);
        fresh = true;
    }
    if (fresh && thread_conn && PQstatus(thread_conn) == CONNECTION_OK)
        same_server_or_forget(s, thread_conn);
    return thread_conn && PQstatus(thread_conn) == CONNECTION_OK ? thread_conn : NULL;
}

static void metrics(struct server *s, struct request *r)
{
    static const char *const classes[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
    r->content_type = "text/plain; version=0.0.4";
    sb_puts(&r->body, "# HELP gpumeter_api_requests_total API requests by status class.\n"
                      "# TYPE gpumeter_api_requests_total counter\n");
    for (int i = 1; i < 6; i++)
        sb_printf(&r->body, "gpumeter_api_requests_total{status=\"%s\"} %ld\n", classes[i],
                  atomic_load(&s->requests[i]));
    sb_printf(&r->body,
              "# HELP gpumeter_api_request_seconds_total Time spent answering requests.\n"
              "# TYPE gpumeter_api_request_seconds_total counter\n"
              "gpumeter_api_request_seconds_total %.6f\n",
              (double)atomic_load(&s->micros) / 1e6);
    long hits, misses;
    cache_counts(s->cache, &hits, &misses);
    sb_printf(&r->body,
              "# HELP gpumeter_api_cache_lookups_total Usage responses looked up in the cache.\n"
              "# TYPE gpumeter_api_cache_lookups_total counter\n"
              "gpumeter_api_cache_lookups_total{result=\"hit\"} %ld\n"
              "gpumeter_api_cache_lookups_total{result=\"miss\"} %ld\n"
              "# HELP gpumeter_api_cache_bytes Memory held by cached responses.\n"
              "# TYPE gpumeter_api_cache_bytes gauge\n"
              "gpumeter_api_cache_bytes %zu\n",
              hits, misses, cache_bytes(s->cache));
    size_t st_bytes, st_entries;
    statement_inputs_counts(s->statements, &st_bytes, &st_entries, &hits, &misses);
    sb_printf(&r->body,
              "# HELP gpumeter_api_statement_inputs_lookups_total Statements priced from kept "
              "inputs (hit) or from inputs read again (miss).\n"
              "# TYPE gpumeter_api_statement_inputs_lookups_total counter\n"
              "gpumeter_api_statement_inputs_lookups_total{result=\"hit\"} %ld\n"
              "gpumeter_api_statement_inputs_lookups_total{result=\"miss\"} %ld\n"
              "# HELP gpumeter_api_statement_inputs_bytes Memory held by statements' kept inputs.\n"
              "# TYPE gpumeter_api_statement_inputs_bytes gauge\n"
              "gpumeter_api_statement_inputs_bytes %zu\n"
              "# HELP gpumeter_api_statement_inputs Customer months whose inputs are kept.\n"
              "# TYPE gpumeter_api_statement_inputs gauge\n"
              "gpumeter_api_statement_inputs %zu\n",
              hits, misses, st_bytes, st_entries);
    limits_metrics(&s->limits, &r->body);
    long per_key, table_full;
    session_evictions(s->sessions, &per_key, &table_full);
    sb_printf(&r->body,
              "# HELP gpumeter_api_sessions Live console sessions.\n"
              "# TYPE gpumeter_api_sessions gauge\n"
              "gpumeter_api_sessions %zu\n"
              "# HELP gpumeter_api_sessions_evicted_total Console sessions ended by another "
              "sign-in: of the same key over api.sessions_per_key, or in a full table.\n"
              "# TYPE gpumeter_api_sessions_evicted_total counter\n"
              "gpumeter_api_sessions_evicted_total{reason=\"per_key\"} %ld\n"
              "gpumeter_api_sessions_evicted_total{reason=\"table_full\"} %ld\n",
              session_count(s->sessions, time_monotonic_ms()), per_key, table_full);
}

/* ---- the web console: its files and its sessions (docs/console.md) ---- */

/* Behind a TLS-terminating proxy (which must set X-Forwarded-Proto itself)
 * the session cookie is Secure. */
static bool behind_tls(struct MHD_Connection *conn)
{
    const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
    return proto && !strcasecmp(proto, "https");
}

static void clear_cookie(struct MHD_Connection *conn, struct request *r)
{
    snprintf(r->set_cookie, sizeof r->set_cookie,
             SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
             behind_tls(conn) ? "; Secure" : "");
}

/* Who the request is (auth.h): its bearer key, else, where sessions count
 * (every route but sign-in), the key of the console session in its cookie:
 * the same check either way, so a revoked key ends its sessions here. True
 * with r->who set, or false with 401, 429 or 503 set. */
static bool authenticated(struct server *s, struct MHD_Connection *conn, struct request *r,
                          bool sessions)
{
    char addr[NETADDR_TEXT];
    limits_client_address(&s->limits, conn, addr);
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *cookie =
        sessions ? MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, SESSION_COOKIE) : NULL;
    char session_key_buf[SESSION_KEY_MAX];
    const char *presented = credential_from_authorization(auth);
    bool via_session = false;
    if (!presented && cookie &&
        session_key(s->sessions, cookie, time_monotonic_ms(), session_key_buf) &&
        session_csrf(s->sessions, cookie, r->csrf))
        presented = session_key_buf, via_session = true;
    /* Only what the client presented is a guess: a stale cookie is none. */
    enum auth_result a = auth_check(s->limits.auth, r->conn, r->prepared, presented,
                                    http_param(r, "customer"), addr, auth && !via_session,
                                    &r->who);
    OPENSSL_cleanse(session_key_buf, sizeof session_key_buf);
    bool invalid = a == AUTH_INVALID || a == AUTH_LIMITED;
    if (invalid && via_session) session_end(s->sessions, cookie);
    if (invalid && cookie && !auth) clear_cookie(conn, r);
    if (a == AUTH_ERROR)
        return http_error(r, 503, "unavailable", "the database is not reachable");
    if (a == AUTH_LIMITED)
        return http_error(r, 429, "too_many_requests",
                          "more than %ld failed authentications a minute with this key id or "
                          "from this address",
                          s->cfg.api_auth_failures_per_min);
    if (a == AUTH_INVALID)
        return http_error(r, 401, "unauthorized",
                          "a valid API key is required (Authorization: Bearer)");
    if (!limits_within_rate(&s->limits, r->who.key_id))
        return http_error(r, 429, "too_many_requests", "more than %ld requests per second",
                          s->cfg.api_rate);
    return true;
}

_Static_assert(sizeof((struct request *)0)->csrf > SESSION_TOKEN_LEN, "a CSRF token fits");

/* Whether the request's Origin, when it sends one, is this server: the
 * scheme (https behind a TLS proxy) and the Host it was asked as. */
static bool same_origin(struct MHD_Connection *conn)
{
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    if (!origin) return true;
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    char own[320];
    snprintf(own, sizeof own, "%s://%s", behind_tls(conn) ? "https" : "http", host ? host : "");
    return host && !strcmp(origin, own);
}

/* A request that changes something through a console session (its cookie,
 * which the browser sends for any site's form or fetch) must carry the
 * session's CSRF token in X-CSRF-Token and no foreign Origin; a bearer key
 * is no ambient credential and needs neither (docs/console.md#writes).
 * False with 403 csrf_failed set. */
static bool csrf_passes(struct server *s, struct MHD_Connection *conn, const char *cookie,
                        struct request *r)
{
    const char *sent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
    if (!same_origin(conn))
        return http_error(r, 403, "csrf_failed",
                          "a console write must come from the console's own origin");
    if (!session_csrf_ok(s->sessions, cookie, sent))
        return http_error(r, 403, "csrf_failed",
                          "a console write needs its session's X-CSRF-Token header");
    return true;
}

/* An entity tag per file: FNV-1a of its bytes, computed once before the
 * request threads start (etags_init), read-only after. */
#define MAX_ASSETS 64
static char etags[MAX_ASSETS][24];

static void etags_init(void)
{
    for (int i = 0; i < console_asset_count && i < MAX_ASSETS; i++) {
        uint64_t h = 1469598103934665603ULL;
        for (size_t j = 0; j < console_assets[i].len; j++)
            h = (h ^ console_assets[i].data[j]) * 1099511628211ULL;
        snprintf(etags[i], sizeof etags[i], "\"%016llx\"", (unsigned long long)h);
    }
}

static const char *etag_of(const struct console_asset *a)
{
    long i = a - console_assets;
    return i >= 0 && i < MAX_ASSETS && etags[i][0] ? etags[i] : NULL;
}

/* GET / and /console/NAME: the embedded files, no key needed (they hold no
 * data; everything they show comes from the API under a key). */
static void console_file(struct MHD_Connection *conn, const char *method,
                         const struct console_asset *a, struct request *r)
{
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        http_error(r, 405, "method_not_allowed", "only GET is allowed here");
        return;
    }
    r->etag = etag_of(a);
    r->cache_control = "no-cache"; /* revalidated, so a new binary's files are used at once */
    r->console_page = !strcmp(a->name, "index.html");
    const char *match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    if (match && r->etag && !strcmp(match, r->etag)) {
        r->status = 304;
        r->content_type = a->type;
        return;
    }
    r->content_type = a->type;
    r->fixed = a->data;
    r->fixed_len = a->len;
}

/* POST /v1/session signs in: the key in `Authorization: Bearer` becomes a
 * session whose token only the HttpOnly cookie carries. DELETE signs out. */
static void session_route(struct server *s, struct MHD_Connection *conn, const char *method,
                          bool too_large, struct request *r)
{
    const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    if (!strcmp(method, "DELETE")) {
        /* a live session ends only at its own console's request */
        if (cookie && session_csrf(s->sessions, cookie, r->csrf) &&
            !csrf_passes(s, conn, cookie, r))
            return;
        if (cookie) session_end(s->sessions, cookie);
        clear_cookie(conn, r);
        sb_puts(&r->body, "{\"signed_in\":false}\n");
        return;
    }
    if (strcmp(method, "POST")) {
        http_error(r, 405, "method_not_allowed", "POST signs in, DELETE signs out");
        return;
    }
    if (too_large) {
        http_error(r, 413, "payload_too_large", "the key goes in the Authorization header");
        return;
    }
    http_read_params(r, conn);
    if (r->nparams) {
        http_error(r, 400, "bad_request", "signing in takes no parameters");
        return;
    }
    if (!(r->conn = connection(s))) {
        http_error(r, 503, "unavailable", "the database is not reachable");
        return;
    }
    if (!authenticated(s, conn, r, false)) return;
    /* without sessions, only a bearer key authenticates */
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *key = credential_from_authorization(auth);
    assert(key);
    char token[SESSION_TOKEN_LEN + 1];
    if (cookie) session_end(s->sessions, cookie); /* the one it replaces */
    if (!session_start(s->sessions, key, time_monotonic_ms(), token, r->csrf)) {
        http_error(r, 503, "unavailable", "the session could not be started");
    } else {
        snprintf(r->set_cookie, sizeof r->set_cookie,
                 SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", token,
                 s->cfg.api_session_max_s, behind_tls(conn) ? "; Secure" : "");
        OPENSSL_cleanse(token, sizeof token);
        handle_me(r);
    }
}

/* Fills r's response for a complete request. */
static void dispatch(struct server *s, struct MHD_Connection *conn, const char *url,
                     const char *method, bool too_large, struct request *r)
{
    if (!strcmp(url, "/v1/session")) {
        session_route(s, conn, method, too_large, r);
        return;
    }
    const struct console_asset *asset = console_find(url);
    if (asset) {
        console_file(conn, method, asset, r);
        return;
    }
    const struct route *rt = route_of(url, method, &r->path_arg);
    if (!rt) {
        http_error(r, 404, "not_found", "no such resource");
        return;
    }
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (rt->method ? strcmp(method, rt->method) : !get) {
        /* every method of the path, as the Allow header says (this route
         * is only its first: /v1/proposals is GET and POST) */
        char allow[64];
        allowed_methods(url, allow, sizeof allow);
        http_error(r, 405, "method_not_allowed", "%.16s is not allowed here; allowed: %s",
                   method, allow);
        return;
    }
    if (too_large) {
        if (rt->method)
            http_error(r, 413, "payload_too_large", "the body is at most %d bytes", UPLOAD_MAX);
        else
            http_error(r, 413, "payload_too_large", "requests carry no body");
        return;
    }
    http_read_params(r, conn);
    if (!http_params_known(r, rt->params)) return;
    if (!rt->handle && !strcmp(rt->path, "/metrics")) {
        metrics(s, r);
        return;
    }
    if (!(r->conn = connection(s))) {
        http_error(r, 503, "unavailable", "the database is not reachable");
        return;
    }
    if (!rt->handle) { /* /healthz */
        r->content_type = "text/plain";
        sb_puts(&r->body, "ok\n");
        return;
    }
    if (!authenticated(s, conn, r, true)) return;
    const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    bool via_session = r->csrf[0] != '\0';
    if (!get && via_session && !csrf_passes(s, conn, cookie, r)) return;
    char role[16];
    access_names(access_role(&r->who), role, sizeof role);
    if (!(access_route(method_of(rt), rt->path) & access_role(&r->who))) {
        http_error(r, 403, "forbidden", "%s keys may not use %s %s (docs/api.md#roles)", role,
                   method_of(rt), rt->path);
        return;
    }
    if (r->who.read_only && !get) {
        http_error(r, 403, "read_only_key", "this key is read-only: it may only GET");
        return;
    }
    rt->handle(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **state)
{
    (void)version, (void)data;
    struct server *s = cls;
    if (!*state) { /* headers only: wait for the body, if any */
        *state = (!strcmp(url, UPLOAD_PATH) || !strcmp(url, PROPOSE_PATH)) &&
                         !strcmp(method, "POST")
                     ? (void *)xcalloc(1, sizeof(struct upload))
                     : (void *)&started;
        return MHD_YES;
    }
    if (*data_size) { /* a body: kept for the upload route, else refused; read to the end */
        struct upload *up = is_upload(*state) ? *state : NULL;
        if (up && !up->too_large && up->body.len + *data_size <= UPLOAD_MAX)
            sb_append(&up->body, data, *data_size);
        else if (up)
            up->too_large = true;
        else
            *state = &refused;
        *data_size = 0;
        return MHD_YES;
    }
    struct upload *up = is_upload(*state) ? *state : NULL;
    deadline_busy(&s->limits.deadlines, conn, true);
    int64_t t0 = time_monotonic_ms();
    struct request r = {.status = 200,
                        .content_type = "application/json",
                        .cfg = &s->cfg,
                        .cache = s->cache,
                        .statements = s->statements,
                        .prepared = &thread_prepared,
                        .upload = up ? &up->body : NULL};
    if (*state == &nul_path)
        http_error(&r, 400, "bad_request", "the path contains a NUL byte (%%00)");
    else
        dispatch(s, conn, url, method, *state == &refused || (up && up->too_large), &r);
    struct MHD_Response *resp =
        r.fixed && r.status == 200
            ? MHD_create_response_from_buffer(r.fixed_len, (void *)r.fixed, MHD_RESPMEM_PERSISTENT)
            : MHD_create_response_from_buffer(r.body.len, r.body.buf ? r.body.buf : (void *)"",
                                              MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", r.content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r.status == 405) {
        char allow[64];
        allowed_methods(url, allow, sizeof allow);
        MHD_add_response_header(resp, "Allow", allow[0] ? allow : "GET, HEAD");
    }
    if (r.set_cookie[0]) MHD_add_response_header(resp, "Set-Cookie", r.set_cookie);
    if (r.set_cookie[0] || !strcmp(url, "/v1/session"))
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r.cache_control) MHD_add_response_header(resp, "Cache-Control", r.cache_control);
    if (r.etag) MHD_add_response_header(resp, "ETag", r.etag);
    if (r.console_page) {
        /* Scripts and styles only from this server; ECharts' tooltips set
         * inline styles. No framing, no referrer leaving the console. */
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self' "
                                "'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
    enum MHD_Result ret = MHD_queue_response(conn, r.status, resp);
    MHD_destroy_response(resp);
    sb_free(&r.body);
    atomic_fetch_add(&s->requests[r.status / 100 % 6], 1);
    atomic_fetch_add(&s->micros, (time_monotonic_ms() - t0) * 1000);
    return ret;
}

int cmd_serve(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8080";
    long long threads = 0;
    bool list_routes = false, list_roles = false;
    const struct cli_opt opts[] = {
        {"listen", CLI_STR, &listen, "ADDR:PORT", "where to listen (default 127.0.0.1:8080)", 0, 0},
        {"threads", CLI_INT, &threads, "N", "worker threads (default: one per core)", 1, 64},
        {"routes", CLI_BOOL, &list_routes, NULL, "print the routes and exit", 0, 0},
        {"roles", CLI_BOOL, &list_roles, NULL,
         "print each route's roles (docs/api.md#roles) and exit", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter serve [--listen ADDR:PORT] [--threads N]",
        "Serve the customer statements API over HTTP, and the web console at / on the same "
        "address (http://ADDR:PORT/): sign in there with an API key (gpumeter customer key "
        "create CODE, --finance or --sales); the key is typed once, then a session cookie "
        "holds it (docs/console.md).",
        opts, 0, 0};
    int npos;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (list_routes) {
        for (size_t i = 0; i < NROUTES; i++)
            printf("%s %s%s%s\n", routes[i].method ? routes[i].method : "GET", routes[i].path,
                   routes[i].params[0] ? " " : "", routes[i].params);
        return 0;
    }
    if (list_roles) {
        for (size_t i = 0; i < NROUTES; i++) {
            char names[64];
            access_names(access_route(method_of(&routes[i]), routes[i].path), names,
                         sizeof names);
            printf("%s %s %s\n", method_of(&routes[i]), routes[i].path, names);
        }
        return 0;
    }
    struct sockaddr_in addr;
    if (!listen_parse(listen, "--listen", &addr)) return CLI_EXIT_USAGE;
    static struct server s;
    if (config_load(&s.cfg) != 0) return CLI_EXIT_USAGE;
    pthread_mutex_init(&s.lock, NULL);
    limits_init(&s.limits, &s.cfg);
    s.cache = cache_new((size_t)s.cfg.api_cache_mb << 20);
    s.statements = statement_inputs_new((size_t)s.cfg.api_statement_cache_mb << 20);
    etags_init();
    s.sessions =
        sessions_new((size_t)s.cfg.api_max_connections, (size_t)s.cfg.api_sessions_per_key,
                     s.cfg.api_session_idle_s, s.cfg.api_session_max_s);
    if (!threads) threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 2;
    /* SIGINT and SIGTERM blocked before any thread starts, so every thread
     * inherits the mask and only sigwait() below takes them: a handler run
     * on a pool thread would leave this one in pause() for good (serve once
     * outlived its SIGTERM so). */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &stop_signals, NULL) != 0) abort();
    s.d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, ntohs(addr.sin_port), NULL, NULL,
        on_request, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s.cfg.api_idle_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s.cfg.api_max_connections,
        MHD_OPTION_NOTIFY_CONNECTION, deadline_notify, &s.limits.deadlines,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s, MHD_OPTION_URI_LOG_CALLBACK, raw_uri, NULL,
        MHD_OPTION_END);
    if (!s.d) {
        log_error("cannot listen on %s", listen);
        return 1;
    }
    if (pthread_create(&s.sweeper, NULL, sweep, &s)) abort();
    log_info("serving the API on %s with %lld threads", listen, threads);
    int sig;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    atomic_store(&sweeping, false);
    pthread_join(s.sweeper, NULL);
    MHD_stop_daemon(s.d);
    for (int i = 0; i < s.nconns; i++)
        PQfinish(s.conns[i]);
    cache_free(s.cache);
    statement_inputs_free(s.statements);
    sessions_free(s.sessions);
    limits_free(&s.limits);
    log_info("stopped");
    return 0;
}
