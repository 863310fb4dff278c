/* index_link: the unit price of a month at the index (see index_link.h). */
#include "pricing/index_link.h"

#include "core/invariant.h"

bool index_link_price(const struct index_link *l, int64_t index_micro, int64_t *unit_price)
{
    assert(l->on && index_micro >= 0);
    assert(l->floor < 0 || l->cap < 0 || l->floor <= l->cap); /* plan_doc refuses it */
    int64_t p;
    if (__builtin_add_overflow(index_micro, l->spread, &p)) return false;
    int64_t floor = l->floor < 0 ? 0 : l->floor; /* a price is never negative */
    if (p < floor) p = floor;
    if (l->cap >= 0 && p > l->cap) p = l->cap;
    *unit_price = p;
    return true;
}

int64_t index_link_month(const struct index_link *l, int64_t period)
{
    assert(l->on && l->lag_months >= 1 && l->lag_months <= INDEX_LINK_MAX_LAG);
    return period - l->lag_months;
}
