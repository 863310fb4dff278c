/* claims: what voucher programs paid in a month, per customer, voucher and
 * invoice: each program's reimbursement claim, which counts issued
 * invoices only. One query serves `gpumeter report vouchers` and
 * `GET /v1/finance/vouchers`. Reentrant.
 * Thread-safe with one connection per thread. */
#ifndef GPUMETER_CLAIMS_H
#define GPUMETER_CLAIMS_H

#include <libpq-fe.h>

/* Rows of program (NULL: every program) for the month starting first_day:
 * customer, voucher, invoice number ('-' if none), invoice status, paid
 * (minor units), the currency's minor digits, currency, program; ordered
 * by program, currency, customer, voucher, invoice (a claim is per program
 * and currency). NULL after a database error. */
PGresult *claims_read(PGconn *conn, const char *program, const char *first_day);

#endif
