/* sla: a month's availability as a credit (see sla.h). */
#include "pricing/sla.h"

#include "core/alloc.h"
#include "core/catalogue.h"
#include "core/invariant.h"
#include "core/money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sla_credit_compute(const struct sla *terms, int64_t metered_ms, int64_t downtime_ms,
                        int64_t affected, struct sla_credit *out)
{
    assert(metered_ms >= 0 && downtime_ms >= 0 && downtime_ms <= metered_ms && affected >= 0);
    memset(out, 0, sizeof *out);
    out->tier = -1;
    if (metered_ms == 0) return true; /* nothing reported: nothing to measure, no credit */
    out->measured = true;
    __int128 available = (__int128)(metered_ms - downtime_ms) * 1000000;
    out->availability_ppm = (int64_t)(available / metered_ms);
    for (int i = 0; i < terms->ntiers; i++) /* bounds strictly decreasing: the last that holds */
        if (available < (__int128)terms->tiers[i].below_ppm * metered_ms) out->tier = i;
    if (out->tier < 0) return true;
    out->credit_ppm = terms->tiers[out->tier].credit_ppm;
    if (terms->cap_ppm < out->credit_ppm) {
        out->credit_ppm = terms->cap_ppm;
        out->capped = true;
    }
    return money_mul_div_round((unsigned __int128)affected, (unsigned __int128)out->credit_ppm,
                               1000000, &out->amount);
}

int64_t sla_shrink(int64_t minimum, int64_t metered_ms, int64_t downtime_ms)
{
    assert(minimum >= 0 && downtime_ms >= 0 && downtime_ms <= metered_ms);
    if (metered_ms == 0) return minimum;
    int64_t shrunk = minimum;
    /* at most minimum: always fits */
    money_mul_div_round((unsigned __int128)minimum, (unsigned __int128)(metered_ms - downtime_ms),
                        (unsigned __int128)metered_ms, &shrunk);
    return shrunk;
}

/* Telemetry names a model as it reports it ("NVIDIA H800"), a bill line
 * as the plan prices it ("H800"): the same accelerator of the catalogue. */
static bool same_model(const char *reported, const char *priced)
{
    const struct accelerator *a = catalogue_find(reported);
    return !strcmp(reported, priced) || (a && a == catalogue_find(priced));
}

static bool has_cell(const struct sla_month *m, const char *model, const char *site)
{
    for (size_t i = 0; i < m->ncells; i++)
        if (same_model(m->cells[i].model, model) && (!site || !strcmp(m->cells[i].site, site)))
            return true;
    return false;
}

bool sla_line_affected(const struct bill_line *l, const struct sla_month *m)
{
    switch (l->kind) {
    case LINE_SHORTFALL:
    case LINE_CARRY_FORWARD: /* the shortfall billed: the commitment the devices back */
        return true;
    case LINE_USAGE:
    case LINE_GPU_FLOOR:
        /* GPU time and its floor name a model; energy also names its site */
        return has_cell(m, l->model, !strcmp(l->meter, "energy_mj") ? l->site : NULL);
    default:
        return false;
    }
}

bool sla_affected(const struct bill *b, const struct sla_month *m, int64_t *sum)
{
    *sum = 0;
    for (size_t i = 0; i < b->n; i++)
        if (sla_line_affected(&b->lines[i], m) && !money_add(*sum, b->lines[i].amount, sum))
            return false;
    if (*sum < 0) *sum = 0; /* never a charge: a credit is at most what was charged */
    return true;
}

void sla_credit_detail(const struct sla *terms, const struct sla_credit *c, int64_t affected,
                       int minor_digits, char *buf, size_t len)
{
    char avail[32], below[32] = "", share[32], base[40];
    money_format(c->availability_ppm, 4, avail, sizeof avail);
    if (c->tier >= 0) money_format_trimmed(terms->tiers[c->tier].below_ppm, 4, below, sizeof below);
    money_format_trimmed(c->credit_ppm, 4, share, sizeof share);
    money_format(affected, minor_digits, base, sizeof base);
    /* figures and signs only, so that the line reads the same beside its
     * Chinese and its English name (the fapiao, the PDF in either language) */
    snprintf(buf, len, "%s%% < %s%%: %s%%%s x %s", avail, below, share,
             c->capped ? " (上限 cap)" : "", base);
}

struct sla_cell *sla_month_add_cell(struct sla_month *m)
{
    ALLOC_GROW(m->cells, m->ncells, m->cells_cap, 8);
    struct sla_cell *c = &m->cells[m->ncells++];
    memset(c, 0, sizeof *c);
    return c;
}

void sla_month_free(struct sla_month *m)
{
    free(m->cells);
    memset(m, 0, sizeof *m);
}
