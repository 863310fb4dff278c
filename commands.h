/* commands: the entry point of every top-level subcommand. Each folder owns
 * its own: ingest/ (collect), rating/ (rate, conservation), terms/ (plan,
 * contract, customer, site, voucher, subsidy,
 * tariff, asset, maintenance, project), billing/ (invoice,
 * statement, rerate, report, export, plan simulate, project show), api/ (serve, customer key),
 * schema/ (migrate, topics). Any folder may include this header: it is how
 * a command reaches one that lives higher up (terms/plan.c dispatches
 * `plan simulate` to billing/) without including that folder. Each returns the process exit code: 0
 * success, 1 failure at run time, 2 bad usage or configuration.
 *
 * A family of subcommands (invoice run, invoice list, ...) dispatches
 * through its table (core/cli.h's struct cli_command), and gpumeter.c's
 * table points at it with the family's *_commands(): the same table is
 * what dispatches and what `gpumeter help` lists, so they cannot drift. */
#ifndef GPUMETER_COMMANDS_H
#define GPUMETER_COMMANDS_H

int cmd_collect(int argc, char **argv);
int cmd_rate(int argc, char **argv);
int cmd_conservation(int argc, char **argv);
int cmd_rerate(int argc, char **argv);
int cmd_invoice(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_plan_simulate(int argc, char **argv); /* billing/simulate.c: `plan simulate` */
int cmd_contract(int argc, char **argv);
int cmd_customer(int argc, char **argv);
int cmd_customer_key(int argc, char **argv); /* api/keys.c: `customer key` */
int cmd_site(int argc, char **argv);
int cmd_voucher(int argc, char **argv);
int cmd_subsidy(int argc, char **argv);
int cmd_tariff(int argc, char **argv);
int cmd_asset(int argc, char **argv);
int cmd_maintenance(int argc, char **argv);
int cmd_project(int argc, char **argv);
int cmd_project_show(int argc, char **argv); /* billing/project_show.c: `project show` */
int cmd_report_project(int argc, char **argv); /* billing/project_report.c: `report project` */
int cmd_report(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_receivables(int argc, char **argv); /* billing/defaults.c */
int cmd_serve(int argc, char **argv);
int cmd_statement(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_payment(int argc, char **argv); /* billing/payment.c (issue 34, payments) */
int cmd_topics(int argc, char **argv);
int cmd_notify(int argc, char **argv); /* billing/notify.c: webhooks of the outbox */
/* receivables (issue 34): deposits and credit limits (billing/) */
int cmd_deposit(int argc, char **argv);
int cmd_credit(int argc, char **argv);
int cmd_dunning(int argc, char **argv); /* billing/dunning.c (issue 34, terms) */

struct cli_command;
const struct cli_command *collect_commands(void);
const struct cli_command *invoice_commands(void);
const struct cli_command *plan_commands(void);
const struct cli_command *contract_commands(void);
const struct cli_command *customer_commands(void);
const struct cli_command *customer_key_commands(void);
const struct cli_command *site_commands(void);
const struct cli_command *voucher_commands(void);
const struct cli_command *subsidy_commands(void);
const struct cli_command *tariff_commands(void);
const struct cli_command *asset_commands(void);
const struct cli_command *maintenance_commands(void);
const struct cli_command *project_commands(void);
const struct cli_command *report_commands(void);
const struct cli_command *index_commands(void);
const struct cli_command *export_commands(void);
const struct cli_command *receivables_commands(void);
const struct cli_command *dunning_commands(void);
const struct cli_command *payment_commands(void);
const struct cli_command *notify_commands(void);
const struct cli_command *deposit_commands(void);
const struct cli_command *credit_commands(void);

#endif
