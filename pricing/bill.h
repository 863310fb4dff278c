/* bill: the value a month of one customer prices to, and its lines.
 *
 * A bill holds usage lines (priced by charges.h), adjustment lines (settle.h,
 * prior.h), voucher claims and commitment ledger rows, with the totals
 * settle_bill sets: subtotal = sum of the lines, total = subtotal + tax,
 * total = claimed + due. Amounts are signed minor units of the currency.
 * Pure: no I/O, no database. A bill is owned by one thread at a time. */
#ifndef GPUMETER_BILL_H
#define GPUMETER_BILL_H

#include "pricing/index_link.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum line_kind {
    LINE_USAGE,
    LINE_GPU_FLOOR,        /* by token with a GPU-hour floor: the difference */
    LINE_SHORTFALL,        /* take-or-pay: billed up to the commitment */
    LINE_CARRY_FORWARD,    /* earlier over-use set against the shortfall */
    LINE_MAKEUP_DRAW,      /* paid shortfall drawn against over-use */
    LINE_SUBSIDY,          /* an energy subsidy program's part */
    LINE_VOUCHER_DISCOUNT, /* a pre-tax voucher */
    LINE_PRIOR_PERIOD,     /* late usage of an issued month: what it rates to now, less billed */
    LINE_TERMINATION_FEE,  /* early termination: the fee the contract's terms state */
    LINE_MAKEUP_SETTLEMENT, /* early termination: the make-up bank credited back */
    LINE_SLA_CREDIT,       /* the month's availability under the SLA (pricing/sla.h) */
    LINE_INDEX_SWAP,       /* fixed-for-floating on the price index (pricing/index_swap.h) */
    LINE_INDEX_REVISION,   /* an index revision after issue: what an earlier month's lines
                            * priced at the index rate to now, less billed (billing/late.h) */
};
/* The stored name of a kind ("usage", "gpu_floor", ...), and back. */
const char *bill_kind_name(enum line_kind k);
bool bill_kind_parse(const char *s, enum line_kind *k);

struct bill_line {
    enum line_kind kind;
    char meter[16];            /* a registry code (core/meter.h: "gpu_ms", ...); ""
                                * on adjustments */
    char model[65];            /* accelerator model, or the token bracket */
    char band[33];             /* time-of-use band, "" without bands */
    char site[65];             /* energy lines: the site (its PUE) */
    char detail[129];          /* adjustments: the voucher, program or bank entries */
    char adjusts[8];           /* prior_period, index_revision and late sla_credit
                                * lines: the month corrected, YYYY-MM */
    int64_t quantity;          /* base units (GPU-ms, tokens, mJ) */
    int64_t training_quantity; /* of quantity, from jobs that report tokens */
    int64_t unit_price;        /* micro-units per price unit */
    int64_t multiplier_ppm, pue_ppm, override_ppm;
    int64_t amount; /* minor units, signed: adjustments may be credits */
    /* its tax as the fapiao carries it (invoice_line.tax, schema 026): set
     * on stored documents only (store_load_each); an invoice's line's is
     * bill_line_tax, a credit note's line's follows billing/credit.c */
    int64_t tax;
    /* token lines: the GPU time of the training jobs whose tokens these
     * are, and the part of it on domestic accelerators (domestic-only
     * vouchers cover the line in that proportion) */
    int64_t jobs_gpu_ms, jobs_domestic_ms;
    /* a live sla_credit line adjusting an earlier month (billing/sla_late.h):
     * the sums of that month's evidence it was computed from; store_invoices
     * writes the month's evidence rows with the draft and checks them
     * against these. 0 on stored documents. */
    int64_t sla_metered_ms, sla_downtime_ms;
    /* a usage line priced at the index (index_link.h), an index_revision
     * line, and an index_swap line (pricing/index_swap.h, link.on false):
     * the publication used, which store_invoices writes with the draft
     * (invoice_index_use, schema 056); index.month "" on every other line */
    struct index_use index;
};

struct voucher_claim {
    char voucher[65], program[65];
    bool pre_tax;
    int64_t amount;
};

/* A commitment ledger row this month writes (schema 006). */
struct ledger_row {
    int64_t entry_period; /* months since 1970-01 */
    char kind[16];        /* shortfall, carry, makeup_draw, carry_use, expiry */
    int64_t units, value;
};

struct bill {
    char customer[129];
    char customer_name[257];
    char tax_id[33];        /* the buyer's taxpayer number, "" when not recorded */
    char fapiao_number[24]; /* the tax system's number for it, "" until recorded */
    char fapiao_date[16];   /* YYYY-MM-DD, with the number */
    char void_code[4];      /* a void one's red-reversal reason: 01..04, "" if none; a credit
                               note's: its own (partial credit) or its void invoice's */
    char contract[65];
    char plan[129];
    char currency[4];
    char period[8];   /* YYYY-MM */
    char status[16];  /* draft, issued, void; "" for live statements */
    char kind[16];    /* invoice, credit_note */
    char number[32];  /* once issued */
    char credits[32]; /* a credit note: the number of the invoice it credits */
    char issued_at[32];
    char void_reason[257]; /* a void invoice's reason; a credit note's: its own note (a
                              partial credit), else the void's of the invoice it credits */
    /* What a stored document says of the others (store_load_each; empty
     * on a live bill): a void invoice's void date and the credit notes
     * issued against it; for a credit note, the invoice it credits as its
     * buyer knows it (issue date, blue fapiao), with that invoice's total
     * less every credit note against it up to this one. */
    char voided_at[16];     /* YYYY-MM-DD */
    char credit_notes[160]; /* an invoice: its credit notes' numbers, ", " between */
    char credited_issued_at[16], credited_fapiao_number[24], credited_fapiao_date[16];
    bool credited_balance_known;
    int64_t credited_balance; /* minor units */
    int minor_digits;
    int64_t tax_ppm;
    struct bill_line *lines;
    size_t n, cap;
    int64_t subtotal, tax, total, claimed, due;
    int64_t credited; /* an issued invoice: the sum of the credit notes issued against it (<= 0);
                         total + credited is what remains of it */
    /* receivables (issue 34, terms; store_load of one issued invoice, "" and
     * 0 otherwise, and in store_load_each's batches): its due day, its state now as schema 032's
     * invoice_state_at derives it (open, partially_paid, paid, credited,
     * written_off, void), the days it is overdue (0: not overdue), what is
     * open now, and the dunning reminders sent ("1 (2026-12-08), ...") */
    char due_on[16];
    char state[24];
    int64_t overdue_days;
    int64_t open;
    char reminders[256];
    struct voucher_claim *claims; /* grown by bill_add_claim: no cap */
    int nclaims, claims_cap;
    struct ledger_row *ledger; /* grown by bill_add_ledger: no cap */
    int nledger, ledger_cap;
    char error[256];   /* why the month could not be billed; "" when it was */
    long index, count; /* this bill's place in the batch it was loaded in: 1..count */
    /* receivables (issue 34): a statement's customer balances on the ledger
     * as it stands now (billing/balances.h), shown only when has_balances */
    bool has_balances;
    int64_t deposit_held, prepaid; /* minor units, >= 0 as the customer sees them */
    /* a live bill whose contract has an sla (issue 36): the sums of the
     * month's evidence it was settled with (pricing/sla.h); store_invoices
     * writes the evidence rows and checks that they sum to these */
    bool sla;
    int64_t sla_metered_ms, sla_downtime_ms;
};

/* The one predicate of an invoice that stands: issued and not voided since
 * (a credit note or a draft never stands). Every view of the month's net
 * money (finance view, FOCUS, yield) filters with it, and so does the rule
 * that an issued month is frozen (statements, simulations, plan and
 * contract versions: docs/plans.md, "Issued months are frozen"). a is the
 * table's alias with its dot ("i.") or "". A SQL text only: pricing stays
 * without I/O. */
#define INVOICE_STANDS(a) "(" a "kind = 'invoice' AND " a "status = 'issued')"

/* Handed each bill of a batch; false stops the batch. */
typedef bool (*bill_fn)(struct bill *b, void *ctx);

/* Whether the bill has anything to invoice: a line or a voucher claim. */
bool bill_has_content(const struct bill *b);

/* The tax on a bill, as the tax system (数电发票) computes it: each line's
 * amount x the rate, rounded once half away from zero, summed. A negative
 * line (a discount, subsidy, carry-forward, make-up draw, prior-period
 * credit) is taxed the same way, so its tax is minus the tax of its
 * magnitude; a line of 0 has none (the fapiao leaves it out). This is the
 * one definition of the tax (docs/money.md, "Tax per line"): settle_bill
 * sets it, the etax export and its red reversal show it line by line.
 * bill_line_tax: one line's; false when it does not fit an amount.
 * bill_lines_tax: their sum; false (tax 0) when it does not fit. */
bool bill_line_tax(const struct bill_line *l, int64_t tax_ppm, int64_t *tax);
bool bill_lines_tax(const struct bill *b, int64_t *tax);

/* Whether a settled bill's totals hold: the lines sum to the subtotal,
 * the tax is the sum of the lines' taxes (bill_lines_tax), subtotal + tax
 * = total, claimed + due = total, the after-tax claims sum
 * to claimed and the pre-tax ones to minus the voucher discount lines.
 * settle_bill and store_invoices assert it: it never fails. */
bool bill_totals_hold(const struct bill *b);

/* A usage line per unit, for documents that show a quantity and a unit
 * price (the fapiao, FOCUS, the PDF): its quantity in the price unit and
 * its rate, both in units of 10^-decimals (6..9), rounded half away from
 * zero. The rate is the line's own (price x band x PUE x override) when
 * quantity x rate is within 0.01 of the currency of the amount, else
 * amount / quantity (graduated and volume tiers, floors, prior-period
 * differences, a credit-note line whose amount an amount credit lowered).
 * A credit-note line's quantity is negative: the quantity keeps its sign,
 * the rate is positive. False when the line has no meter or no quantity
 * (a credit by amount changes no quantity: its lines carry neither). */
bool bill_line_per_unit(const struct bill_line *l, int minor_digits, int decimals,
                        int64_t *quantity, int64_t *rate);

/* Appended, zeroed; the arrays grow as needed (allocation failure aborts). */
/* How a simulation groups lines (issue 39: `plan simulate`, POST
 * /v1/simulate, the console): usage lines before all others; among them by
 * model, then time-of-use band, then meter. <0, 0 (the same place: keep
 * their order) or >0, as strcmp. */
int bill_line_model_order(const struct bill_line *a, const struct bill_line *b);

struct bill_line *bill_add_line(struct bill *b);
struct voucher_claim *bill_add_claim(struct bill *b);
struct ledger_row *bill_add_ledger(struct bill *b);
/* Moves src into dst (dst's arrays must be free); src keeps no arrays. */
void bill_move(struct bill *dst, struct bill *src);
void bill_free(struct bill *b);

#endif
