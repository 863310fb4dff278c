/* proposal: propose, approve, reject and list plan and contract versions
 * (see proposal.h). */
#include "terms/proposal.h"

#include "core/alloc.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether the seller requires approval (approval_policy); false on a
 * database error with *failed set. */
static bool approval_required(PGconn *conn, bool *failed)
{
    PGresult *res = db_query(conn, "read the approval setting",
                             "SELECT coalesce((SELECT required FROM approval_policy), true)", 0,
                             NULL);
    *failed = !res;
    bool on = res && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return on;
}

int proposal_put(PGconn *conn, const struct doc_kind *k, const char *source, cJSON *doc,
                 const void *parsed, const char *proposer, long long *id, const char **outcome)
{
    *id = 0;
    *outcome = NULL;
    bool failed;
    bool required = approval_required(conn, &failed);
    if (failed) return 1;
    if (!required)
        return docstore_put(conn, k, source, doc, parsed, proposer, PROPOSAL_VIA_AT_ONCE,
                            outcome);
    /* every check apply makes, then nothing kept but the proposal */
    if (!db_exec(conn, "mark the proposal's check", "SAVEPOINT proposal_check", 0, NULL))
        return 1;
    const char *would = NULL;
    int rc = docstore_put(conn, k, source, doc, parsed, proposer, NULL, &would);
    if (!db_exec(conn, "undo the proposal's check", "ROLLBACK TO SAVEPOINT proposal_check", 0,
                 NULL))
        return 1;
    if (rc != 0) return rc;
    if (!strcmp(would, "unchanged")) {
        *outcome = would;
        return 0;
    }
    struct doc_identity ident = {0};
    k->identify(parsed, &ident);
    char *canonical = cJSON_PrintUnformatted(doc), sha[65], from[16];
    digest_sha256_hex(canonical, strlen(canonical), sha);
    time_format_date(ident.effective_from, from);
    const char *p[] = {k->kind,  ident.code, from, ident.customer[0] ? ident.customer : NULL,
                       canonical, sha,       proposer};
    PGresult *res = db_query(conn, "store the proposal",
                             "SELECT proposal_submit($1, $2, $3::date, $4, $5::jsonb, $6, $7)", 7,
                             p);
    cJSON_free(canonical);
    if (!res) return 1;
    *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *outcome = "proposed";
    PQclear(res);
    return 0;
}

int proposal_propose(const struct doc_kind *k, int argc, char **argv)
{
    const char *as = NULL;
    const struct cli_opt opts[] = {
        {"as", CLI_TEXT, &as, "NAME", "who proposes (default: audit.actor, $USER)", 0,
         CLI_ACTOR_MAX},
        {0},
    };
    char usage[96];
    snprintf(usage, sizeof usage, "gpumeter %s propose FILE [--as NAME]", k->kind);
    const struct cli_spec spec = {usage,
                                  "Validate a document whole and store it as a proposal that "
                                  "takes effect when someone else approves it.",
                                  opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    void *parsed;
    struct doc_identity ident;
    char from[16];
    cJSON *doc = docstore_load_identified(k, argv[1], &parsed, &ident, from, &rc);
    if (!doc) return rc;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    long long id = 0;
    const char *outcome = NULL;
    if (!conn) goto out;
    rc = db_begin(conn) ? proposal_put(conn, k, argv[1], doc, parsed, as ? as : cfg.actor, &id,
                                       &outcome)
                        : 1;
    if (rc == 0 && !db_commit(conn)) rc = 1;
    if (rc == 0 && id)
        printf("%s %s version %s: proposal %lld, pending approval (gpumeter %s approve %lld "
               "--as NAME, by someone else)\n",
               k->kind, ident.code, from, id, k->kind, id);
    else if (rc == 0 && !strcmp(outcome, "unchanged"))
        printf("%s %s version %s: unchanged, nothing proposed\n", k->kind, ident.code, from);
    else if (rc == 0)
        printf("%s %s version %s: %s (approval is off: applied at once)\n", k->kind, ident.code,
               from, outcome);
out:
    if (conn && rc != 0) db_rollback(conn);
    PQfinish(conn);
    cJSON_Delete(doc);
    free(parsed);
    return rc;
}

/* A refused decision (not found, decided, by its proposer, stale, no
 * reason) is the caller's mistake: exit 2; anything else 1. */
static int decide_failed(void)
{
    const char *state = db_last_sqlstate();
    return !strcmp(state, "23514") || !strcmp(state, "P0002") ? CLI_EXIT_USAGE : 1;
}

/* The decision on proposal id (argv[1]) by decider; an approval applies
 * the document. */
static int decide(const struct doc_kind *k, const char *id, const char *decider, bool approve,
                  const char *reason)
{
    struct config cfg;
    int rc;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *who = decider;
    const char *p[] = {id, who, approve ? "t" : "f", reason};
    void *parsed = xcalloc(1, k->size);
    cJSON *doc = NULL;
    PGresult *res = NULL;
    rc = 1;
    db_clear_error();
    if (!db_begin(conn) ||
        !(res = db_query(conn, approve ? "approve the proposal" : "reject the proposal",
                         "SELECT kind, code, to_char(effective_from, 'YYYY-MM-DD'), "
                         "  document::text, proposed_by FROM proposal_decide($1::bigint, $2, "
                         "  $3::bool, $4)",
                         4, p))) {
        if (db_last_sqlstate()[0]) rc = decide_failed();
        goto out;
    }
    const char *kind = PQgetvalue(res, 0, 0), *code = PQgetvalue(res, 0, 1),
               *from = PQgetvalue(res, 0, 2), *proposer = PQgetvalue(res, 0, 4);
    if (strcmp(kind, k->kind)) {
        log_error("proposal %s is a %s proposal, not a %s one", id, kind, k->kind);
        log_hint("gpumeter %s %s %s", kind, approve ? "approve" : "reject", id);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (!approve) {
        if (db_commit(conn)) {
            printf("proposal %s (%s %s version %s, by %s): rejected by %s\n", id, kind, code,
                   from, proposer, who);
            rc = 0;
        }
        goto out;
    }
    struct doc_check c = {0};
    const char *text = PQgetvalue(res, 0, 3);
    doc = doc_parse(text, strlen(text), &c);
    bool valid = doc && docstore_parse_text(k, text, strlen(text), parsed, &c);
    sb_free(&c.errors);
    if (!valid) {
        log_error("proposal %s no longer validates", id);
        goto out;
    }
    char source[64], via[CLI_ACTOR_MAX * 8 + 96];
    snprintf(source, sizeof source, "proposal %s", id);
    snprintf(via, sizeof via, "proposal %s approved by %s (proposed by %s)", id, who, proposer);
    const char *outcome = NULL;
    rc = docstore_put(conn, k, source, doc, parsed, who, via, &outcome);
    if (rc == 0 && db_commit(conn))
        printf("proposal %s (%s %s version %s, by %s): approved by %s, version %s\n", id, kind,
               code, from, proposer, who, outcome);
    else if (rc == 0)
        rc = 1;
    else
        log_detail("Nothing was decided: proposal %s is still pending.", id);
out:
    if (rc != 0) db_rollback(conn);
    PQclear(res);
    PQfinish(conn);
    cJSON_Delete(doc);
    free(parsed);
    return rc;
}

/* argv[1] as a proposal id (digits); false after the usage error. */
static bool id_ok(const struct cli_spec *spec, const char *id, int *rc)
{
    size_t n = strlen(id);
    if (n && n <= 18 && strspn(id, "0123456789") == n) return true;
    *rc = cli_usage_error(spec, "ID is a proposal's number (gpumeter plan proposals)");
    return false;
}

/* approve or reject ID --as NAME [--reason TEXT] */
static int decision_command(const struct doc_kind *k, bool approve, int argc, char **argv)
{
    const char *as = NULL, *reason = NULL;
    const struct cli_opt opts[] = {
        {"as", CLI_TEXT, &as, "NAME", "who decides: not the proposer (required)", 0,
         CLI_ACTOR_MAX},
        {"reason", CLI_TEXT, &reason, "TEXT", approve ? "why (optional)" : "why (required)", 0,
         0},
        {0},
    };
    char usage[96];
    snprintf(usage, sizeof usage, "gpumeter %s %s ID --as NAME%s", k->kind,
             approve ? "approve" : "reject", approve ? "" : " --reason TEXT");
    const struct cli_spec spec = {usage,
                                  approve ? "Approve a pending proposal: its version takes "
                                            "effect now, checked again as apply checks it."
                                          : "Reject a pending proposal, with the reason.",
                                  opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!id_ok(&spec, argv[1], &rc)) return rc;
    /* a decision names a person, never a default such as $USER */
    if (!as) return cli_usage_error(&spec, "--as NAME (who decides) is required");
    if (!approve && !reason) return cli_usage_error(&spec, "--reason TEXT is required");
    return decide(k, argv[1], as, approve, reason);
}

int proposal_approve(const struct doc_kind *k, int argc, char **argv)
{
    return decision_command(k, true, argc, argv);
}

int proposal_reject(const struct doc_kind *k, int argc, char **argv)
{
    return decision_command(k, false, argc, argv);
}

int proposal_list(const struct doc_kind *k, int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    char usage[64];
    snprintf(usage, sizeof usage, "gpumeter %s proposals", k->kind);
    const struct cli_spec spec = {usage,
                                  "List the proposals, newest first: id, code, version, status, "
                                  "who proposed and when, who decided and when, the reason.",
                                  opts, 0, 0};
    const char *p[] = {k->kind};
    return cli_list(&spec, argc, argv, "list proposals",
                    "SELECT id::text, code, to_char(effective_from, 'YYYY-MM-DD'), status, "
                    "  proposed_by || ' ' || to_char(proposed_at AT TIME ZONE 'UTC', "
                    "    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                    "  coalesce(decided_by || ' ' || to_char(decided_at AT TIME ZONE 'UTC', "
                    "    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), coalesce(reason, '') "
                    "FROM proposal WHERE kind = $1 ORDER BY id DESC",
                    1, p, "%-6s %-24s %s  %-8s  %-36s %-36s %s\n",
                    (const char *const[]){"ID", "CODE", "EFFECTIVE", "STATUS", "PROPOSED",
                                          "DECIDED", "REASON", NULL});
}

int proposal_policy(int argc, char **argv)
{
    const char *actor = NULL;
    const struct cli_opt opts[] = {
        {"actor", CLI_TEXT, &actor, "NAME", "who changes it (default: audit.actor, $USER)", 0,
         CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {"gpumeter plan approval [on|off] [--actor NAME]",
                                  "Show, or set, whether plan and contract proposals need "
                                  "another person's approval (the seller's setting; on by "
                                  "default).",
                                  opts, 0, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (npos && strcmp(argv[1], "on") && strcmp(argv[1], "off"))
        return cli_usage_error(&spec, "the setting is on or off");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    rc = 1;
    if (!npos) {
        bool failed;
        bool on = approval_required(conn, &failed);
        if (!failed) {
            printf("approval %s\n", on ? "on" : "off");
            rc = 0;
        }
    } else {
        const char *p[] = {argv[1], actor ? actor : cfg.actor};
        if (db_begin(conn) &&
            db_exec(conn, "set the approval setting",
                    "WITH before AS (SELECT required FROM approval_policy), "
                    "set AS (UPDATE approval_policy SET required = ($1 = 'on'), changed_by = $2, "
                    "  changed_at = now() RETURNING required) "
                    "INSERT INTO audit_log (actor, object, key, action, before, after) "
                    "SELECT $2, 'approval_policy', 'seller', 'update', "
                    "  jsonb_build_object('required', b.required), "
                    "  jsonb_build_object('required', s.required) FROM before b, set s",
                    2, p) &&
            db_commit(conn)) {
            printf("approval %s\n", argv[1]);
            rc = 0;
        } else {
            db_rollback(conn);
        }
    }
    PQfinish(conn);
    return rc;
}
