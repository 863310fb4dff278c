/* proposal: maker-checker for plan and contract versions (schema 069,
 * docs/plans.md "Proposals and approval").
 *
 * A version is proposed by one person and takes effect only when another
 * approves it, unless the seller turned approval off (approval_policy):
 *  - propose validates the document whole, with every check `apply` makes
 *    (its validators, the database's, frozen months, a contract's account
 *    rows), run in a savepoint and rolled back, then stores it as a
 *    pending proposal (proposal_submit); with approval off it is applied
 *    at once, audited as such;
 *  - approve records the decision (proposal_decide: never by the proposer,
 *    never twice, never on a stale base) and applies the document through
 *    docstore_put in the same transaction, audited as approved; a document
 *    that no longer passes (a month issued since) rolls both back;
 *  - reject records the decision with its reason.
 * The commands are `gpumeter plan|contract propose|approve|reject|
 * proposals` and `plan approval [on|off]`.
 * Reentrant: state is the caller's. Thread-safe with one connection per
 * thread. */
#ifndef GPUMETER_TERMS_PROPOSAL_H
#define GPUMETER_TERMS_PROPOSAL_H

#include "terms/docstore.h"

/* How a version applied at once is audited (audit_log.via). */
#define PROPOSAL_VIA_AT_ONCE "applied at once by its proposer (approval off)"

/* In conn's open transaction: proposes a parsed, valid document of kind k
 * as proposer (checks as above; source names it in reports). 0 with
 * *id the new proposal's id, or 0 when nothing was stored as a proposal,
 * and *outcome "proposed", "unchanged" (the same as the stored version:
 * nothing proposed), or with approval off "created"/"replaced";
 * CLI_EXIT_USAGE after reporting the document's problems; 1 on a database
 * error. The caller commits or rolls back. */
int proposal_put(PGconn *conn, const struct doc_kind *k, const char *source, cJSON *doc,
                 const void *parsed, const char *proposer, long long *id, const char **outcome);

int proposal_propose(const struct doc_kind *k, int argc, char **argv);
int proposal_approve(const struct doc_kind *k, int argc, char **argv);
int proposal_reject(const struct doc_kind *k, int argc, char **argv);
int proposal_list(const struct doc_kind *k, int argc, char **argv);
/* `plan approval [on|off] [--actor NAME]`: shows or sets approval_policy. */
int proposal_policy(int argc, char **argv);

/* Defines static name_propose, name_approve, name_reject, name_proposals. */
#define PROPOSAL_COMMANDS(name, kind)                                                              \
    static int name##_propose(int argc, char **argv)                                               \
    {                                                                                              \
        return proposal_propose(&kind, argc, argv);                                                \
    }                                                                                              \
    static int name##_approve(int argc, char **argv)                                               \
    {                                                                                              \
        return proposal_approve(&kind, argc, argv);                                                \
    }                                                                                              \
    static int name##_reject(int argc, char **argv)                                                \
    {                                                                                              \
        return proposal_reject(&kind, argc, argv);                                                 \
    }                                                                                              \
    static int name##_proposals(int argc, char **argv)                                             \
    {                                                                                              \
        return proposal_list(&kind, argc, argv);                                                   \
    }

#endif
