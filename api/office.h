/* office: the resources finance and sales read (office.c, docs/api.md),
 * each answering one request (http.h) like handlers.h's, whose handle_
 * family they share: customers, a month's invoices, voucher claims, the
 * audit trail, plans and plan simulation, notifications, and the
 * investor's book: projects, a project's month, its backlog curve and its
 * debt schedule. Each sets r's response and
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
bool handle_contracts(struct request *r);        /* finance and sales keys: as plans */
bool handle_simulate(struct request *r);         /* POST; finance and sales keys */
/* notifications and their webhook delivery (docs/notifications.md) */
bool handle_notifications(struct request *r);    /* finance keys only */

/* the investor's book (issue 37, docs/investor.md): finance keys only */
bool handle_projects(struct request *r);         /* the projects and their versions */
bool handle_project(struct request *r);          /* report project as JSON */
bool handle_project_schedule(struct request *r); /* project show --schedule as JSON */
bool handle_project_backlog(struct request *r);  /* report project --backlog as JSON */

#endif
