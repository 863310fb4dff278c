/* sla_evidence: the invoice_sla_evidence rows of an invoice (schema 050;
 * issue 36, docs/availability.md, "Credits" and "The invoice's evidence"):
 * the availability an invoice's SLA credit was computed from, written with
 * its draft, and read back, summed, for the PDF's evidence pages.
 *
 * sla_evidence_write rewrites the invoice_sla_evidence rows (schema 050)
 * of the drafts being refreshed: every draft's rows are deleted, and the
 * drafts whose contract has an sla get the month's rows as sla_device_days
 * (schema 049) returns them now, with core/health_reasons.h's
 * customer-caused codes, and so does each earlier month a draft's late
 * sla_credit line adjusts (month = that month). It then checks that each
 * such (draft, month)'s rows sum to the metered and downtime milliseconds
 * its credit was computed from: health
 * that arrived between pricing and writing (the run reads at READ
 * COMMITTED) fails the run, so an invoice's credit and its evidence always
 * agree. An issued invoice's rows are never touched (the guard of invoice
 * lines refuses it).
 *
 * sla_evidence_load sums the stored rows per month measured by day, by
 * device (only those with downtime) and for the month (render/pdf.h), from
 * the stored rows only, never from live health: an issued invoice's
 * evidence never changes.
 *
 * Reentrant. Thread-safe with one connection per thread. */
#ifndef GPUMETER_SLA_EVIDENCE_H
#define GPUMETER_SLA_EVIDENCE_H

#include "render/pdf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* drafts: the refreshed drafts' ids (an array literal); ids, months,
 * metered, downtime, customers: parallel array literals, one element per
 * (draft, month measured: "YYYY-MM-01") that carries evidence (the month's
 * own when its contract has an sla; each earlier month a late sla_credit
 * line adjusts, billing/sla_late.h), the sums its credit was computed from
 * and the draft's customer. Each (draft, month) gets sla_device_days's rows
 * for that month, checked per (draft, month). False after logging (a
 * database error, or evidence that changed). */
bool sla_evidence_write(PGconn *conn, const char *drafts, const char *ids, const char *months,
                        const char *metered, const char *downtime, const char *customers);

/* Reads the evidence of the invoice store_load would read (number, or
 * customer and first_day: STORE_INVOICE_NAMED) into ev (zeroed by the
 * caller); ev->n is 0 when it has none. False after printing a database
 * error. */
bool sla_evidence_load(PGconn *conn, const char *number, const char *customer,
                       const char *first_day, struct sla_evidence *ev);
void sla_evidence_free(struct sla_evidence *ev);

#endif
