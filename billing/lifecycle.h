/* lifecycle: issuing and voiding invoices, and recording their fapiao (see lifecycle.c): numbers
 * gap-free per series and year, credit notes, ledger reversals. Each issue, void, fapiao record
 * and fapiao correction writes its audit_log row (--actor, else audit.actor) in its own
 * transaction; a fapiao date outside [issue date, today] in the invoice's time zone exits 2. Both are
 * `gpumeter invoice` subcommands and return the process exit code. Commands: run on the main
 * thread. */
#ifndef GPUMETER_LIFECYCLE_H
#define GPUMETER_LIFECYCLE_H

int lifecycle_issue(int argc, char **argv);
int lifecycle_void(int argc, char **argv);
int lifecycle_fapiao(int argc, char **argv);

#endif
