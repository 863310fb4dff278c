/* access: the role matrix of the API's routes (see access.h). */
#include "api/access.h"

#include "core/invariant.h"

#include <stdio.h>
#include <string.h>

#define CF (ROLE_CUSTOMER | ROLE_FINANCE)
#define FS (ROLE_FINANCE | ROLE_SALES)
#define FO (ROLE_FINANCE | ROLE_OPERATOR)

static const struct {
    const char *method, *path;
    unsigned roles;
} matrix[] = {
    {"GET", "/healthz", ROLE_NO_KEY},
    {"GET", "/metrics", ROLE_NO_KEY},
    {"POST", "/v1/session", ROLE_NO_KEY}, /* signing in checks the key it is given */
    {"DELETE", "/v1/session", ROLE_NO_KEY},
    {"GET", "/v1/me", ROLE_ANY},
    {"GET", "/v1/meters", ROLE_ANY},
    /* a customer's own data: the customer, and finance naming it */
    {"GET", "/v1/usage", CF},
    {"GET", "/v1/usage/current", CF},
    {"GET", "/v1/statement", CF},
    {"GET", "/v1/invoices", CF},
    {"GET", "/v1/invoices/{number}", CF},
    {"GET", "/v1/focus", CF},
    {"GET", "/v1/receivables", CF},
    {"GET", "/v1/payments", CF},
    {"GET", "/v1/credit", CF},
    {"GET", "/v1/availability", CF},
    /* the operator's reports: the fleet, no customer's money; finance
     * keeps them (it read them before the operator role existed) */
    {"GET", "/v1/operator/contracts", FO},
    {"GET", "/v1/operator/yield", FO},
    {"GET", "/v1/operator/capacity", FO},
    {"GET", "/v1/fleet/health", FO},
    /* finance keys; every key when index.public is on (the handler) */
    {"GET", "/v1/index", ROLE_ANY},
    /* the investor's book and finance's own pages */
    {"GET", "/v1/projects", ROLE_FINANCE},
    {"GET", "/v1/project", ROLE_FINANCE},
    {"GET", "/v1/project/schedule", ROLE_FINANCE},
    {"GET", "/v1/project/backlog", ROLE_FINANCE},
    {"GET", "/v1/finance/month", ROLE_FINANCE},
    {"GET", "/v1/finance/vouchers", ROLE_FINANCE},
    {"GET", "/v1/finance/audit", ROLE_FINANCE},
    {"GET", "/v1/notifications", ROLE_FINANCE},
    /* plans */
    {"GET", "/v1/customers", FS},
    {"GET", "/v1/plans", FS},
    {"GET", "/v1/contracts", FS},
    {"POST", "/v1/simulate", FS},
    /* maker-checker (issue 39, api/proposals.h on branch plans39; decided
     * here ahead of its merge as its handlers decide: sales and finance
     * propose and list, finance decides) */
    {"GET", "/v1/proposals", FS},
    {"POST", "/v1/proposals", FS},
    {"POST", "/v1/proposals/decide", ROLE_FINANCE},
    /* a customer's own keys (own_keys.h; read-only keys may only list) */
    {"GET", "/v1/keys", ROLE_CUSTOMER},
    {"POST", "/v1/keys", ROLE_CUSTOMER},
    {"DELETE", "/v1/keys/{number}", ROLE_CUSTOMER},
};

unsigned access_role(const struct caller *who)
{
    assert(who->finance + who->sales + who->operator + (who->customer[0] != 0) == 1);
    return who->finance    ? ROLE_FINANCE
           : who->sales    ? ROLE_SALES
           : who->operator ? ROLE_OPERATOR
                           : ROLE_CUSTOMER;
}

unsigned access_route(const char *method, const char *path)
{
    for (size_t i = 0; i < sizeof matrix / sizeof matrix[0]; i++)
        if (!strcmp(matrix[i].method, method) && !strcmp(matrix[i].path, path))
            return matrix[i].roles;
    return 0;
}

void access_names(unsigned roles, char *out, size_t cap)
{
    static const char *const names[] = {"customer", "finance", "sales", "operator", "no key"};
    size_t n = 0;
    out[0] = 0;
    for (unsigned b = 0; b < 5; b++)
        if (roles & (1u << b))
            n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "", names[b]);
    if (!roles) snprintf(out, cap, "undecided");
}
