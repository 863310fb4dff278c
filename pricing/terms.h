/* terms: what a customer pays beyond the plan's prices, as pricing reads
 * it (docs/contracts.md; terms/ validates the documents into these):
 *  - a contract: customer, accounts with dates, plan, currency, tax, time
 *    zone, billing basis, overrides, a take-or-pay commitment and its
 *    termination terms; its deposit and credit limit (the receivables',
 *    not pricing's);
 *  - a site: its PUE (facility energy = accelerator energy x PUE);
 *  - a voucher: a program's compute voucher issued to one customer;
 *  - a subsidy: an energy subsidy program.
 * Money in documents is a decimal string, held here in micro-units and
 * turned into the currency's minor units when billed (checked exact on
 * apply). Dates are days since 1970-01-01; -1 is "open". Contracts,
 * vouchers and subsidies start on the first day of a month and end on the
 * last, so every invoice month sees one set of terms.
 * Plain data, no functions; read-only use from any thread is safe. */
#ifndef GPUMETER_TERMS_H
#define GPUMETER_TERMS_H

#include "core/meter.h"
#include "pricing/plan.h"

#include <stdbool.h>
#include <stdint.h>

#define CONTRACT_MAX_ACCOUNTS 64
#define TERMS_MAX_LIST        16

enum billing_basis { BASIS_GPU_HOURS, BASIS_TOKENS, BASIS_TOKENS_GPU_FLOOR };

struct contract_account {
    char account[129], job_prefix[129];
    int64_t from, until; /* local days, inclusive */
};

/* Replaces the plan's price of a meter (for one model, or all): either a
 * multiplier on it or an absolute flat unit price. */
struct price_override {
    unsigned meter; /* METER_BIT_* */
    char model[65]; /* "" for every model */
    bool absolute;
    int64_t multiplier_ppm, unit_price;
};

enum commitment_kind { COMMIT_NONE, COMMIT_MONEY, COMMIT_GPU_HOURS };

/* Take-or-pay, per month: eligible usage below the commitment is billed up
 * to it (shortfall); paid shortfall is banked for makeup_periods months and
 * drawn, oldest first, against eligible usage above a later month's
 * commitment. Over-use may be carried carry_periods months against future
 * shortfalls. */
struct commitment {
    enum commitment_kind kind;
    int64_t amount_micro;    /* COMMIT_MONEY */
    int64_t gpu_ms;          /* COMMIT_GPU_HOURS */
    int64_t shortfall_price; /* micro-units per GPU-hour short (COMMIT_GPU_HOURS) */
    unsigned meters;
    int makeup_periods, carry_periods;
};

/* What ending the contract early costs (docs/contracts.md, "Early
 * termination"): the notice it needs, a fee (months of the monthly
 * commitment, or a share of the commitment left to `until`), what becomes
 * of the make-up bank (forfeited, or credited at what was paid for it)
 * and of a deposit (applied to what is owed, or refunded). */
enum termination_fee { FEE_NONE, FEE_MONTHS, FEE_SHARE };
struct termination {
    bool present;
    int notice_days;
    enum termination_fee fee;
    int fee_months;          /* FEE_MONTHS */
    int64_t fee_share_ppm;   /* FEE_SHARE, of the remaining commitment */
    bool bank_credit;        /* makeup_bank "credit"; else "forfeit" */
    bool deposit_apply;      /* deposit "apply"; else "refund" */
};

/* A deposit (保证金) the customer must hold: applied to each invoice as
 * it is issued (a prepayment), or held until default or termination. */
enum deposit_apply { DEPOSIT_NONE, DEPOSIT_APPLY_INVOICES, DEPOSIT_APPLY_ON_DEFAULT };
struct contract_deposit {
    enum deposit_apply apply; /* DEPOSIT_NONE: no deposit */
    int64_t amount_micro;
};

#define CREDIT_MAX_THRESHOLDS 8
/* A credit limit and the percentages of it (ascending, 1..1000) whose
 * crossing is notified; amount_micro 0: no limit. */
struct credit_limit {
    int64_t amount_micro;
    int thresholds[CREDIT_MAX_THRESHOLDS];
    int nthresholds;
};

/* The service level a contract promises (issue 36, docs/contracts.md,
 * "SLA"): percents read exactly as parts per million of the whole
 * ("99.5" percent is 995000). The credit a month earns is sla.h's, from
 * the month's availability of the reserved devices (settle.h). */
#define SLA_MAX_TIERS 8
/* Entries of "reserved": a node of 8 GPUs is one entry, so 4,096 reach a
 * 30,000-GPU reservation named node by node. */
#define SLA_MAX_RESERVED 4096
/* Distinct sites of "reserved", each checked against its site document: a
 * reservation spans a few data centres, not dozens. */
#define SLA_MAX_RESERVED_SITES 32
/* Only reserved devices are measured: usage names its model and site, not
 * its device, so "the devices its jobs ran on" cannot be told apart
 * (docs/contracts.md, "SLA"). */
enum sla_measured { SLA_MEASURED_NONE = 0, SLA_MEASURED_RESERVED };
struct sla_tier {
    int64_t below_ppm;  /* availability of the month under this ... */
    int64_t credit_ppm; /* ... credits this share of the affected charges */
};
struct sla {
    bool present;
    enum sla_measured measured;
    int nreserved;      /* entries of "reserved"; the list stays in the document */
    /* its distinct sites, and the entry that first names each */
    char reserved_sites[SLA_MAX_RESERVED_SITES][65];
    int reserved_site_entry[SLA_MAX_RESERVED_SITES];
    int nreserved_sites;
    int64_t target_ppm; /* availability per month */
    struct sla_tier tiers[SLA_MAX_TIERS]; /* bounds strictly decreasing */
    int ntiers;
    int64_t cap_ppm; /* of the month's affected charges; 1000000 when absent */
    bool commitment_shrink;
    bool exclude_maintenance, exclude_customer_caused;
};

/* A fixed-for-floating settlement on the realised compute price index
 * (issue 37, docs/investor.md, "Fixed-for-floating"): each month from
 * from_month to until_month (months since 1970-01; -1 open: the
 * contract's), the customer pays fixed and receives floating on a notional
 * quantity of GPU time: notional x (fixed - index of the month lag_months
 * before), one index_swap line (pricing/index_swap.h). */
#define CONTRACT_MAX_INDEX_SWAPS 16
struct index_swap {
    char model[65];         /* the catalogue's name: the index series settled against */
    int64_t notional_ms;    /* GPU-ms a month (the document's GPU-hours, 3 decimals) */
    int64_t fixed_micro;    /* micro-units of the currency per GPU-hour */
    int lag_months;         /* 0..12 */
    int64_t from_month, until_month;
};

struct contract {
    char code[65], customer[65], plan[65], currency[4], time_zone[65];
    int64_t effective_from, until;
    int64_t tax_ppm;
    enum billing_basis basis;
    struct contract_account accounts[CONTRACT_MAX_ACCOUNTS];
    int naccounts;
    struct price_override overrides[PLAN_MAX_ITEMS];
    int noverrides;
    struct commitment commit;
    struct termination term;
    /* receivables (issue 34): the deposit the customer must hold and its
     * credit limit; pricing never reads them */
    struct contract_deposit deposit;
    struct credit_limit credit_limit;
    struct sla sla; /* issue 36: the service level, when "sla" is present */
    struct index_swap swaps[CONTRACT_MAX_INDEX_SWAPS]; /* issue 37: "index_swap" */
    int nswaps;
};

struct site {
    char code[65], name[129];
    int64_t effective_from, pue_ppm;
};

struct voucher {
    char code[65], program[65], customer[65], currency[4];
    int64_t face_micro, coverage_ppm, yearly_cap_micro; /* cap -1: none */
    int64_t valid_from, valid_until;
    int priority;
    bool pre_tax;
    unsigned meters;
    bool domestic_only, training_only;
};

struct subsidy {
    char code[65], name[129], currency[4];
    int64_t effective_from, until;
    char sites[TERMS_MAX_LIST][65], vendors[TERMS_MAX_LIST][33];
    int nsites, nvendors; /* nvendors 0: any vendor */
    bool domestic_only;
    bool per_kwh; /* rate_micro per facility kWh, else share_ppm of the charge */
    int64_t rate_micro, share_ppm;
    int64_t cap_micro; /* per month, -1: none */
};

#endif
