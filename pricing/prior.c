/* prior: late usage compared with what was invoiced (see prior.h). */
#include "pricing/prior.h"

#include "core/alloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bill_line *prior_add(struct prior_lines *p, const char *customer)
{
    ALLOC_GROW(p->v, p->n, p->cap, 16);
    struct prior_line *l = &p->v[p->n];
    memset(l, 0, sizeof *l);
    snprintf(l->customer, sizeof l->customer, "%s", customer);
    l->seq = p->n++;
    return &l->line;
}

static int by_key(const struct prior_line *a, const struct prior_line *b)
{
    int c = strcmp(a->customer, b->customer);
    if (!c) c = strcmp(a->line.meter, b->line.meter);
    if (!c) c = strcmp(a->line.model, b->line.model);
    if (!c) c = strcmp(a->line.band, b->line.band);
    if (!c) c = strcmp(a->line.site, b->line.site);
    return c;
}

static int by_key_then_seq(const void *pa, const void *pb)
{
    const struct prior_line *a = pa, *b = pb;
    int c = by_key(a, b);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static int by_key_only(const void *pa, const void *pb)
{
    return by_key(pa, pb);
}

static int by_seq(const void *pa, const void *pb)
{
    const struct prior_line *a = pa, *b = pb;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* One adjustment: now minus invoiced, when they differ. */
static void adjust(struct prior_lines *out, const char *month, const struct prior_line *now,
                   const struct prior_line *inv)
{
    int64_t dq = (now ? now->line.quantity : 0) - (inv ? inv->line.quantity : 0);
    int64_t da = (now ? now->line.amount : 0) - (inv ? inv->line.amount : 0);
    if (!dq && !da) return;
    const struct prior_line *from = now ? now : inv;
    struct bill_line *l = prior_add(out, from->customer);
    if (now) {
        *l = now->line;
    } else {
        snprintf(l->meter, sizeof l->meter, "%s", inv->line.meter);
        snprintf(l->model, sizeof l->model, "%s", inv->line.model);
        snprintf(l->band, sizeof l->band, "%s", inv->line.band);
        snprintf(l->site, sizeof l->site, "%s", inv->line.site);
        l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
    }
    l->kind = LINE_PRIOR_PERIOD;
    l->quantity = dq;
    l->training_quantity = 0;
    l->amount = da;
    snprintf(l->adjusts, sizeof l->adjusts, "%s", month);
    snprintf(l->detail, sizeof l->detail, "late usage of %s", month);
}

void prior_diff(const char *month, const struct prior_lines *now, struct prior_lines *invoiced,
                struct prior_lines *out)
{
    /* invoiced by key, duplicates of a key summed into its first (none:
     * v may be NULL, which qsort and bsearch must never be handed) */
    if (invoiced->n) qsort(invoiced->v, invoiced->n, sizeof *invoiced->v, by_key_then_seq);
    size_t m = 0;
    for (size_t i = 0; i < invoiced->n; i++) {
        if (m && !by_key(&invoiced->v[m - 1], &invoiced->v[i])) {
            invoiced->v[m - 1].line.quantity += invoiced->v[i].line.quantity;
            invoiced->v[m - 1].line.amount += invoiced->v[i].line.amount;
        } else {
            invoiced->v[m++] = invoiced->v[i];
        }
    }
    invoiced->n = m;
    bool *matched = xcalloc(m + 1, sizeof *matched);
    for (size_t i = 0; i < now->n; i++) {
        const struct prior_line *n = &now->v[i];
        const struct prior_line *inv =
            m ? bsearch(n, invoiced->v, m, sizeof *invoiced->v, by_key_only) : NULL;
        if (inv) matched[inv - invoiced->v] = true;
        adjust(out, month, n, inv);
    }
    /* invoiced keys no longer rated, in the order they came */
    struct prior_line *gone = xcalloc(m + 1, sizeof *gone);
    size_t ngone = 0;
    for (size_t k = 0; k < m; k++)
        if (!matched[k]) gone[ngone++] = invoiced->v[k];
    qsort(gone, ngone, sizeof *gone, by_seq);
    for (size_t k = 0; k < ngone; k++)
        adjust(out, month, NULL, &gone[k]);
    free(gone);
    free(matched);
}

static int by_customer_then_seq(const void *pa, const void *pb)
{
    const struct prior_line *a = pa, *b = pb;
    int c = strcmp(a->customer, b->customer);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

void prior_sort(struct prior_lines *p)
{
    if (p->n) qsort(p->v, p->n, sizeof *p->v, by_customer_then_seq);
}

void prior_append(const struct prior_lines *p, struct bill *b)
{
    size_t lo = 0, hi = p->n; /* the first line of b->customer or after */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(p->v[mid].customer, b->customer) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < p->n && !strcmp(p->v[i].customer, b->customer); i++)
        *bill_add_line(b) = p->v[i].line;
}

void prior_free(struct prior_lines *p)
{
    free(p->v);
    memset(p, 0, sizeof *p);
}
