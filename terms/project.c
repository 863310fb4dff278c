/* project: `gpumeter project ...`, an operator's financed project (see
 * project.h, docs/investor.md). */
#include "terms/project.h"

#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "terms/project_doc.h"

#include <stdio.h>
#include <string.h>

static bool project_parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return project_doc_parse(doc, out, c);
}

static void project_identify(const void *parsed, struct doc_identity *id)
{
    const struct project *p = parsed;
    snprintf(id->code, sizeof id->code, "%s", p->code);
    snprintf(id->currency, sizeof id->currency, "%s", p->currency);
    id->effective_from = p->effective_from;
}

/* n codes as a JSON array of strings (parameters the SQL unnests). */
static void json_codes(struct strbuf *sb, const char *first, size_t stride, int n)
{
    sb_putc(sb, '[');
    for (int i = 0; i < n; i++) {
        if (i) sb_putc(sb, ',');
        sb_put_json_string(sb, first + (size_t)i * stride);
    }
    sb_putc(sb, ']');
}

/* Each of the codes (JSON, $1) with no document of kind ($2): its index. */
static bool unknown_codes(PGconn *conn, const char *kind, const char *codes, const char *what,
                          const char *array_path, const char *hint, struct doc_check *c)
{
    const char *p[] = {codes, kind};
    PGresult *res = db_query(conn, what,
                             "SELECT u.i - 1, u.x FROM jsonb_array_elements_text($1::jsonb) "
                             "WITH ORDINALITY u(x, i) WHERE NOT EXISTS (SELECT 1 FROM document d "
                             "WHERE d.kind = $2 AND d.code = u.x) ORDER BY u.i",
                             2, p);
    for (int i = 0; res && i < PQntuples(res); i++) {
        char path[DOC_PATH_LEN];
        snprintf(path, sizeof path, "%s[%s]", array_path, PQgetvalue(res, i, 0));
        doc_error(c, path, "unknown %s \"%s\" (%s)", kind, PQgetvalue(res, i, 1), hint);
    }
    bool ok = res != NULL;
    PQclear(res);
    return ok;
}

/* A project's amounts are hundredths (fen), so its currency has two minor
 * digits (docs/investor.md); an unknown currency is docstore's to name. */
static bool currency_hundredths(PGconn *conn, const char *currency, struct doc_check *c)
{
    const char *p[] = {currency};
    PGresult *res = db_query(conn, "look up the project's currency",
                             "SELECT minor_digits FROM currency WHERE code = $1", 1, p);
    if (res && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "2"))
        doc_error(c, "$.currency",
                  "\"%s\" has %s minor digits: project amounts are in hundredths, other "
                  "currencies are not supported yet",
                  currency, PQgetvalue(res, 0, 0));
    bool ok = res != NULL;
    PQclear(res);
    return ok;
}

/* The index in the document of the asset or contract member. */
static int member_index(const struct project *p, const char *kind, const char *member)
{
    bool asset = !strcmp(kind, "asset");
    for (int i = 0; i < (asset ? p->nassets : p->ncontracts); i++)
        if (!strcmp(asset ? p->assets[i].code : p->contracts[i], member)) return i;
    return 0;
}

/* Every asset has an asset document, every contract a contract document,
 * and none belongs to another project while this version is in effect
 * (project_claims, schema 054). */
static bool project_check(PGconn *conn, const void *parsed, struct doc_check *c)
{
    const struct project *p = parsed;
    struct strbuf assets = STRBUF_INIT, contracts = STRBUF_INIT;
    json_codes(&assets, p->assets[0].code, sizeof p->assets[0], p->nassets);
    json_codes(&contracts, p->contracts[0], sizeof p->contracts[0], p->ncontracts);
    char from[16];
    time_format_date(p->effective_from, from);
    bool ok = currency_hundredths(conn, p->currency, c) &&
              unknown_codes(conn, "asset", sb_str(&assets), "look up the project's assets",
                            "$.assets", "gpumeter asset apply", c) &&
              unknown_codes(conn, "contract", sb_str(&contracts),
                            "look up the project's contracts", "$.contracts",
                            "gpumeter contract apply", c);
    /* One apply at a time checks and stores claims: two projects claiming
     * one fleet, checked before either stored, would both pass (each
     * transaction's check reads before the other's insert). The lock is
     * held to commit; under READ COMMITTED the query below, run once it is
     * taken, sees the version the holder stored. */
    ok = ok && db_exec(conn, "wait for other project applies",
                       "SELECT pg_advisory_xact_lock(hashtext('project claims'))", 0, NULL);
    const char *q[] = {p->code, from, sb_str(&assets), sb_str(&contracts)};
    PGresult *res =
        ok ? db_query(conn, "look up the projects holding its assets and contracts",
                      "SELECT member_kind, member, other, to_char(other_from, 'YYYY-MM-DD'), "
                      "CASE WHEN other_until = 'infinity' THEN 'on' ELSE 'until ' || "
                      "to_char(other_until - 1, 'YYYY-MM-DD') END "
                      "FROM project_claims($1, $2::date, "
                      "ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), "
                      "ARRAY(SELECT jsonb_array_elements_text($4::jsonb)))",
                      4, q)
           : NULL;
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *kind = PQgetvalue(res, i, 0), *member = PQgetvalue(res, i, 1);
        char path[DOC_PATH_LEN];
        snprintf(path, sizeof path, "$.%ss[%d]", kind, member_index(p, kind, member));
        doc_error(c, path,
                  "%s \"%s\" belongs to project \"%s\" (its version of %s %s) while this "
                  "version is in effect: %s belongs to one project at a time",
                  kind, member, PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
                  PQgetvalue(res, i, 4), kind[0] == 'a' ? "an asset" : "a contract");
    }
    ok = ok && res != NULL;
    PQclear(res);
    sb_free(&assets);
    sb_free(&contracts);
    return ok;
}

const struct doc_kind project_kind = {
    "project", true, sizeof(struct project), project_parse, project_identify, project_check, NULL,
    NULL,      false};

static int project_apply(int argc, char **argv)
{
    return docstore_apply(&project_kind, argc, argv);
}

static int project_list(int argc, char **argv)
{
    return docstore_list(&project_kind, argc, argv);
}

static int project_diff(int argc, char **argv)
{
    return docstore_diff(&project_kind, argc, argv);
}

static const struct cli_command project_table[] = {
    {"apply", project_apply, "validate a financed project (assets, contracts, debt) and store it",
     NULL},
    {"list", project_list, "list project versions", NULL},
    {"show", cmd_project_show, "print the version in effect on a date, or its debt schedule", NULL},
    {"diff", project_diff, "show what applying a document would change", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(project, "gpumeter project", project_table)
