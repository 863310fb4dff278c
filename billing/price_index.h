/* price_index: the realised compute price index (issue 37, deliverable 3;
 * docs/investor.md, "The realised compute price index"): per month,
 * accelerator model and currency, the volume-weighted price per GPU-hour
 * actually invoiced, from the GPU-time (gpu_ms) usage lines of the
 * invoices that stand (INVOICE_STANDS) for the month, their prior-period
 * lines on later invoices, and the partial credit notes against them
 * (INVOICE_NETS). Gross: vouchers and subsidies are not in it. A value is
 * published only with at least min_contracts contributing contracts;
 * below that the month and model say "insufficient" and no volume or
 * money of it is shown. Reads only; thread-safe (one connection per
 * caller). */
#ifndef GPUMETER_PRICE_INDEX_H
#define GPUMETER_PRICE_INDEX_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* The index of the months from..to (YYYY-MM, both included), of one model
 * when model is not NULL, into out in the format given: one row per month,
 * model and currency that has GPU-time lines, oldest month first, models
 * in byte order. With revisions, instead, every publication stored for
 * those months (price_index_publish), each with its revision and time, as
 * it was published. False after a database error (logged). */
bool price_index_report(PGconn *conn, const char *from, const char *to, const char *model,
                        long min_contracts, bool revisions, enum report_format format,
                        struct strbuf *out);

/* What one publication added: models and currencies published the first
 * time, revisions (their figures differ from their newest publication),
 * and those unchanged (nothing added). */
struct price_index_published {
    long long first, revisions, unchanged;
};

/* Publishes the index of period (YYYY-MM) as it stands now into
 * price_index_publication (schema 055, append-only): a row per model and
 * currency whose published figures (contracts, GPU-hours, amount, price,
 * status) differ from its newest row of the month, or that has none; a
 * model and currency with no line left gets one with 0 contracts. One
 * statement: two publications racing, one fails on the key and may be
 * run again. False after a database error (logged). */
bool price_index_publish(PGconn *conn, const char *period, long min_contracts,
                         struct price_index_published *out);

#endif
