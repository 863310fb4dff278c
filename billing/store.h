/* store: draft invoices in PostgreSQL.
 *
 * invoice_store writes settled bills as their customers' drafts for the
 * month (one open invoice per customer and period; a non-draft is never
 * touched) with their lines and ledger rows; a draft whose header, lines,
 * ledger rows and claims equal its bill's is left alone, not even locked,
 * and keeps its updated_at (found by key, its contents compared through
 * the digest on its header, content_digest, schema 072: a refresh where
 * nothing changed reads no line and writes no row of them). Each
 * line is priced at the index its invoice_index_use row (the publication and the link's terms,
 * schemas 056 and 059; rewritten with every draft), set-based: a handful of
 * statements for any number of bills. store_load reads a stored invoice back (the lines' index
 * use too) and checks that its
 * lines add up to its subtotal and its subtotal and tax to its total. Reentrant: works on the
 * caller's connection. Thread-safe with one connection per thread. */
#ifndef GPUMETER_INVOICE_STORE_H
#define GPUMETER_INVOICE_STORE_H

#include "billing/billing.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* A stored line's tax (invoice_line.tax, schema 026) as SQL, l and i the
 * aliases of the line and its invoice with their dots: the stored tax, or
 * for a row written before 026 (NULL) its amount x the invoice's rate
 * rounded once half away from zero, as bill_line_tax computed it then
 * (PostgreSQL's numeric round rounds half away from zero). */
#define LINE_TAX_SQL(l, i)                                                                   \
    "coalesce(" l "tax, round(" l "amount::numeric * " i "tax_rate_ppm / 1000000)::bigint)"

/* What remains of each line of invoice $1 after the credit notes issued
 * against it, as a subquery: the line's columns, billed_tax (its own tax,
 * LINE_TAX_SQL) and rem_quantity, rem_amount, rem_tax (its tax plus the
 * taxes of the credit notes' lines of the same line_no, each LINE_TAX_SQL).
 * The one reading of what a credit may take (billing/credit.c) and of what
 * a void reverses (lifecycle.c). */
#define REMAINING_LINES_SQL                                                                   \
    "(SELECT l.*, " LINE_TAX_SQL("l.", "i.") " AS billed_tax, "                                \
    "        l.quantity + coalesce(c.q, 0) AS rem_quantity, "                                 \
    "        l.amount + coalesce(c.a, 0) AS rem_amount, "                                     \
    "        " LINE_TAX_SQL("l.", "i.") " + coalesce(c.t, 0) AS rem_tax "                      \
    " FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id "                             \
    " LEFT JOIN (SELECT cl.line_no, sum(cl.quantity) q, sum(cl.amount) a, "                   \
    "                   sum(" LINE_TAX_SQL("cl.", "cn.") ") t "                               \
    "            FROM invoice_line cl JOIN invoice cn ON cn.id = cl.invoice_id "              \
    "            WHERE cn.credits = $1 AND cn.status = 'issued' GROUP BY cl.line_no) c "      \
    "   ON c.line_no = l.line_no "                                                            \
    " WHERE i.id = $1)"

/* first_day is "YYYY-MM-01". */
/* written[i] (when not NULL): whether bill i's draft was written, false
 * when its month's invoice is already issued. With each draft's lines go
 * its SLA evidence (sla_evidence.h) and, per index_swap line, the index
 * publication it settled at (invoice_index_use, schema 056: the
 * publication's row, matched by month, model, currency and revision). */
bool store_invoices(PGconn *conn, const char *first_day, const struct bill *bills, size_t n,
                    bool *written);
/* Records in invoice_refresh (schema 067) that this transaction's run
 * computed the month starting first_day for every customer (customer
 * NULL) or for one: store_invoices leaves an unchanged draft alone, its
 * updated_at where it was, and invoice_refreshed_at reads both. Call it
 * once per run, after the last store_invoices. */
bool store_refreshed(PGconn *conn, const char *first_day, const char *customer);
/* Records the month's customers that could not be priced (codes and
 * reasons as parallel array literals) in invoice_problem and removes their
 * drafts of the month; forgets earlier problems of the others (of customer
 * only, when not NULL). */
bool store_problems(PGconn *conn, const char *first_day, const char *customer, const char *codes,
                    const char *reasons);
/* The one invoice store_load reads, as a SQL condition over i (invoice)
 * and c (its customer): $1 its number, or when $1 is NULL the customer
 * $2's invoice of the month starting $3 that is not void. The invoice's
 * SLA evidence (sla_evidence.h) is found by the same rule. */
#define STORE_INVOICE_NAMED                                                                        \
    "(($1::text IS NOT NULL AND i.number = $1) OR ($1::text IS NULL AND c.code = $2 "            \
    "AND i.period = $3::date AND i.kind = 'invoice' AND i.status <> 'void'))"
/* Reads an invoice (by number, or else the open invoice of customer for
 * the month) and checks that its totals equal its lines. */
bool store_load(PGconn *conn, const char *number, const char *customer, const char *first_day,
                struct bill *b);
/* A customer's month (YYYY-MM) as statements and simulations show it,
 * handed to fn: the invoice that stands for it (INVOICE_STANDS) when the
 * month is issued for the customer, read back as issued (status "issued",
 * its number) and never priced again; otherwise the month priced live by
 * billing_load under the documents in effect. Returns what billing_load
 * returns: 1, or -1 after logging (no contract in effect, a database
 * error, fn's false). */
int store_load_month(PGconn *conn, const char *period, const char *customer, bill_fn fn,
                     void *ctx);
/* store_load_month in two steps (billing.h's billing_read and
 * billing_price): store_month_read finds whether an invoice stands for the
 * month and else reads the month's inputs (NULL after logging a database
 * error); store_month_price answers as store_load_month would have then,
 * any number of times, from any thread on its own connection (an issued
 * month's invoice is read back on each call: its state moves with time).
 * store_month_keepable: whether the inputs may be kept while schema 065's
 * statement_version and the customer's usage_version stand still (not when
 * device health reaches the bill, billing_inputs_live_health). */
struct store_month;
struct store_month *store_month_read(PGconn *conn, const char *period, const char *customer);
/* The month of an issued invoice: ids is its id as an array literal
 * ("{42}"), read back by store_load_each on each store_month_price. */
struct store_month *store_month_of_invoice(const char *ids);
int store_month_price(const struct store_month *m, PGconn *conn, bill_fn fn, void *ctx);
bool store_month_keepable(const struct store_month *m);
size_t store_month_bytes(const struct store_month *m); /* about, for a cache's bound */
void store_month_free(struct store_month *m);
/* Reads the invoices ids names (an array literal of invoice ids, "{4,2}"),
 * in that order, in two queries whatever their number: each is checked like
 * store_load's and handed to fn, then freed (fn may bill_move it). Returns
 * how many were handed, -1 after logging a failure (fn's false stops it). */
long store_load_each(PGconn *conn, const char *ids, bill_fn fn, void *ctx);

#endif
