/* bill: the bill value and its arrays (see bill.h). */
#include "pricing/bill.h"

#include "core/alloc.h"
#include "core/money.h"
#include "core/meter.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    "usage",       "gpu_floor", "shortfall",        "carry_forward",
    "makeup_draw", "subsidy",   "voucher_discount", "prior_period",
    "termination_fee", "makeup_settlement", "sla_credit",
    "index_swap", "index_revision"};

const char *bill_kind_name(enum line_kind k)
{
    return kind_names[k];
}

bool bill_kind_parse(const char *s, enum line_kind *k)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (!strcmp(s, kind_names[i])) {
            *k = (enum line_kind)i;
            return true;
        }
    return false;
}

struct bill_line *bill_add_line(struct bill *b)
{
    ALLOC_GROW(b->lines, b->n, b->cap, 16);
    struct bill_line *l = &b->lines[b->n++];
    memset(l, 0, sizeof *l);
    return l;
}

struct voucher_claim *bill_add_claim(struct bill *b)
{
    ALLOC_GROW(b->claims, b->nclaims, b->claims_cap, 8);
    struct voucher_claim *c = &b->claims[b->nclaims++];
    memset(c, 0, sizeof *c);
    return c;
}

struct ledger_row *bill_add_ledger(struct bill *b)
{
    ALLOC_GROW(b->ledger, b->nledger, b->ledger_cap, 8);
    struct ledger_row *r = &b->ledger[b->nledger++];
    memset(r, 0, sizeof *r);
    return r;
}

void bill_move(struct bill *dst, struct bill *src)
{
    *dst = *src;
    src->lines = NULL;
    src->claims = NULL;
    src->ledger = NULL;
    src->n = src->cap = 0;
    src->nclaims = src->claims_cap = src->nledger = src->ledger_cap = 0;
}

void bill_free(struct bill *b)
{
    free(b->lines);
    free(b->claims);
    free(b->ledger);
    b->lines = NULL;
    b->claims = NULL;
    b->ledger = NULL;
    b->n = b->cap = 0;
    b->nclaims = b->claims_cap = b->nledger = b->ledger_cap = 0;
}

bool bill_has_content(const struct bill *b)
{
    return b->n > 0 || b->nclaims > 0;
}

bool bill_line_tax(const struct bill_line *l, int64_t tax_ppm, int64_t *tax)
{
    return money_apply_ppm(l->amount, tax_ppm, tax);
}

bool bill_lines_tax(const struct bill *b, int64_t *tax)
{
    int64_t sum = 0, t;
    for (size_t i = 0; i < b->n; i++)
        if (!bill_line_tax(&b->lines[i], b->tax_ppm, &t) || !money_add(sum, t, &sum)) {
            *tax = 0;
            return false;
        }
    *tax = sum;
    return true;
}

bool bill_totals_hold(const struct bill *b)
{
    int64_t tax;
    /* in 128 bits: the sums are checked, not trusted to fit */
    __int128 lines = 0, discounts = 0, after = 0, before = 0;
    for (size_t i = 0; i < b->n; i++) {
        lines += b->lines[i].amount;
        if (b->lines[i].kind == LINE_VOUCHER_DISCOUNT) discounts -= b->lines[i].amount;
    }
    for (int i = 0; i < b->nclaims; i++)
        *(b->claims[i].pre_tax ? &before : &after) += b->claims[i].amount;
    return lines == b->subtotal && bill_lines_tax(b, &tax) && tax == b->tax &&
           (__int128)b->subtotal + b->tax == b->total &&
           (__int128)b->claimed + b->due == b->total && after == b->claimed && before == discounts;
}

bool bill_line_per_unit(const struct bill_line *l, int minor_digits, int decimals,
                        int64_t *quantity, int64_t *rate)
{
    const struct meter_units *u = l->meter[0] ? meter_units(l->meter) : NULL;
    int64_t q, p = 0;
    if (!u || l->quantity == 0 || decimals < 6 || decimals > 9 || minor_digits < 0 ||
        minor_digits > decimals ||
        !money_div_round((__int128)l->quantity * money_pow10(decimals), u->per_price, &q) || q == 0)
        return false;
    /* unit_price is in 10^-6 of the currency and the factors in ppm: the
     * rate to 10^-6 after two of them, then to 10^-decimals after the
     * third (a rate for people: the tolerance below is what counts) */
    bool ok = l->unit_price > 0 &&
              money_div_round((__int128)l->unit_price * l->multiplier_ppm * l->pue_ppm,
                              (__int128)1000000 * 1000000, &p) &&
              money_div_round((__int128)p * l->override_ppm * money_pow10(decimals - 6), 1000000,
                              &p);
    /* |q x p - amount| <= 0.01, in units of 10^-(2 decimals) */
    __int128 diff =
        (__int128)q * p - (__int128)l->amount * money_pow10(2 * decimals - minor_digits);
    if (diff < 0) diff = -diff;
    /* the divisor positive (money_div_round's contract): a credit note's
     * negative quantity and amount give the same positive rate */
    if (!ok || p <= 0 || diff > money_pow10(2 * decimals - 2))
        ok = money_div_round((__int128)l->amount * (q < 0 ? -1 : 1) *
                                 money_pow10(2 * decimals - minor_digits),
                             q < 0 ? -(__int128)q : q, &p);
    if (!ok) return false;
    *quantity = q;
    *rate = p;
    return true;
}

int bill_line_model_order(const struct bill_line *a, const struct bill_line *b)
{
    bool ua = a->kind == LINE_USAGE, ub = b->kind == LINE_USAGE;
    if (ua != ub) return ua ? -1 : 1;
    if (!ua) return 0;
    int c = strcmp(a->model, b->model);
    if (!c) c = strcmp(a->band, b->band);
    return c ? c : strcmp(a->meter, b->meter);
}
