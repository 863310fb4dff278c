/* token_server: the local HTTP endpoint trainers post token reports to.
 *
 * POST /v1/tokens with JSON lines (jobs.h) as the body. The reply comes
 * after the reports are committed to the collector's spool: 200 with
 * {"accepted":N,"rejected":M} (rejected lines are logged and skipped), 413
 * for a body over 8 MiB, 503 when the round could not be committed (nothing
 * of the request counts; the trainer retries). GET /healthz answers 200.
 * libmicrohttpd runs in the collector's own loop, so rounds never overlap. */
#ifndef GPUMETER_TOKEN_SERVER_H
#define GPUMETER_TOKEN_SERVER_H

struct collector;
struct token_server;

/* listen is "ADDR:PORT"; NULL after logging. */
struct token_server *token_server_start(struct collector *c, const char *listen);
/* Serves requests for up to wait_ms. */
void token_server_poll(struct token_server *s, int wait_ms);
void token_server_stop(struct token_server *s);

#endif
