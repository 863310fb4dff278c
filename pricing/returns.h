/* returns: a project's cash flows judged as an investment (issue 37,
 * docs/investor.md, "Payback, NPV and IRR"): month 0 is the purchase (a
 * negative flow), month k >= 1 that month's CFADS (to date, then the
 * backlog's projection). All exact, no float:
 *  - NPV at an annual rate r compounded monthly, i = r / 12:
 *        NPV = sum_k flow_k / (1 + i)^k
 *    computed as one ratio of integers, with a = 12e6 and b = 12e6 + r
 *    (rate in micro per year): NPV = sum_k flow_k a^k b^(n-1-k) / b^(n-1)
 *    (pricing/bigint.h), rounded once to the minor unit, half away from
 *    zero;
 *  - IRR: the annual rate (micro, same monthly compounding) at which the
 *    exact NPV changes sign, by bisection over whole micro-rates in
 *    [RETURNS_MIN_RATE, RETURNS_MAX_RATE]: the largest rate whose NPV has
 *    the sign of the NPV at RETURNS_MIN_RATE, i.e. the root rounded down to
 *    1e-6 a year (the rate itself when the NPV there is exactly 0); none
 *    when the signs at the two bounds do not differ or every flow is 0. Flows with several
 *    sign changes may have several roots; the bisection reports one (the
 *    documented limit);
 *  - payback: the first month whose cumulative flow reaches 0.
 * Pure; thread-safe. */
#ifndef GPUMETER_RETURNS_H
#define GPUMETER_RETURNS_H

#include <stdbool.h>
#include <stdint.h>

#define RETURNS_MAX_MONTHS 480        /* 40 years after the purchase */
#define RETURNS_MIN_RATE (-999999)    /* -99.9999% a year */
#define RETURNS_MAX_RATE 10000000     /* 1000% a year */

/* NPV of flows[0 .. months] (months + 1 flows, months in
 * 0..RETURNS_MAX_MONTHS) at rate_micro in [RETURNS_MIN_RATE,
 * RETURNS_MAX_RATE] (asserted); false when it does not fit in int64. */
bool returns_npv(const int64_t *flows, int months, int64_t rate_micro, int64_t *out);

/* -1, 0 or 1: the exact sign of the NPV (same arguments). */
int returns_npv_sign(const int64_t *flows, int months, int64_t rate_micro);

/* The IRR in micro per year, rounded down; false when there is none. */
bool returns_irr(const int64_t *flows, int months, int64_t *irr_micro);

/* The first month k (0..months) whose cumulative flow flows[0] + .. +
 * flows[k] is >= 0; -1 when none is. */
int returns_payback_month(const int64_t *flows, int months);

/* A micro-rate as a percentage with 4 decimals, "12.3456%", "-0.0001%"
 * (exact: 1e-6 is 0.0001%). out holds at least RETURNS_RATE_TEXT bytes. */
#define RETURNS_RATE_TEXT 24
void returns_rate_text(int64_t micro, char *out);

#endif
