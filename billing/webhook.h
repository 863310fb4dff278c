/* webhook: one signed HTTP POST of a notification (docs/notifications.md).
 *
 * The signature is Stripe's and Lago's scheme: the header
 * `Gpumeter-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 * "<t>.<body>")>`, so a receiver verifies the exact bytes it received and
 * can refuse an old timestamp (a replay). `Gpumeter-Event-Id` carries the
 * event's id, which a receiver deduplicates on: delivery is at least once.
 * Not thread-safe: webhook_post initialises libcurl on first use; call it
 * from one thread (the deliverer's). */
#ifndef GPUMETER_WEBHOOK_H
#define GPUMETER_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

/* "t=<t>,v1=<64 hex>" and its terminator */
#define WEBHOOK_SIGNATURE_LEN (2 + 20 + 4 + 64 + 1)

struct webhook_outcome {
    long status;      /* the HTTP status, 0 when no answer came */
    char error[256];  /* why it failed: a status or libcurl's reason; "" on 2xx */
};

/* The Gpumeter-Signature value of body sent at unix time t. Pure. */
void webhook_signature(const char *secret, size_t secret_len, long long t, const char *body,
                       size_t len, char out[WEBHOOK_SIGNATURE_LEN]);

/* The wait in seconds before the attempt after attempts failed ones (>= 1):
 * first, doubling with each attempt, at most max (notify.backoff_s,
 * notify.backoff_max_s; docs/notifications.md#retries). Pure. */
long webhook_backoff_s(long first, long max, long attempts);

/* POSTs body (JSON) to url, signed now, within timeout_s seconds in all.
 * True on a 2xx answer; otherwise false with the outcome saying why. The
 * secret is never written anywhere but into the signature. */
bool webhook_post(const char *url, const char *secret, size_t secret_len, const char *event_id,
                  const char *body, size_t len, long timeout_s, struct webhook_outcome *out);

#endif
