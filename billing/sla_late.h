/* sla_late: health that arrives after a month's invoice was issued (issue
 * 36, deliverable 4; docs/availability.md, "Late health"): the difference
 * it makes to that month's SLA credit, as one sla_credit line on the
 * customer's next bill, never a change to the issued invoice (the rule of
 * late usage, late.h).
 *
 * sla_late_load finds the customers' earlier months P with a standing
 * invoice (INVOICE_STANDS) whose contract in effect for P has an sla and
 * for which health was ingested (device_health.ingested_at) after the
 * invoice that last credited P was last refreshed: P's own invoice or a
 * later standing one whose sla_credit line adjusts P. For each, it sums
 * sla_device_days (schema 049) for P now, takes P's affected charges AS
 * ISSUED (sla_affected over the standing invoice's lines: the take-or-pay
 * minimum and its shrink stand as issued), computes P's credit with P's
 * terms (sla_credit_compute) and compares it with what was credited for P
 * so far: the sla_credit lines of P's standing invoice and of every later
 * standing invoice that adjusts P. A difference is one LINE_SLA_CREDIT
 * line with adjusts = P (negative: more is owed to the customer; positive:
 * late up time shows it was credited too much), its detail naming P, the
 * availability now, the credit now and what was credited before
 * ("2026-10: 75.0000% < 95%: 30% x 1000.00 = 300.00 - 100.00"), and the
 * evidence sums it was computed from (sla_metered_ms, sla_downtime_ms):
 * store_invoices writes P's evidence rows on the draft from them.
 *
 * A new invoice for a month whose first was voided (the month being
 * billed) deducts what later standing invoices' sla_credit lines already
 * credited of it: one sla_credit line adjusting its own month, positive,
 * its detail the month and those invoices ("2026-10: INV-2026-000002"),
 * as late usage's "billed on" lines do; its own credit is computed with
 * the health now, like any draft's.
 *
 * A customer whose stored contract for P does not validate is warned of
 * and skipped (P's invoice stands; nothing is credited for it), as late
 * usage does. Reentrant. Thread-safe with one connection per thread. */
#ifndef GPUMETER_SLA_LATE_H
#define GPUMETER_SLA_LATE_H

#include "pricing/prior.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Appends to out the late SLA adjustments for the bills of the month
 * starting first_day, for the customers in a text array literal (NULL:
 * all); out is left unsorted (prior_sort). False after printing a
 * database error. */
bool sla_late_load(PGconn *conn, const char *first_day, const char *customers,
                   struct prior_lines *out);

#endif
