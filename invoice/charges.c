/* charges: usage rows to priced lines under a plan (see charges.h). */
#include "invoice/charges.h"

#include "invoice/price.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_PER_GPU_HOUR    3600000LL
#define TOKENS_PER_MILLION 1000000LL
#define MJ_PER_KWH         3600000000LL

/* The band's name ("flat" for hours no band covers) and multiplier. */
static const char *band_name(const struct band *bands, int nbands, int hour, int64_t *ppm)
{
    const struct band *b = band_at(bands, nbands, hour);
    *ppm = b ? b->multiplier_ppm : 1000000;
    return b ? b->name : nbands ? "flat" : "";
}

static struct charge_line *line_for(struct charges *c, const char *meter, const char *model,
                                    const char *band)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i].meter, meter) && !strcmp(c->v[i].model, model) &&
            !strcmp(c->v[i].band, band))
            return &c->v[i];
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        if (!c->v) abort();
    }
    struct charge_line *l = &c->v[c->n++];
    memset(l, 0, sizeof *l);
    snprintf(l->meter, sizeof l->meter, "%s", meter);
    snprintf(l->model, sizeof l->model, "%s", model);
    snprintf(l->band, sizeof l->band, "%s", band);
    return l;
}

static const struct bracket *bracket_for(const struct plan *p, int64_t params)
{
    for (int i = 0; i < p->nbrackets; i++)
        if (p->brackets[i].up_to_params < 0 || params <= p->brackets[i].up_to_params)
            return &p->brackets[i];
    return &p->brackets[p->nbrackets - 1];
}

static const struct price *gpu_price(const struct plan *p, const char *model)
{
    for (int i = 0; i < p->nmodels; i++)
        if (!strcmp(p->models[i].model, model)) return &p->models[i].price;
    return NULL;
}

/* Which line a row adds to, with its price; false when the plan does not
 * price the meter (*price NULL) or on an unpriced model (err set). */
static bool place(const struct plan *p, const struct usage_row *r, int64_t pue_ppm,
                  struct charges *out, struct charge_line **line, const struct price **price,
                  char *err, size_t errlen)
{
    char label[65];
    int64_t ppm = 1000000;
    const char *band = "";
    *price = NULL;
    if (!strcmp(r->meter, "gpu_ms")) {
        if (!p->has_gpu) return true;
        if (!(*price = gpu_price(p, r->model))) {
            snprintf(err, errlen, "plan \"%s\" has no gpu_hours price for model \"%s\"", p->code,
                     r->model);
            return false;
        }
        band = band_name(p->gpu_bands, p->ngpu_bands, r->local_hour, &ppm);
        snprintf(label, sizeof label, "%s", r->model);
    } else if (!strcmp(r->meter, "tokens")) {
        if (!p->has_tokens) return true;
        const struct bracket *b = bracket_for(p, r->model_params);
        *price = &b->price;
        if (b->up_to_params < 0 && b != p->brackets)
            snprintf(label, sizeof label, ">%lld params", (long long)b[-1].up_to_params);
        else if (b->up_to_params < 0)
            snprintf(label, sizeof label, "any size");
        else
            snprintf(label, sizeof label, "<=%lld params", (long long)b->up_to_params);
    } else if (!strcmp(r->meter, "energy_mj")) {
        if (!p->has_energy) return true;
        *price = &p->energy;
        band = band_name(p->energy_bands, p->nenergy_bands, r->local_hour, &ppm);
        ppm = ppm * pue_ppm / 1000000;
        snprintf(label, sizeof label, "%s", r->model);
    } else {
        return true;
    }
    *line = line_for(out, r->meter, label, band);
    (*line)->multiplier_ppm = ppm;
    (*line)->unit_price = (*price)->unit_price[0];
    (*line)->tiers = (*price)->mode;
    return true;
}

bool plan_charges(const struct plan *p, const struct usage_row *rows, size_t n, int64_t pue_ppm,
                  int minor_digits, struct charges *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const struct price **prices = calloc(n + 1, sizeof *prices);
    if (!prices) abort();
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        struct charge_line *l = NULL;
        const struct price *pr;
        ok = place(p, &rows[i], pue_ppm, out, &l, &pr, err, errlen);
        if (ok && l) {
            l->quantity += rows[i].quantity;
            prices[l - out->v] = pr; /* one price per line */
        }
    }
    for (size_t i = 0; ok && i < out->n; i++) {
        struct charge_line *l = &out->v[i];
        int64_t upp = !strcmp(l->meter, "gpu_ms")   ? MS_PER_GPU_HOUR
                      : !strcmp(l->meter, "tokens") ? TOKENS_PER_MILLION
                                                    : MJ_PER_KWH;
        if (!strcmp(l->meter, "gpu_ms")) { /* whole increments, rounded up */
            int64_t inc = (int64_t)p->increment_s * 1000;
            l->quantity = (l->quantity + inc - 1) / inc * inc;
        }
        ok = price_amount(prices[i], l->quantity, upp, l->multiplier_ppm, minor_digits, &l->amount);
        if (!ok) snprintf(err, errlen, "the %s line for %s overflows", l->meter, l->model);
        out->subtotal += ok ? l->amount : 0;
    }
    free(prices);
    if (!ok) charges_free(out);
    return ok;
}

void charges_free(struct charges *c)
{
    free(c->v);
    memset(c, 0, sizeof *c);
}
