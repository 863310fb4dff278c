/* office: the resources finance and sales read (office.c, docs/api.md),
 * each answering one request (http.h) like handlers.h's, whose handle_
 * family they share: customers, a month's invoices, voucher claims, the
 * audit trail, plans and plan simulation, notifications. Each sets r's response and
 * returns false after an error response. Reentrant: everything lives on
 * the request; thread-safe, each request on its own pooled connection. */
#ifndef GPUMETER_OFFICE_H
#define GPUMETER_OFFICE_H

#include "api/http.h"

#include <stdbool.h>

bool handle_customers(struct request *r);        /* finance and sales keys */
bool handle_finance_month(struct request *r);    /* finance keys only */
bool handle_finance_vouchers(struct request *r); /* finance keys only */
bool handle_finance_audit(struct request *r);    /* finance keys only */
bool handle_plans(struct request *r);            /* finance and sales keys */
bool handle_simulate(struct request *r);         /* POST; finance and sales keys */
/* notifications and their webhook delivery (docs/notifications.md) */
bool handle_notifications(struct request *r);    /* finance keys only */

#endif
