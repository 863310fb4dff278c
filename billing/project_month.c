/* project_month: the investor's month's pure rules (see project_month.h). */
#include "billing/project_month.h"

#include "core/invariant.h"

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
