/* debt: a loan's schedule, exact (see debt.h). The annuity's level
 * payment is a ratio of integers too large for 128 bits ((1+i)^n over
 * hundreds of periods), so it is computed on a small fixed-size unsigned
 * integer (limbs of 32 bits) that only multiplies, subtracts and compares:
 * the quotient is found by bisection, which needs no long division
 * (pricing/bigint.h, shared with the project's returns). */
#include "pricing/debt.h"

#include "pricing/bigint.h"

#include "core/invariant.h"
#include "core/money.h"
#include "core/timeutil.h"

#include <string.h>

static const char *const day_count_names[] = {"act/365", "act/360", "30/360"};
static const char *const repayment_names[] = {"annuity", "linear", "bullet"};

/* The index of s among n names; false when it is none of them. */
static bool name_index(const char *s, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return true;
        }
    return false;
}

const char *debt_day_count_name(enum debt_day_count d)
{
    return day_count_names[d];
}

bool debt_day_count_parse(const char *s, enum debt_day_count *out)
{
    int i;
    if (!name_index(s, day_count_names, 3, &i)) return false;
    *out = (enum debt_day_count)i;
    return true;
}

const char *debt_repayment_name(enum debt_repayment r)
{
    return repayment_names[r];
}

bool debt_repayment_parse(const char *s, enum debt_repayment *out)
{
    int i;
    if (!name_index(s, repayment_names, 3, &i)) return false;
    *out = (enum debt_repayment)i;
    return true;
}

static unsigned month_length(int64_t y, unsigned m)
{
    int64_t first = time_days_from_civil(y, m, 1);
    int64_t next = m == 12 ? time_days_from_civil(y + 1, 1, 1) : time_days_from_civil(y, m + 1, 1);
    return (unsigned)(next - first);
}

int64_t debt_due_day(const struct debt_terms *t, int k)
{
    int y;
    unsigned m, d;
    time_civil_from_days(t->first_due, &y, &m, &d);
    bool month_end = d == month_length(y, m);
    int64_t months = (int64_t)y * 12 + (m - 1) + (int64_t)k * t->months_per_period;
    int64_t yy = months / 12;
    unsigned mm = (unsigned)(months % 12) + 1, last = month_length(yy, mm);
    return time_days_from_civil(yy, mm, month_end || d > last ? last : d);
}

int64_t debt_days(enum debt_day_count dc, int64_t a, int64_t b)
{
    assert(b >= a);
    if (dc != DEBT_30_360) return b - a;
    int y1, y2;
    unsigned m1, d1, m2, d2;
    time_civil_from_days(a, &y1, &m1, &d1);
    time_civil_from_days(b, &y2, &m2, &d2);
    if (d1 == 31) d1 = 30;
    if (d2 == 31 && d1 == 30) d2 = 30;
    return 360 * (int64_t)(y2 - y1) + 30 * ((int64_t)m2 - m1) + ((int64_t)d2 - d1);
}

bool debt_annuity_payment(int64_t total, int64_t rate_micro, int months, int n, int64_t *out)
{
    assert(total >= 0 && n >= 1 && n <= DEBT_MAX_PAYMENTS && (months == 1 || months == 3));
    assert(rate_micro >= 0 && rate_micro <= DEBT_MAX_RATE_MICRO);
    if (rate_micro == 0) return money_div_round(total, n, out);
    /* i = p / q with p = rate x months, q = 12 x 10^6:
     * A = B p (q+p)^n / (q ((q+p)^n - q^n)) */
    uint64_t p = (uint64_t)rate_micro * (uint64_t)months, q = 12ull * MONEY_PRICE_SCALE;
    struct big grown, base, num, den;
    big_set(&grown, 1);
    big_set(&base, 1);
    for (int k = 0; k < n; k++) {
        big_mul(&grown, q + p);
        big_mul(&base, q);
    }
    num = grown;
    big_mul(&num, (uint64_t)total);
    big_mul(&num, p);
    den = grown;
    big_sub(&den, &base);
    big_mul(&den, q);
    return big_div_round(&num, &den, out);
}

/* The interest of a period: round(sum x rate / (basis x 10^6)). */
static bool period_interest(const struct debt_terms *t, __int128 balance_days, int64_t *out)
{
    int64_t basis = t->day_count == DEBT_ACT_365 ? 365 : 360;
    return money_div_round(balance_days * t->rate_micro, (__int128)basis * MONEY_PRICE_SCALE, out);
}

bool debt_schedule(const struct debt_terms *t, struct debt_row *rows)
{
    assert(t->ndrawdowns >= 1 && t->payments >= 1 && t->payments <= DEBT_MAX_PAYMENTS);
    int n = t->payments;
    int64_t total = 0, level = 0, balance = 0;
    for (int j = 0; j < t->ndrawdowns; j++) {
        assert(t->drawdowns[j].day < t->first_due && t->drawdowns[j].amount > 0);
        if (!money_add(total, t->drawdowns[j].amount, &total)) return false;
    }
    if (t->repayment == DEBT_ANNUITY &&
        !debt_annuity_payment(total, t->rate_micro, t->months_per_period, n, &level))
        return false;
    int64_t linear[DEBT_MAX_PAYMENTS], ones[DEBT_MAX_PAYMENTS];
    for (int k = 0; k < n; k++) ones[k] = 1;
    if (t->repayment == DEBT_LINEAR) money_split(total, ones, (size_t)n, linear);
    for (int k = 0; k < n; k++) {
        struct debt_row *r = &rows[k];
        memset(r, 0, sizeof *r);
        r->from_day = k ? rows[k - 1].due_day : t->drawdowns[0].day;
        r->due_day = debt_due_day(t, k);
        r->opening = balance;
        __int128 balance_days = (__int128)balance * debt_days(t->day_count, r->from_day, r->due_day);
        if (k == 0)
            for (int j = 0; j < t->ndrawdowns; j++) {
                r->drawn += t->drawdowns[j].amount;
                balance_days += (__int128)t->drawdowns[j].amount *
                                debt_days(t->day_count, t->drawdowns[j].day, r->due_day);
            }
        balance += r->drawn;
        if (!period_interest(t, balance_days, &r->interest)) return false;
        if (k == n - 1) r->principal = balance;
        else if (t->repayment == DEBT_LINEAR) r->principal = linear[k];
        else if (t->repayment == DEBT_ANNUITY) {
            r->principal = level - r->interest;
            if (r->principal < 0) r->principal = 0;
            if (r->principal > balance) r->principal = balance;
        }
        if (!money_add(r->principal, r->interest, &r->payment)) return false;
        balance -= r->principal;
        r->closing = balance;
        assert(r->closing == r->opening + r->drawn - r->principal && r->closing >= 0);
    }
    assert(balance == 0 && "debt: the last payment closes the loan");
    return true;
}
