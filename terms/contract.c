/* contract: `gpumeter contract|site|voucher|subsidy ...`: the documents of
 * pricing/terms.h (validated by contract_doc.c, site_doc.c, voucher_doc.c,
 * subsidy_doc.c) through the one document life cycle (docstore.h), with the
 * checks each needs against the database.
 *
 * Applying a contract rewrites its customer's account rows (which usage is
 * theirs on which days) from every version of their contracts: a version
 * holds from its effective_from to the day before the next one (or its
 * until). No two rows may claim the same usage; a contract that would is
 * rejected. A terminated contract's rows end on its last day (schema
 * 036), and no version of it may be applied again. `contract terminate`
 * is termination.c. docs/contracts.md has the formats. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "terms/docstore.h"
#include "terms/contract.h"
#include "terms/contract_doc.h"
#include "terms/proposal.h"
#include "terms/site_doc.h"
#include "terms/subsidy_doc.h"
#include "terms/termination.h"
#include "terms/voucher_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The minor digits of a currency, or -1 when unknown (reported elsewhere). */
static bool currency_digits(PGconn *conn, const char *currency, int *digits)
{
    const char *p[] = {currency};
    PGresult *res = db_query(conn, "read the currency",
                             "SELECT minor_digits FROM currency WHERE code = $1", 1, p);
    int64_t d = -1;
    if (res && PQntuples(res) == 1) db_get_int64(res, 0, 0, &d);
    *digits = (int)d;
    PQclear(res);
    return res != NULL;
}

static void check_amount(struct doc_check *c, const char *path, int64_t micro, int digits,
                         const char *currency)
{
    int64_t minor;
    if (digits >= 0 && micro >= 0 && !money_from_micro(micro, digits, &minor))
        doc_error(c, path, "has more decimals than %s allows (%d)", currency, digits);
}

/* ---- contracts ---- */

static bool contract_parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return contract_doc_parse(doc, out, c);
}

static void contract_identify(const void *parsed, struct doc_identity *id)
{
    const struct contract *k = parsed;
    snprintf(id->code, sizeof id->code, "%s", k->code);
    snprintf(id->customer, sizeof id->customer, "%s", k->customer);
    snprintf(id->currency, sizeof id->currency, "%s", k->currency);
    id->effective_from = k->effective_from;
}

/* An override changes a price the plan has: its meter, and for GPU time
 * its model, must be priced by some version of the plan. Otherwise it would
 * be accepted and never apply. */
static bool overrides_priced(PGconn *conn, const struct contract *k, struct doc_check *c)
{
    struct strbuf meters = STRBUF_INIT, models = STRBUF_INIT;
    db_array_open(&meters);
    db_array_open(&models);
    for (int i = 0; i < k->noverrides; i++) {
        db_array_add(&meters, meter_bit_name(k->overrides[i].meter));
        db_array_add(&models, k->overrides[i].model);
    }
    db_array_close(&meters);
    db_array_close(&models);
    const char *p[] = {k->plan, sb_str(&meters), sb_str(&models)};
    PGresult *res = db_query(
        conn, "check the contract's overrides against its plan",
        "SELECT o.i - 1 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY o(meter, model, i) "
        "WHERE EXISTS (SELECT 1 FROM document WHERE kind = 'plan' AND code = $1) "
        "  AND NOT EXISTS (SELECT 1 FROM document d WHERE d.kind = 'plan' AND d.code = $1 "
        "    AND d.document ? o.meter AND (o.meter <> 'gpu_hours' OR o.model = '' OR EXISTS ("
        "      SELECT 1 FROM jsonb_array_elements(d.document->'gpu_hours'->'prices') e "
        "      WHERE e->>'model' = o.model))) ORDER BY 1",
        3, p);
    sb_free(&meters);
    sb_free(&models);
    for (int r = 0; res && r < PQntuples(res); r++) {
        const struct price_override *po = &k->overrides[atoi(PQgetvalue(res, r, 0))];
        bool by_model = po->model[0] && po->meter == METER_BIT_GPU;
        char path[DOC_PATH_LEN];
        snprintf(path, sizeof path, "$.overrides[%s].%s", PQgetvalue(res, r, 0),
                 by_model ? "model" : "meter");
        if (by_model)
            doc_error(c, path, "plan \"%s\" has no GPU-hour price for %s to override", k->plan,
                      po->model);
        else
            doc_error(c, path, "plan \"%s\" does not price %s", k->plan, meter_bit_name(po->meter));
    }
    bool ok = res != NULL;
    PQclear(res);
    return ok;
}

static bool contract_check(PGconn *conn, const void *parsed, struct doc_check *c)
{
    const struct contract *k = parsed;
    char from[16];
    time_format_date(k->effective_from, from);
    char until[16];
    time_format_date(k->until, until);
    const char *p[] = {k->plan,
                       k->currency,
                       k->time_zone[0] ? k->time_zone : NULL, /* default_time_zone() */
                       k->customer,
                       from,
                       k->code,
                       k->until >= 0 ? until : NULL};
    /* Usage is kept in UTC hours: a zone whose offset is ever not a whole
     * number of hours during the contract (looked at daily, over ten years
     * when it is open) would put a local month's edge inside an hour. */
    PGresult *res = db_query(
        conn, "check the contract's plan and time zone",
        "SELECT (SELECT count(*) FROM document WHERE kind = 'plan' AND code = $1), "
        "       (SELECT coalesce(bool_and(document->>'currency' = $2), true) FROM document "
        "        WHERE kind = 'plan' AND code = $1), "
        "       EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = coalesce($3, "
        "default_time_zone())), "
        "       (SELECT min(code) FROM document WHERE kind = 'contract' AND customer = $4 "
        "        AND effective_from = $5::date AND code <> $6), "
        "       CASE WHEN EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = coalesce($3, "
        "default_time_zone())) THEN "
        "       (SELECT min(format('%s, UTC%s%s:%s', to_char(t AT TIME ZONE coalesce($3, "
        "default_time_zone()), 'YYYY-MM-DD'), "
        "               CASE WHEN e < 0 THEN '-' ELSE '+' END, lpad((abs(e) / 3600)::text, 2, "
        "               '0'), lpad((abs(e) % 3600 / 60)::text, 2, '0'))) "
        "        FROM generate_series($5::date::timestamp AT TIME ZONE 'UTC', "
        "             coalesce($7::date + 1, $5::date + interval '10 years')::timestamp "
        "             AT TIME ZONE 'UTC', interval '1 day') t "
        "        CROSS JOIN LATERAL (SELECT extract(epoch FROM (t AT TIME ZONE coalesce($3, "
        "default_time_zone())) - "
        "             (t AT TIME ZONE 'UTC'))::bigint AS e) o WHERE e % 3600 <> 0) END, "
        /* another of the customer's contract versions in another zone */
        "       (SELECT min(format('%s version %s is in %s', code, effective_from, "
        "               coalesce(document->>'time_zone', default_time_zone()))) "
        "        FROM document WHERE kind = 'contract' AND customer = $4 "
        "        AND NOT (code = $6 AND effective_from = $5::date) "
        "        AND coalesce(document->>'time_zone', default_time_zone()) "
        "            <> coalesce($3, default_time_zone()))",
        7, p);
    if (!res) return false;
    if (!strcmp(PQgetvalue(res, 0, 0), "0"))
        doc_error(c, "$.plan", "unknown plan \"%s\" (gpumeter plan apply)", k->plan);
    else if (PQgetvalue(res, 0, 1)[0] != 't')
        doc_error(c, "$.plan", "plan \"%s\" does not price in %s", k->plan, k->currency);
    if (PQgetvalue(res, 0, 2)[0] != 't')
        doc_error(c, "$.time_zone", "unknown time zone \"%s\"", k->time_zone);
    else if (!PQgetisnull(res, 0, 4))
        doc_error(c, "$.time_zone",
                  "time zone \"%s\" is not a whole number of hours from UTC (on %s): usage is "
                  "kept in UTC hours, so its local days and months cannot be billed exactly",
                  k->time_zone, PQgetvalue(res, 0, 4));
    if (!PQgetisnull(res, 0, 3))
        doc_error(c, "$.effective_from", "contract \"%s\" of customer \"%s\" also starts on %s",
                  PQgetvalue(res, 0, 3), k->customer, from);
    /* A customer's months are local months of one zone: two zones' month
     * edges are hours apart, and the hours between them would be billed in
     * both months, or in neither (docs/contracts.md, "Time zone"). */
    if (!PQgetisnull(res, 0, 5))
        doc_error(c, "$.time_zone",
                  "customer \"%s\" is billed in one time zone: contract %s; a version in "
                  "\"%s\" would bill the hours between the two zones' month edges twice or "
                  "never",
                  k->customer, PQgetvalue(res, 0, 5),
                  k->time_zone[0] ? k->time_zone : "the default time zone");
    PQclear(res);
    const char *t[] = {k->code};
    res = db_query(conn, "look for the contract's termination",
                   "SELECT to_char(ends_on, 'YYYY-MM-DD') FROM contract_termination "
                   "WHERE contract = $1",
                   1, t);
    if (!res) return false;
    if (PQntuples(res)) /* its end is recorded: a new version would price past it */
        doc_error(c, "$.contract", "contract \"%s\" was terminated on %s: apply a new contract",
                  k->code, PQgetvalue(res, 0, 0));
    PQclear(res);
    /* a reserved device at a site gpumeter does not know would never be
     * metered, and the customer never credited: refused like a
     * maintenance window's unknown site */
    for (int i = 0; i < k->sla.nreserved_sites; i++) {
        char path[DOC_PATH_LEN], entry[DOC_PATH_LEN];
        doc_path_index(entry, "$.sla.reserved", k->sla.reserved_site_entry[i]);
        doc_path(path, entry, "site");
        if (!docstore_site_known(conn, k->sla.reserved_sites[i], path, c)) return false;
    }
    if (!overrides_priced(conn, k, c)) return false;
    int digits;
    if (!currency_digits(conn, k->currency, &digits)) return false;
    if (k->commit.kind == COMMIT_MONEY)
        check_amount(c, "$.commitment.amount", k->commit.amount_micro, digits, k->currency);
    return true;
}

/* Rewrites the customer's account rows from every version of its
 * contracts: contract_accounts_rewrite (schema 073) is the one definition,
 * which the API's approval of a contract reaches through this hook too. */
static bool rewrite_accounts(PGconn *conn, const char *customer)
{
    const char *p[] = {customer};
    return db_exec(conn, "rewrite the customer's contract accounts",
                   "SELECT contract_accounts_rewrite($1)", 1, p);
}

/* A device is reserved to one customer at a time: another customer's
 * contract version in effect on an overlapping day that reserves the same
 * device (a site entry holds every node of the site, a node entry every
 * device of the node) would measure and credit one customer for the
 * other's devices, and show it their failures (docs/contracts.md, "SLA").
 * Read from the stored documents, the new version among them, each
 * version in effect from its day to the day before the customer's next
 * version, its `until` or its termination, whichever comes first. */
static bool reserved_twice(PGconn *conn, const struct contract *k, struct doc_check *c)
{
    if (!k->sla.nreserved) return true;
    char from[16];
    time_format_date(k->effective_from, from);
    const char *p[] = {k->code, from};
    PGresult *res = db_query(
        conn, "look for devices reserved twice",
        "WITH v AS (SELECT d.customer, d.code, d.effective_from AS lo, "
        "    least(coalesce((d.document->>'until')::date, 'infinity'::date), "
        "          coalesce(lead(d.effective_from) OVER (PARTITION BY d.customer "
        "                   ORDER BY d.effective_from) - 1, 'infinity'::date), "
        "          coalesce((SELECT min(t.ends_on) FROM contract_termination t "
        "                    WHERE t.contract = d.code), 'infinity'::date)) AS hi, "
        "    d.document->'sla'->'reserved' AS reserved "
        "  FROM document d WHERE d.kind = 'contract'), "
        "mine AS (SELECT v.customer, v.lo, v.hi, x.e, (x.i - 1)::int AS idx FROM v "
        "  CROSS JOIN LATERAL jsonb_array_elements(v.reserved) WITH ORDINALITY x(e, i) "
        "  WHERE v.code = $1 AND v.lo = $2::date) "
        "SELECT DISTINCT ON (m.idx) m.idx, o.customer, o.code, to_char(o.lo, 'YYYY-MM-DD'), "
        "  (o.e->>'site') || coalesce('/' || (o.e->>'node'), '') "
        "  || coalesce('/' || (o.e->>'device'), '') "
        "FROM mine m JOIN (SELECT v.*, e FROM v CROSS JOIN LATERAL jsonb_array_elements(v.reserved) e) o "
        "  ON o.customer <> m.customer AND o.e->>'site' = m.e->>'site' "
        " AND (o.e->>'node' IS NULL OR m.e->>'node' IS NULL OR o.e->>'node' = m.e->>'node') "
        " AND (o.e->>'device' IS NULL OR m.e->>'device' IS NULL "
        "      OR o.e->>'device' = m.e->>'device') "
        " AND o.lo <= m.hi AND o.hi >= m.lo "
        "ORDER BY m.idx, o.customer, o.lo, (o.e->>'site') || coalesce('/' || (o.e->>'node'), '') "
        "  || coalesce('/' || (o.e->>'device'), '') COLLATE \"C\" LIMIT 20",
        2, p);
    if (!res) return false;
    for (int r = 0; r < PQntuples(res); r++) {
        char path[DOC_PATH_LEN];
        doc_path_index(path, "$.sla.reserved", atoi(PQgetvalue(res, r, 0)));
        doc_error(c, path,
                  "overlaps %s, reserved to customer \"%s\" by contract %s version %s: a device "
                  "is reserved to one customer at a time",
                  PQgetvalue(res, r, 4), PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                  PQgetvalue(res, r, 3));
    }
    PQclear(res);
    return true;
}

static bool contract_stored(PGconn *conn, const void *parsed, struct doc_check *c)
{
    const struct contract *k = parsed;
    if (!rewrite_accounts(conn, k->customer) || !reserved_twice(conn, k, c)) return false;
    const char *p[] = {k->customer};
    PGresult *res = db_query(
        conn, "look for usage claimed twice",
        "SELECT a.account, a.job_prefix, o.code, to_char(b.valid_from, 'YYYY-MM-DD') "
        "FROM account a JOIN customer me ON me.id = a.customer_id AND me.code = $1 "
        "JOIN account b ON b.account = a.account "
        " AND (b.job_prefix, b.valid_from, b.customer_id) <> (a.job_prefix, a.valid_from, "
        "      a.customer_id) "
        " AND (starts_with(a.job_prefix, b.job_prefix) OR starts_with(b.job_prefix, a.job_prefix)) "
        " AND a.valid_from <= coalesce(b.valid_until, 'infinity') "
        " AND b.valid_from <= coalesce(a.valid_until, 'infinity') "
        "JOIN customer o ON o.id = b.customer_id ORDER BY 1, 2, 3 LIMIT 20",
        1, p);
    if (!res) return false;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *acc = PQgetvalue(res, r, 0), *pre = PQgetvalue(res, r, 1);
        int at = 0;
        for (int i = 0; i < k->naccounts; i++)
            if (!strcmp(k->accounts[i].account, acc) && !strcmp(k->accounts[i].job_prefix, pre))
                at = i;
        char path[DOC_PATH_LEN];
        doc_path_index(path, "$.accounts", at);
        doc_error(c, path, "account \"%s\"%s%s%s is already billed to customer \"%s\" from %s", acc,
                  pre[0] ? " (jobs \"" : "", pre, pre[0] ? "*\")" : "", PQgetvalue(res, r, 2),
                  PQgetvalue(res, r, 3));
    }
    PQclear(res);
    return true;
}

const struct doc_kind contract_kind = {
    "contract",
    true,
    sizeof(struct contract),
    contract_parse,
    contract_identify,
    contract_check,
    contract_stored,
    NULL, /* frozen: docstore_frozen_months */
    true};

/* ---- sites ---- */

static bool site_parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return site_doc_parse(doc, out, c);
}

static void site_identify(const void *parsed, struct doc_identity *id)
{
    const struct site *s = parsed;
    snprintf(id->code, sizeof id->code, "%s", s->code);
    id->effective_from = s->effective_from;
}

const struct doc_kind site_kind = {
    "site",
    true,
    sizeof(struct site),
    site_parse,
    site_identify,
    NULL,
    NULL,
    "SELECT count(*) FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id "
    "WHERE l.site = $1 AND i.status <> 'draft' AND i.period + interval '1 month' > $2::date",
    false};

/* ---- vouchers ---- */

static bool voucher_parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return voucher_doc_parse(doc, out, c);
}

static void voucher_identify(const void *parsed, struct doc_identity *id)
{
    const struct voucher *v = parsed;
    snprintf(id->code, sizeof id->code, "%s", v->code);
    snprintf(id->customer, sizeof id->customer, "%s", v->customer);
    snprintf(id->currency, sizeof id->currency, "%s", v->currency);
    id->effective_from = v->valid_from;
}

/* A program's yearly cap and where it applies are the program's: every
 * voucher of it must agree. */
static bool voucher_check(PGconn *conn, const void *parsed, struct doc_check *c)
{
    const struct voucher *v = parsed;
    int digits;
    if (!currency_digits(conn, v->currency, &digits)) return false;
    check_amount(c, "$.face_value", v->face_micro, digits, v->currency);
    check_amount(c, "$.yearly_cap", v->yearly_cap_micro, digits, v->currency);
    const char *p[] = {v->program, v->code};
    PGresult *res = db_query(conn, "read the program's other vouchers",
                             "SELECT document::text FROM document WHERE kind = 'voucher' "
                             "AND document->>'program' = $1 AND code <> $2",
                             2, p);
    if (!res) return false;
    for (int i = 0; i < PQntuples(res); i++) {
        struct voucher o;
        if (docstore_parse(&voucher_kind, PQgetvalue(res, i, 0), &o)) {
            if (o.yearly_cap_micro != v->yearly_cap_micro)
                doc_error(c, "$.yearly_cap", "program \"%s\" has another yearly cap (voucher %s)",
                          v->program, o.code);
            if (o.pre_tax != v->pre_tax)
                doc_error(c, "$.applies", "program \"%s\" applies %s (voucher %s)", v->program,
                          o.pre_tax ? "pre_tax" : "after_tax", o.code);
            i = PQntuples(res);
        }
    }
    PQclear(res);
    return true;
}

const struct doc_kind voucher_kind = {
    "voucher",
    false,
    sizeof(struct voucher),
    voucher_parse,
    voucher_identify,
    voucher_check,
    NULL,
    "SELECT count(*) FROM voucher_redemption r JOIN invoice i ON i.customer_id = r.customer_id "
    "AND i.period = r.period WHERE r.voucher = $1 AND i.status <> 'draft' AND $2::date IS NOT "
    "NULL",
    false};

/* ---- subsidies ---- */

static bool subsidy_parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return subsidy_doc_parse(doc, out, c);
}

static void subsidy_identify(const void *parsed, struct doc_identity *id)
{
    const struct subsidy *s = parsed;
    snprintf(id->code, sizeof id->code, "%s", s->code);
    snprintf(id->currency, sizeof id->currency, "%s", s->currency);
    id->effective_from = s->effective_from;
}

static bool subsidy_check(PGconn *conn, const void *parsed, struct doc_check *c)
{
    const struct subsidy *s = parsed;
    int digits;
    if (!currency_digits(conn, s->currency, &digits)) return false;
    check_amount(c, "$.cap_per_period", s->cap_micro, digits, s->currency);
    for (int i = 0; i < s->nsites; i++) {
        char path[DOC_PATH_LEN];
        doc_path_index(path, "$.sites", i);
        if (!docstore_site_known(conn, s->sites[i], path, c)) return false;
    }
    return true;
}

const struct doc_kind subsidy_kind = {
    "subsidy",
    true,
    sizeof(struct subsidy),
    subsidy_parse,
    subsidy_identify,
    subsidy_check,
    NULL,
    "SELECT count(*) FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id "
    "WHERE l.kind = 'subsidy' AND l.detail = $1 AND i.status <> 'draft' "
    "AND i.period + interval '1 month' > $2::date",
    false};

/* ---- commands ---- */

DOC_COMMANDS(contract, contract_kind)
PROPOSAL_COMMANDS(contract, contract_kind)
DOC_COMMANDS(site, site_kind)
DOC_COMMANDS(subsidy, subsidy_kind)

static int voucher_apply(int argc, char **argv)
{
    return docstore_apply(&voucher_kind, argc, argv);
}

static int voucher_list(int argc, char **argv)
{
    return docstore_list(&voucher_kind, argc, argv);
}

/* The voucher, what it paid on each invoice (and what a void gave back),
 * and what is left of it. */
static int voucher_show(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {
        "gpumeter voucher show CODE",
        "Print a voucher, what it paid on each invoice and what is left of its face value.", opts,
        1, 1};
    int rc;
    struct config cfg;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {argv[1]};
    PGresult *res = NULL;
    bool ok =
        docstore_print(conn, &voucher_kind, argv[1], "9999-12-31") &&
        (res = db_query(conn, "read the voucher's redemptions",
                        "SELECT to_char(r.period, 'YYYY-MM'), i.status, r.signed_amount, "
                        "cur.minor_digits, sum(r.signed_amount) OVER (ORDER BY r.period, "
                        "r.reversal, i.id), "
                        "((d.document->>'face_value')::numeric * 10 ^ cur.minor_digits)::bigint "
                        "FROM voucher_redemption_signed r JOIN document d ON d.kind = 'voucher' "
                        "AND d.code = r.voucher JOIN currency cur "
                        "ON cur.code = d.document->>'currency' "
                        "JOIN invoice i ON i.id = r.invoice_id WHERE r.voucher = $1 "
                        "ORDER BY r.period, r.reversal, i.id",
                        1, p));
    for (int i = 0; ok && i < PQntuples(res); i++) {
        int64_t amount = 0, digits = 2, spent = 0, face = 0;
        char a[32], left[32];
        db_get_int64(res, i, 2, &amount);
        db_get_int64(res, i, 3, &digits);
        db_get_int64(res, i, 4, &spent);
        db_get_int64(res, i, 5, &face);
        money_format(amount, (int)digits, a, sizeof a);
        money_format(face - spent, (int)digits, left, sizeof left);
        printf("%s  %-6s paid %14s  left %14s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), a,
               left);
    }
    PQclear(res);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static int contract_diff(int argc, char **argv)
{
    return docstore_diff(&contract_kind, argc, argv);
}

static const struct cli_command contract_table[] = {
    {"apply", contract_apply, "validate a contract document and store it (administrators)", NULL},
    {"propose", contract_propose, "validate a contract version and store it for approval", NULL},
    {"approve", contract_approve, "approve a pending proposal (not your own): it takes effect",
     NULL},
    {"reject", contract_reject, "reject a pending proposal, with a reason", NULL},
    {"proposals", contract_proposals, "list contract proposals and their decisions", NULL},
    {"list", contract_list, "list contract versions", NULL},
    {"show", contract_show, "print the version in effect on a date", NULL},
    {"diff", contract_diff, "show what applying a document would change", NULL},
    {"terminate", termination_command, "end a contract early, at the end of a day", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(contract, "gpumeter contract", contract_table)

static const struct cli_command site_table[] = {
    {"apply", site_apply, "validate a site document (its PUE) and store it", NULL},
    {"list", site_list, "list site versions", NULL},
    {"show", site_show, "print the version in effect on a date", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(site, "gpumeter site", site_table)

static const struct cli_command voucher_table[] = {
    {"issue", voucher_apply, "validate a voucher document and store it", NULL},
    {"list", voucher_list, "list vouchers", NULL},
    {"show", voucher_show, "print a voucher and what it has paid", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(voucher, "gpumeter voucher", voucher_table)

static const struct cli_command subsidy_table[] = {
    {"apply", subsidy_apply, "validate an energy subsidy program and store it", NULL},
    {"list", subsidy_list, "list subsidy program versions", NULL},
    {"show", subsidy_show, "print the version in effect on a date", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(subsidy, "gpumeter subsidy", subsidy_table)
