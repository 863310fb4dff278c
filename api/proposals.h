/* proposals: maker-checker through the API (issue 39; schema 069,
 * docs/api.md "Proposals", docs/plans.md "Proposals and approval").
 *
 * GET /v1/proposals lists proposals (finance and sales keys), each with
 * whether it is stale. POST /v1/proposals?kind=plan|contract (a sales or
 * finance key; the body a document) validates it with the CLI's
 * validators and the database's read-only checks and stores it pending
 * through proposal_submit; a rejected document is 422 with every problem
 * as {path, code, message} (code machine-readable, for the console's
 * words). POST /v1/proposals/decide?id=N&decision=approve|reject[&reason=]
 * (a finance key) decides through proposal_decide, which refuses the
 * proposer, a second decision and a stale base (409 refused, its reason);
 * an approved plan or contract is checked again as `approve` checks it
 * (validators, the database's checks, issued months, and that its stored
 * document is the proposal's own code and date: the API's role could
 * have stored another round the validators; 409 "no longer validates"),
 * stored by
 * proposal_apply in the same transaction and then held to the kind's
 * stored checks (a contract's account rows, rewritten by
 * contract_accounts_rewrite, the CLI's one definition; schema 073). With
 * the seller's approval off a proposed plan or contract takes effect at
 * once (proposal_apply_at_once), held to the same checks.
 * A key is named "<role> key <id>": proposer and approver are keys.
 * Reentrant: everything lives on the request. Thread-safe: each request
 * runs on its own pooled connection. */
#ifndef GPUMETER_API_PROPOSALS_H
#define GPUMETER_API_PROPOSALS_H

#include "api/http.h"

#include <stdbool.h>

bool handle_proposals(struct request *r);
bool handle_propose(struct request *r);
bool handle_proposal_decide(struct request *r);

#endif
