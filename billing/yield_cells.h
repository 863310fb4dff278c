/* yield_cells: the cells of the yield (a site and accelerator model; by
 * node, and a node) and what each holds: capacity, energy, costs and the
 * revenue allocated to it, for yield_engine.c, yield_alloc.c and
 * yield_output.c. Pure; a yield_cells is its caller's (free v). */
#ifndef GPUMETER_YIELD_CELLS_H
#define GPUMETER_YIELD_CELLS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a revenue amount is: a cell's revenue (GPU-hour, energy and token
 * lines, everything else) and what programs paid (subsidies, vouchers). */
enum rev { R_GPU, R_ENERGY, R_TOKENS, R_OTHER, R_SUBSIDY, R_VOUCHER, NREV };

struct yield_cell {
    char site[65], node[65], model[65];
    int64_t installed, allocated, whole, stranded, idle_mj, used_mj;
    bool tariff, asset;
    int64_t idle_cost, used_cost, depreciation, purchase;
    char since[8];
    int64_t idle_mkwh, used_mkwh; /* facility energy, thousandths of a kWh */
    int64_t rev[NREV];            /* subsidy and voucher: what programs paid, > 0 */
    int64_t margin_to_date;       /* payback: margins since the asset's first month */
    /* availability (yield_health.h): the row's devices' health windows of
     * the month, their up part, up / metered in ppm rounded down; -1 when
     * nothing was metered */
    int64_t health_ms, up_ms, availability_ppm;
};

struct yield_cells {
    struct yield_cell *v;
    size_t n, cap;
    bool has_tokens; /* some customer's token lines were allocated */
};

struct yield_token_row {
    char model[65];
    const char *bracket;
    int64_t tokens, gpu_ms, revenue;
};

struct yield_tokens {
    struct yield_token_row *v;
    size_t n, cap;
};

struct yield_token_revenue {
    long long customer;
    int64_t amount;
};

struct yield_token_revenues {
    struct yield_token_revenue *v;
    size_t n, cap;
};

/* The cell of site, node and model in m, added (all zero) if new; adding
 * may move every cell. */
struct yield_cell *yield_cell_get(struct yield_cells *m, const char *site, const char *node,
                                  const char *model);
/* Column c of row r as a bigint; 0 when NULL or out of range. */
int64_t yield_int(const PGresult *res, int r, int c);

/* A cell's revenue (invoiced lines), and its margin after energy cost and
 * depreciation. */
int64_t yield_revenue(const struct yield_cell *c);
int64_t yield_margin(const struct yield_cell *c);

#endif
