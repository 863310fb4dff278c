/* own_keys: a customer's own API keys through the API (docs/api.md#keys,
 * docs/console.md#keys): GET /v1/keys lists its customer's keys (id,
 * label, read-only, created, last used, revoked; never a secret), POST
 * /v1/keys?label=TEXT makes a read-only key of that customer and shows its
 * secret in that one response (201, Cache-Control: no-store), DELETE
 * /v1/keys/{id} revokes one, effective at the key's next request.
 *
 * access.h lets customer keys alone reach these routes and refuses writes
 * to read-only keys; schema 070's security definers decide again, in the
 * database, that the calling key is a live writable customer key and that
 * the key made or revoked is its own customer's, and write the audit row.
 * Another customer's key id is answered 404, as an unknown one (nothing
 * tells whether it exists); `customer=` naming another customer 403. The
 * key a request is made with is not revoked through itself (409): the
 * console would sign itself out with no key left to sign in with.
 * Thread-safe: everything lives on the request and its thread's
 * connection. */
#ifndef GPUMETER_OWN_KEYS_H
#define GPUMETER_OWN_KEYS_H

#include "api/http.h"

#include <stdbool.h>

#define OWN_KEY_LABEL_MAX 64 /* characters */

bool handle_keys(struct request *r);       /* GET: the list */
bool handle_key_create(struct request *r); /* POST: a new read-only key */
bool handle_key_revoke(struct request *r); /* DELETE /v1/keys/{id} */

#endif
