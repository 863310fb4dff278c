/* index_link: a GPU-hour price linked to the realised compute price index
 * (issue 37; docs/investor.md, "Prices linked to the index").
 *
 * A plan may price a model at the index of an earlier month plus a spread,
 * held between an optional floor and cap (terms/plan_doc.c reads it into
 * a struct index_link). billing/month.c looks the value in force up
 * (price_index_latest, schema 056) and records it in the model's struct
 * index_use; charges.c copies that record onto every usage line priced at
 * it, and billing/store.c writes it to invoice_index_use with the line.
 *
 * index_link_price is exact integer arithmetic in micro-units per
 * GPU-hour (the index's unit and the plan's): unit price =
 * clamp(index + spread, floor, cap), never below 0; the line's amount is
 * then rounded once by price_amount like every usage line (docs/money.md).
 * Pure; thread-safe. */
#ifndef GPUMETER_INDEX_LINK_H
#define GPUMETER_INDEX_LINK_H

#include <stdbool.h>
#include <stdint.h>

/* At most this many months between the month billed and the index month:
 * a year covers every lag a contract is written with, and lag 0 is
 * refused (a month's index is computed from that month's invoices). */
#define INDEX_LINK_MAX_LAG 12

/* The plan's terms: on false for a fixed price. floor and cap are -1 when
 * absent; the spread may be negative (a discount to the index). */
struct index_link {
    bool on;
    int lag_months; /* 1..INDEX_LINK_MAX_LAG */
    int64_t spread, floor, cap; /* micro-units per GPU-hour */
};

/* A line priced (or settled) at the index: the publication used
 * (price_index_latest) and, for a price at the index, the terms applied
 * (link.on; a fixed-for-floating settlement's line leaves it off, and
 * billing/store.c stores no terms for it). month is "" on every other
 * line. */
struct index_use {
    char month[8];         /* YYYY-MM of the index value used */
    int64_t revision;      /* the publication's revision, 0 first */
    char published_at[32]; /* when it was published, UTC, RFC 3339 */
    int64_t index_micro;   /* the value used, micro-units per GPU-hour */
    struct index_link link;
};

/* The unit price at index value index_micro: index + spread, raised to
 * the floor (0 when there is none), lowered to the cap. False when
 * index + spread does not fit int64 (a price no valid document gives). */
bool index_link_price(const struct index_link *l, int64_t index_micro, int64_t *unit_price);

/* The index month (months since 1970-01) priced into the month period
 * (months since 1970-01): period - lag_months. */
int64_t index_link_month(const struct index_link *l, int64_t period);

#endif
