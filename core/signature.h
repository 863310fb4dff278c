/* signature: HMAC-SHA256 of usage events under a per-cluster key.
 *
 * The signed bytes are the canonical encoding (event_encode) of the event
 * with its "sig" field empty, so any JSON spelling of the same values
 * verifies; fields this build does not know are not signed (they are not
 * rated either). The signature is 64 lower-case hex digits, compared in
 * constant time. docs/event-contract.md gives a worked example. Pure; thread-safe. */
#ifndef GPUMETER_SIGNATURE_H
#define GPUMETER_SIGNATURE_H

#include "event.h"

#include <stdbool.h>

/* Sets ev->sig. key is the cluster's secret as configured (hmac.<cluster>). */
void signature_sign(struct usage_event *ev, const char *key);
/* True when ev->sig is the signature of ev under key. */
bool signature_valid(const struct usage_event *ev, const char *key);

#endif
