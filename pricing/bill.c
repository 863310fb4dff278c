/* bill: the bill value and its arrays (see bill.h). */
#include "pricing/bill.h"

#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    "usage",       "gpu_floor", "shortfall",        "carry_forward",
    "makeup_draw", "subsidy",   "voucher_discount", "prior_period"};

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

bool bill_totals_hold(const struct bill *b)
{
    /* in 128 bits: the sums are checked, not trusted to fit */
    __int128 lines = 0, discounts = 0, after = 0, before = 0;
    for (size_t i = 0; i < b->n; i++) {
        lines += b->lines[i].amount;
        if (b->lines[i].kind == LINE_VOUCHER_DISCOUNT) discounts -= b->lines[i].amount;
    }
    for (int i = 0; i < b->nclaims; i++)
        *(b->claims[i].pre_tax ? &before : &after) += b->claims[i].amount;
    return lines == b->subtotal && (__int128)b->subtotal + b->tax == b->total &&
           (__int128)b->claimed + b->due == b->total && after == b->claimed && before == discounts;
}
