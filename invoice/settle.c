/* settle: contract terms to the amount due (see settle.h). */
#include "invoice/settle.h"

#include "core/catalogue.h"
#include "core/money.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_PER_GPU_HOUR 3600000LL
#define MJ_PER_KWH      3600000000LL

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void ledger(struct bill *b, int64_t period, const char *kind, int64_t units, int64_t value)
{
    if (b->nledger >= BILL_MAX_LEDGER || units <= 0) return;
    struct ledger_row *r = &b->ledger[b->nledger++];
    r->entry_period = period;
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    r->units = units;
    r->value = value;
}

static struct bill_line *adjustment(struct bill *b, enum line_kind kind, int64_t quantity,
                                    int64_t amount, const char *detail)
{
    struct bill_line *l = bill_add_line(b);
    l->kind = kind;
    l->quantity = quantity;
    l->amount = amount;
    l->multiplier_ppm = l->pue_ppm = l->override_ppm = 1000000;
    snprintf(l->detail, sizeof l->detail, "%s", detail);
    return l;
}

/* Money for commitment units: minor units are money; GPU-ms at the
 * commitment's shortfall price. */
static int64_t units_value(const struct commitment *c, int64_t units, int digits)
{
    int64_t v = units;
    if (c->kind == COMMIT_GPU_HOURS)
        money_line_amount(units, c->shortfall_price, MS_PER_GPU_HOUR, digits, &v);
    return v;
}

static bool counts(const struct bill_line *l, unsigned meters)
{
    return (l->kind == LINE_USAGE || l->kind == LINE_GPU_FLOOR) &&
           (meter_bit_code(l->meter) & meters);
}

static void entry_label(char *buf, size_t len, int64_t period)
{
    size_t at = strlen(buf);
    char month[16];
    time_format_month(period, month);
    snprintf(buf + at, len - at, "%s%s", at ? " " : "", month);
}

static bool take_or_pay(struct bill *b, const struct settle_terms *t, char *err, size_t errlen)
{
    const struct commitment *c = &t->k->commit;
    if (c->kind == COMMIT_NONE) return true;
    int64_t commit = c->gpu_ms, used = 0;
    if (c->kind == COMMIT_MONEY && !money_from_micro(c->amount_micro, b->minor_digits, &commit)) {
        snprintf(err, errlen, "commitment amount has more decimals than %s allows", b->currency);
        return false;
    }
    for (size_t i = 0; i < b->n; i++)
        if (counts(&b->lines[i], c->meters))
            used += c->kind == COMMIT_MONEY ? b->lines[i].amount : b->lines[i].quantity;
    struct bank_entry *bank = calloc(t->nbank + 1, sizeof *bank);
    if (!bank) abort();
    size_t n = 0;
    for (size_t i = 0; i < t->nbank; i++) { /* expire what has outlived its life */
        int life = t->bank[i].carry ? c->carry_periods : c->makeup_periods;
        if (t->period > t->bank[i].period + life)
            ledger(b, t->bank[i].period, "expiry", t->bank[i].units, t->bank[i].value);
        else
            bank[n++] = t->bank[i];
    }
    char detail[129] = "";
    if (used < commit) {
        int64_t short_units = commit - used, left = short_units;
        for (size_t i = 0; i < n && left > 0; i++)
            if (bank[i].carry && bank[i].units > 0) {
                int64_t take = min64(left, bank[i].units);
                ledger(b, bank[i].period, "carry_use", take, 0);
                entry_label(detail, sizeof detail, bank[i].period);
                left -= take;
            }
        int64_t full = units_value(c, short_units, b->minor_digits);
        int64_t paid = units_value(c, left, b->minor_digits);
        adjustment(b, LINE_SHORTFALL, short_units, full, "");
        if (left < short_units)
            adjustment(b, LINE_CARRY_FORWARD, short_units - left, paid - full, detail);
        if (c->makeup_periods > 0) ledger(b, t->period, "shortfall", left, paid);
    } else if (used > commit) {
        int64_t over = used - commit, drawn = 0, credit = 0;
        for (size_t i = 0; i < n && over > 0; i++) {
            if (bank[i].carry || bank[i].units <= 0) continue;
            int64_t take = min64(over, bank[i].units), value = bank[i].value;
            if (take < bank[i].units)
                money_div_round((__int128)bank[i].value * take, bank[i].units, &value);
            ledger(b, bank[i].period, "makeup_draw", take, value);
            entry_label(detail, sizeof detail, bank[i].period);
            over -= take;
            drawn += take;
            credit += value;
        }
        if (drawn) adjustment(b, LINE_MAKEUP_DRAW, drawn, -credit, detail);
        if (c->carry_periods > 0) ledger(b, t->period, "carry", over, 0);
    }
    free(bank);
    return true;
}

static bool in_list(const char *s, const char *list, size_t stride, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, list + (size_t)i * stride)) return true;
    return false;
}

static bool subsidy_covers(const struct subsidy *s, const struct bill_line *l)
{
    const struct accelerator *a = catalogue_find(l->model);
    return l->kind == LINE_USAGE && !strcmp(l->meter, "energy_mj") &&
           in_list(l->site, s->sites[0], sizeof s->sites[0], s->nsites) &&
           (!s->nvendors ||
            (a && in_list(a->vendor, s->vendors[0], sizeof s->vendors[0], s->nvendors))) &&
           (!s->domestic_only || (a && a->domestic));
}

static bool subsidies(struct bill *b, const struct settle_terms *t, char *err, size_t errlen)
{
    int64_t *left = calloc(b->n + 1, sizeof *left); /* what each energy line can still lose */
    if (!left) abort();
    size_t nusage = b->n;
    for (size_t i = 0; i < nusage; i++)
        left[i] = b->lines[i].amount;
    bool ok = true;
    for (size_t k = 0; ok && k < t->nsubsidies; k++) {
        const struct subsidy *s = &t->subsidies[k];
        __int128 facility = 0; /* mJ x ppm */
        int64_t charge = 0, room = 0, amount = 0, cap = -1, mj = 0;
        for (size_t i = 0; i < nusage; i++)
            if (subsidy_covers(s, &b->lines[i])) {
                facility += (__int128)b->lines[i].quantity * b->lines[i].pue_ppm;
                mj += b->lines[i].quantity;
                charge += b->lines[i].amount;
                room += left[i];
            }
        if (!mj) continue;
        __int128 den = (__int128)MJ_PER_KWH * 1000000 * 1000000; /* per kWh, ppm, micro */
        for (int d = 0; d < b->minor_digits; d++)
            den /= 10;
        ok = s->per_kwh ? money_div_round(facility * s->rate_micro, den, &amount)
                        : money_div_round((__int128)charge * s->share_ppm, 1000000, &amount);
        if (ok && s->cap_micro >= 0 && !money_from_micro(s->cap_micro, b->minor_digits, &cap)) {
            snprintf(err, errlen, "subsidy %s: cap has more decimals than %s allows", s->code,
                     b->currency);
            ok = false;
        }
        if (!ok) break;
        amount = min64(amount, room);
        if (cap >= 0) amount = min64(amount, cap);
        if (amount <= 0) continue;
        int64_t rest = amount;
        for (size_t i = 0; i < nusage && rest; i++)
            if (subsidy_covers(s, &b->lines[i])) {
                int64_t take = min64(rest, left[i]);
                left[i] -= take;
                rest -= take;
            }
        adjustment(b, LINE_SUBSIDY, mj, -amount, s->code);
    }
    free(left);
    if (!ok && !err[0]) snprintf(err, errlen, "an energy subsidy overflows");
    return ok;
}

static bool voucher_covers(const struct voucher *v, const struct bill_line *l, int64_t *eligible)
{
    const struct accelerator *a = catalogue_find(l->model);
    *eligible = 0;
    if (l->kind != LINE_USAGE && l->kind != LINE_GPU_FLOOR) return false;
    if (!(meter_bit_code(l->meter) & v->meters)) return false;
    if (v->domestic_only && !(a && a->domestic && strcmp(l->meter, "tokens"))) return false;
    *eligible = l->amount;
    if (v->training_only && l->quantity > 0 && l->training_quantity < l->quantity)
        money_div_round((__int128)l->amount * l->training_quantity, l->quantity, eligible);
    return *eligible > 0;
}

static int voucher_order(const void *pa, const void *pb)
{
    const struct voucher *a = ((const struct voucher_state *)pa)->v;
    const struct voucher *b = ((const struct voucher_state *)pb)->v;
    if (a->priority != b->priority) return a->priority < b->priority ? -1 : 1;
    if (a->valid_until != b->valid_until) return a->valid_until < b->valid_until ? -1 : 1;
    return strcmp(a->code, b->code);
}

/* Claims the vouchers of one kind (pre_tax or not) against `owed`. */
static bool claim_vouchers(struct bill *b, const struct settle_terms *t, bool pre_tax, int64_t owed,
                           char *err, size_t errlen)
{
    for (size_t k = 0; k < t->nvouchers; k++) {
        struct voucher_state *vs = &t->vouchers[k];
        const struct voucher *v = vs->v;
        if (v->pre_tax != pre_tax) continue;
        int64_t face, cap = -1, base = 0, e;
        if (strcmp(v->currency, b->currency)) {
            snprintf(err, errlen, "voucher %s is in %s, the contract bills %s", v->code,
                     v->currency, b->currency);
            return false;
        }
        if (!money_from_micro(v->face_micro, b->minor_digits, &face) ||
            (v->yearly_cap_micro >= 0 &&
             !money_from_micro(v->yearly_cap_micro, b->minor_digits, &cap))) {
            snprintf(err, errlen, "voucher %s has more decimals than %s allows", v->code,
                     b->currency);
            return false;
        }
        for (size_t i = 0; i < b->n; i++)
            if (voucher_covers(v, &b->lines[i], &e)) base += e;
        if (!pre_tax) { /* the eligible charges with their tax */
            int64_t tax = 0;
            money_apply_ppm(base, b->tax_ppm, &tax);
            base += tax;
        }
        int64_t amount = 0;
        money_div_round((__int128)min64(base, owed) * v->coverage_ppm, 1000000, &amount);
        amount = min64(amount, face - vs->spent);
        if (cap >= 0) amount = min64(amount, cap - vs->year_used);
        if (amount <= 0) continue;
        owed -= amount;
        for (size_t j = 0; j < t->nvouchers; j++) /* the program's yearly cap is shared */
            if (!strcmp(t->vouchers[j].v->program, v->program)) t->vouchers[j].year_used += amount;
        vs->spent += amount;
        if (b->nclaims >= BILL_MAX_CLAIMS) {
            snprintf(err, errlen, "more than %d vouchers apply", BILL_MAX_CLAIMS);
            return false;
        }
        struct voucher_claim *c = &b->claims[b->nclaims++];
        snprintf(c->voucher, sizeof c->voucher, "%s", v->code);
        snprintf(c->program, sizeof c->program, "%s", v->program);
        c->pre_tax = pre_tax;
        c->amount = amount;
        if (pre_tax)
            adjustment(b, LINE_VOUCHER_DISCOUNT, 0, -amount, v->code);
        else
            b->claimed += amount;
    }
    return true;
}

static int64_t lines_sum(const struct bill *b)
{
    int64_t sum = 0;
    for (size_t i = 0; i < b->n; i++)
        sum += b->lines[i].amount;
    return sum;
}

bool settle(struct bill *b, const struct settle_terms *t, char *err, size_t errlen)
{
    err[0] = '\0';
    b->nclaims = b->nledger = 0;
    b->claimed = 0;
    b->tax_ppm = t->k->tax_ppm;
    if (t->nvouchers) qsort(t->vouchers, t->nvouchers, sizeof *t->vouchers, voucher_order);
    if (!take_or_pay(b, t, err, errlen) || !subsidies(b, t, err, errlen) ||
        !claim_vouchers(b, t, true, lines_sum(b), err, errlen))
        return false;
    b->subtotal = lines_sum(b);
    /* a month of only prior-period credits may be negative: a credit balance */
    if (!money_apply_ppm(b->subtotal, b->tax_ppm, &b->tax) ||
        !money_add(b->subtotal, b->tax, &b->total)) {
        snprintf(err, errlen, "the subtotal %lld cannot be taxed", (long long)b->subtotal);
        return false;
    }
    if (!claim_vouchers(b, t, false, b->total, err, errlen)) return false;
    b->due = b->total - b->claimed;
    return true;
}
