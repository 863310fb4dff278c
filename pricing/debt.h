/* debt: a project's loan as a schedule (issue 37, docs/investor.md, "The
 * debt schedule"): from its drawdowns, annual rate, day count and
 * repayment, each period's opening balance, drawn amount, interest,
 * principal, payment and closing balance, in the currency's minor unit.
 *
 * Period k (0-based) runs from the previous due date (period 0: the first
 * drawdown) to due date k = first_due plus k periods of 1 or 3 months, the
 * same day of the month clamped to the month's end (a first_due on a
 * month's last day keeps to month ends). Interest accrues from a
 * drawdown's day (inclusive) to the due date (exclusive) on the balance,
 * summed exactly over the period as balance x days and rounded once per
 * period, half away from zero (128-bit intermediates):
 *     interest = round(sum(balance x days) x rate_micro / (basis x 10^6))
 * act/365 and act/360 count actual days; 30/360 is the ISDA 2006
 * 4.16(f) bond basis. Repayment:
 *  - annuity: a level payment from the nominal periodic rate
 *    i = rate x months / 12 on the total drawn B over n payments,
 *    A = B i (1+i)^n / ((1+i)^n - 1), computed exactly as a ratio of
 *    integers and rounded once (B / n when the rate is 0); each period's
 *    principal is A less its interest (never below 0, never above the
 *    balance);
 *  - linear: B split into n equal principal parts (money_split), interest
 *    on top;
 *  - bullet: interest only, B with the last payment.
 * The last payment takes the whole remaining balance, so the schedule
 * closes at exactly 0. Every drawdown is before first_due (validated by
 * the document). Pure; thread-safe. */
#ifndef GPUMETER_DEBT_H
#define GPUMETER_DEBT_H

#include <stdbool.h>
#include <stdint.h>

#define DEBT_MAX_DRAWDOWNS 120
#define DEBT_MAX_PAYMENTS  600 /* 50 years monthly */
#define DEBT_MAX_RATE_MICRO 1000000 /* 100% a year */

enum debt_day_count { DEBT_ACT_365, DEBT_ACT_360, DEBT_30_360 };
enum debt_repayment { DEBT_ANNUITY, DEBT_LINEAR, DEBT_BULLET };

struct debt_drawdown {
    int64_t day;    /* days since 1970-01-01 */
    int64_t amount; /* minor units, > 0 */
};

struct debt_terms {
    struct debt_drawdown drawdowns[DEBT_MAX_DRAWDOWNS]; /* in date order */
    int ndrawdowns;                                     /* >= 1 */
    int64_t rate_micro;                                 /* annual, 0..DEBT_MAX_RATE_MICRO */
    enum debt_day_count day_count;
    enum debt_repayment repayment;
    int months_per_period; /* 1 monthly, 3 quarterly */
    int64_t first_due;     /* days; after every drawdown */
    int payments;          /* 1..DEBT_MAX_PAYMENTS */
};

struct debt_row {
    int64_t from_day, due_day;
    int64_t opening, drawn, interest, principal, payment, closing;
};

/* The day count's name ("act/365", "act/360", "30/360") and back. */
const char *debt_day_count_name(enum debt_day_count d);
bool debt_day_count_parse(const char *s, enum debt_day_count *out);
const char *debt_repayment_name(enum debt_repayment r);
bool debt_repayment_parse(const char *s, enum debt_repayment *out);

/* Due date k (0-based) of the terms. */
int64_t debt_due_day(const struct debt_terms *t, int k);

/* Days from a to b under the day count (b >= a). */
int64_t debt_days(enum debt_day_count d, int64_t a, int64_t b);

/* The level payment of an annuity of total over n periods at the annual
 * rate (rate_micro) paid every months months: exact, rounded once. False
 * if it does not fit in int64. */
bool debt_annuity_payment(int64_t total, int64_t rate_micro, int months, int n, int64_t *out);

/* Fills rows[0 .. t->payments - 1]; false on an amount that does not fit
 * in int64 (nothing else fails: the terms are validated). */
bool debt_schedule(const struct debt_terms *t, struct debt_row *rows);

#endif
