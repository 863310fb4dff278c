/* price_index: the realised compute price index (issue 37, deliverable 3;
 * docs/investor.md, "The realised compute price index"): per series,
 * basis, month, key and currency, the volume-weighted price actually
 * invoiced, from the lines of the invoices that stand (INVOICE_STANDS)
 * for the month, their prior-period lines on later invoices, and the
 * partial credit notes against them (INVOICE_NETS). Three series, never
 * mixed: gpu_hours (GPU-time usage lines, per GPU-hour, key the
 * accelerator model), tokens (token usage lines, per million tokens, key
 * the token class) and commitments (the GPU time and take-or-pay money of
 * contracts with a GPU-hour commitment, per GPU-hour used, key "*"). Two
 * bases: gross (the lines as invoiced) and net (less each invoice's
 * pre-tax vouchers, shared over its usage lines by amount, exactly). A
 * value is published only with at least min_contracts contributing
 * contracts; below that the row says "insufficient" and no volume or
 * money of it is shown. Reads only; thread-safe (one connection per
 * caller). */
#ifndef GPUMETER_PRICE_INDEX_H
#define GPUMETER_PRICE_INDEX_H

#include "billing/report_format.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* The series: what is priced, in what unit (docs/investor.md). */
enum price_index_series { INDEX_GPU_HOURS, INDEX_TOKENS, INDEX_COMMITMENTS };
/* The basis: gross as invoiced, or net of pre-tax vouchers and subsidies. */
enum price_index_basis { INDEX_GROSS, INDEX_NET };

/* "gpu_hours", "tokens", "commitments" (NULL: gpu_hours); false for
 * anything else. */
bool price_index_series_parse(const char *s, enum price_index_series *out);
/* "gross", "net" (NULL: gross); false for anything else. */
bool price_index_basis_parse(const char *s, enum price_index_basis *out);

/* What a report reads: the months from..to (YYYY-MM, both included), one
 * key (model or token class) or all (NULL), one series and basis; with
 * days, the GPU-hour series per local day of the one month from = to,
 * always provisional (docs/investor.md, "Per day, provisional"). */
struct price_index_query {
    const char *from, *to, *model;
    enum price_index_series series;
    enum price_index_basis basis;
    bool days;
    /* the newest publication of each month, key and currency, and only
     * when it is final: what a key other than finance's reads in public
     * mode (docs/investor.md, "Who may read it"); not with days */
    bool published_only;
};

/* The index of q into out in the format given: one row per month, key
 * and currency that has lines of the series, oldest month first, keys in
 * byte order; with q->days (the GPU-hour series, from = to, not with
 * revisions: asserted), one row per day of the month, model and currency
 * whose customers have GPU time that day. With revisions, instead, every
 * publication of the series
 * and basis stored for those months (price_index_publish), each with its
 * revision and time, as it was published; with q->published_only, only the
 * newest of each month, key and currency, when it is final. False after a
 * database error (logged). */
bool price_index_report(PGconn *conn, const struct price_index_query *q, long min_contracts,
                        bool revisions, enum report_format format, struct strbuf *out);

/* What one publication added, over every series and basis: rows (series,
 * basis, key, currency) published the first time, revisions (their
 * figures differ from their newest publication), and those unchanged
 * (nothing added). */
struct price_index_published {
    long long first, revisions, unchanged;
};

/* Publishes the index of period (YYYY-MM), every series and basis, as it
 * stands now into price_index_publication (schemas 055, 058; append-only):
 * a row per series, basis, key and currency whose published figures
 * (contracts, quantity, amount, price, status) differ from its newest row
 * of the month, or that has none; one with no line left gets one with 0
 * contracts. One statement: two publications racing, one fails on the
 * key and may be run again. False after a database error (logged). */
bool price_index_publish(PGconn *conn, const char *period, long min_contracts,
                         struct price_index_published *out);

#endif
