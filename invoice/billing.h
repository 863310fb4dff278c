/* billing: turns a customer's aggregated quantities for a month into money.
 *
 * bill_load reads, in one set-based query, every customer's quantities per
 * meter and accelerator model for the month (in the customer's time zone),
 * with the plan's unit prices. bill_price is the one pure pricing function:
 * each billed line is rounded once (money_line_amount), the subtotal is the
 * sum of the lines, tax is one line on the subtotal, total = subtotal + tax.
 * Invoices and statements both price through it, so they always agree.
 *
 * When the customer's plan has a document version in effect for the month
 * (docs/plans.md), bill_load prices the month through it instead: usage by
 * meter, model, local hour and model size goes through plan_charges, and
 * bill_price only totals. Otherwise the plan's flat prices (plan_price)
 * apply. A plan bills exactly the meters it prices; a meter it prices but for which
 * it lacks the model used is an error, never a silent zero. Meters it does
 * not price (GPU time on a by-token plan) appear as unbilled lines. */
#ifndef GPUMETER_BILLING_H
#define GPUMETER_BILLING_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bill_line {
    char meter[16];
    char model[65]; /* or, for tokens under a plan document, the size bracket */
    char band[33];  /* time-of-use band under a plan document, else "" */
    int64_t multiplier_ppm;
    char base_unit[16];
    char price_unit[32];
    int64_t quantity;        /* base units */
    int64_t units_per_price; /* base units one unit price covers */
    bool billed;
    bool meter_billed;  /* the plan prices this meter (for some model) */
    int64_t unit_price; /* micro-units per price unit */
    int64_t amount;     /* minor units; 0 when not billed */
};

struct bill {
    char customer[129];
    char customer_name[257];
    char plan[129];
    char currency[4];
    char period[8];  /* YYYY-MM */
    char status[16]; /* "draft" for invoices, "" for live statements */
    int minor_digits;
    int64_t tax_ppm;
    struct bill_line *lines;
    size_t n, cap;
    int64_t subtotal, tax, total;
    bool priced;           /* lines already priced by a plan document (charges.h) */
    char price_error[256]; /* why the plan document could not price the month */
};

/* Prices every line and the totals; false with a reason on an unpriced
 * model or overflow. */
bool bill_price(struct bill *b, char *err, size_t errlen);

typedef bool (*bill_fn)(struct bill *b, void *ctx);

/* Calls fn with each unpriced bill for period (YYYY-MM), for one customer
 * (code) or all (NULL), in customer code order. A named customer with no
 * usage still gets an empty bill. Returns the number of bills, or -1 after
 * printing the error (or when fn returned false). */
int bill_load(PGconn *conn, const char *period, const char *customer, bill_fn fn, void *ctx);

struct bill_line *bill_add_line(struct bill *b);
void bill_free(struct bill *b);

#endif
