/* token_server: POST /v1/tokens on libmicrohttpd (see token_server.h). */
#include "ingest/token_server.h"

#include "core/alloc.h"
#include "core/credential.h"
#include "core/deadline.h"
#include "core/invariant.h"
#include "core/listen.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "ingest/reporters.h"
#include "ingest/tokens.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_MEMORY (64u << 10) /* per connection: request line and headers */
#define IDLE_TIMEOUT  30u         /* seconds without a byte before a connection is closed */
/* Connections libmicrohttpd holds above tokens.max_connections: a new one
 * must be accepted to make room for itself (core/deadline.h), and the one
 * it cut is closed on the loop's next turn. */
#define ROOM_MAKERS 16u
#define BEARER_NAME   "tokens.bearer"
/* A body this small is every connection's own, like its headers, and never
 * waits for the shared budget: a trainer's report (a few hundred bytes a
 * job) is served even while large uploads hold all of it. */
#define SMALL_BODY (64u << 10)

struct token_server {
    struct MHD_Daemon *d;
    struct token_sink sink; /* where accepted reports go */
    size_t max_body;
    size_t budget, in_flight; /* bytes of bodies over SMALL_BODY: allowed, held now */
    int64_t deadline_ms;      /* tokens.request_timeout_s */
    struct deadlines deadlines;
    const char *bearer, *bearer_accounts; /* "" for none */
    bool use_reporters;
    struct reporters_watch watch;
};

/* Who sent a request, copied: the reporters file may be re-read before its
 * body has arrived (the credential is checked again then: on_body). */
struct upload {
    char name[REPORTER_NAME_MAX + 1];
    char patterns[REPORTER_PATTERNS_MAX + 1];
    char *buf;        /* the body, never more than max_body */
    size_t len, cap;
    bool too_large, over_budget;
};

static enum MHD_Result reply(struct token_server *s, struct MHD_Connection *conn,
                             unsigned status, const char *json)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    if (status == 503) MHD_add_response_header(r, "Retry-After", "1");
    deadline_busy(&s->deadlines, conn, true); /* answering: its clock restarts when done */
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum auth { AUTH_OK, AUTH_REFUSED, AUTH_UNAVAILABLE };

/* The credential of "Authorization: Bearer <credential>": a reporter's
 * (reporters.h), or the shared tokens.bearer, compared in constant time. */
static enum auth authenticate(struct token_server *s, struct MHD_Connection *conn,
                              struct upload *who)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *presented = credential_from_authorization(h);
    if (!presented) return AUTH_REFUSED;
    size_t n = strlen(s->bearer);
    if (n && strlen(presented) == n && CRYPTO_memcmp(presented, s->bearer, n) == 0) {
        snprintf(who->name, sizeof who->name, "%s", BEARER_NAME);
        snprintf(who->patterns, sizeof who->patterns, "%s", s->bearer_accounts);
        return AUTH_OK;
    }
    if (!s->use_reporters) return AUTH_REFUSED;
    if (!reporters_watch(&s->watch)) return AUTH_UNAVAILABLE;
    const struct reporter *r = reporters_verify(&s->watch.rs, presented);
    if (!r) return AUTH_REFUSED;
    snprintf(who->name, sizeof who->name, "%s", r->name);
    snprintf(who->patterns, sizeof who->patterns, "%s", r->patterns);
    return AUTH_OK;
}

/* What a body buffer of cap bytes takes from the shared budget. */
static size_t charged(size_t cap)
{
    return cap > SMALL_BODY ? cap : 0;
}

/* Makes room for need bytes of body within max_body and the budget:
 * exactly need for a declared length, else doubling (chunked bodies) but
 * never past max_body. Over either limit the body is dropped and the rest
 * read and discarded, then answered 413 or 503. */
static void body_reserve(struct token_server *s, struct upload *u, size_t need, bool exact)
{
    if (need > s->max_body) {
        u->too_large = true;
    } else if (need > u->cap) {
        size_t want = exact ? need : u->cap * 2 > 4096 ? u->cap * 2 : 4096;
        if (want < need) want = need;
        if (want > s->max_body) want = s->max_body;
        if (s->in_flight - charged(u->cap) + charged(want) > s->budget) {
            u->over_budget = true;
        } else {
            u->buf = xrealloc(u->buf, want);
            s->in_flight += charged(want) - charged(u->cap);
            u->cap = want;
        }
    }
    if (u->too_large || u->over_budget) {
        s->in_flight -= charged(u->cap);
        free(u->buf);
        u->buf = NULL;
        u->len = u->cap = 0;
    }
}

static unsigned long long declared_length(struct MHD_Connection *conn)
{
    const char *len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    return len ? strtoull(len, NULL, 10) : 0;
}

static bool expects_continue(struct MHD_Connection *conn)
{
    const char *e = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
    return e && !strcasecmp(e, "100-continue");
}

/* The answer to a request whose credential did not pass. */
static enum MHD_Result refuse(struct token_server *s, struct MHD_Connection *conn, enum auth a)
{
    assert(a != AUTH_OK);
    if (a == AUTH_UNAVAILABLE)
        return reply(s, conn, 503,
                     "{\"error\":\"reporters_unavailable\",\"message\":\"the reporters file "
                     "(tokens.reporters) cannot be used; nothing was counted, retry\"}");
    return reply(s, conn, 401,
                 "{\"error\":\"unauthorized\",\"message\":\"send Authorization: Bearer "
                 "<your reporter credential>\"}");
}

static const char too_large_json[] = "{\"error\":\"too_large\",\"message\":\"body over the limit "
                                     "(tokens.max_body_kb)\"}";
static const char busy_json[] =
    "{\"error\":\"busy\",\"message\":\"too many reports are being received at once "
    "(tokens.max_inflight_mb); nothing was counted, retry\"}";

/* The headers are in: decide before reading any body. */
static enum MHD_Result on_headers(struct token_server *s, struct MHD_Connection *conn,
                                  const char *url, const char *method, void **con_cls)
{
    if (!strcmp(url, "/healthz") && !strcmp(method, "GET"))
        return reply(s, conn, 200, "{\"ok\":true}");
    if (strcmp(url, "/v1/tokens"))
        return reply(s, conn, 404, "{\"error\":\"not_found\",\"message\":\"POST /v1/tokens\"}");
    if (strcmp(method, "POST"))
        return reply(s, conn, 405, "{\"error\":\"method_not_allowed\",\"message\":\"use POST\"}");
    struct upload who;
    memset(&who, 0, sizeof who);
    enum auth a = authenticate(s, conn, &who);
    if (a != AUTH_OK) return refuse(s, conn, a);
    deadline_vouch(&s->deadlines, conn); /* never the one cut to make room for another */
    unsigned long long declared = declared_length(conn);
    if (declared > s->max_body) return reply(s, conn, 413, too_large_json);
    struct upload *u = xcalloc(1, sizeof *u);
    *u = who;
    if (declared) body_reserve(s, u, (size_t)declared, true);
    if (u->over_budget && expects_continue(conn)) { /* it waits: no body comes */
        free(u);
        return reply(s, conn, 503, busy_json);
    }
    *con_cls = u; /* over the budget, the body is read and dropped, then 503: a client
                   * still sending would otherwise see a reset, not the answer */
    return MHD_YES;
}

/* The body is whole: every line's account checked, then one round. */
static enum MHD_Result on_body(struct token_server *s, struct MHD_Connection *conn,
                               struct upload *u)
{
    if (u->too_large) return reply(s, conn, 413, too_large_json);
    if (u->over_budget) return reply(s, conn, 503, busy_json);
    /* The credential again, now that the body is whole: a revocation (or a
     * reporter's accounts changed) while the body was arriving applies to
     * it, not only to the next request. */
    enum auth a = authenticate(s, conn, u);
    if (a != AUTH_OK) return refuse(s, conn, a);
    const char *body = u->buf ? u->buf : "";
    char account[256];
    long line = tokens_foreign_line(body, u->len, u->patterns, account, sizeof account);
    if (line) {
        struct strbuf msg = STRBUF_INIT, json = STRBUF_INIT;
        sb_printf(&msg, "line %ld reports for account ", line);
        sb_put_json_string(&msg, account);
        sb_printf(&msg, ", which reporter %s may not report for; nothing of the body was counted",
                  u->name);
        s->sink.refused(s->sink.ctx);
        log_warn("token report from reporter %s refused: %s", u->name, sb_str(&msg));
        sb_puts(&json, "{\"error\":\"forbidden_account\",\"message\":");
        sb_put_json_string(&json, sb_str(&msg));
        sb_printf(&json, ",\"line\":%ld,\"account\":", line);
        sb_put_json_string(&json, account);
        sb_putc(&json, '}');
        enum MHD_Result ret = reply(s, conn, 403, sb_str(&json));
        sb_free(&msg);
        sb_free(&json);
        return ret;
    }
    char origin[128];
    snprintf(origin, sizeof origin, "POST /v1/tokens (reporter %s)", u->name);
    long accepted = 0, bad = 0;
    if (!s->sink.ingest(s->sink.ctx, body, u->len, origin, &accepted, &bad))
        return reply(s, conn, 503,
                     "{\"error\":\"not_collected\",\"message\":\"the reports could not "
                     "be committed; nothing was counted, retry\"}");
    char json[160];
    if (!accepted) {
        snprintf(json, sizeof json,
                 "{\"error\":\"no_usable_report\",\"message\":\"no line of the body is a "
                 "usable report\",\"accepted\":0,\"rejected\":%ld}",
                 bad);
        return reply(s, conn, 400, json);
    }
    snprintf(json, sizeof json, "{\"accepted\":%ld,\"rejected\":%ld}", accepted, bad);
    return reply(s, conn, 200, json);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    struct token_server *s = cls;
    struct upload *u = *con_cls;
    if (!u) return on_headers(s, conn, url, method, con_cls);
    if (*data_size) {
        if (!u->too_large && !u->over_budget) body_reserve(s, u, u->len + *data_size, false);
        if (!u->too_large && !u->over_budget) {
            memcpy(u->buf + u->len, data, *data_size);
            u->len += *data_size;
        }
        *data_size = 0;
        return MHD_YES;
    }
    return on_body(s, conn, u);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct token_server *s = cls;
    deadline_busy(&s->deadlines, conn, false);
    struct upload *u = *con_cls;
    if (!u) return;
    s->in_flight -= charged(u->cap);
    free(u->buf);
    free(u);
    *con_cls = NULL;
}

/* Who may report: per-reporter credentials, the shared bearer only with
 * the accounts it may report for, never nobody-for-anyone. */
static bool credentials_usable(struct token_server *s, const struct config *cfg)
{
    char why[256];
    if (s->bearer[0] && !s->bearer_accounts[0]) {
        log_error("tokens.bearer is set without tokens.bearer_accounts");
        log_detail("The one shared secret no longer means \"any account\": a trainer holding it "
                   "could bill any customer.");
        log_hint("Give each trainer its own credential (gpumeter collect reporter create NAME "
                 "--accounts LIST, tokens.reporters = PATH) or, meanwhile, list the accounts "
                 "the shared secret may report for in tokens.bearer_accounts.");
        return false;
    }
    if (!s->bearer[0] && s->bearer_accounts[0]) {
        log_error("tokens.bearer_accounts is set without tokens.bearer");
        return false;
    }
    if (s->bearer_accounts[0] && !reporters_patterns_valid(s->bearer_accounts, why, sizeof why)) {
        log_error("tokens.bearer_accounts %s", why);
        return false;
    }
    if (!s->bearer[0] && !s->use_reporters) {
        log_error("collect tokens --listen needs tokens.reporters");
        log_detail("Without credentials anyone who reaches the endpoint could report tokens for "
                   "any account.");
        log_hint("Create one per trainer: gpumeter collect reporter create NAME --accounts LIST "
                 "--reporters PATH, and set tokens.reporters = PATH.");
        return false;
    }
    if (s->use_reporters && !reporters_watch(&s->watch)) return false;
    if ((size_t)cfg->tokens_max_inflight_mb << 20 < s->max_body) {
        log_error("tokens.max_inflight_mb (%ld MiB) is below tokens.max_body_kb (%ld KiB)",
                  cfg->tokens_max_inflight_mb, cfg->tokens_max_body_kb);
        log_detail("A report of the largest allowed size could never be received.");
        return false;
    }
    if (s->bearer[0]) {
        log_warn("tokens.bearer is one secret shared by every trainer; it may report for %s",
                 s->bearer_accounts);
        log_hint("Move to per-reporter credentials: gpumeter collect reporter create NAME "
                 "--accounts LIST for each trainer, set tokens.reporters, then remove "
                 "tokens.bearer and tokens.bearer_accounts (docs/collectors.md).");
    }
    return true;
}

struct token_server *token_server_start(const struct token_sink *sink, const struct config *cfg,
                                        const char *listen)
{
    assert(sink && sink->ingest && sink->refused);
    struct sockaddr_in addr;
    if (!listen_parse(listen, "--listen", &addr)) return NULL;
    struct token_server *s = xcalloc(1, sizeof *s);
    s->sink = *sink;
    s->max_body = (size_t)cfg->tokens_max_body_kb << 10;
    s->budget = (size_t)cfg->tokens_max_inflight_mb << 20;
    s->deadline_ms = cfg->tokens_request_timeout_s * 1000;
    s->bearer = cfg->tokens_bearer;
    s->bearer_accounts = cfg->tokens_bearer_accounts;
    s->use_reporters = cfg->tokens_reporters[0] != '\0';
    s->watch.path = cfg->tokens_reporters;
    deadlines_init(&s->deadlines);
    deadlines_cap_total(&s->deadlines, (unsigned)cfg->tokens_max_connections);
    if (!credentials_usable(s, cfg)) {
        token_server_stop(s);
        return NULL;
    }
    s->d = MHD_start_daemon(
        MHD_USE_ERROR_LOG, ntohs(addr.sin_port), NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
        MHD_OPTION_NOTIFY_CONNECTION, deadline_notify, &s->deadlines,
        MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->tokens_max_connections + ROOM_MAKERS, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HEADER_MEMORY, MHD_OPTION_END);
    if (!s->d) {
        log_error("cannot listen on %s", listen);
        token_server_stop(s);
        return NULL;
    }
    char shown[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr.sin_addr, shown, sizeof shown);
    log_info("accepting token reports on http://%s:%u/v1/tokens (%s; at most %ld connections, "
             "each request whole within %ld s, bodies of %ld KiB, %ld MiB of bodies at once)",
             shown, ntohs(addr.sin_port),
             s->use_reporters ? "per-reporter credentials" : "the shared tokens.bearer",
             cfg->tokens_max_connections, cfg->tokens_request_timeout_s,
             cfg->tokens_max_body_kb, cfg->tokens_max_inflight_mb);
    return s;
}

void token_server_poll(struct token_server *s, int wait_ms)
{
    MHD_run_wait(s->d, wait_ms);
    long cut = deadline_sweep(&s->deadlines, s->deadline_ms);
    if (cut)
        log_debug("%ld token connections cut for not sending a whole request within "
                  "tokens.request_timeout_s",
                  cut);
}

void token_server_stop(struct token_server *s)
{
    if (s->d) MHD_stop_daemon(s->d);
    assert(s->in_flight == 0);
    deadlines_destroy(&s->deadlines);
    reporters_free(&s->watch.rs);
    free(s);
}
