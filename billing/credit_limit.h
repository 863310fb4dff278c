/* credit_limit: a customer's exposure against its contract's credit limit
 * (docs/receivables.md, "Credit limits"), one definition for `gpumeter
 * credit check|show` and GET /v1/credit.
 *
 * exposure = open  (what issued invoices leave open, invoice_open_at(now()))
 *          + unbilled (the months not yet issued, the current local month
 *            and the one before it, priced as the statement prices them:
 *            store_load_month, never a second pricing)
 *          - prepaid (the customer_credit balance)
 *          - deposit (the deposit held, only when the contract applies it
 *            to invoices; an on_default deposit is security, not credit).
 * Every figure is in the currency of the contract in effect this month,
 * in its minor units. used_pct is floor(exposure x 100 / limit) (0 when
 * the exposure is not above 0); a threshold t is crossed when exposure x
 * 100 >= t x limit, exact integer arithmetic; over_limit when exposure >=
 * limit. A customer without a contract this month (its contract ended or
 * was terminated) is read under its latest contract version, its unbilled
 * months those a contract was in effect in. hold, what a scheduler acts on
 * (docs/operations.md): over_limit, or in default now
 * (customer_default_at with default_after_days), or no contract in effect
 * this month. Reentrant. Thread-safe with one connection per thread. */
#ifndef GPUMETER_CREDIT_LIMIT_H
#define GPUMETER_CREDIT_LIMIT_H

#include "pricing/terms.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

struct credit_exposure {
    char customer[65], currency[4];
    char month[8]; /* the customer's current local month, YYYY-MM */
    int digits;    /* the currency's minor digits */
    bool has_limit;
    int64_t limit; /* minor units; 0 without a limit */
    int64_t open, unbilled, prepaid, deposit;
    bool deposit_counts; /* the contract applies its deposit to invoices */
    int64_t exposure, used_pct;
    bool over_limit;
    bool contract_in_effect; /* this month; else the latest version's terms */
    bool in_default;         /* now, customer_default_at */
    bool hold;               /* over_limit, in_default or no contract in effect */
    int thresholds[CREDIT_MAX_THRESHOLDS], nthresholds;
    int ncrossed; /* thresholds[0..ncrossed) are crossed (they ascend) */
};

/* Reads customer's exposure into x: 1; 0 when the customer has no
 * contract at all (x->customer set, nothing else); -1 after logging a
 * database or pricing failure. */
int credit_limit_exposure(PGconn *conn, const char *customer, long default_after_days,
                          struct credit_exposure *x);

/* Emits credit.threshold through notify_emit for each threshold x has
 * crossed, once per customer, month and threshold (subject
 * "<customer>/<YYYY-MM>/<pct>"), in the caller's transaction. Returns how
 * many this call emitted (the others had been before), -1 after logging. */
int credit_limit_notify(PGconn *conn, const struct credit_exposure *x);

#endif
