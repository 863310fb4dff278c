/* yield_programs: the vouchers and subsidy programs that priced a month,
 * for yield_alloc.c to place what each paid on the cells it covers
 * (pricing/settle.h: voucher_covers_cell, subsidy_covers_cell, the one
 * definition settle_bill priced by).
 *
 * The terms are the documents in effect on the month's first day, the ones
 * month.h settled the month with (a version that priced an issued invoice
 * is never replaced, terms/docstore.h). A code that is not found (a
 * document that no longer validates) is NULL: the caller falls back to
 * its rule for unknown programs. Reentrant: a yield_programs is its
 * caller's (yield_programs_free). Thread-safe with one connection per
 * thread. */
#ifndef GPUMETER_YIELD_PROGRAMS_H
#define GPUMETER_YIELD_PROGRAMS_H

#include "pricing/terms.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct yield_programs {
    struct voucher *vouchers;
    size_t nvouchers;
    struct subsidy *subsidies;
    size_t nsubsidies;
};

/* Reads the vouchers and subsidy programs in effect on first_day
 * (YYYY-MM-01). False after printing a database error. */
bool yield_programs_load(PGconn *conn, const char *first_day, struct yield_programs *p);
void yield_programs_free(struct yield_programs *p);

/* The voucher or subsidy program of code, NULL when p has none. */
const struct voucher *yield_voucher(const struct yield_programs *p, const char *code);
const struct subsidy *yield_subsidy(const struct yield_programs *p, const char *code);

#endif
