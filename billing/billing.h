/* billing: a customer's month under its contract, as a bill.
 *
 * billing_load reads late usage of earlier months (late.h) and index
 * revisions after issue (index_revision.h, by the same rule), then loads the
 * month (month.h, which late.h shares: neither calls the other), which finds,
 * set-based, every customer's contract in effect for the month, the plan
 * version in effect on its first day, the usage of the
 * contract's accounts (by meter, model, site, local hour, model size and
 * whether the job reports tokens), the sites' PUE, the commitment bank,
 * the customer's vouchers and the subsidy programs in effect; a model the
 * plan prices at the index is priced at the month's value (month.h). It prices the
 * usage through charges_price (charges.h) and settles the contract's terms
 * through settle_bill (settle.h), so invoices, statements, rerate and `plan
 * simulate` share one calculation (docs/contracts.md, "Calculation order").
 * A customer with usage and no contract in effect comes as a bill whose
 * error says so, never a silent zero. Reentrant: a billing_load keeps
 * everything it parses on its own heap, so concurrent loads on different
 * connections (the API's threads) share nothing. */
#ifndef GPUMETER_BILLING_H
#define GPUMETER_BILLING_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pricing/bill.h"

/* Where billing_load takes the plan from: the contract's (NULL), or a proposed
 * plan document priced in its place (`plan simulate`). */
struct plan;

/* Calls fn with each settled bill for period (YYYY-MM), for one customer
 * (code) or all (NULL), in customer code order: every customer with a
 * contract in effect. A bill that could not be priced has error set.
 * Returns the number of bills, or -1 after printing the error (or when fn
 * returned false). */
int billing_load(PGconn *conn, const char *period, const char *customer,
                 const struct plan *proposed, bill_fn fn, void *ctx);

/* billing_load in two steps, for a server that prices a customer's month
 * again from what it read while none of it changed (api/statements.h,
 * schema 065): billing_read makes every query of billing_load but the
 * index look-ups of index-linked prices (made as they are priced), and
 * billing_price prices what it read, any number of times, exactly as
 * billing_load would have then. Thread-safe: the inputs are immutable, so
 * threads may billing_price the same inputs at once, each on its own
 * connection. NULL after logging a database error. */
struct billing_inputs;
struct billing_inputs *billing_read(PGconn *conn, const char *period, const char *customer,
                                    const struct plan *proposed);
int billing_price(const struct billing_inputs *in, PGconn *conn, bill_fn fn, void *ctx);
/* Whether device health may reach these bills (a contract of theirs with
 * an sla, now or in an issued month): the rater writes health all the
 * time and no version counts it, so such inputs must not be kept. */
bool billing_inputs_live_health(const struct billing_inputs *in);
/* About the memory the inputs hold, for a cache's bound. */
size_t billing_inputs_bytes(const struct billing_inputs *in);
void billing_inputs_free(struct billing_inputs *in);

/* Warns about rated usage of the month (local to the customer's contract)
 * that no contract in effect covers: an account a contract names, but on other days or for other
 * job names. Such usage stays rated and is billed once a contract covers it. Returns the number of
 * accounts warned about, -1 on a database error. */
int billing_warn_uncovered(PGconn *conn, const char *period);
/* What an invoice run cannot bill, as rows: hourly usage of the month
 * starting first_day that no contract covers (account, rows, jobs), and
 * events parked because no customer owns their account (account, events).
 * NULL after a database error. */
PGresult *billing_uncovered(PGconn *conn, const char *first_day);
PGresult *billing_parked(PGconn *conn);

/* INVOICE_STANDS, the one predicate of an invoice that stands, is in
 * pricing/bill.h (included above) so that terms/ can freeze issued months
 * with it too. */

/* The one predicate of the documents a month's net money sums: the invoices
 * that stand and the partial credit notes issued against them (`invoice
 * credit`). A void invoice's credit notes, partial ones included, are left
 * out with it. Needs the table to be `invoice` (a correlated look-up). */
#define INVOICE_NETS(a)                                                                     \
    "(" INVOICE_STANDS(a) " OR (" a "kind = 'credit_note' AND " a "status = 'issued' AND " \
    "EXISTS (SELECT 1 FROM invoice o WHERE o.id = " a "credits AND " INVOICE_STANDS("o.") ")))"

/* The one definition of a month's invoiced money (docs/invoices.md, "The
 * month's money"), each invoice and credit note of the month counted once:
 * per currency four rows (line, currency, count, total in minor units,
 * minor_digits), line in this order:
 *   draft    - invoices and credit notes not issued yet (not money issued);
 *   issued   - gross: every invoice issued for the month, including those
 *              voided since;
 *   credited - the credit notes issued for the month (negative totals):
 *              those of void invoices and partial ones alike;
 *   net      - INVOICE_NETS: the invoices that stand less their partial
 *              credit notes.
 * net = issued + credited, since a void invoice's credit notes sum to minus
 * its total (void credits what the partial ones left).
 * NULL after a database error. */
PGresult *billing_month_money(PGconn *conn, const char *first_day);

#endif
