/* idle: where the fleet's capacity sat idle (docs/operator.md, "Capacity"),
 * one query for `report capacity` and GET /v1/operator/capacity.
 *
 * Per hour or local day of [from, to] (both days inclusive, in the
 * operator's time zone, default_time_zone()), per site and accelerator
 * model, from capacity_hourly: the nodes reporting, installed, allocated
 * and idle GPU time, and the idle time split into what whole idle nodes of
 * 8 or more devices hold (room for an 8-GPU job) and fragments: GPUs
 * stranded beside allocated ones, and whole idle nodes too small for such a
 * job. A node's size is its largest hour of installed time in the range,
 * in whole devices. Reentrant. Thread-safe with one connection per thread. */
#ifndef GPUMETER_IDLE_H
#define GPUMETER_IDLE_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Appends the report to out; from and to are "YYYY-MM-DD", checked. False
 * after printing a database error. */
bool idle_report(PGconn *conn, const char *from, const char *to, bool hourly,
                 enum report_format format, struct strbuf *out);

#endif
