/* balances: what a statement shows of the receivables ledger beside its
 * month (docs/receivables.md, "Statements"): the customer's deposit held
 * and prepaid (credit) balance in the statement's currency, from
 * customer_balance as the ledger stands now. Reentrant. Thread-safe with
 * one connection per thread. */
#ifndef GPUMETER_BALANCES_H
#define GPUMETER_BALANCES_H

#include "pricing/bill.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Sets b's has_balances, deposit_held and prepaid for b->customer (its
 * code) in b->currency (0 when the ledger holds nothing for it). False
 * after logging a database error. */
bool balances_read(PGconn *conn, struct bill *b);

#endif
