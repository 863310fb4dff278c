/* index_revision: an index revision published after an invoice was
 * issued, settled by the late-usage rule (docs/investor.md, "Prices
 * linked to the index"; docs/invoices.md, "Late usage").
 *
 * index_revision_load reads, over invoice_index_use (schema 056, 059), the
 * issued months before the one billed whose lines priced or settled at
 * the index used a value that the newest publication of its month, model
 * and currency (price_index_latest) now replaces, and hands each month's
 * customers to the repricing of their line kind (a table in
 * index_revision.c, one entry per kind): a usage line priced at the index
 * is rated again with its month as late usage is (late_month_adjust), the
 * difference to what was billed for the month one index_revision line per
 * line key on the customer's next invoice, recording the new publication.
 * A month late usage already rated again in this run (a prior_period line
 * of it in out) is not rated twice: its lines carry the newest value. A
 * fixed-for-floating settlement (an index_swap line, no link terms) is
 * settled again line by line from the stored line, at the newest final
 * value: one index_revision line per swap line whose settlement changes,
 * index_swap_revision's difference of two settlements each rounded once
 * (pricing/index_swap.h), whether or not late usage rated the month.
 * Reentrant: state is the caller's. Thread-safe with one connection per
 * thread. */
#ifndef GPUMETER_INDEX_REVISION_H
#define GPUMETER_INDEX_REVISION_H

#include "pricing/prior.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Appends to out the index_revision lines for the bills of the month
 * starting first_day, for the customers in a text array literal (NULL:
 * all); out need not be sorted (prior_sort it after). False after
 * printing a database error. */
bool index_revision_load(PGconn *conn, const char *first_day, const char *customers,
                         struct prior_lines *out);

#endif
