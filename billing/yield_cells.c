/* yield_cells: the yield's cells (see yield_cells.h). */
#include "billing/yield_cells.h"

#include "core/alloc.h"
#include "core/db.h"

#include <stdio.h>
#include <string.h>

struct yield_cell *yield_cell_get(struct yield_cells *m, const char *site, const char *node,
                                  const char *model)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->v[i].site, site) && !strcmp(m->v[i].node, node) &&
            !strcmp(m->v[i].model, model))
            return &m->v[i];
    ALLOC_GROW(m->v, m->n, m->cap, 16);
    struct yield_cell *c = &m->v[m->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->site, sizeof c->site, "%s", site);
    snprintf(c->node, sizeof c->node, "%s", node);
    snprintf(c->model, sizeof c->model, "%s", model);
    return c;
}

int64_t yield_int(const PGresult *res, int r, int c)
{
    int64_t v = 0;
    db_get_int64(res, r, c, &v);
    return v;
}

int64_t yield_revenue(const struct yield_cell *c)
{
    return c->rev[R_GPU] + c->rev[R_ENERGY] + c->rev[R_TOKENS] + c->rev[R_OTHER];
}

int64_t yield_margin(const struct yield_cell *c)
{
    return yield_revenue(c) - c->idle_cost - c->used_cost - c->depreciation;
}
