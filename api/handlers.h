/* handlers: the API's resources, each answering one request (http.h) from
 * billing/ and render/: usage by day, month-to-date usage, statements,
 * invoices and one invoice (JSON, CSV or PDF), the contract calendar,
 * exposure against a credit limit (what finance and sales read is
 * office.h). Each sets r's response and
 * returns false after an error response. Reentrant: everything lives on
 * the request.
 * Thread-safe: each request runs on its own pooled connection and buffers. */
#ifndef GPUMETER_HANDLERS_H
#define GPUMETER_HANDLERS_H

#include "api/http.h"

#include <stdbool.h>

bool handle_me(struct request *r); /* who the key or session is */
bool handle_meters(struct request *r); /* the meter registry (core/meter.h), any key */
bool handle_usage(struct request *r);
bool handle_usage_current(struct request *r);
bool handle_statement(struct request *r);
/* a customer's availability under its SLA (issue 36): a customer key its
 * own, a finance key the customer it names, a sales key none */
bool handle_availability(struct request *r);
bool handle_invoices(struct request *r);
bool handle_invoice(struct request *r);
bool handle_focus(struct request *r); /* CSV */
bool handle_operator_contracts(struct request *r); /* finance and operator keys (access.h) */
bool handle_operator_yield(struct request *r);     /* finance and operator keys (access.h) */
bool handle_fleet_health(struct request *r);       /* finance and operator keys (access.h) */
bool handle_operator_capacity(struct request *r);  /* finance and operator keys (access.h) */
bool handle_index(struct request *r); /* finance keys; every key with index.public */
/* receivables (issue 34) */
bool handle_credit(struct request *r); /* exposure against the credit limit */
/* receivables aging (issue 34): a finance key every customer's (or
 * ?customer=), a customer key its own rows only, a sales key none */
bool handle_receivables(struct request *r);
/* bank credits and recorded payments (issue 34): a finance key every
 * customer's and the unapplied ones, a customer key its own, a sales key
 * none */
bool handle_payments(struct request *r);

#endif
