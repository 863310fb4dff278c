/* settle: contract terms to the amount due (see settle.h). */
#include "pricing/settle.h"

#include "core/catalogue.h"
#include "core/invariant.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "core/units.h"
#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void ledger(struct bill *b, int64_t period, const char *kind, int64_t units, int64_t value)
{
    if (units <= 0) return;
    struct ledger_row *r = bill_add_ledger(b);
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
        money_line_amount(units, c->shortfall_price, MS_PER_HOUR, digits, &v);
    return v;
}

bool settle_commitment_value(const struct commitment *c, int64_t served, int64_t days,
                             int digits, int64_t *out)
{
    assert(served > 0 && served <= days);
    int64_t units = c->gpu_ms;
    *out = 0;
    if (c->kind == COMMIT_NONE) return true;
    if (c->kind == COMMIT_MONEY && !money_from_micro(c->amount_micro, digits, &units))
        return false;
    if (served < days && !money_div_round((__int128)units * served, days, &units)) return false;
    if (c->kind == COMMIT_GPU_HOURS)
        return money_line_amount(units, c->shortfall_price, MS_PER_HOUR, digits, out);
    *out = units;
    return true;
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

/* The month a terminated contract ends in (t->ends_on): its days and the
 * days the contract served of them (to ends_on, inclusive). */
struct final_month {
    bool is;
    int64_t days, served;
};

static struct final_month final_month(const struct settle_terms *t)
{
    struct final_month f = {false, 0, 0};
    if (!t->terminated) return f;
    int64_t y = 1970 + t->period / 12;
    unsigned m = (unsigned)(t->period % 12) + 1;
    int64_t first = time_days_from_civil(y, m, 1);
    int64_t next = m == 12 ? time_days_from_civil(y + 1, 1, 1) : time_days_from_civil(y, m + 1, 1);
    assert(t->ends_on >= first && t->ends_on < next);
    f.is = true;
    f.days = next - first;
    f.served = t->ends_on - first + 1;
    return f;
}

/* The final month's own lines (docs/contracts.md, "Early termination"):
 * what is left of the make-up bank (bank[0..n), after this month's draws)
 * expires, credited back at what was paid for it when the terms say
 * "credit"; then the fee, from the whole month's commitment (its value in
 * money: a GPU-hour commitment at its shortfall_price), rounded once. */
static bool termination_lines(struct bill *b, const struct settle_terms *t,
                              const struct bank_entry *bank, size_t n, int64_t month_commit,
                              struct final_month f, char *err, size_t errlen)
{
    const struct contract *k = t->k;
    int64_t credit = 0, fee = 0, value = units_value(&k->commit, month_commit, b->minor_digits);
    for (size_t i = 0; i < n; i++) {
        ledger(b, bank[i].period, "expiry", bank[i].units, bank[i].value);
        if (!bank[i].carry && bank[i].units > 0) credit += bank[i].value;
    }
    if (k->term.bank_credit && credit > 0)
        adjustment(b, LINE_MAKEUP_SETTLEMENT, 0, -credit, "");
    char detail[129] = "", amount[40];
    bool ok = true;
    if (k->term.fee == FEE_MONTHS) {
        ok = money_div_round((__int128)value * k->term.fee_months, 1, &fee);
        money_format(value, b->minor_digits, amount, sizeof amount);
        snprintf(detail, sizeof detail, "%d x %s", k->term.fee_months, amount);
    } else if (k->term.fee == FEE_SHARE) {
        /* the rest of this month (pro rata by day) and the whole months
         * after it to until's */
        int64_t after = time_month_of_day(k->until) - t->period;
        if (after < 0) after = 0;
        ok = money_div_round((__int128)value * k->term.fee_share_ppm *
                                 ((f.days - f.served) + after * f.days),
                             (__int128)1000000 * f.days, &fee);
        /* the share alone: the text invoice's line column holds no more */
        money_format_trimmed(k->term.fee_share_ppm, 6, detail, sizeof detail);
    }
    if (!ok) {
        snprintf(err, errlen, "the termination fee does not fit an amount");
        return false;
    }
    if (fee > 0) adjustment(b, LINE_TERMINATION_FEE, 0, fee, detail);
    return true;
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
    /* the final month commits pro rata to the days served, rounded once
     * (minor units, or GPU-ms) */
    int64_t month_commit = commit;
    struct final_month f = final_month(t);
    if (f.is && f.served < f.days)
        money_div_round((__int128)month_commit * f.served, f.days, &commit);
    /* the capacity not delivered is not owed (docs/availability.md,
     * "Credits"); after the pro rata of a final month, each rounded once */
    char shrunk[129] = ""; /* the shortfall line says what the minimum was shrunk from */
    if (t->sla && t->k->sla.present && t->k->sla.commitment_shrink) {
        int64_t was = commit;
        commit = sla_shrink(commit, t->sla->metered_ms, t->sla->downtime_ms);
        if (commit != was) {
            char a[40], z[40];
            if (c->kind == COMMIT_MONEY) {
                money_format(was, b->minor_digits, a, sizeof a);
                money_format(commit, b->minor_digits, z, sizeof z);
            } else { /* GPU-hours with 3 decimals, rounded half up */
                money_format((was + 1800) / 3600, 3, a, sizeof a);
                money_format((commit + 1800) / 3600, 3, z, sizeof z);
            }
            snprintf(shrunk, sizeof shrunk, "SLA: %s -> %s", a, z);
        }
    }
    for (size_t i = 0; i < b->n; i++)
        if (counts(&b->lines[i], c->meters))
            used += c->kind == COMMIT_MONEY ? b->lines[i].amount : b->lines[i].quantity;
    struct bank_entry *bank = xcalloc(t->nbank + 1, sizeof *bank);
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
                bank[i].units -= take;
                entry_label(detail, sizeof detail, bank[i].period);
                left -= take;
            }
        int64_t full = units_value(c, short_units, b->minor_digits);
        int64_t paid = units_value(c, left, b->minor_digits);
        adjustment(b, LINE_SHORTFALL, short_units, full, shrunk);
        if (left < short_units)
            adjustment(b, LINE_CARRY_FORWARD, short_units - left, paid - full, detail);
        /* nothing is banked in the final month: no month follows to draw it */
        if (c->makeup_periods > 0 && !f.is) ledger(b, t->period, "shortfall", left, paid);
    } else if (used > commit) {
        int64_t over = used - commit, drawn = 0, credit = 0;
        for (size_t i = 0; i < n && over > 0; i++) {
            if (bank[i].carry || bank[i].units <= 0) continue;
            int64_t take = min64(over, bank[i].units), value = bank[i].value;
            if (take < bank[i].units)
                money_div_round((__int128)bank[i].value * take, bank[i].units, &value);
            ledger(b, bank[i].period, "makeup_draw", take, value);
            bank[i].units -= take;
            bank[i].value -= value;
            entry_label(detail, sizeof detail, bank[i].period);
            over -= take;
            drawn += take;
            credit += value;
        }
        if (drawn) adjustment(b, LINE_MAKEUP_DRAW, drawn, -credit, detail);
        if (c->carry_periods > 0 && !f.is) ledger(b, t->period, "carry", over, 0);
    }
    bool ok = !f.is || termination_lines(b, t, bank, n, month_commit, f, err, errlen);
    free(bank);
    return ok;
}

/* What each usage line still costs before tax, after the discounts so far
 * (subsidies, pre-tax vouchers, the pre-tax part of after-tax claims): one
 * subsidy per charge. A discount is shared by the lines it covers in
 * proportion to what each of them still costs (its eligible part), exactly:
 * the shares sum to the discount and no line goes below zero. */
struct costs {
    int64_t *rest; /* per line of the bill at the start of settlement */
    size_t n;
};

/* money_split: exact, each share at most its weight when amount <= W. */
static void allocate(struct costs *c, int64_t amount, const int64_t *weight)
{
    if (amount <= 0) return;
    int64_t *share = xcalloc(c->n ? c->n : 1, sizeof *share);
    if (money_split(amount, weight, c->n, share))
        for (size_t i = 0; i < c->n; i++)
            c->rest[i] -= share[i];
    free(share);
}

static bool in_list(const char *s, const char *list, size_t stride, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, list + (size_t)i * stride)) return true;
    return false;
}

bool subsidy_covers_cell(const struct subsidy *s, const char *site, const char *model,
                         const char *meter)
{
    const struct accelerator *a = catalogue_find(model);
    return !strcmp(meter, "energy_mj") && in_list(site, s->sites[0], sizeof s->sites[0], s->nsites) &&
           (!s->nvendors ||
            (a && in_list(a->vendor, s->vendors[0], sizeof s->vendors[0], s->nvendors))) &&
           (!s->domestic_only || (a && a->domestic));
}

static bool subsidy_covers(const struct subsidy *s, const struct bill_line *l)
{
    return l->kind == LINE_USAGE && subsidy_covers_cell(s, l->site, l->model, l->meter);
}

bool voucher_covers_cell(const struct voucher *v, const char *model, const char *meter)
{
    const struct accelerator *a = catalogue_find(model);
    return (meter_bit_code(meter) & v->meters) && (!v->domestic_only || (a && a->domestic));
}

static bool subsidies(struct bill *b, const struct settle_terms *t, struct costs *c, char *err,
                      size_t errlen)
{
    int64_t *weight = xcalloc(c->n + 1, sizeof *weight);
    bool ok = true;
    for (size_t k = 0; ok && k < t->nsubsidies; k++) {
        const struct subsidy *s = &t->subsidies[k];
        __int128 facility = 0;                          /* mJ x ppm */
        int64_t room = 0, amount = 0, cap = -1, mj = 0; /* room: what those lines still cost */
        for (size_t i = 0; i < c->n; i++) {
            weight[i] = subsidy_covers(s, &b->lines[i]) ? c->rest[i] : 0;
            if (!subsidy_covers(s, &b->lines[i])) continue;
            facility += (__int128)b->lines[i].quantity * b->lines[i].pue_ppm;
            mj += b->lines[i].quantity;
            room += c->rest[i];
        }
        if (!mj) continue;
        __int128 den = (__int128)UNITS_MJ_PER_KWH * 1000000 * 1000000; /* per kWh, ppm, micro */
        for (int d = 0; d < b->minor_digits; d++)
            den /= 10;
        ok = s->per_kwh ? money_div_round(facility * s->rate_micro, den, &amount)
                        : money_div_round((__int128)room * s->share_ppm, 1000000, &amount);
        if (ok && s->cap_micro >= 0 && !money_from_micro(s->cap_micro, b->minor_digits, &cap)) {
            snprintf(err, errlen, "subsidy %s: cap has more decimals than %s allows", s->code,
                     b->currency);
            ok = false;
        }
        if (!ok) break;
        amount = min64(amount, room);
        if (cap >= 0) amount = min64(amount, cap);
        if (amount <= 0) continue;
        allocate(c, amount, weight);
        adjustment(b, LINE_SUBSIDY, mj, -amount, s->code);
    }
    free(weight);
    if (!ok && !err[0]) snprintf(err, errlen, "an energy subsidy overflows");
    return ok;
}

/* The part of what line l still costs (rest) that voucher v covers:
 * its meters; domestic accelerators only (a token line in proportion to
 * the GPU time its training jobs ran on domestic accelerators); training
 * jobs only (pro rata by quantity). */
static int64_t voucher_eligible(const struct voucher *v, const struct bill_line *l, int64_t rest)
{
    if (rest <= 0 || (l->kind != LINE_USAGE && l->kind != LINE_GPU_FLOOR)) return 0;
    if (!(meter_bit_code(l->meter) & v->meters)) return 0;
    unsigned __int128 num = 1, den = 1;
    if (v->domestic_only) {
        if (!strcmp(l->meter, "tokens")) {
            if (l->jobs_gpu_ms <= 0) return 0; /* no GPU time to tell: not covered */
            num = (unsigned __int128)l->jobs_domestic_ms;
            den = (unsigned __int128)l->jobs_gpu_ms;
        } else if (!voucher_covers_cell(v, l->model, l->meter)) {
            return 0;
        }
    }
    if (v->training_only && l->quantity > 0 && l->training_quantity < l->quantity) {
        num *= (unsigned __int128)l->training_quantity;
        den *= (unsigned __int128)l->quantity;
    }
    int64_t e = 0;
    money_mul_div_round((unsigned __int128)rest, num, den, &e);
    return e;
}

static int voucher_order(const void *pa, const void *pb)
{
    const struct voucher *a = ((const struct voucher_state *)pa)->v;
    const struct voucher *b = ((const struct voucher_state *)pb)->v;
    if (a->priority != b->priority) return a->priority < b->priority ? -1 : 1;
    if (a->valid_until != b->valid_until) return a->valid_until < b->valid_until ? -1 : 1;
    return strcmp(a->code, b->code);
}

/* Claims the vouchers of one kind (pre_tax or not) against `owed`. Each
 * voucher's base is what its eligible charges still cost (with their tax
 * when after tax), after every discount and claim before it; what it pays
 * comes off those charges for the vouchers after it. */
static bool claim_vouchers(struct bill *b, const struct settle_terms *t, struct costs *c,
                           bool pre_tax, int64_t owed, char *err, size_t errlen)
{
    int64_t *eligible = xcalloc(c->n + 1, sizeof *eligible);
    bool ok = true;
    for (size_t k = 0; ok && k < t->nvouchers; k++) {
        struct voucher_state *vs = &t->vouchers[k];
        const struct voucher *v = vs->v;
        if (v->pre_tax != pre_tax) continue;
        int64_t face, cap = -1, base = 0;
        if (strcmp(v->currency, b->currency)) {
            snprintf(err, errlen, "voucher %s is in %s, the contract bills %s", v->code,
                     v->currency, b->currency);
            ok = false;
            break;
        }
        if (!money_from_micro(v->face_micro, b->minor_digits, &face) ||
            (v->yearly_cap_micro >= 0 &&
             !money_from_micro(v->yearly_cap_micro, b->minor_digits, &cap))) {
            snprintf(err, errlen, "voucher %s has more decimals than %s allows", v->code,
                     b->currency);
            ok = false;
            break;
        }
        for (size_t i = 0; i < c->n; i++)
            base += eligible[i] = voucher_eligible(v, &b->lines[i], c->rest[i]);
        /* coverage x base (after tax: x (1 + rate), the base's tax exact),
         * held to what is still owed and rounded once: min(round(x), owed)
         * = round(min(x, owed)) as owed is whole */
        int64_t scale = pre_tax ? 1000000 : 1000000 + b->tax_ppm, amount = 0;
        if (!money_mul_div_round((unsigned __int128)base * (unsigned __int128)v->coverage_ppm,
                                 (unsigned __int128)scale, (unsigned __int128)1000000 * 1000000,
                                 &amount)) {
            snprintf(err, errlen, "voucher %s: its claim does not fit an amount", v->code);
            ok = false;
            break;
        }
        amount = min64(amount, owed);
        amount = min64(amount, face - vs->spent);
        if (cap >= 0) amount = min64(amount, cap - vs->year_used);
        if (amount <= 0) continue;
        owed -= amount;
        for (size_t j = 0; j < t->nvouchers; j++) /* the program's yearly cap is shared */
            if (!strcmp(t->vouchers[j].v->program, v->program)) t->vouchers[j].year_used += amount;
        vs->spent += amount;
        struct voucher_claim *cl = bill_add_claim(b);
        snprintf(cl->voucher, sizeof cl->voucher, "%s", v->code);
        snprintf(cl->program, sizeof cl->program, "%s", v->program);
        cl->pre_tax = pre_tax;
        cl->amount = amount;
        /* what the claim paid of the charges themselves (after tax: its
         * pre-tax part, amount / (1 + rate)), taken off them for the
         * vouchers after it */
        int64_t paid = amount;
        if (!pre_tax)
            money_mul_div_round((unsigned __int128)amount, 1000000, (unsigned __int128)scale,
                                &paid);
        allocate(c, min64(paid, base), eligible);
        if (pre_tax)
            adjustment(b, LINE_VOUCHER_DISCOUNT, 0, -amount, v->code);
        else
            b->claimed += amount;
    }
    free(eligible);
    return ok;
}

/* The sum of the lines; false (err set) when it does not fit an amount. */
static bool lines_total(const struct bill *b, int64_t *sum, char *err, size_t errlen)
{
    *sum = 0;
    for (size_t i = 0; i < b->n; i++)
        if (!money_add(*sum, b->lines[i].amount, sum)) {
            snprintf(err, errlen, "the lines add up to more than the largest amount");
            return false;
        }
    return true;
}

/* The month's SLA credit line, taken off the affected usage lines' costs
 * in proportion (at most what they cost: the shortfall's part has no cost
 * a discount could take). */
static bool sla_credit_line(struct bill *b, const struct settle_terms *t, struct costs *c,
                            char *err, size_t errlen)
{
    if (!t->sla || !t->k->sla.present) return true;
    int64_t affected = 0, room = 0;
    struct sla_credit credit;
    if (!sla_affected(b, t->sla, &affected) ||
        !sla_credit_compute(&t->k->sla, t->sla->metered_ms, t->sla->downtime_ms, affected,
                            &credit)) {
        snprintf(err, errlen, "the SLA credit's affected charges do not fit an amount");
        return false;
    }
    if (credit.amount <= 0) return true; /* the target met, or nothing measured */
    int64_t *weight = xcalloc(c->n + 1, sizeof *weight);
    for (size_t i = 0; i < c->n; i++)
        if (sla_line_affected(&b->lines[i], t->sla)) room += weight[i] = c->rest[i];
    allocate(c, min64(credit.amount, room), weight);
    free(weight);
    char detail[129];
    sla_credit_detail(&t->k->sla, &credit, affected, b->minor_digits, detail, sizeof detail);
    adjustment(b, LINE_SLA_CREDIT, 0, -credit.amount, detail);
    return true;
}

bool settle_tax(struct bill *b, char *err, size_t errlen)
{
    if (!bill_lines_tax(b, &b->tax) || !money_add(b->subtotal, b->tax, &b->total)) {
        snprintf(err, errlen, "the subtotal %lld cannot be taxed", (long long)b->subtotal);
        return false;
    }
    return true;
}

bool settle_bill(struct bill *b, const struct settle_terms *t, char *err, size_t errlen)
{
    err[0] = '\0';
    b->nclaims = b->nledger = 0;
    b->claimed = 0;
    b->tax_ppm = t->k->tax_ppm;
    if (t->nvouchers) qsort(t->vouchers, t->nvouchers, sizeof *t->vouchers, voucher_order);
    if (!take_or_pay(b, t, err, errlen)) return false;
    /* the charges discounts apply to: the lines priced so far */
    struct costs c = {xcalloc(b->n + 1, sizeof *c.rest), b->n};
    for (size_t i = 0; i < c.n; i++)
        c.rest[i] = b->lines[i].kind == LINE_USAGE || b->lines[i].kind == LINE_GPU_FLOOR
                        ? b->lines[i].amount
                        : 0;
    int64_t sum = 0;
    bool ok = sla_credit_line(b, t, &c, err, errlen) && subsidies(b, t, &c, err, errlen) &&
              lines_total(b, &sum, err, errlen) &&
              claim_vouchers(b, t, &c, true, sum, err, errlen) &&
              (!t->k->nswaps ||
               index_swap_lines(b, t->k, t->period, t->fixings, err, errlen)) &&
              lines_total(b, &b->subtotal, err, errlen);
    /* a month of only prior-period credits may be negative: a credit balance */
    ok = ok && settle_tax(b, err, errlen);
    ok = ok && claim_vouchers(b, t, &c, false, b->total, err, errlen);
    free(c.rest);
    if (!ok) return false;
    b->due = b->total - b->claimed;
    assert(bill_totals_hold(b));
    return true;
}
