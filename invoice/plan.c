/* plan: `gpumeter plan apply|list|show|diff`, price plans as documents.
 *
 * apply validates the whole document (plan_doc.h) before touching the
 * database and rejects it whole, every problem on its own line as "JSON
 * path: reason" (exit 2). A valid document becomes the plan's version for
 * its effective_from date: created, replaced, or left alone when the stored
 * one is identical (same SHA-256 of its canonical JSON); creations and
 * replacements are written to audit_log with the actor, before and after,
 * in the same transaction. A version is never replaced once an issued
 * invoice covers a period it prices. docs/plans.md has the format. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "invoice/plan_doc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads and validates a plan file; prints why not (exit code in *rc). */
static cJSON *load_document(const char *path, struct plan *p, int *rc)
{
    struct strbuf text = STRBUF_INIT;
    *rc = CLI_EXIT_USAGE;
    if (!file_read_all(path, &text)) {
        log_error("cannot read %s: %s", path, strerror(errno));
        sb_free(&text);
        return NULL;
    }
    const char *json = text.buf ? text.buf : "";
    cJSON *doc = cJSON_ParseWithLength(json, text.len);
    struct doc_check c = {0};
    if (!doc) {
        const char *at = cJSON_GetErrorPtr();
        doc_error(&c, "$", "not valid JSON (near byte %ld)",
                  at && at >= json && at <= json + text.len ? (long)(at - json) : 0L);
    } else {
        plan_doc_parse(doc, p, &c);
    }
    sb_free(&text);
    if (c.n) {
        log_error("plan document %s rejected: %d problem%s, nothing applied", path, c.n,
                  c.n == 1 ? "" : "s");
        fputs(sb_str(&c.errors), stderr);
        if (c.n > DOC_MAX_ERRORS) fprintf(stderr, "... and %d more\n", c.n - DOC_MAX_ERRORS);
        cJSON_Delete(doc);
        doc = NULL;
    }
    sb_free(&c.errors);
    return doc;
}

static void date_text(int64_t days, char out[16])
{
    char t[TIME_TEXT_LEN];
    time_format_rfc3339(days * MS_PER_DAY, t);
    snprintf(out, 16, "%.10s", t);
}

static int plan_apply(int argc, char **argv)
{
    const char *actor = NULL;
    bool dry_run = false;
    const struct cli_opt opts[] = {
        {"actor", CLI_STR, &actor, "NAME", "who makes the change (default: audit.actor, $USER)", 0,
         0},
        {"dry-run", CLI_BOOL, &dry_run, NULL, "validate and report, change nothing", 0, 0},
        {0},
    };
    const struct cli_spec spec = {"gpumeter plan apply FILE [--actor NAME] [--dry-run]",
                                  "Validate a plan document and store it as the plan's version "
                                  "for its effective date.",
                                  opts, 1, 1};
    int npos;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    static struct plan p;
    int rc;
    cJSON *doc = load_document(argv[1], &p, &rc);
    if (!doc) return rc;
    char *canonical = cJSON_PrintUnformatted(doc), sha[65], from[16];
    digest_sha256_hex(canonical, strlen(canonical), sha);
    date_text(p.effective_from, from);
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) goto out;
    const char *who = actor ? actor : cfg.actor;
    const char *key[] = {p.code, from};
    rc = 1;
    if (!db_begin(conn)) goto out;
    PGresult *cur = db_query(conn, "read the plan version",
                             "SELECT sha256, document::text FROM plan_version WHERE plan = $1 "
                             "AND effective_from = $2::date FOR UPDATE",
                             2, key);
    const char *check_currency[] = {p.currency};
    PGresult *curr = db_query(conn, "check the currency", "SELECT 1 FROM currency WHERE code = $1",
                              1, check_currency);
    bool ok = cur && curr;
    if (ok && PQntuples(curr) == 0) {
        log_error("plan document %s rejected: 1 problem, nothing applied", argv[1]);
        fprintf(stderr, "$.currency: unknown currency \"%s\"\n", p.currency);
        rc = CLI_EXIT_USAGE;
        ok = false;
    }
    bool exists = ok && PQntuples(cur) == 1;
    if (ok && exists && !strcmp(PQgetvalue(cur, 0, 0), sha)) {
        printf("plan %s version %s: unchanged\n", p.code, from);
        rc = 0;
        ok = false; /* nothing to write */
    }
    if (ok) {
        const char *issued[] = {p.code, from};
        PGresult *inv = db_query(conn, "look for issued invoices under the plan",
                                 "SELECT count(*) FROM invoice i JOIN customer c ON "
                                 "c.id = i.customer_id JOIN price_plan pp ON pp.id = c.plan_id "
                                 "WHERE pp.code = $1 AND i.status <> 'draft' "
                                 "AND i.period + interval '1 month' > $2::date",
                                 2, issued);
        if (inv && exists && strcmp(PQgetvalue(inv, 0, 0), "0")) {
            log_error("version %s of plan %s prices invoices already issued", from, p.code);
            log_hint("Apply a new version with a later effective_from instead.");
            ok = false;
        }
        ok = ok && inv;
        PQclear(inv);
    }
    if (ok && !dry_run) {
        const char *pv[] = {p.code, from, p.name, p.currency, canonical, sha, who};
        const char *audit[] = {who,
                               p.code,
                               from,
                               exists ? "replace" : "create",
                               exists ? PQgetvalue(cur, 0, 1) : NULL,
                               canonical};
        ok = db_exec(conn, "store the plan version",
                     "INSERT INTO plan_version (plan, effective_from, name, currency, document, "
                     "sha256, applied_by) VALUES ($1, $2::date, $3, $4, $5::jsonb, $6, $7) "
                     "ON CONFLICT (plan, effective_from) DO UPDATE SET name = excluded.name, "
                     "currency = excluded.currency, document = excluded.document, "
                     "sha256 = excluded.sha256, applied_at = now(), "
                     "applied_by = excluded.applied_by",
                     7, pv) &&
             db_exec(conn, "write the audit log",
                     "INSERT INTO audit_log (actor, object, key, action, before, after) "
                     "VALUES ($1, 'plan', $2 || '@' || $3, $4, $5::jsonb, $6::jsonb)",
                     6, audit) &&
             db_commit(conn);
        if (ok) printf("plan %s version %s: %s\n", p.code, from, exists ? "replaced" : "created");
        rc = ok ? 0 : 1;
    } else if (ok) {
        printf("plan %s version %s: valid, would be %s\n", p.code, from,
               exists ? "replaced" : "created");
        rc = 0;
    }
    if (!ok || dry_run) db_rollback(conn);
    PQclear(cur);
    PQclear(curr);
out:
    PQfinish(conn);
    cJSON_free(canonical);
    cJSON_Delete(doc);
    return rc;
}

static int plan_list(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {"gpumeter plan list",
                                         "List every plan version: plan, effective date, name, "
                                         "currency, when and by whom it was applied.",
                                         opts, 0, 0};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    PGresult *res =
        db_query(conn, "list plan versions",
                 "SELECT plan, to_char(effective_from, 'YYYY-MM-DD'), currency, "
                 "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                 "applied_by, name FROM plan_version ORDER BY plan, effective_from",
                 0, NULL);
    for (int i = 0; res && i < PQntuples(res); i++)
        printf("%-24s %s  %s  %s  %-16s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
               PQgetvalue(res, i, 5));
    PQclear(res);
    PQfinish(conn);
    return res ? 0 : 1;
}

/* The stored document of plan code in effect on date (YYYY-MM-DD), or NULL. */
static cJSON *stored_version(PGconn *conn, const char *code, const char *date, char *from,
                             bool quiet, bool *failed)
{
    const char *p[] = {code, date};
    PGresult *res = db_query(conn, "read the plan version",
                             "SELECT document::text, to_char(effective_from, 'YYYY-MM-DD') "
                             "FROM plan_version WHERE plan = $1 AND effective_from <= $2::date "
                             "ORDER BY effective_from DESC LIMIT 1",
                             2, p);
    cJSON *doc = NULL;
    if (res && PQntuples(res) == 1) {
        doc = cJSON_Parse(PQgetvalue(res, 0, 0));
        snprintf(from, 16, "%s", PQgetvalue(res, 0, 1));
    } else if (res && !quiet) {
        log_error("plan \"%s\" has no version in effect on %s", code, date);
    }
    *failed = res == NULL;
    PQclear(res);
    return doc;
}

static int plan_show(int argc, char **argv)
{
    const char *at = "9999-12-31";
    const struct cli_opt opts[] = {
        {"at", CLI_STR, &at, "YYYY-MM-DD", "the version in effect on this date (default: latest)",
         0, 0},
        {0},
    };
    const struct cli_spec spec = {"gpumeter plan show CODE [--at YYYY-MM-DD]",
                                  "Print a plan version's document.", opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    char from[16];
    bool failed;
    cJSON *doc = stored_version(conn, argv[1], at, from, false, &failed);
    if (doc) {
        char *text = cJSON_Print(doc);
        puts(text);
        cJSON_free(text);
    }
    cJSON_Delete(doc);
    PQfinish(conn);
    return doc ? 0 : 1;
}

/* "path = value" lines of every scalar in the document, in document order. */
static void flatten(const cJSON *it, const char *path, struct strbuf *out)
{
    char p[DOC_PATH_LEN];
    if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
        int i = 0;
        for (const cJSON *c = it->child; c; c = c->next, i++) {
            if (cJSON_IsObject(it))
                doc_path(p, path, c->string);
            else
                doc_path_index(p, path, i);
            flatten(c, p, out);
        }
        return;
    }
    char *v = cJSON_PrintUnformatted(it);
    sb_printf(out, "%s = %s\n", path, v);
    cJSON_free(v);
}

/* Lines of a not found in b, each prefixed with mark. */
static int missing_lines(const char *a, const char *b, char mark)
{
    int n = 0;
    for (const char *line = a; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = (size_t)(nl - line + 1);
        bool found = false;
        for (const char *o = b; *o && !found;) {
            const char *onl = strchr(o, '\n');
            found = (size_t)(onl - o + 1) == len && !memcmp(o, line, len);
            o = onl + 1;
        }
        if (!found) {
            printf("%c %.*s", mark, (int)len, line);
            n++;
        }
        line = nl + 1;
    }
    return n;
}

static int plan_diff(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {
        "gpumeter plan diff FILE",
        "Show what applying FILE would change against the stored version in effect on its "
        "effective date: '-' lines go, '+' lines come.",
        opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    static struct plan p;
    cJSON *doc = load_document(argv[1], &p, &rc);
    if (!doc) return rc;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (conn) {
        char date[16], from[16] = "";
        date_text(p.effective_from, date);
        struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        bool failed;
        cJSON *old = stored_version(conn, p.code, date, from, true, &failed);
        if (old) flatten(old, "$", &a);
        flatten(doc, "$", &b);
        printf("plan %s: %s against %s%s\n", p.code, argv[1],
               old ? "version " : "no stored version", from);
        int changes =
            missing_lines(sb_str(&a), sb_str(&b), '-') + missing_lines(sb_str(&b), sb_str(&a), '+');
        if (!changes) printf("no changes\n");
        rc = failed ? 1 : 0;
        cJSON_Delete(old);
        sb_free(&a);
        sb_free(&b);
    }
    PQfinish(conn);
    cJSON_Delete(doc);
    return rc;
}

static const struct cli_command plan_commands[] = {
    {"apply", plan_apply, "validate a plan document and store it as a version"},
    {"list", plan_list, "list plan versions"},
    {"show", plan_show, "print the version in effect on a date"},
    {"diff", plan_diff, "show what applying a document would change"},
    {NULL, NULL, NULL},
};

int cmd_plan(int argc, char **argv)
{
    return cli_dispatch("gpumeter plan", plan_commands, argc, argv);
}
