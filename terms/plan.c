/* plan: `gpumeter plan apply|propose|approve|reject|proposals|approval|list|show|diff|simulate`.
 *
 * Plans are versioned documents (docstore.h, format in plan_doc.h and
 * docs/plans.md). simulate prices a month, so it lives with billing
 * (billing/simulate.c) and is reached through commands.h. */
#include "terms/plan.h"

#include "commands.h"
#include "core/cli.h"
#include "terms/plan_doc.h"
#include "terms/proposal.h"

#include <stdio.h>
#include <string.h>

static bool parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return plan_doc_parse(doc, out, c);
}

static void identify(const void *parsed, struct doc_identity *id)
{
    const struct plan *p = parsed;
    snprintf(id->code, sizeof id->code, "%s", p->code);
    snprintf(id->currency, sizeof id->currency, "%s", p->currency);
    id->effective_from = p->effective_from;
}

const struct doc_kind plan_kind = {
    "plan",
    true,
    sizeof(struct plan),
    parse,
    identify,
    NULL,
    NULL,
    NULL, /* frozen: docstore_frozen_months */
    true};

DOC_COMMANDS(plan, plan_kind)
PROPOSAL_COMMANDS(plan, plan_kind)
static int plan_diff(int argc, char **argv)
{
    return docstore_diff(&plan_kind, argc, argv);
}

static const struct cli_command plan_table[] = {
    {"apply", plan_apply, "validate a plan document and store it as a version (administrators)",
     NULL},
    {"propose", plan_propose, "validate a plan version and store it for approval", NULL},
    {"approve", plan_approve, "approve a pending proposal (not your own): it takes effect", NULL},
    {"reject", plan_reject, "reject a pending proposal, with a reason", NULL},
    {"proposals", plan_proposals, "list plan proposals and their decisions", NULL},
    {"approval", proposal_policy, "show or set whether proposals need approval (on|off)", NULL},
    {"list", plan_list, "list plan versions", NULL},
    {"show", plan_show, "print the version in effect on a date", NULL},
    {"diff", plan_diff, "show what applying a document would change", NULL},
    {"simulate", cmd_plan_simulate, "price a customer's month under a proposed plan, side by side",
     NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(plan, "gpumeter plan", plan_table)
