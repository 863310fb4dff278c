/* sla_availability: a customer's availability under its contract's SLA
 * for a month, `report availability --customer` and GET /v1/availability
 * (docs/availability.md, "A customer's availability report"): the evidence
 * its SLA credit is computed from, one request away.
 *
 * Everything comes from schema 049 (sla_device_days, sla_windows: the one
 * definition), given the customer-caused codes of core/health_reasons.h:
 *  - terms: the contract's sla (target, tiers, cap, commitment shrink,
 *    excludes, reserved entries), as the contract in effect for the month
 *    states them;
 *  - days: per local day (the contract's time zone) with a window, the
 *    reserved devices' metered, up, degraded and down time, the time not up
 *    excluded as maintenance and as customer-caused, the downtime, and
 *    availability, (metered - downtime) / metered in parts per million
 *    rounded down (printed as a percent with 4 decimals, like the fleet's
 *    report); then the same per device, then the month's total;
 *  - windows: every window not up, by device then start (local times),
 *    with its state, reasons and class: excluded as "maintenance", as
 *    "customer_caused", or "no" (downtime).
 * Metered = up + degraded + down and downtime = degraded + down -
 * maintenance - customer on every row (asserted). Text prints GPU-hours,
 * CSV and JSON exact milliseconds; CSV fields a collector named go through
 * csv_field (formula characters neutralised).
 * Reentrant. Thread-safe with one connection per thread. */
#ifndef GPUMETER_SLA_AVAILABILITY_H
#define GPUMETER_SLA_AVAILABILITY_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>

/* Availability of the rows summed, as SQL over columns metered_ms and
 * downtime_ms: (metered - downtime) / metered in parts per million,
 * rounded down, in numeric (no 64-bit overflow); NULL when nothing was
 * metered. The report and the invoice's evidence page (sla_evidence.h)
 * both compute it with this. */
#define SLA_AVAILABILITY_PPM_SQL                                                                   \
    "CASE WHEN sum(metered_ms) > 0 THEN floor((sum(metered_ms) - sum(downtime_ms)) * 1000000 "     \
    "/ sum(metered_ms)) END"

enum sla_availability_result {
    SLA_AVAILABILITY_OK,
    SLA_AVAILABILITY_NO_CUSTOMER, /* no customer of that code: nothing appended */
    SLA_AVAILABILITY_NO_SLA,      /* no contract in effect in the month, or one without an sla */
    SLA_AVAILABILITY_DB_ERROR,    /* a query failed (printed); out may hold a part */
};

/* Appends customer's availability in period (YYYY-MM, checked by the
 * caller) to out. */
enum sla_availability_result sla_availability_report(PGconn *conn, const char *customer,
                                                     const char *period,
                                                     enum report_format format,
                                                     struct strbuf *out);

#endif
