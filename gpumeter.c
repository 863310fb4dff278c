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

static const struct cli_command commands[] = {
    {"collect", cmd_collect, "read GPU telemetry and produce usage events to Kafka"},
    {"rate", cmd_rate, "consume usage events exactly once into PostgreSQL"},
    {"conservation", cmd_conservation,
     "check consumed = rated + duplicates + dead-lettered + parked"},
    {"rerate", cmd_rerate, "reprice a customer's month after a plan correction"},
    {"invoice", cmd_invoice, "run, list and show monthly invoices"},
    {"plan", cmd_plan, "apply, list, show, diff and simulate price plan documents"},
    {"contract", cmd_contract, "apply, list and show customer contracts"},
    {"customer", cmd_customer, "add, update and list customers"},
    {"site", cmd_site, "apply and list sites and their PUE"},
    {"voucher", cmd_voucher, "issue, list and show compute vouchers"},
    {"subsidy", cmd_subsidy, "apply and list energy subsidy programs"},
    {"tariff", cmd_tariff, "apply and list the energy tariff each site pays"},
    {"asset", cmd_asset, "apply and list each fleet's size, purchase cost and life"},
    {"maintenance", cmd_maintenance, "apply and list the announced maintenance windows"},
    {"project", cmd_project, "apply and show financed projects: assets, contracts, debt schedule"},
    {"report", cmd_report, "vouchers, commitments, contracts, yield and capacity"},
    {"index", cmd_index, "publish the realised compute price index, revisions kept"},
    {"export", cmd_export, "the month's paperwork: etax (fapiao, red reversals), focus (FOCUS)"},
    {"receivables", cmd_receivables, "check which customers are in default"},
    {"serve", cmd_serve, "serve the customer statements API over HTTP"},
    {"statement", cmd_statement, "print a customer's usage and charges for a month"},
    {"dunning", cmd_dunning, "send overdue invoices' reminders, each step once"},
    /* issue 34, payments (r34b) */
    {"payment", cmd_payment, "import bank statements, apply, record and refund payments"},
    {"migrate", cmd_migrate, "apply the PostgreSQL schema migrations"},
    {"topics", cmd_topics, "create the Kafka usage and dead-letter topics"},
    {"notify", cmd_notify, "deliver notifications as signed webhooks; list and retry them"},
    /* receivables (issue 34): deposits and credit limits */
    {"deposit", cmd_deposit, "receive, apply, refund and list customers' deposits"},
    {"credit", cmd_credit, "check and show customers' exposure against their credit limits"},
    {NULL, NULL, NULL},
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
