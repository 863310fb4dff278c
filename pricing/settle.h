/* settle: a month's usage lines through the contract's terms, to the
 * amount due. Pure; docs/contracts.md ("Calculation order") works every
 * step to the fen. After the usage lines (charges.h), in this order:
 *  1. take-or-pay: bank entries past their life expire; eligible usage
 *     below the commitment bills a shortfall line (less earlier over-use
 *     carried forward), and the paid shortfall is banked; eligible usage
 *     above it draws the bank, oldest entry first (makeup_draw line), and
 *     what is left over may be carried forward; in the month a contract
 *     is terminated (t->terminated, docs/contracts.md "Early termination"),
 *     the commitment is pro rata to the days served, nothing is banked or
 *     carried, the bank's unexpired entries expire (credited back as a
 *     makeup_settlement line when the terms say "credit") and the
 *     termination fee is a line;
 *  1a. the SLA credit (sla.h), when the contract has an sla and the month
 *     its evidence (t->sla): with commitment_shrink the take-or-pay
 *     minimum of step 1 is first shrunk to the capacity delivered; the
 *     credit is the tier's share (at most the cap) of the affected
 *     charges, one sla_credit line; it comes off those charges (shared in
 *     proportion, as a discount is), so subsidies and vouchers after it
 *     see what they still cost;
 *  2. energy subsidies, by program code: the eligible energy lines' part,
 *     per facility kWh or as a share, at most the program's cap for the
 *     month and never more than those lines' charge;
 *  3. pre-tax vouchers (discount lines);
 *  3a. the contract's fixed-for-floating settlements (index_swap.h), one
 *     index_swap line per swap settling the month, at t->fixings: after
 *     every discount, which never covers them, and before the tax, which
 *     taxes them as any line (docs/investor.md, "Fixed-for-floating");
 *  4. subtotal = sum of all lines; tax = the sum of each line's amount x
 *     rate, each rounded once (bill_lines_tax: as the tax system taxes
 *     the fapiao, so the invoice and its fapiao agree to the fen);
 *     total = subtotal + tax;
 *  5. after-tax vouchers: claimed from their programs; due = total -
 *     claimed.
 * Vouchers go by priority, then earliest valid_until, then code. One
 * subsidy per charge: every program's base is what its eligible charges
 * still cost after the subsidies, vouchers and claims before it (with
 * their tax when after tax); what it pays comes off those charges, shared
 * exactly in proportion. A voucher claims min(coverage x its base, what
 * the customer still owes), the base after tax being its charges x
 * (1 + rate) exactly, computed in 128 bits and rounded once; then never
 * more than its remaining face value, or what its program's yearly cap
 * leaves for the customer. Claims and ledger rows
 * grow without a cap. Every amount is rounded once, half away from zero;
 * claimed + due = total and subtotal + tax = total are asserted. Pure; thread-safe. */
#ifndef GPUMETER_SETTLE_H
#define GPUMETER_SETTLE_H

#include "pricing/bill.h"
#include "pricing/index_swap.h"
#include "pricing/sla.h"
#include "pricing/terms.h"

/* An open take-or-pay bank entry: what is left of it. */
struct bank_entry {
    int64_t period; /* months since 1970-01 of the month that made it */
    bool carry;     /* over-use carried forward; else paid shortfall */
    int64_t units;  /* minor units (money commitment) or GPU-ms */
    int64_t value;  /* money paid for those units (0 for carry) */
};

struct voucher_state {
    const struct voucher *v;
    int64_t spent;     /* minor units claimed on earlier invoices */
    int64_t year_used; /* minor units its program paid the customer earlier this year */
};

struct settle_terms {
    const struct contract *k;
    int64_t period; /* months since 1970-01 */
    const struct bank_entry *bank;
    size_t nbank; /* oldest first */
    const struct subsidy *subsidies;
    size_t nsubsidies;
    struct voucher_state *vouchers; /* valid this month, any order */
    size_t nvouchers;
    /* terminated: the contract was terminated in this month (the final
     * invoice), its last day ends_on (days since 1970-01-01, local) */
    bool terminated;
    int64_t ends_on;
    /* the month's SLA evidence (its sums and the cells of the reserved
     * devices); NULL, or a contract without an sla: no credit, no shrink */
    const struct sla_month *sla;
    /* the index publications the contract's swaps settle at, one per
     * k->swaps[i] (index_swap.h); NULL when the contract has none */
    const struct index_fixing *fixings;
};

/* The one definition of what a program covers, by cell: settle_bill
 * prices by it and the yield (billing/yield_programs.h) places what a
 * program paid by it. subsidy_covers_cell: energy (meter "energy_mj") on
 * one of the program's sites, of one of its vendors (none listed: any) and
 * domestic when it says so (core/catalogue.h); a usage line it covers is
 * one of these. voucher_covers_cell: one of the voucher's meters on an
 * accelerator model (as reported; catalogue_find) it covers: any, or a
 * domestic one when domestic_only (a token line is covered in proportion
 * to its training jobs' GPU time on such models). Pure; thread-safe. */
bool subsidy_covers_cell(const struct subsidy *s, const char *site, const char *model,
                         const char *meter);
bool voucher_covers_cell(const struct voucher *v, const char *model, const char *meter);

/* A month's take-or-pay commitment of c in money (minor units, digits
 * decimals): a money commitment's amount, a GPU-hour commitment's GPU-ms
 * at its shortfall_price; pro rata to served of days (0 < served <= days)
 * as a final month is billed (the units first, rounded once, then their
 * value, as settle_bill prices the shortfall and the termination fee).
 * 0 without a commitment. How the investor's backlog
 * (billing/project_book.h) values a contract's month. False when it does
 * not fit. */
bool settle_commitment_value(const struct commitment *c, int64_t served, int64_t days,
                             int digits, int64_t *out);

/* Appends the adjustment lines, sets the totals, claims and ledger rows. */
bool settle_bill(struct bill *b, const struct settle_terms *t, char *err, size_t errlen);

/* Sets b->tax and b->total from the lines and b->subtotal by the one tax
 * rule (bill_lines_tax: each line taxed, rounded once, summed, as the
 * fapiao taxes it; the subtotal is the lines' sum, either sign). settle_bill
 * taxes every invoice with it and `invoice credit` every partial credit
 * note, so a credit is taxed as the invoice it credits. False (err set) on
 * overflow. */
bool settle_tax(struct bill *b, char *err, size_t errlen);

#endif
