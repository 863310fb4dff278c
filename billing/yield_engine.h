/* yield_engine: the cells of the yield (yield.h) and how money is
 * allocated to them; yield.c and yield_output.c are its only users.
 *
 * A cell is a site and accelerator model (by node: and a node). For a
 * month and currency, yield_read_month reads each cell's capacity,
 * energy (in total and by local hour) and assets, prices its costs
 * (yield_cost.h), then allocates the month's issued invoices
 * (net of partial credit notes) to cells: GPU-hour and energy lines to
 * their own cell, every other amount of a customer over its cells by GPU
 * time (token lines by its training jobs' GPU time) with money_split, so
 * every amount lands in exactly one cell, exact to the minor unit; what no
 * GPU time carries goes to the unallocated cell ("-", "-"). The weights
 * of every split (GPU time, energy, installed and allocated time) are never
 * negative, a training job's GPU time is part of its customer's, and a
 * node's allocated time part of its installed: the schema's CHECKs on
 * usage_hourly (001) and capacity_hourly (015) hold them, and the
 * allocation asserts them. Reentrant:
 * state is the caller's; every array is on the heap (free v). */
#ifndef GPUMETER_YIELD_ENGINE_H
#define GPUMETER_YIELD_ENGINE_H

#include "billing/yield.h"

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

/* The cells of the month starting first_day in currency, with revenue
 * allocated; tr, when not NULL, gets each by-token customer's token
 * revenue for yield_read_tokens. False after printing a database error. */
bool yield_read_month(PGconn *conn, const char *first_day, const char *currency,
                      struct yield_cells *m, struct yield_token_revenues *tr);
/* Adds to each cell of m its margins from its asset's first month up to
 * the month before first_day (payback). */
bool yield_add_margins_to_date(PGconn *conn, const char *first_day, const char *currency,
                               struct yield_cells *m);
/* Training tokens per accelerator model and model size, and the token
 * revenue of tr split over each customer's models by its tokens. */
bool yield_read_tokens(PGconn *conn, const char *first_day,
                       const struct yield_token_revenues *tr, struct yield_tokens *t);
/* Each cell of m split over its nodes into out: revenue and allocated
 * energy by allocated time, idle energy by idle energy, depreciation by
 * installed time (each falling back to installed time). */
bool yield_split_nodes(PGconn *conn, const char *first_day, const struct yield_cells *m,
                       struct yield_cells *out);
/* The cells of m summed by model or by site into out. */
void yield_group(const struct yield_cells *m, enum yield_by by, struct yield_cells *out);

/* A cell's revenue (invoiced lines), and its margin after energy cost and
 * depreciation. */
int64_t yield_revenue(const struct yield_cell *c);
int64_t yield_margin(const struct yield_cell *c);

#endif
