/* yield: what each GPU earns (docs/operator.md, "Yield"), one engine for
 * `report yield` and GET /v1/operator/yield.
 *
 * For a month (the operator's time zone, default_time_zone()) and one
 * currency, per site and accelerator model (a cell): capacity from
 * capacity_hourly; revenue of the month's issued invoices, GPU-hour and
 * energy lines to their own cell, every other amount of a customer (token
 * lines by the GPU time of its training jobs, shortfall, floors, make-up,
 * prior periods by all its GPU time; vouchers and subsidies over the cells
 * their program covers, yield_programs.h) split over its cells with
 * money_split, exact to the minor unit; energy cost of allocated
 * and idle facility energy at the site's tariff and time-of-use bands,
 * rounded once per cell; straight-line depreciation from the asset
 * documents; margin, and payback so far (the cells' margins summed from
 * their asset's first month), and each row's availability (its devices'
 * health windows, up / metered in ppm rounded down, yield_health.h). Rows
 * by model or site sum cells; by node,
 * each cell's figures are split over its nodes by allocated time (revenue,
 * allocated energy), idle energy and installed time (depreciation).
 * The engine (cells and allocation) is yield_engine.h, the rows' text, CSV
 * and JSON yield_output.h, the formats every report shares report_format.h.
 * Reentrant: everything lives in the caller's strbuf and the call's heap.
 * Thread-safe with one connection per thread. */
#ifndef GPUMETER_YIELD_H
#define GPUMETER_YIELD_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yield_by { YIELD_BY_MODEL, YIELD_BY_SITE, YIELD_BY_NODE };

/* "model", "site", "node"; false for anything else. */
bool yield_by_parse(const char *s, enum yield_by *out);

/* Appends the report of period (YYYY-MM, checked) in currency to out.
 * False after printing a database error. */
bool yield_report(PGconn *conn, const char *period, const char *currency, enum yield_by by,
                  enum report_format format, struct strbuf *out);

#endif
