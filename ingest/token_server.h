/* token_server: the local HTTP endpoint trainers post token reports to.
 *
 * POST /v1/tokens with JSON lines (tokens.h) as the body, and
 * "Authorization: Bearer <credential>": a reporter's own (reporters.h,
 * tokens.reporters, re-read when the file changes) or, for a migration,
 * the shared tokens.bearer, which must then name its accounts in
 * tokens.bearer_accounts (refused at start otherwise, and without any
 * credential at all). The reply comes after the reports are committed to
 * the collector's spool: 200 with {"accepted":N,"rejected":M} (rejected
 * lines are logged and skipped), 400 when no line is a usable report, 401
 * without a valid, unrevoked credential (checked when the headers arrive
 * and again when the body is whole, so a revocation meanwhile counts),
 * 403 when a line names an account
 * the credential may not report for (the whole body refused, nothing
 * counted, the refusal logged and counted in metrics.prom), 413 for a body
 * over tokens.max_body_kb, 503 when the round could not be committed, the
 * reporters file cannot be used, or the bodies being received would exceed
 * tokens.max_inflight_mb (with Retry-After; nothing of the request counts,
 * the trainer retries). GET /healthz answers 200.
 *
 * It binds to 127.0.0.1 unless given an address and holds at most
 * tokens.max_connections connections (a new one past it cuts the one
 * waiting longest for a request no credential vouched for, so clients
 * without one cannot keep a trainer out by reconnecting: core/deadline.h);
 * each must deliver a whole request
 * within tokens.request_timeout_s (core/deadline.h) however slowly it
 * trickles. Its memory is bounded: 64 KiB of headers and 64 KiB of small
 * body per connection (a report is a few hundred bytes a job, so it never
 * waits behind large uploads), and at most tokens.max_inflight_mb of larger
 * bodies over all of them, each buffered at exactly its declared length.
 * libmicrohttpd runs in the
 * collector's own loop (one thread), so rounds never overlap and nothing
 * here is shared between threads.
 *
 * It knows nothing of the collector: what it accepts goes to the sink it
 * is given (struct token_sink), so the collector calls the server and the
 * server calls back only through that pointer, never the collector's
 * functions by name (no call circle between the two files). */
#ifndef GPUMETER_TOKEN_SERVER_H
#define GPUMETER_TOKEN_SERVER_H

#include "core/config.h"

#include <stdbool.h>
#include <stddef.h>

/* Where accepted reports go, called on the server's (the collector's) own
 * thread. ingest: one round over text received now; false when it could
 * not be committed, then nothing of it counts. refused: a report refused
 * whole for an account its reporter may not report for, to be counted. */
struct token_sink {
    void *ctx;
    bool (*ingest)(void *ctx, const char *text, size_t len, const char *origin, long *accepted,
                   long *bad);
    void (*refused)(void *ctx);
};

struct token_server;

/* listen is "ADDR:PORT" or "PORT"; NULL after logging. sink (both
 * functions set) is copied. */
struct token_server *token_server_start(const struct token_sink *sink, const struct config *cfg,
                                        const char *listen);
/* Serves requests for up to wait_ms. */
void token_server_poll(struct token_server *s, int wait_ms);
void token_server_stop(struct token_server *s);

#endif
