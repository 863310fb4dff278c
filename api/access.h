/* access: which roles may use each route of the API, the one statement of
 * the role matrix (docs/api.md#roles). serve.c refuses a request whose
 * key's role is not among its route's with 403 before any handler runs,
 * and a read-only key (schema 070) any request that is not GET or HEAD;
 * handlers still decide which customer a request may be about
 * (http_customer). A route of serve.c's table that is missing here is
 * refused to every role (403), and `gpumeter serve --roles` prints it as
 * "undecided", which tests/integration/test_roles.sh fails on: a new route
 * must have its roles decided here first.
 * Thread-safe: constant tables only. */
#ifndef GPUMETER_ACCESS_H
#define GPUMETER_ACCESS_H

#include "api/keys.h"

#include <stdbool.h>
#include <stddef.h>

enum {
    ROLE_CUSTOMER = 1,
    ROLE_FINANCE = 2,
    ROLE_SALES = 4,
    ROLE_OPERATOR = 8,
    ROLE_ANY = 15,
    ROLE_NO_KEY = 16, /* answered without a key (/healthz, /metrics, signing in and out) */
};

/* The role bit of an authenticated caller. */
unsigned access_role(const struct caller *who);

/* The roles that may use route path (as serve.c's table spells it, e.g.
 * "/v1/invoices/{number}") with method ("GET" for GET and HEAD); 0 when
 * undecided. */
unsigned access_route(const char *method, const char *path);

/* roles as "customer,finance" (or "no key", or "undecided") into out. */
void access_names(unsigned roles, char *out, size_t cap);

#endif
