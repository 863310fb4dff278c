/* yield_health: each row of the yield's availability (docs/operator.md,
 * "Availability in the yield"), for yield.c.
 *
 * The month's health windows (device_health, schema 047) grouped as the
 * yield's rows are: by model, by site, or by node a node's devices of the
 * row's model; each row gets its devices' metered time, its up part and
 * availability in ppm, rounded down, from availability.h's one query (the
 * same figures `report availability` prints for the month's days). A row
 * nothing was metered for (no health collected, the no-GPU-time row) gets
 * -1. Reentrant. Thread-safe with one connection per thread. */
#ifndef GPUMETER_YIELD_HEALTH_H
#define GPUMETER_YIELD_HEALTH_H

#include "billing/yield.h"
#include "billing/yield_cells.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Sets each row's health_ms, up_ms and availability_ppm for the month
 * starting first_day ("YYYY-MM-01"). False after printing a database
 * error. */
bool yield_add_availability(PGconn *conn, const char *first_day, enum yield_by by,
                            struct yield_cells *rows);

#endif
