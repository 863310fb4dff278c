/* termination: `gpumeter contract terminate CODE --date DAY` ends a
 * contract early (docs/contracts.md, "Early termination"). Refused, exit
 * 2 and naming why: an unknown code, a contract already terminated or not
 * in effect on the day, notice given after today, a day before the notice
 * given or than its terms' notice_days allow, a day in (or before) an issued month (issued months
 * are frozen). Otherwise, in one transaction: a contract_termination row
 * (schema 036, append-only, with the clause it ends under), the
 * contract's account rows end on the day (usage after it is no longer the
 * contract's; terms/contract.c keeps them so when contracts are applied
 * again), an audit_log row and the contract.terminated notification
 * (notify_emit). The final invoice is billed by `invoice run` as any
 * month (pricing/settle.c prices its lines).
 * Runs on the main thread; keeps no state between calls. */
#ifndef GPUMETER_TERMINATION_H
#define GPUMETER_TERMINATION_H

/* The command; argv[0] is "terminate". Returns the exit code. */
int termination_command(int argc, char **argv);

#endif
