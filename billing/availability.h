/* availability: each group of devices' up, degraded and down time from
 * device_health (schema 047), one query for `report availability`
 * (docs/availability.md, "The report").
 *
 * For [from, to] (both days inclusive, in the operator's time zone,
 * default_time_zone()), per site, model, node or device: the devices
 * metered, their metered time (the sum of their health windows), the up,
 * degraded and down parts of it, and availability, up time over metered
 * time in parts per million, rounded down (never more available than
 * measured); then the same over every device. A window counts whole in the
 * range its start falls in. Up + degraded + down = metered on every row
 * (asserted). Reentrant. Thread-safe with one connection per thread. */
#ifndef GPUMETER_AVAILABILITY_H
#define GPUMETER_AVAILABILITY_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* AVAILABILITY_BY_NODE_MODEL is not a choice of the report: it keys a
 * node's devices of one model (site/node/model), the rows of `report yield
 * --by node` (yield_health.h). */
enum availability_by { AVAILABILITY_BY_SITE, AVAILABILITY_BY_MODEL, AVAILABILITY_BY_NODE,
                       AVAILABILITY_BY_DEVICE, AVAILABILITY_BY_NODE_MODEL };

/* "site", "model", "node", "device"; false for anything else. */
bool availability_by_parse(const char *s, enum availability_by *out);

/* The report's rows, the one query of availability: columns 0 grouping
 * (1 on the fleet's row, last), 1 key (site; model; site/node;
 * site/node/device; site/node/model), 2 devices, 3 metered_ms, 4 up_ms,
 * 5 degraded_ms, 6 down_ms, 7 availability_ppm (rounded down; NULL when
 * nothing was metered). from and to as availability_report's. NULL after
 * printing a database error; the caller PQclears it. */
PGresult *availability_read(PGconn *conn, const char *from, const char *to,
                            enum availability_by by);

/* Appends the report to out; from and to are "YYYY-MM-DD", checked. False
 * after printing a database error. */
bool availability_report(PGconn *conn, const char *from, const char *to, enum availability_by by,
                         enum report_format format, struct strbuf *out);

#endif
