/* health_report: the fleet's health for a month, `report health`
 * (docs/availability.md, "The operator's view"): which devices fail most
 * and why.
 *
 * For a month (YYYY-MM, the operator's time zone, default_time_zone()),
 * from device_health (schema 047), a window counting whole in the month
 * its start falls in, like `report availability`:
 *  - devices: the top N devices with time not up, by down then degraded
 *    time; each with its metered, degraded and down time and its
 *    incidents (runs of windows not up: a window not up that follows an
 *    up window, or is the device's first of the month), and what its down
 *    time cost: down GPU-hours at its model's revenue per allocated
 *    GPU-hour of the month in currency (report yield's, yield_engine.h),
 *    rounded once, half up; an estimate of revenue forgone, not a credit;
 *    none when the model had no allocated time;
 *  - reasons: per reason code, the devices and windows that carried it and
 *    their time, with the code's state, customer-caused flag and meaning
 *    from core/health_reasons.h (a code the table does not know says so);
 *  - credits: the sla_credit lines of standing invoices (INVOICE_STANDS)
 *    in currency that count in the month, per customer and in total, as
 *    a cost (positive): the month's own invoice's, and late adjustments
 *    of later invoices whose `adjusts` names the month;
 *  - cost: the down time's cost over every device (not only the top N
 *    listed), the down time no rate priced, and the credits.
 * device_health is read through schema 053's security definers, so the
 * API role (GET /v1/fleet/health) may call this too.
 * Times are exact milliseconds; text prints GPU-hours (report_format.h).
 * Reentrant. Thread-safe with one connection per thread. */
#ifndef GPUMETER_HEALTH_REPORT_H
#define GPUMETER_HEALTH_REPORT_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Appends the report of period (YYYY-MM, checked by the caller) to out,
 * at most top (> 0) device rows; per_customer false leaves out the credits
 * per customer (JSON: no "credits" member; "credits_total" stays): an operator key's view, which shows no
 * customer's invoices (docs/api.md#roles). False after printing a
 * database error. */
bool health_report(PGconn *conn, const char *period, const char *currency, long long top,
                   bool per_customer, enum report_format format, struct strbuf *out);

#endif
