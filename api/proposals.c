/* proposals: see proposals.h. */
#include "api/proposals.h"

#include "core/alloc.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "terms/contract.h"
#include "terms/docstore.h"
#include "terms/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name a key records: its role and id (never the secret). */
static void key_name(const struct request *r, char *out, size_t n)
{
    snprintf(out, n, "%s key %s", r->who.finance ? "finance" : "sales", r->who.key_id);
}

/* A problem's machine-readable code, from its reason: the console words
 * each code in its language (console/static/plans.js). */
static const char *problem_code(const char *reason)
{
    static const struct {
        const char *says, *code;
    } known[] = {
        {"is required", "required"},
        {"unknown field", "unknown_field"},
        {"must not be negative", "negative"},
        {"unknown accelerator model", "unknown_model"},
        {"overlaps", "overlap"},
        {"unknown currency", "unknown_currency"},
        {"unknown customer", "unknown_customer"},
        {"would price", "frozen"},
        {"must be", "invalid_value"},
        {"is not", "invalid_value"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strstr(reason, known[i].says)) return known[i].code;
    return "invalid";
}

/* 422 with every problem of c ("$.path: reason" lines) as
 * {"path","code","message"}; returns false. */
static bool rejected(struct request *r, const struct doc_check *c)
{
    r->status = 422;
    r->body.len = 0;
    sb_puts(&r->body, "{\"error\":{\"code\":\"invalid_document\",\"message\":");
    sb_put_json_string(&r->body, c->n == 1 ? "the document has 1 problem, nothing proposed"
                                           : "the document has problems, nothing proposed");
    sb_puts(&r->body, ",\"problems\":[");
    const char *s = sb_str(&c->errors);
    int n = 0;
    for (const char *nl; *s; s = nl + (*nl != '\0')) {
        nl = s + strcspn(s, "\n");
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(nl - s), s);
        char *sep = strstr(line, ": ");
        const char *reason = sep ? sep + 2 : line;
        if (sep) *sep = '\0';
        sb_printf(&r->body, "%s{\"path\":", n++ ? "," : "");
        sb_put_json_string(&r->body, sep ? line : "$");
        sb_printf(&r->body, ",\"code\":\"%s\",\"message\":", problem_code(reason));
        sb_put_json_string(&r->body, reason);
        sb_putc(&r->body, '}');
    }
    sb_puts(&r->body, "]}}\n");
    return false;
}

/* kind=plan (default) or contract. */
static const struct doc_kind *kind_of(struct request *r)
{
    const char *kind = http_param(r, "kind");
    if (!kind || !strcmp(kind, "plan")) return &plan_kind;
    if (!strcmp(kind, "contract")) return &contract_kind;
    http_error(r, 400, "bad_request", "kind is plan or contract");
    return NULL;
}

/* Problems when a version of code from `from` would price an issued month
 * (docstore_frozen_months, the one definition); false on a database error. */
static bool frozen_problems(PGconn *conn, const char *kind, const struct doc_identity *id,
                            const char *from, struct doc_check *c)
{
    PGresult *res = docstore_frozen_months(conn, kind, id->code, from,
                                           id->customer[0] ? id->customer : NULL);
    if (!res) return false;
    if (PQntuples(res))
        doc_error(c, "$.effective_from",
                  "would price %d issued month%s (customer %s %s, invoice %s): set it to %s "
                  "or later",
                  PQntuples(res), PQntuples(res) == 1 ? "" : "s", PQgetvalue(res, 0, 0),
                  PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
    PQclear(res);
    return true;
}

/* The checks apply makes once a version is stored (the kind's stored
 * hook, as docstore_put runs it: a contract's account rows rewritten by
 * contract_accounts_rewrite and checked for usage billed twice); false on
 * a database error. */
static bool stored_problems(PGconn *conn, const struct doc_kind *k, const void *parsed,
                            struct doc_check *c)
{
    return !k->stored || k->stored(conn, parsed, c);
}

static bool sales_or_finance(struct request *r)
{
    return r->who.finance || r->who.sales ||
           http_error(r, 403, "forbidden", "proposals need a sales or finance key");
}

bool handle_propose(struct request *r)
{
    const struct doc_kind *k;
    if (!sales_or_finance(r) || !(k = kind_of(r))) return false;
    if (!r->upload || !r->upload->len)
        return http_error(r, 400, "bad_request", "the body is the proposed document (JSON)");
    void *parsed = xcalloc(1, k->size);
    struct doc_check c = {0};
    cJSON *doc = NULL;
    char *canonical = NULL;
    bool ok = false;
    if (!docstore_parse_text(k, r->upload->buf, r->upload->len, parsed, &c)) {
        if (!c.n) doc_error(&c, "$", "not a %s document", k->kind);
        rejected(r, &c);
        goto out;
    }
    struct doc_identity id = {0};
    k->identify(parsed, &id);
    char from[16], sha[65], who[64];
    time_format_date(id.effective_from, from);
    doc = doc_parse(r->upload->buf, r->upload->len, &c);
    canonical = cJSON_PrintUnformatted(doc);
    digest_sha256_hex(canonical, strlen(canonical), sha);
    key_name(r, who, sizeof who);
    db_clear_error();
    if (!db_begin(r->conn) || !docstore_check(r->conn, k, parsed, &c) ||
        !frozen_problems(r->conn, k->kind, &id, from, &c)) {
        http_error(r, 503, "unavailable", "the database failed the query");
        goto out;
    }
    if (c.n) {
        rejected(r, &c);
        goto out;
    }
    const char *p[] = {k->kind,  id.code, from, id.customer[0] ? id.customer : NULL,
                       canonical, sha,    who};
    /* a version with the seller's approval off takes effect at once
     * (column 1); else a proposal (column 0), NULL when it equals the
     * stored one */
    PGresult *res = db_query(
        r->conn, "store the proposal",
        "WITH off AS (SELECT NOT coalesce((SELECT required FROM approval_policy), true) AS "
        "  at_once) "
        "SELECT CASE WHEN at_once OR EXISTS (SELECT 1 FROM document WHERE kind = $1 AND code = $2 "
        "  AND effective_from = $3::date AND document = $5::jsonb) THEN NULL "
        "  ELSE proposal_submit($1, $2, $3::date, $4, $5::jsonb, $6, $7) END, "
        "  CASE WHEN at_once THEN proposal_apply_at_once($1, $2, $3::date, $4, $5::jsonb, $6, "
        "  $7) END "
        "FROM off",
        7, p);
    bool stored = res && !PQgetisnull(res, 0, 1) && strcmp(PQgetvalue(res, 0, 1), "unchanged");
    if (!res || (stored && !stored_problems(r->conn, k, parsed, &c))) {
        PQclear(res);
        http_error(r, 503, "unavailable", "the database failed the query");
        goto out;
    }
    if (c.n) { /* a contract's accounts billed twice: nothing stays */
        PQclear(res);
        rejected(r, &c);
        goto out;
    }
    if (!db_commit(r->conn)) {
        PQclear(res);
        http_error(r, 503, "unavailable", "the database failed the query");
        goto out;
    }
    r->status = PQgetisnull(res, 0, 0) ? 200 : 201;
    sb_printf(&r->body, "{\"kind\":\"%s\",\"code\":", k->kind);
    sb_put_json_string(&r->body, id.code);
    sb_printf(&r->body, ",\"effective_from\":\"%s\"", from);
    if (!PQgetisnull(res, 0, 1))
        sb_printf(&r->body, ",\"proposal\":null,\"status\":\"%s\",\"approval\":\"off\"}\n",
                  PQgetvalue(res, 0, 1));
    else if (PQgetisnull(res, 0, 0))
        sb_puts(&r->body, ",\"proposal\":null,\"status\":\"unchanged\"}\n");
    else
        sb_printf(&r->body, ",\"proposal\":%s,\"status\":\"pending\",\"proposed_by\":\"%s\"}\n",
                  PQgetvalue(res, 0, 0), who);
    PQclear(res);
    ok = true;
out:
    if (PQtransactionStatus(r->conn) != PQTRANS_IDLE) db_rollback(r->conn);
    sb_free(&c.errors);
    cJSON_free(canonical);
    cJSON_Delete(doc);
    free(parsed);
    return ok;
}

bool handle_proposals(struct request *r)
{
    if (!sales_or_finance(r)) return false;
    const char *status = http_param(r, "status");
    if (status && strcmp(status, "pending") && strcmp(status, "approved") &&
        strcmp(status, "rejected"))
        return http_error(r, 400, "bad_request", "status is pending, approved or rejected");
    const char *p[] = {status};
    PGresult *res = db_query(
        r->conn, "list proposals",
        "SELECT id, kind, code, to_char(effective_from, 'YYYY-MM-DD'), coalesce(customer, ''), "
        "  status, proposed_by, "
        "  to_char(proposed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "  coalesce(decided_by, ''), coalesce(to_char(decided_at AT TIME ZONE 'UTC', "
        "    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), coalesce(reason, ''), "
        "  status = 'pending' AND document_state(kind, code) <> base, document::text "
        "FROM proposal WHERE $1::text IS NULL OR status = $1 ORDER BY id DESC LIMIT 500",
        1, p);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    sb_puts(&r->body, "{\"proposals\":[");
    static const char *const names[] = {"kind",        "code",       "effective_from",
                                        "customer",    "status",     "proposed_by",
                                        "proposed_at", "decided_by", "decided_at",
                                        "reason"};
    for (int i = 0; i < PQntuples(res); i++) {
        sb_printf(&r->body, "%s{\"id\":%s", i ? "," : "", PQgetvalue(res, i, 0));
        for (int f = 0; f < 10; f++) {
            const char *v = PQgetvalue(res, i, 1 + f);
            sb_printf(&r->body, ",\"%s\":", names[f]);
            if (*v || f < 3)
                sb_put_json_string(&r->body, v);
            else
                sb_puts(&r->body, "null");
        }
        sb_printf(&r->body, ",\"stale\":%s,\"document\":%s}",
                  PQgetvalue(res, i, 11)[0] == 't' ? "true" : "false", PQgetvalue(res, i, 12));
    }
    sb_puts(&r->body, "]}\n");
    PQclear(res);
    return true;
}


bool handle_proposal_decide(struct request *r)
{
    if (!r->who.finance) return http_error(r, 403, "forbidden", "a decision needs a finance key");
    const char *id = http_param(r, "id"), *decision = http_param(r, "decision"),
               *reason = http_param(r, "reason");
    size_t n = id ? strlen(id) : 0;
    if (!n || n > 18 || strspn(id, "0123456789") != n)
        return http_error(r, 400, "bad_request", "id is a proposal's number");
    if (!decision || (strcmp(decision, "approve") && strcmp(decision, "reject")))
        return http_error(r, 400, "bad_request", "decision is approve or reject");
    /* the CLI's rule for a reason (cli_text_ok): it is shown in the
     * console and the audit trail, where a bidi override or a newline
     * would make it read as something else */
    const char *why = reason && *reason ? utf8_text_problem(reason, strlen(reason)) : NULL;
    if (!why && reason && *reason && utf8_chars(reason, strlen(reason)) > CLI_TEXT_MAX)
        why = "is too long";
    if (why)
        return http_error(r, 400, "bad_request", "reason %s: it takes 1 to %d printable characters",
                          why, CLI_TEXT_MAX);
    bool approve = !strcmp(decision, "approve");
    char who[64];
    key_name(r, who, sizeof who);
    const char *p[] = {id, who, approve ? "t" : "f", reason};
    db_clear_error();
    PGresult *res = NULL, *applied = NULL;
    void *parsed = NULL;
    struct doc_check c = {0};
    bool ok = false;
    if (!db_begin(r->conn)) {
        http_error(r, 503, "unavailable", "the database failed the query");
        goto out;
    }
    res = db_query(r->conn, "decide the proposal",
                   "SELECT kind, code, to_char(effective_from, 'YYYY-MM-DD'), proposed_by, "
                   "  document::text FROM proposal_decide($1::bigint, $2, $3::bool, $4)",
                   4, p);
    if (!res) {
        const char *state = db_last_sqlstate();
        if (!strcmp(state, "P0002"))
            http_error(r, 404, "not_found", "%s", db_last_error());
        else if (!strcmp(state, "23514"))
            http_error(r, 409, "refused", "%s", db_last_error());
        else
            http_error(r, 503, "unavailable", "the database failed the query");
        goto out;
    }
    const char *kind = PQgetvalue(res, 0, 0), *text = PQgetvalue(res, 0, 4);
    const struct doc_kind *k = strcmp(kind, "contract") ? &plan_kind : &contract_kind;
    const char *outcome = "rejected";
    if (approve) {
        /* every check apply makes (terms/proposal.c's approve runs them
         * through docstore_put): the validators, the database's checks,
         * issued months; then the store and the kind's stored checks */
        parsed = xcalloc(1, k->size);
        if (!docstore_parse_text(k, text, strlen(text), parsed, &c)) {
            http_error(r, 409, "refused", "proposal %s no longer validates: %.400s", id,
                       sb_str(&c.errors));
            goto out;
        }
        struct doc_identity ident = {0};
        k->identify(parsed, &ident);
        /* the document is the proposal's own (the API's role could have
         * stored another code's or date's round the validators) */
        char from[16];
        time_format_date(ident.effective_from, from);
        if (strcmp(ident.code, PQgetvalue(res, 0, 1)) || strcmp(from, PQgetvalue(res, 0, 2))) {
            doc_error(&c, "$", "the document is %s from %s, the proposal %s from %s", ident.code,
                      from, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
            http_error(r, 409, "refused", "proposal %s no longer validates: %.400s", id,
                       sb_str(&c.errors));
            goto out;
        }
        if (!docstore_check(r->conn, k, parsed, &c) ||
            !frozen_problems(r->conn, kind, &ident, PQgetvalue(res, 0, 2), &c)) {
            http_error(r, 503, "unavailable", "the database failed the query");
            goto out;
        }
        const char *q[] = {id};
        if (!c.n && (!(applied = db_query(r->conn, "apply the approved version",
                                          "SELECT proposal_apply($1::bigint)", 1, q)) ||
                     !stored_problems(r->conn, k, parsed, &c))) {
            http_error(r, 503, "unavailable", "the database failed the query");
            goto out;
        }
        if (c.n) {
            http_error(r, 409, "refused", "%.400s", sb_str(&c.errors));
            goto out;
        }
        outcome = PQgetvalue(applied, 0, 0);
    }
    if (!db_commit(r->conn)) {
        http_error(r, 503, "unavailable", "the database failed the query");
        goto out;
    }
    sb_printf(&r->body, "{\"proposal\":%s,\"status\":\"%s\",\"decided_by\":\"%s\"", id,
              approve ? "approved" : "rejected", who);
    sb_puts(&r->body, ",\"version\":");
    sb_put_json_string(&r->body, outcome);
    sb_puts(&r->body, "}\n");
    ok = true;
out:
    if (PQtransactionStatus(r->conn) != PQTRANS_IDLE) db_rollback(r->conn);
    PQclear(res);
    PQclear(applied);
    free(parsed);
    sb_free(&c.errors);
    return ok;
}
