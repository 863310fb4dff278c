/* gpumeter: per-token and per-GPU-hour metering and billing for GPU compute.
 *
 * One binary, git-style: this file only maps subcommand names to the
 * functions their folders own (see commands.h). */
#include "commands.h"
#include "core/cli.h"
#include "core/config.h"

#include <signal.h>
#include <string.h>

/* The PostgreSQL role each command connects as (core/config.h); commands
 * not listed work as billing, and collect and topics do not connect. */
static const struct {
    const char *command;
    enum db_role role;
} roles[] = {{"rate", DB_ROLE_RATER},
             {"conservation", DB_ROLE_RATER},
             {"serve", DB_ROLE_API},
             {"migrate", DB_ROLE_ADMIN}};

/* A family's summary says what it is about; its subcommands are listed
 * after it from the table that dispatches them (subs), never written here. */
static const struct cli_command commands[] = {
    {"collect", cmd_collect, "read GPU telemetry and produce usage events to Kafka",
     collect_commands},
    {"rate", cmd_rate, "consume usage events exactly once into PostgreSQL", NULL},
    {"conservation", cmd_conservation,
     "check consumed = rated + duplicates + dead-lettered + parked", NULL},
    {"rerate", cmd_rerate, "reprice a customer's month after a plan correction", NULL},
    {"invoice", cmd_invoice, "monthly invoices", invoice_commands},
    {"plan", cmd_plan, "price plan documents", plan_commands},
    {"contract", cmd_contract, "customer contracts", contract_commands},
    {"customer", cmd_customer, "customers and their API keys", customer_commands},
    {"site", cmd_site, "sites and their PUE", site_commands},
    {"voucher", cmd_voucher, "compute vouchers", voucher_commands},
    {"subsidy", cmd_subsidy, "energy subsidy programs", subsidy_commands},
    {"tariff", cmd_tariff, "the energy tariff each site pays", tariff_commands},
    {"asset", cmd_asset, "each fleet's size, purchase cost and life", asset_commands},
    {"maintenance", cmd_maintenance, "announced maintenance windows", maintenance_commands},
    {"project", cmd_project, "financed projects: assets, contracts, debt schedule",
     project_commands},
    {"report", cmd_report, "reports for finance, operators and investors", report_commands},
    {"index", cmd_index, "the realised compute price index, revisions kept", index_commands},
    {"export", cmd_export, "the month's paperwork", export_commands},
    {"receivables", cmd_receivables, "customers in default", receivables_commands},
    {"serve", cmd_serve, "serve the statements API and the web console over HTTP", NULL},
    {"statement", cmd_statement, "print a customer's usage and charges for a month", NULL},
    {"dunning", cmd_dunning, "overdue invoices' reminders, each step once", dunning_commands},
    {"payment", cmd_payment, "bank statements and payments", payment_commands},
    {"migrate", cmd_migrate, "apply the PostgreSQL schema migrations", NULL},
    {"topics", cmd_topics, "create the Kafka usage and dead-letter topics", NULL},
    {"notify", cmd_notify, "deliver notifications as signed webhooks (given no subcommand)",
     notify_commands},
    {"deposit", cmd_deposit, "customers' deposits", deposit_commands},
    {"credit", cmd_credit, "customers' exposure against their credit limits", credit_commands},
    {NULL, NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
        puts("gpumeter " GPUMETER_VERSION);
        return 0;
    }
    argv[0] = "gpumeter";
    for (size_t i = 0; argc > 1 && i < sizeof roles / sizeof roles[0]; i++)
        if (!strcmp(argv[1], roles[i].command)) config_use_role(roles[i].role);
    return cli_dispatch("gpumeter", commands, argc, argv);
}
