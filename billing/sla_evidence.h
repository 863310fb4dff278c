/* sla_evidence: the availability attached to an invoice (issue 36,
 * docs/availability.md, "The invoice's evidence"): the rows of
 * invoice_sla_evidence (schema 050) that billing wrote with the invoice's
 * SLA credit, summed per month measured by day, by device (only those with
 * downtime) and for the month, for the PDF's evidence pages
 * (render/pdf.h). Read from the stored rows only, never from live health:
 * an issued invoice's evidence never changes. Reentrant. Thread-safe with
 * one connection per thread. */
#ifndef GPUMETER_SLA_EVIDENCE_H
#define GPUMETER_SLA_EVIDENCE_H

#include "render/pdf.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Reads the evidence of the invoice store_load would read (number, or
 * customer and first_day: STORE_INVOICE_NAMED) into ev (zeroed by the
 * caller); ev->n is 0 when it has none. False after printing a database
 * error. */
bool sla_evidence_load(PGconn *conn, const char *number, const char *customer,
                       const char *first_day, struct sla_evidence *ev);
void sla_evidence_free(struct sla_evidence *ev);

#endif
