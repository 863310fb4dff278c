/* lifecycle: issuing, voiding and partly crediting invoices, and recording their fapiao (see
 * lifecycle.c; `invoice credit` is credit.h): numbers
 * gap-free per series and year, credit notes, ledger reversals. Each issue, void, credit, fapiao
 * record and fapiao correction writes its audit_log row (--actor, else audit.actor) in its own
 * transaction; a fapiao date outside [issue date, today] in the invoice's time zone
 * (invoice_fapiao_dates) exits 2. Rows are inserted as drafts and issued by update, and a void,
 * a credit note's issue and a first fapiao record commit only with the rows schema 027 checks
 * at COMMIT (credit notes, series number, audit row). Both are
 * `gpumeter invoice` subcommands and return the process exit code. Commands: run on the main
 * thread. */
#ifndef GPUMETER_LIFECYCLE_H
#define GPUMETER_LIFECYCLE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

int lifecycle_issue(int argc, char **argv);
int lifecycle_void(int argc, char **argv);
int lifecycle_fapiao(int argc, char **argv);

/* Shared by the lifecycle's commands. */
#define LIFECYCLE_ACTOR_HELP "who does it, for the audit log (default: audit.actor, $USER)"
struct cli_spec;
/* Whether number has the shape lifecycle_number gives: "INV" or "CN", '-',
 * a 4-digit year, '-', 6 to 12 digits. False after printing the usage
 * error naming what (e.g. "NUMBER") and the value; checked before any query
 * so that a mistyped or hostile number never reaches PostgreSQL. */
bool lifecycle_number_ok(const struct cli_spec *spec, const char *what, const char *number);
/* Issues draft id with the next number of series ("INV", "CN") into
 * number, audited as an 'issue' by actor (NULL: its command audits it);
 * number is "" if id is no longer a draft. False on a database error. */
bool lifecycle_number(PGconn *conn, const char *id, const char *series, const char *actor,
                      char *number, size_t cap);

#endif
