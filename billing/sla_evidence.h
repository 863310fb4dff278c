/* sla_evidence: the availability an invoice's SLA credit was computed
 * from, written with its draft (issue 36; docs/availability.md, "Credits").
 *
 * sla_evidence_write rewrites the invoice_sla_evidence rows (schema 050)
 * of the drafts being refreshed: every draft's rows are deleted, and the
 * drafts whose contract has an sla get the month's rows as sla_device_days
 * (schema 049) returns them now, with core/health_reasons.h's
 * customer-caused codes. It then checks that each such draft's rows sum to
 * the metered and downtime milliseconds its bill was settled with: health
 * that arrived between pricing and writing (the run reads at READ
 * COMMITTED) fails the run, so an invoice's credit and its evidence always
 * agree. An issued invoice's rows are never touched (the guard of invoice
 * lines refuses it). Thread-safe with one connection per thread. */
#ifndef GPUMETER_SLA_EVIDENCE_H
#define GPUMETER_SLA_EVIDENCE_H

#include <libpq-fe.h>
#include <stdbool.h>

/* first_day "YYYY-MM-01"; drafts: the refreshed drafts' ids (an array
 * literal); ids, metered, downtime, customers: parallel array literals of
 * the drafts whose contract has an sla, their bills' sums and customers.
 * False after logging (a database error, or evidence that changed). */
bool sla_evidence_write(PGconn *conn, const char *first_day, const char *drafts,
                        const char *ids, const char *metered, const char *downtime,
                        const char *customers);

#endif
