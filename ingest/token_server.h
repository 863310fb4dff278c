/* token_server: the local HTTP endpoint trainers post token reports to.
 *
 * POST /v1/tokens with JSON lines (tokens.h) as the body. The reply comes
 * after the reports are committed to the collector's spool: 200 with
 * {"accepted":N,"rejected":M} (rejected lines are logged and skipped), 401
 * without the configured bearer secret (tokens.bearer), 413 for a body over
 * tokens.max_body_kb, 503 when the round could not be committed (nothing of
 * the request counts; the trainer retries). GET /healthz answers 200.
 * It binds to 127.0.0.1 unless given an address, and holds at most
 * tokens.max_connections connections of at most 64 KiB of headers and one
 * body each, so its memory is bounded. libmicrohttpd runs in the
 * collector's own loop (one thread), so rounds never overlap. */
#ifndef GPUMETER_TOKEN_SERVER_H
#define GPUMETER_TOKEN_SERVER_H

#include "core/config.h"

struct collector;
struct token_server;

/* listen is "ADDR:PORT" or "PORT"; NULL after logging. */
struct token_server *token_server_start(struct collector *c, const struct config *cfg,
                                        const char *listen);
/* Serves requests for up to wait_ms. */
void token_server_poll(struct token_server *s, int wait_ms);
void token_server_stop(struct token_server *s);

#endif
