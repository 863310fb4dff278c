/* project_month: the investor's month's pure rules (see project_month.h). */
#include "billing/project_month.h"

#include "core/alloc.h"
#include "core/invariant.h"
#include "pricing/returns.h"

#include <stdlib.h>
#include <string.h>

int64_t project_month_fixed(const struct project *p, int64_t first, int64_t last)
{
    assert(first <= last);
    int64_t sum = 0;
    for (int i = 0; i < p->ncosts; i++) {
        const struct project_cost *c = &p->costs[i];
        if (c->from <= last && (c->until < 0 || c->until >= first)) sum += c->monthly;
    }
    return sum;
}

int64_t project_month_debt_service(const struct debt_row *rows, int n, int64_t first,
                                   int64_t last)
{
    int64_t sum = 0;
    for (int k = 0; k < n; k++)
        if (rows[k].due_day >= first && rows[k].due_day <= last) sum += rows[k].payment;
    return sum;
}

void project_month_close(struct project_month *m)
{
    m->operating = m->energy + m->fixed;
    m->cfads = m->collected - m->operating;
}

/* a / b rounded toward minus infinity, b > 0 */
static __int128 floor_div(__int128 a, __int128 b)
{
    assert(b > 0);
    __int128 q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

bool project_month_dscr(int64_t cfads, int64_t debt_service, int64_t *hundredths)
{
    assert(debt_service >= 0);
    if (debt_service == 0) return false;
    *hundredths = (int64_t)floor_div((__int128)cfads * 100, debt_service);
    return true;
}

bool project_month_utilisation(int64_t allocated, int64_t installed, int64_t *bp)
{
    assert(allocated >= 0 && installed >= 0);
    if (installed == 0) return false;
    *bp = (int64_t)floor_div((__int128)allocated * 10000, installed);
    return true;
}

int project_month_flows(int64_t purchase, const int64_t *cfads, int ncfads,
                        const struct project_backlog_month *backlog, int nbacklog,
                        int64_t operating, int64_t *flows)
{
    assert(ncfads >= 1 && ncfads <= RETURNS_MAX_MONTHS && nbacklog >= 0 && purchase >= 0);
    int months = 0;
    flows[0] = -purchase;
    for (int k = 0; k < ncfads; k++)
        flows[++months] = cfads[k];
    for (int k = 0; k < nbacklog && months < RETURNS_MAX_MONTHS; k++)
        flows[++months] = backlog[k].committed - operating;
    return months;
}

int project_month_backlog_span(const struct project_backlog_month *backlog, int n)
{
    while (n > 0 && backlog[n - 1].committed == 0)
        n--;
    return n;
}

void project_month_returns(const int64_t *flows, int months, bool has_rate, int64_t rate_micro,
                           struct project_returns *out)
{
    out->has_npv = has_rate && returns_npv(flows, months, rate_micro, &out->npv);
    out->has_irr = returns_irr(flows, months, &out->irr_micro);
    out->payback = returns_payback_month(flows, months);
}

/* Slot of month in c, grown to hold it (months only ever at or after the
 * first one kept: a project's months start at its first). */
static int cache_slot(struct project_month_cache *c, int64_t month)
{
    if (c->n == 0 && c->cap == 0) c->first = month;
    assert(month >= c->first && month - c->first < RETURNS_MAX_MONTHS + 1);
    int i = (int)(month - c->first);
    while (i >= c->n) {
        int old = c->cap;
        ALLOC_GROW(c->v, c->n, c->cap, 16);
        if (c->cap != old) {
            c->have = xreallocarray(c->have, (size_t)c->cap, sizeof *c->have);
            memset(c->have + old, 0, (size_t)(c->cap - old) * sizeof *c->have);
        }
        c->n++;
    }
    return i;
}

bool project_month_cache_read(struct project_month_cache *c, int64_t month,
                              project_month_reader read, void *ctx, struct project_month *m)
{
    if (!c) return read(ctx, month, m);
    c->reads++;
    if (!read(ctx, month, m)) return false;
    int i = cache_slot(c, month);
    c->v[i] = *m, c->have[i] = true;
    return true;
}

bool project_month_cache_get(struct project_month_cache *c, int64_t month,
                             project_month_reader read, void *ctx, struct project_month *m)
{
    if (c && month >= c->first && month - c->first < c->n && c->have[month - c->first]) {
        *m = c->v[month - c->first];
        return true;
    }
    return project_month_cache_read(c, month, read, ctx, m);
}

void project_month_cache_free(struct project_month_cache *c)
{
    free(c->v);
    free(c->have);
    memset(c, 0, sizeof *c);
}
