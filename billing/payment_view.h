/* payment_view: the bank credits and recorded payments as finance reads
 * them (`gpumeter payment list`, GET /v1/payments; docs/payments.md
 * "Reading payments"): each credit's bank reference, booking day, amount
 * and charges (minor units and decimal text), currency, status (applied,
 * credited, unapplied), how it was matched, the customer (none while
 * unapplied with no payer known), the payer and the remittance text. One
 * query for both, so the CLI's CSV and the API's JSON never disagree.
 * Thread-safe: all state is the caller's (one connection per caller). */
#ifndef GPUMETER_PAYMENT_VIEW_H
#define GPUMETER_PAYMENT_VIEW_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* The credits (only those waiting for `payment apply` when unapplied; only
 * customer's when not NULL), oldest booking first, as CSV (through the one
 * CSV writer: a payer's name that reads as a formula stays text) or JSON
 * {"payments":[...]} into out. False when the query failed (logged). */
bool payment_view(PGconn *conn, bool unapplied, const char *customer, enum report_format format,
                  struct strbuf *out);

#endif
