/* docstore: apply, list, show and diff of versioned documents (see
 * docstore.h). */
#include "terms/docstore.h"
#include "terms/known.h"

#include "core/cli.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/alloc.h"
#include "pricing/bill.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(const struct doc_kind *k, const char *path, struct doc_check *c)
{
    log_error("%s document %s rejected: %d problem%s, nothing applied", k->kind, path, c->n,
              c->n == 1 ? "" : "s");
    /* one item per problem, "$.path: reason" */
    const char *s = sb_str(&c->errors);
    for (const char *nl; *s; s = nl + (*nl != '\0')) {
        nl = s + strcspn(s, "\n");
        log_item("%.*s", (int)(nl - s), s);
    }
    if (c->n > DOC_MAX_ERRORS) log_item("... and %d more", c->n - DOC_MAX_ERRORS);
}

bool docstore_parse_text(const struct doc_kind *k, const char *text, size_t len, void *out,
                         struct doc_check *c)
{
    cJSON *doc = doc_parse(text, len, c);
    bool ok = doc && k->parse(doc, out, c) && c->n == 0;
    cJSON_Delete(doc);
    return ok;
}

bool docstore_parse(const struct doc_kind *k, const char *text, void *out)
{
    struct doc_check check = {0};
    bool ok = docstore_parse_text(k, text, strlen(text), out, &check);
    sb_free(&check.errors);
    return ok;
}

cJSON *docstore_load_file(const struct doc_kind *k, const char *path, void *parsed, int *rc)
{
    struct strbuf text = STRBUF_INIT;
    *rc = CLI_EXIT_USAGE;
    if (!file_read_all(path, &text)) {
        log_error("cannot read %s: %s", path, strerror(errno));
        sb_free(&text);
        return NULL;
    }
    struct doc_check c = {0};
    cJSON *doc = doc_parse(text.buf, text.len, &c);
    if (doc) k->parse(doc, parsed, &c);
    sb_free(&text);
    if (c.n) {
        report(k, path, &c);
        cJSON_Delete(doc);
        doc = NULL;
    }
    sb_free(&c.errors);
    return doc;
}

cJSON *docstore_load_identified(const struct doc_kind *k, const char *path, void **parsed,
                                struct doc_identity *id, char from[16], int *rc)
{
    *parsed = xcalloc(1, k->size);
    memset(id, 0, sizeof *id);
    cJSON *doc = docstore_load_file(k, path, *parsed, rc);
    if (!doc) {
        free(*parsed);
        *parsed = NULL;
        return NULL;
    }
    k->identify(*parsed, id);
    time_format_date(id->effective_from, from);
    return doc;
}

/* The currency and customer a document names must exist. */
static bool check_common(PGconn *conn, const struct doc_identity *id, struct doc_check *c)
{
    const char *p[] = {id->currency[0] ? id->currency : NULL,
                       id->customer[0] ? id->customer : NULL};
    PGresult *res = db_query(conn, "check the currency and customer",
                             "SELECT $1::text IS NULL OR EXISTS (SELECT 1 FROM currency "
                             "WHERE code = $1), $2::text IS NULL OR EXISTS (SELECT 1 FROM "
                             "customer WHERE code = $2)",
                             2, p);
    if (!res) return false;
    if (PQgetvalue(res, 0, 0)[0] != 't')
        doc_error(c, "$.currency", "unknown currency \"%s\"", id->currency);
    if (PQgetvalue(res, 0, 1)[0] != 't')
        doc_error(c, "$.customer", "unknown customer \"%s\" (gpumeter customer add)", id->customer);
    PQclear(res);
    return true;
}

bool docstore_check(PGconn *conn, const struct doc_kind *k, const void *parsed,
                    struct doc_check *c)
{
    struct doc_identity id = {0};
    k->identify(parsed, &id);
    return check_common(conn, &id, c) && (!k->check || k->check(conn, parsed, c));
}

/* The stored version this document would create or replace, FOR UPDATE,
 * and whether it holds the same document: jsonb equality, so the order of
 * keys and the spelling of numbers and strings do not make a change. */
static PGresult *current(PGconn *conn, const struct doc_kind *k, const struct doc_identity *id,
                         const char *from, const char *canonical)
{
    const char *p[] = {k->kind, id->code, from, k->versioned ? "t" : "f", canonical};
    return db_query(conn, "read the stored version",
                    "SELECT sha256, document::text, to_char(effective_from, 'YYYY-MM-DD'), "
                    "document = $5::jsonb FROM document WHERE kind = $1 AND code = $2 "
                    "AND (effective_from = $3::date OR NOT $4::bool) FOR UPDATE",
                    5, p);
}

static bool guard_issued(PGconn *conn, const struct doc_kind *k, const char *code, const char *from)
{
    if (!k->issued_sql) return true;
    const char *p[] = {code, from};
    PGresult *res = db_query(conn, "look for issued invoices", k->issued_sql, 2, p);
    bool ok = res && !strcmp(PQgetvalue(res, 0, 0), "0");
    if (res && !ok) {
        log_error("%s %s version %s priced invoices already issued", k->kind, code, from);
        log_hint("Apply a new version with a later effective date instead.");
    }
    PQclear(res);
    return ok;
}

/* A maintenance version governs the instants from its effective_from
 * (00:00 UTC) to its code's next version's: a month is governed when its
 * local span (the customer's time zone in that month) meets them, and it
 * is frozen when a standing invoice carries SLA evidence of it (its own
 * invoice, or a later one adjusting it: sla_late.h), since that evidence
 * was computed with the windows in effect. */
static const char maintenance_frozen_sql[] =
    "SELECT DISTINCT c.code, to_char(e.month, 'YYYY-MM'), i.number, "
    "       to_char(max(e.month) OVER () + interval '1 month', 'YYYY-MM-DD') "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "JOIN (SELECT DISTINCT invoice_id, month FROM invoice_sla_evidence) e ON e.invoice_id = i.id "
    "CROSS JOIN LATERAL (SELECT customer_time_zone(c.id, e.month) AS tz) z "
    "WHERE " INVOICE_STANDS("i.") " AND $4::text IS NULL "
    "  AND (e.month + interval '1 month')::timestamp AT TIME ZONE z.tz "
    "      > $3::date::timestamp AT TIME ZONE 'UTC' "
    "  AND e.month::timestamp AT TIME ZONE z.tz < coalesce((SELECT min(d.effective_from) "
    "      FROM document d WHERE d.kind = $1 AND d.code = $2 AND d.effective_from > $3::date), "
    "      'infinity'::date)::timestamp AT TIME ZONE 'UTC' "
    "ORDER BY 1, 2, 3";

PGresult *docstore_frozen_months(PGconn *conn, const char *kind, const char *code,
                                 const char *from, const char *customer)
{
    const char *p[] = {kind, code, from, customer};
    if (!strcmp(kind, "maintenance"))
        return db_query(conn, "look for credited months", maintenance_frozen_sql, 4, p);
    return db_query(
        conn, "look for issued months",
        "SELECT c.code, to_char(i.period, 'YYYY-MM'), i.number, "
        "       to_char(max(i.period) OVER () + interval '1 month', 'YYYY-MM-DD') "
        "FROM invoice i JOIN customer c ON c.id = i.customer_id "
        "WHERE " INVOICE_STANDS("i.") " AND i.period >= $3::date "
        "  AND i.period < coalesce((SELECT min(d.effective_from) FROM document d "
        "      WHERE d.kind = $1 AND d.effective_from > $3::date "
        "        AND CASE WHEN $4::text IS NULL THEN d.code = $2 ELSE d.customer = $4 END), "
        "      'infinity'::date) "
        "  AND CASE WHEN $4::text IS NULL THEN i.plan = $2 ELSE c.code = $4 END "
        "ORDER BY c.code, i.period",
        4, p);
}

/* Refuses a plan or contract version that would price an issued month, or
 * a maintenance version that would govern a credited one (exit 2 in *rc,
 * every customer and month named); true when none would. */
static bool guard_frozen(PGconn *conn, const struct doc_kind *k, const struct doc_identity *id,
                         const char *from, int *rc)
{
    PGresult *res = docstore_frozen_months(conn, k->kind, id->code, from,
                                           id->customer[0] ? id->customer : NULL);
    if (!res) return false;
    int n = PQntuples(res);
    if (n) {
        log_error("%s %s version %s would %s %d issued month%s", k->kind, id->code, from,
                  strcmp(k->kind, "maintenance") ? "price" : "govern the SLA evidence of", n,
                  n == 1 ? "" : "s");
        /* years of a plan's many customers would bury the hint: the first
         * FROZEN_NAMED, then how many more */
        enum { FROZEN_NAMED = 50 };
        for (int i = 0; i < n && i < FROZEN_NAMED; i++)
            log_item("customer %s %s: invoice %s", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                     PQgetvalue(res, i, 2));
        if (n > FROZEN_NAMED) log_item("... and %d more", n - FROZEN_NAMED);
        log_detail("An issued month is frozen: its invoice stays as issued and no version "
                   "prices it again.");
        log_hint("Set effective_from to %s (the first month after them) or later. To correct "
                 "an issued month, void its invoice (gpumeter invoice void), then apply the "
                 "version and reprice the month (gpumeter rerate).",
                 PQgetvalue(res, 0, 3));
        *rc = CLI_EXIT_USAGE;
    }
    PQclear(res);
    return n == 0;
}

static bool store(PGconn *conn, const struct doc_kind *k, const struct doc_identity *id,
                  const char *from, const char *canonical, const char *sha, const char *who,
                  const char *via, PGresult *cur)
{
    bool exists = PQntuples(cur) == 1;
    char key[96];
    snprintf(key, sizeof key, "%s@%s", id->code, from);
    const char *del[] = {k->kind, id->code};
    const char *doc[] = {k->kind,   id->code, from, id->customer[0] ? id->customer : NULL,
                         canonical, sha,      who};
    const char *audit[] = {who,
                           k->kind,
                           key,
                           exists ? "replace" : "create",
                           exists ? PQgetvalue(cur, 0, 1) : NULL,
                           canonical,
                           via};
    return (k->versioned ||
            db_exec(conn, "replace the document",
                    "DELETE FROM document WHERE kind = $1 AND code = $2", 2, del)) &&
           db_exec(conn, "store the document",
                   "INSERT INTO document (kind, code, effective_from, customer, document, "
                   "sha256, applied_by) VALUES ($1, $2, $3::date, $4, $5::jsonb, $6, $7) "
                   "ON CONFLICT (kind, code, effective_from) DO UPDATE SET "
                   "customer = excluded.customer, document = excluded.document, "
                   "sha256 = excluded.sha256, applied_at = now(), applied_by = excluded.applied_by",
                   7, doc) &&
           db_exec(conn, "write the audit log",
                   "INSERT INTO audit_log (actor, object, key, action, before, after, via) "
                   "VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)",
                   7, audit);
}

int docstore_put(PGconn *conn, const struct doc_kind *k, const char *source, cJSON *doc,
                 const void *parsed, const char *who, const char *via, const char **outcome)
{
    struct doc_identity id = {0};
    k->identify(parsed, &id);
    char *canonical = cJSON_PrintUnformatted(doc), sha[65], from[16];
    digest_sha256_hex(canonical, strlen(canonical), sha);
    time_format_date(id.effective_from, from);
    struct doc_check c = {0};
    PGresult *cur = NULL;
    int rc = 1;
    *outcome = NULL;
    if (!docstore_check(conn, k, parsed, &c) || !(cur = current(conn, k, &id, from, canonical)))
        goto out;
    if (c.n) {
        report(k, source, &c);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    bool exists = PQntuples(cur) == 1;
    if (exists && PQgetvalue(cur, 0, 3)[0] == 't') {
        *outcome = "unchanged";
        rc = 0;
        goto out;
    }
    if (k->frozen ? !guard_frozen(conn, k, &id, from, &rc)
                  : exists && !guard_issued(conn, k, id.code, PQgetvalue(cur, 0, 2)))
        goto out;
    if (!store(conn, k, &id, from, canonical, sha, who, via, cur) ||
        (k->stored && !k->stored(conn, parsed, &c)))
        goto out;
    if (c.n) {
        report(k, source, &c);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    *outcome = exists ? "replaced" : "created";
    rc = 0;
out:
    PQclear(cur);
    sb_free(&c.errors);
    cJSON_free(canonical);
    return rc;
}

int docstore_apply(const struct doc_kind *k, int argc, char **argv)
{
    const char *actor = NULL;
    bool dry_run = false;
    const struct cli_opt opts[] = {
        {"actor", CLI_TEXT, &actor, "NAME", "who makes the change (default: audit.actor, $USER)", 0,
         CLI_ACTOR_MAX},
        {"dry-run", CLI_BOOL, &dry_run, NULL, "validate and report, change nothing", 0, 0},
        {0},
    };
    char usage[96];
    snprintf(usage, sizeof usage, "gpumeter %s %s FILE [--actor NAME] [--dry-run]", k->kind,
             argv[0]);
    const struct cli_spec spec = {usage,
                                  "Validate a document whole and store it as the version for "
                                  "its effective date; the same document again changes nothing.",
                                  opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    void *parsed;
    struct doc_identity id;
    char from[16];
    cJSON *doc = docstore_load_identified(k, argv[1], &parsed, &id, from, &rc);
    if (!doc) return rc;
    struct config cfg;
    const char *outcome = NULL;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) goto out;
    const char *who = actor ? actor : cfg.actor;
    rc = 1;
    /* plans and contracts otherwise go through a proposal (schema 069):
     * this is the administrator's way round it, and says so in the audit */
    bool proposed_kind = !strcmp(k->kind, "plan") || !strcmp(k->kind, "contract");
    if (!db_begin(conn)) goto out;
    rc = docstore_put(conn, k, argv[1], doc, parsed, who,
                      proposed_kind ? DOC_VIA_ADMINISTRATOR : NULL, &outcome);
    if (rc != 0) goto out;
    if (!strcmp(outcome, "unchanged")) {
        printf("%s %s version %s: unchanged\n", k->kind, id.code, from);
    } else if (dry_run) {
        printf("%s %s version %s: valid, would be %s\n", k->kind, id.code, from, outcome);
    } else if (db_commit(conn)) {
        printf("%s %s version %s: %s\n", k->kind, id.code, from, outcome);
    } else {
        rc = 1;
    }
out:
    if (conn && (rc != 0 || dry_run || PQtransactionStatus(conn) == PQTRANS_INTRANS))
        db_rollback(conn);
    PQfinish(conn);
    cJSON_Delete(doc);
    free(parsed);
    return rc;
}

int docstore_list(const struct doc_kind *k, int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    char usage[64];
    snprintf(usage, sizeof usage, "gpumeter %s list", k->kind);
    const struct cli_spec spec = {usage,
                                  "List every version: code, effective date, customer, when "
                                  "and by whom it was applied, name.",
                                  opts, 0, 0};
    const char *p[] = {k->kind};
    return cli_list(&spec, argc, argv, "list documents",
                    "SELECT code, to_char(effective_from, 'YYYY-MM-DD'), coalesce(customer, '-'), "
                    "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                    "applied_by, coalesce(document->>'name', document->>'program', '') "
                    "FROM document WHERE kind = $1 ORDER BY code, effective_from",
                    1, p, "%-24s %-10s  %-16s %-20s  %-16s %s\n",
                    (const char *const[]){"CODE", "EFFECTIVE", "CUSTOMER", "APPLIED", "BY", "NAME",
                                          NULL});
}

/* The stored document of code in effect on date (YYYY-MM-DD), or NULL. */
static cJSON *stored_version(PGconn *conn, const struct doc_kind *k, const char *code,
                             const char *date, char *from, bool quiet, bool *failed)
{
    const char *p[] = {k->kind, code, date};
    PGresult *res = db_query(conn, "read the stored version",
                             "SELECT document::text, to_char(effective_from, 'YYYY-MM-DD') "
                             "FROM document_in_effect($1, $3::date) WHERE code = $2",
                             3, p);
    cJSON *doc = NULL;
    if (res && PQntuples(res) == 1) {
        struct doc_check check = {0};
        doc = doc_parse(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), &check);
        sb_free(&check.errors);
        snprintf(from, 16, "%s", PQgetvalue(res, 0, 1));
    } else if (res && !quiet) {
        const char *q[] = {k->kind, code};
        PGresult *any = db_query(conn, "look for any version",
                                 "SELECT 1 FROM document WHERE kind = $1 AND code = $2 LIMIT 1",
                                 2, q);
        if (any && PQntuples(any) == 0) known_missing(conn, k->kind, code);
        else log_error("%s \"%s\" has no version in effect on %s", k->kind, code, date);
        PQclear(any);
    }
    *failed = res == NULL;
    PQclear(res);
    return doc;
}

bool docstore_load(PGconn *conn, const struct doc_kind *k, const char *code, const char *at,
                   void *out, char from[16])
{
    bool failed;
    cJSON *doc = stored_version(conn, k, code, at, from, false, &failed);
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    bool ok = text && docstore_parse(k, text, out);
    if (text && !ok) log_error("%s \"%s\" of %s no longer validates", k->kind, code, from);
    cJSON_free(text);
    cJSON_Delete(doc);
    return ok;
}

bool docstore_print(PGconn *conn, const struct doc_kind *k, const char *code, const char *at)
{
    char from[16];
    bool failed;
    cJSON *doc = stored_version(conn, k, code, at, from, false, &failed);
    if (doc) {
        char *text = cJSON_Print(doc);
        puts(text);
        cJSON_free(text);
    }
    cJSON_Delete(doc);
    return doc != NULL;
}

int docstore_show(const struct doc_kind *k, int argc, char **argv)
{
    const char *at = "9999-12-31";
    const struct cli_opt opts[] = {
        {"at", CLI_STR, &at, "YYYY-MM-DD", "the version in effect on this date (default: latest)",
         0, 0},
        {0},
    };
    char usage[64];
    snprintf(usage, sizeof usage, "gpumeter %s show CODE [--at YYYY-MM-DD]", k->kind);
    const struct cli_spec spec = {usage, "Print a stored document.", opts, 1, 1};
    int rc;
    struct config cfg;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    bool ok = docstore_print(conn, k, argv[1], at);
    PQfinish(conn);
    return ok ? 0 : 1;
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

int docstore_diff(const struct doc_kind *k, int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    char usage[64];
    snprintf(usage, sizeof usage, "gpumeter %s diff FILE", k->kind);
    const struct cli_spec spec = {usage,
                                  "Show what applying FILE would change against the stored "
                                  "version in effect on its effective date: '-' lines go, '+' "
                                  "lines come.",
                                  opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    void *parsed = xcalloc(1, k->size);
    cJSON *doc = docstore_load_file(k, argv[1], parsed, &rc);
    struct config cfg;
    PGconn *conn = doc ? db_open(&cfg, &rc) : NULL;
    if (conn) {
        struct doc_identity id = {0};
        k->identify(parsed, &id);
        char date[16], from[16] = "";
        time_format_date(id.effective_from, date);
        struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        bool failed;
        cJSON *old = stored_version(conn, k, id.code, date, from, true, &failed);
        if (old) flatten(old, "$", &a);
        flatten(doc, "$", &b);
        printf("%s %s: %s against %s%s\n", k->kind, id.code, argv[1],
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
    free(parsed);
    return rc;
}

bool docstore_site_known(PGconn *conn, const char *site, const char *path, struct doc_check *c)
{
    const char *p[] = {site};
    PGresult *res = db_query(conn, "look up the site",
                             "SELECT 1 FROM document WHERE kind = 'site' AND code = $1", 1, p);
    if (res && PQntuples(res) == 0)
        doc_error(c, path, "unknown site \"%s\" (gpumeter site apply)", site);
    bool ok = res != NULL;
    PQclear(res);
    return ok;
}
