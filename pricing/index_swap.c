/* index_swap: fixed-for-floating settlement lines (see index_swap.h). */
#include "pricing/index_swap.h"

#include "core/invariant.h"
#include "core/money.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

bool index_swap_amount(int64_t notional_ms, int64_t fixed_micro, int64_t index_micro,
                       int minor_digits, int64_t *amount)
{
    assert(notional_ms >= 0 && fixed_micro >= 0 && index_micro >= 0);
    assert(minor_digits >= 0 && minor_digits <= MONEY_PRICE_DIGITS);
    __int128 den = (__int128)MS_PER_HOUR;
    for (int d = minor_digits; d < MONEY_PRICE_DIGITS; d++)
        den *= 10;
    /* |notional| < 2^63 and |fixed - index| < 2^64: the product is exact */
    return money_div_round((__int128)notional_ms * ((__int128)fixed_micro - index_micro), den,
                           amount);
}

bool index_swap_settles(const struct index_swap *s, int64_t period)
{
    return period >= s->from_month && (s->until_month < 0 || period <= s->until_month);
}

void index_swap_fixing_month(const struct index_swap *s, int64_t period, char out[8])
{
    char month[16];
    time_format_month(period - s->lag_months, month);
    snprintf(out, 8, "%.7s", month);
}

/* Why fixing f cannot settle a swap of month want, and what would let it,
 * into why; false when it can. Publishing again is the remedy only when
 * the month was never published or is not yet final: a withheld value
 * stays withheld until enough contracts contribute. */
static bool unsettled(const struct index_fixing *f, const char *want, char *why, size_t len)
{
    if (!f->published || strcmp(f->month, want))
        snprintf(why, len, "has never been published: the month cannot be settled until it is "
                 "published (gpumeter index publish --period %s)", want);
    else if (f->withheld)
        snprintf(why, len, "is withheld (fewer contributing contracts than index.min_contracts): "
                 "the month cannot be settled until a publication of it has a value");
    else if (!f->final)
        snprintf(why, len, "is provisional (the month is not yet issued whole): the month cannot "
                 "be settled until it is issued whole and published again (gpumeter index "
                 "publish --period %s)", want);
    else
        return false;
    return true;
}

bool index_swap_lines(struct bill *b, const struct contract *k, int64_t period,
                      const struct index_fixing *fixings, char *err, size_t errlen)
{
    assert(!k->nswaps || fixings); /* the caller read one per swap */
    for (int i = 0; i < k->nswaps; i++) {
        const struct index_swap *s = &k->swaps[i];
        const struct index_fixing *f = &fixings[i];
        if (!index_swap_settles(s, period)) continue;
        char want[8];
        index_swap_fixing_month(s, period, want);
        char why[192];
        if (unsettled(f, want, why, sizeof why)) {
            snprintf(err, errlen, "index_swap[%d]: the price index of %s for %s in %s %s", i,
                     s->model, want, k->currency, why);
            return false;
        }
        int64_t amount = 0;
        if (!index_swap_amount(s->notional_ms, s->fixed_micro, f->price_micro, b->minor_digits,
                               &amount)) {
            snprintf(err, errlen, "index_swap[%d]: the settlement does not fit an amount", i);
            return false;
        }
        struct bill_line *l = bill_add_line(b);
        l->kind = LINE_INDEX_SWAP;
        snprintf(l->model, sizeof l->model, "%s", s->model);
        l->quantity = s->notional_ms;
        l->unit_price = s->fixed_micro;
        l->amount = amount;
        l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
        /* the publication settled at (link.on false: no price terms) */
        snprintf(l->index.month, sizeof l->index.month, "%s", f->month);
        snprintf(l->index.published_at, sizeof l->index.published_at, "%s", f->published_at);
        l->index.revision = f->revision;
        l->index.index_micro = f->price_micro;
        char hours[24], fixed[24], index[24];
        money_format_trimmed(s->notional_ms / (MS_PER_HOUR / 1000), 3, hours, sizeof hours);
        money_format_trimmed(s->fixed_micro, MONEY_PRICE_DIGITS, fixed, sizeof fixed);
        money_format(f->price_micro, MONEY_PRICE_DIGITS, index, sizeof index);
        snprintf(l->detail, sizeof l->detail, "%s GPU-h x (%s - %s) %s r%d %.10s", hours, fixed,
                 index, f->month, f->revision, f->published_at);
    }
    return true;
}

bool index_swap_revision(const struct index_swap_settled *s, const struct index_fixing *newest,
                         const char *adjusts, int minor_digits, struct bill_line *l)
{
    assert(newest->published && !newest->withheld && newest->final);
    assert(!strcmp(newest->month, s->index_month) && newest->revision > s->revision);
    int64_t now = 0, was = 0;
    memset(l, 0, sizeof *l);
    if (!index_swap_amount(s->notional_ms, s->fixed_micro, newest->price_micro, minor_digits,
                           &now) ||
        !index_swap_amount(s->notional_ms, s->fixed_micro, s->price_micro, minor_digits, &was) ||
        was == INT64_MIN || !money_add(now, -was, &l->amount))
        return false;
    l->kind = LINE_INDEX_REVISION;
    snprintf(l->model, sizeof l->model, "%s", s->model);
    snprintf(l->adjusts, sizeof l->adjusts, "%s", adjusts);
    l->unit_price = s->fixed_micro;
    l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
    snprintf(l->index.month, sizeof l->index.month, "%s", newest->month);
    snprintf(l->index.published_at, sizeof l->index.published_at, "%s", newest->published_at);
    l->index.revision = newest->revision;
    l->index.index_micro = newest->price_micro;
    char hours[24], fixed[24], index[24], old[24];
    money_format_trimmed(s->notional_ms / (MS_PER_HOUR / 1000), 3, hours, sizeof hours);
    money_format_trimmed(s->fixed_micro, MONEY_PRICE_DIGITS, fixed, sizeof fixed);
    money_format(newest->price_micro, MONEY_PRICE_DIGITS, index, sizeof index);
    money_format(s->price_micro, MONEY_PRICE_DIGITS, old, sizeof old);
    char detail[256]; /* within the line's detail for every notional and price a
                       * document allows (100,000,000 GPU-h, 1,000,000.000000) */
    snprintf(detail, sizeof detail, "%s GPU-h x (%s - %s) %s r%d %.10s, was %s r%d", hours, fixed,
             index, newest->month, newest->revision, newest->published_at, old, s->revision);
    snprintf(l->detail, sizeof l->detail, "%.128s", detail);
    return true;
}
