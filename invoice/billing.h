/* billing: a customer's month under its contract, as a bill.
 *
 * bill_load finds, set-based, every customer's contract in effect for the
 * month, the plan version in effect on its first day, the usage of the
 * contract's accounts (by meter, model, site, local hour, model size and
 * whether the job reports tokens), the sites' PUE, the commitment bank,
 * the customer's vouchers and the subsidy programs in effect. It prices the
 * usage through plan_charges (charges.h) and settles the contract's terms
 * through settle (settle.h), so invoices, statements, rerate and `plan
 * simulate` share one calculation (docs/contracts.md, "Calculation order").
 * A customer with usage and no contract in effect comes as a bill whose
 * error says so, never a silent zero. Reentrant: a bill_load keeps
 * everything it parses on its own heap, so concurrent loads on different
 * connections (the API's threads) share nothing. */
#ifndef GPUMETER_BILLING_H
#define GPUMETER_BILLING_H

#include <libpq-fe.h>
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
};
const char *line_kind_name(enum line_kind k);
bool line_kind_parse(const char *s, enum line_kind *k);

struct bill_line {
    enum line_kind kind;
    char meter[16];            /* "gpu_ms", "tokens", "energy_mj"; "" on adjustments */
    char model[65];            /* accelerator model, or the token bracket */
    char band[33];             /* time-of-use band, "" without bands */
    char site[65];             /* energy lines: the site (its PUE) */
    char detail[129];          /* adjustments: the voucher, program or bank entries */
    char adjusts[8];           /* prior_period lines: the month corrected, YYYY-MM */
    int64_t quantity;          /* base units (GPU-ms, tokens, mJ) */
    int64_t training_quantity; /* of quantity, from jobs that report tokens */
    int64_t unit_price;        /* micro-units per price unit */
    int64_t multiplier_ppm, pue_ppm, override_ppm;
    int64_t amount; /* minor units, signed: adjustments may be credits */
    /* token lines: the GPU time of the training jobs whose tokens these
     * are, and the part of it on domestic accelerators (domestic-only
     * vouchers cover the line in that proportion) */
    int64_t jobs_gpu_ms, jobs_domestic_ms;
};

/* Units of a meter: "GPU-ms" per "GPU-hour" (3,600,000), ... */
struct meter_units {
    const char *base_unit, *price_unit;
    int64_t per_price;
};
const struct meter_units *meter_units(const char *meter); /* NULL if unknown */

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
    char contract[65];
    char plan[129];
    char currency[4];
    char period[8];   /* YYYY-MM */
    char status[16];  /* draft, issued, void; "" for live statements */
    char kind[16];    /* invoice, credit_note */
    char number[32];  /* once issued */
    char credits[32]; /* a credit note: the number of the invoice it credits */
    char issued_at[32], void_reason[257];
    int minor_digits;
    int64_t tax_ppm;
    struct bill_line *lines;
    size_t n, cap;
    int64_t subtotal, tax, total, claimed, due;
    struct voucher_claim *claims; /* grown by bill_add_claim: no cap */
    int nclaims, claims_cap;
    struct ledger_row *ledger; /* grown by bill_add_ledger: no cap */
    int nledger, ledger_cap;
    char error[256];   /* why the month could not be billed; "" when it was */
    long index, count; /* this bill's place in bill_load's batch: 1..count */
};

typedef bool (*bill_fn)(struct bill *b, void *ctx);

/* Where bill_load takes the plan from: the contract's (NULL), or a proposed
 * plan document priced in its place (`plan simulate`). */
struct plan;

/* Calls fn with each settled bill for period (YYYY-MM), for one customer
 * (code) or all (NULL), in customer code order: every customer with a
 * contract in effect. A bill that could not be priced has error set.
 * Returns the number of bills, or -1 after printing the error (or when fn
 * returned false). */
int bill_load(PGconn *conn, const char *period, const char *customer, const struct plan *proposed,
              bill_fn fn, void *ctx);

/* bill_load without the contract's terms or prior-period lines: the usage
 * lines a month rates to (prior.h compares them with what was invoiced). */
int bill_load_usage(PGconn *conn, const char *period, const char *customer, bill_fn fn, void *ctx);

/* Warns about rated usage of the month (local to the customer's contract)
 * that no contract in effect covers: an account a contract names, but on other days or for other
 * job names. Such usage stays rated and is billed once a contract covers it. Returns the number of
 * accounts warned about, -1 on a database error. */
int bill_warn_uncovered(PGconn *conn, const char *period);

/* Whether the bill has anything to invoice: a line or a voucher claim. */
bool bill_has_content(const struct bill *b);

/* Appended, zeroed; the arrays grow as needed (allocation failure aborts). */
struct bill_line *bill_add_line(struct bill *b);
struct voucher_claim *bill_add_claim(struct bill *b);
struct ledger_row *bill_add_ledger(struct bill *b);
/* Moves src into dst (dst's arrays must be free); src keeps no arrays. */
void bill_move(struct bill *dst, struct bill *src);
void bill_free(struct bill *b);

#endif
