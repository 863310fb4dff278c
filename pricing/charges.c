/* charges: usage rows to priced lines under a plan and contract (see
 * charges.h). */
#include "pricing/charges.h"

#include "core/catalogue.h"
#include "core/money.h"
#include "pricing/price.h"
#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The band's name ("flat" for hours no band covers) and multiplier. */
static const char *band_name(const struct band *bands, int nbands, int hour, int64_t *ppm)
{
    const struct band *b = plan_band_at(bands, nbands, hour);
    *ppm = b ? b->multiplier_ppm : 1000000;
    return b ? b->name : nbands ? "flat" : "";
}

/* A line and the price it is charged at (lines are found by key). */
struct priced {
    struct bill *bill;
    size_t first; /* the bill's lines before these */
    struct price *prices;
    size_t cap;
};

static struct bill_line *line_for(struct priced *pr, const struct usage_row *r, const char *model,
                                  const char *band)
{
    struct bill *b = pr->bill;
    const char *site = strcmp(r->meter, "energy_mj") ? "" : r->site;
    for (size_t i = pr->first; i < b->n; i++) {
        struct bill_line *l = &b->lines[i];
        if (!strcmp(l->meter, r->meter) && !strcmp(l->model, model) && !strcmp(l->band, band) &&
            !strcmp(l->site, site))
            return l;
    }
    struct bill_line *l = bill_add_line(b);
    snprintf(l->meter, sizeof l->meter, "%s", r->meter);
    snprintf(l->model, sizeof l->model, "%s", model);
    snprintf(l->band, sizeof l->band, "%s", band);
    snprintf(l->site, sizeof l->site, "%s", site);
    l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
    if (b->n - pr->first > pr->cap) {
        pr->cap = pr->cap ? pr->cap * 2 : 16;
        pr->prices = xreallocarray(pr->prices, pr->cap, sizeof *pr->prices);
    }
    return l;
}

static const struct bracket *bracket_for(const struct plan *p, int64_t params)
{
    for (int i = 0; i < p->nbrackets; i++)
        if (p->brackets[i].up_to_params < 0 || params <= p->brackets[i].up_to_params)
            return &p->brackets[i];
    return &p->brackets[p->nbrackets - 1];
}

static const struct model_price *gpu_price(const struct plan *p, const char *model)
{
    for (int i = 0; i < p->nmodels; i++)
        if (!strcmp(p->models[i].model, model)) return &p->models[i];
    return NULL;
}

/* The contract's override of a meter's price for a model: the model's own,
 * else the meter's. */
static const struct price_override *override_for(const struct contract *k, unsigned meter,
                                                 const char *model)
{
    const struct price_override *any = NULL;
    for (int i = 0; k && i < k->noverrides; i++) {
        const struct price_override *o = &k->overrides[i];
        if (o->meter != meter) continue;
        if (!strcmp(o->model, model)) return o;
        if (!o->model[0]) any = o;
    }
    return any;
}

static void bracket_label(const struct plan *p, const struct bracket *b, char *out, size_t len)
{
    if (b->up_to_params < 0 && b != p->brackets)
        snprintf(out, len, ">%lld params", (long long)b[-1].up_to_params);
    else if (b->up_to_params < 0)
        snprintf(out, len, "any size");
    else
        snprintf(out, len, "<=%lld params", (long long)b->up_to_params);
}

/* Adds a row to its line; false on an unpriced model (err set). A row of a
 * meter the plan does not price adds nothing. */
static bool place(const struct plan *p, const struct contract *k, const struct usage_row *r,
                  struct priced *out, char *err, size_t errlen)
{
    char label[65];
    int64_t ppm = 1000000;
    const char *band = "";
    const struct price *price = NULL;
    const struct model_price *mp = NULL;
    const struct meter *m = meter_find(r->meter);
    if (!m || !p->has[meter_index(m)]) return true; /* a meter the plan does not price */
    unsigned bit = m->bit;
    switch (m->pricing) {
    case METER_PRICED_BY_ACCELERATOR:
        if (!(mp = gpu_price(p, r->model))) {
            snprintf(err, errlen, "plan \"%s\" has no %s price for model \"%s\"", p->code, m->doc,
                     r->model);
            return false;
        }
        if (mp->link.on && !mp->use.month[0]) { /* billing resolves it first: never a 0 */
            snprintf(err, errlen,
                     "plan \"%s\" prices model \"%s\" at the index, and no index value was "
                     "looked up for it",
                     p->code, r->model);
            return false;
        }
        price = &mp->price;
        band = band_name(p->gpu_bands, p->ngpu_bands, r->local_hour, &ppm);
        snprintf(label, sizeof label, "%s", r->model);
        break;
    case METER_PRICED_BY_SIZE: {
        const struct bracket *b = bracket_for(p, r->model_params);
        price = &b->price;
        bracket_label(p, b, label, sizeof label);
        break;
    }
    case METER_PRICED_FLAT: {
        const struct flat_price *f = &p->flat[meter_index(m)];
        price = &f->price;
        band = band_name(f->bands, f->nbands, r->local_hour, &ppm);
        snprintf(label, sizeof label, "%s", r->model);
        break;
    }
    }
    struct bill_line *l = line_for(out, r, label, band);
    size_t at = (size_t)(l - out->bill->lines) - out->first;
    const struct price_override *o = override_for(k, bit, m->by_model_size ? "" : r->model);
    out->prices[at] = *price;
    if (o && o->absolute) out->prices[at] = (struct price){TIERS_NONE, 1, {-1}, {o->unit_price}};
    /* the publication the line is priced at; an absolute override replaces it */
    if (mp && mp->link.on && !(o && o->absolute)) l->index = mp->use;
    l->override_ppm = o && !o->absolute ? o->multiplier_ppm : 1000000;
    l->multiplier_ppm = ppm;
    l->pue_ppm = m == &meter_rows[METER_ENERGY] ? r->pue_ppm : 1000000; /* facility energy */
    l->unit_price = out->prices[at].unit_price[0];
    if (__builtin_add_overflow(l->quantity, r->quantity, &l->quantity)) {
        snprintf(err, errlen, "the %s usage of %s in the month is more than %lld base units",
                 r->meter, label, (long long)INT64_MAX);
        return false;
    }
    l->training_quantity += r->training ? r->quantity : 0; /* at most quantity */
    return true;
}

static bool price_lines(const struct plan *p, struct priced *pr, int minor_digits, char *err,
                        size_t errlen)
{
    for (size_t i = pr->first; i < pr->bill->n; i++) {
        struct bill_line *l = &pr->bill->lines[i];
        if (!strcmp(l->meter, "gpu_ms")) { /* whole increments, rounded up */
            int64_t inc = (int64_t)p->increment_s * 1000, up = l->quantity / inc * inc;
            if (up < l->quantity && __builtin_add_overflow(up, inc, &up)) {
                snprintf(err, errlen,
                         "the gpu_ms usage of %s in the month is more than %lld "
                         "base units",
                         l->model, (long long)INT64_MAX);
                return false;
            }
            l->quantity = up;
            if (l->training_quantity > l->quantity) l->training_quantity = l->quantity;
        }
        struct factors f = {l->multiplier_ppm, l->pue_ppm, l->override_ppm};
        if (!price_amount(&pr->prices[i - pr->first], l->quantity, meter_units(l->meter)->per_price,
                          f, minor_digits, &l->amount)) {
            snprintf(err, errlen,
                     "the %s line for %s comes to more than the largest amount, %lld minor units",
                     l->meter, l->model, (long long)INT64_MAX);
            return false;
        }
    }
    return true;
}

/* Whether the contract's basis bills the row (training GPU time and energy
 * are billed by their tokens instead). */
static bool billed(const struct contract *k, const struct usage_row *r)
{
    unsigned bit = meter_bit_code(r->meter);
    if (!k) return true;
    if (k->basis == BASIS_GPU_HOURS) return bit != METER_BIT_TOKENS;
    return bit == METER_BIT_TOKENS || !r->training;
}

/* Under tokens_with_gpu_floor: what the training jobs' GPU time would have
 * cost, above their token lines, as a gpu_floor line. */
static bool gpu_floor(const struct plan *p, const struct contract *k, const struct usage_row *rows,
                      size_t n, int minor_digits, struct bill *out, char *err, size_t errlen)
{
    struct bill shadow = {0};
    struct priced pr = {&shadow, 0, NULL, 0};
    bool ok = true;
    int64_t gpu = 0, gpu_ms = 0, tokens = 0;
    for (size_t i = 0; ok && i < n; i++)
        if (rows[i].training && meter_bit_code(rows[i].meter) == METER_BIT_GPU)
            ok = place(p, k, &rows[i], &pr, err, errlen);
    ok = ok && price_lines(p, &pr, minor_digits, err, errlen);
    for (size_t i = 0; ok && i < shadow.n; i++)
        ok = money_add(gpu, shadow.lines[i].amount, &gpu) &&
             !__builtin_add_overflow(gpu_ms, shadow.lines[i].quantity, &gpu_ms);
    for (size_t i = 0; ok && i < out->n; i++)
        if (out->lines[i].kind == LINE_USAGE && !strcmp(out->lines[i].meter, "tokens"))
            ok = money_add(tokens, out->lines[i].amount, &tokens);
    if (!ok && !err[0])
        snprintf(err, errlen, "the training jobs' GPU time comes to more than the largest amount");
    if (ok && gpu > tokens) {
        struct bill_line *l = bill_add_line(out);
        l->kind = LINE_GPU_FLOOR;
        snprintf(l->meter, sizeof l->meter, "gpu_ms");
        snprintf(l->detail, sizeof l->detail, "GPU-hour value %lld above token charges %lld",
                 (long long)gpu, (long long)tokens);
        l->quantity = l->training_quantity = gpu_ms;
        l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
        l->amount = gpu - tokens;
    }
    free(pr.prices);
    bill_free(&shadow);
    return ok;
}

bool charges_price(const struct plan *p, const struct contract *k, const struct usage_row *rows,
                   size_t n, int minor_digits, struct bill *out, char *err, size_t errlen)
{
    struct priced pr = {out, out->n, NULL, 0};
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        if (billed(k, &rows[i]) && meter_units(rows[i].meter))
            ok = place(p, k, &rows[i], &pr, err, errlen);
    ok = ok && price_lines(p, &pr, minor_digits, err, errlen);
    free(pr.prices);
    if (ok && k && k->basis == BASIS_TOKENS_GPU_FLOOR)
        ok = gpu_floor(p, k, rows, n, minor_digits, out, err, errlen);
    return ok;
}

bool charges_token_gpu(const struct plan *p, struct bill *b, const struct training_gpu *g, size_t n,
                       char *err, size_t errlen)
{
    if (!p->has[METER_TOKENS]) return true;
    for (size_t i = 0; i < n; i++) {
        char label[65];
        bracket_label(p, bracket_for(p, g[i].model_params), label, sizeof label);
        const struct accelerator *a = catalogue_find(g[i].model);
        for (size_t k = 0; k < b->n; k++) {
            struct bill_line *l = &b->lines[k];
            if (l->kind != LINE_USAGE || strcmp(l->meter, "tokens") || strcmp(l->model, label))
                continue;
            if (__builtin_add_overflow(l->jobs_gpu_ms, g[i].gpu_ms, &l->jobs_gpu_ms)) {
                snprintf(err, errlen,
                         "the training jobs' GPU time in the month is more than "
                         "%lld GPU-ms",
                         (long long)INT64_MAX);
                return false;
            }
            if (a && a->domestic) l->jobs_domestic_ms += g[i].gpu_ms; /* at most the above */
        }
    }
    return true;
}
