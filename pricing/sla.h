/* sla: what a month's availability is worth under a contract's SLA terms
 * (issue 36; docs/availability.md, "Credits"; docs/contracts.md, "SLA").
 *
 * From the terms (terms.h's struct sla), the month's metered and downtime
 * milliseconds of the reserved devices (the sums of the invoice's
 * invoice_sla_evidence rows, schema 050, as sla_device_days returns them)
 * and the affected charges (minor units), sla_credit_compute gives the
 * availability, the tier it earns, the credit's share after the cap and
 * the credit, rounded once half away from zero; sla_shrink gives the
 * take-or-pay minimum shrunk to the capacity delivered. Every comparison
 * and product is exact in 128 bits: a year of 100,000 GPUs in ms
 * (3.2 x 10^15) times 10^6 fits with room to spare.
 *
 * The affected charges (sla_line_affected, sla_affected): the usage and
 * GPU-hour floor lines of the reserved devices' models (an energy line:
 * of a reserved device's model and site), and the take-or-pay shortfall
 * net of the over-use carried against it. Vouchers, subsidies,
 * prior-period lines and tax are not affected charges.
 *
 * A credit computed again for an issued month (late health: the
 * difference on a later invoice, billing/sla_late.h) is the same two calls
 * on that invoice's lines as issued and the month's evidence now. Pure;
 * thread-safe. */
#ifndef GPUMETER_SLA_H
#define GPUMETER_SLA_H

#include "pricing/bill.h"
#include "pricing/terms.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A (model, site) the month's reserved devices were metered as. */
struct sla_cell {
    char model[65], site[65];
};

/* The month's evidence as settlement reads it: the sums of its rows and
 * the cells they name (grown by sla_month_add_cell; no cap). */
struct sla_month {
    int64_t metered_ms, downtime_ms; /* 0 <= downtime_ms <= metered_ms */
    struct sla_cell *cells;
    size_t ncells, cells_cap;
};

struct sla_credit {
    bool measured;            /* metered_ms > 0; otherwise nothing is earned */
    int64_t availability_ppm; /* (metered - downtime) / metered, rounded down: display only */
    int tier;                 /* the tier earned (index into terms' tiers), -1: none */
    int64_t credit_ppm;       /* min(the tier's credit, the cap); 0 without a tier */
    bool capped;              /* the cap bit */
    int64_t amount;           /* the credit, >= 0 minor units: affected x credit_ppm / 10^6 */
};

/* The credit of a month; affected >= 0. False only if the credit does not
 * fit an amount (it cannot exceed affected, so never in practice). The
 * tier is the last whose below its availability is under, compared
 * exactly: (metered - downtime) x 10^6 < below_ppm x metered. metered 0
 * (no reserved device reported in the month): measured false, no credit. */
bool sla_credit_compute(const struct sla *terms, int64_t metered_ms, int64_t downtime_ms,
                        int64_t affected, struct sla_credit *out);

/* minimum x (metered - downtime) / metered, rounded once half away from
 * zero; minimum itself when metered is 0. minimum >= 0. */
int64_t sla_shrink(int64_t minimum, int64_t metered_ms, int64_t downtime_ms);

/* Whether line l is one of the affected charges of a month whose reserved
 * devices were metered as m's cells. */
bool sla_line_affected(const struct bill_line *l, const struct sla_month *m);
/* The sum of a bill's affected charges; false if it does not fit. */
bool sla_affected(const struct bill *b, const struct sla_month *m, int64_t *sum);

/* The detail of the credit's line, figures and signs only so that it reads
 * beside the Chinese name and the English: "93.2291% < 99.5%: 25% x
 * 12345.67" (" (上限 cap)" after the share when the cap bit). */
void sla_credit_detail(const struct sla *terms, const struct sla_credit *c, int64_t affected,
                       int minor_digits, char *buf, size_t len);

struct sla_cell *sla_month_add_cell(struct sla_month *m);
void sla_month_free(struct sla_month *m);

#endif
