/* termination: `gpumeter contract terminate` (see termination.h). */
#include "terms/termination.h"

#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "pricing/bill.h"

#include <stdio.h>
#include <string.h>

/* What the command must know before it ends contract $1 on $2 (notice
 * given on $3, NULL: today in the contract's zone): one row whatever the
 * code. The version read is the one in effect in the month of $2. */
static const char facts_sql[] =
    "WITH v AS (SELECT d.code, d.document, c.id AS customer_id, c.code AS customer, "
    "       coalesce(d.document->>'time_zone', default_time_zone()) AS tz "
    "     FROM document d JOIN customer c ON c.code = d.customer "
    "     WHERE d.kind = 'contract' AND d.code = $1 "
    "       AND d.effective_from <= date_trunc('month', $2::date) "
    "     ORDER BY d.effective_from DESC LIMIT 1) "
    "SELECT EXISTS (SELECT 1 FROM document WHERE kind = 'contract' AND code = $1), "
    "  (SELECT to_char(min(effective_from), 'YYYY-MM-DD') FROM document "
    "   WHERE kind = 'contract' AND code = $1), "
    "  (SELECT to_char(ends_on, 'YYYY-MM-DD') FROM contract_termination WHERE contract = $1), "
    "  v.customer_id, v.customer, "
    "  EXISTS (SELECT 1 FROM contract_in_effect(date_trunc('month', $2::date)::date) e "
    "          WHERE e.contract = $1), "
    "  to_char(coalesce($3::date, (now() AT TIME ZONE v.tz)::date), 'YYYY-MM-DD'), "
    "  coalesce((v.document->'termination'->>'notice_days')::int, 0), "
    "  coalesce(v.document->'termination', '{}')::text, "
    /* issued months are frozen (docs/plans.md): none may end on or after $2 */
    "  (SELECT string_agg(to_char(i.period, 'YYYY-MM') || ' (' || i.number || ')', ', ' "
    "          ORDER BY i.period) FROM invoice i "
    "   WHERE i.customer_id = v.customer_id AND " INVOICE_STANDS("i.") " "
    "     AND i.period + interval '1 month' > $2::date), "
    "  to_char((now() AT TIME ZONE v.tz)::date, 'YYYY-MM-DD') "
    "FROM (VALUES (1)) one LEFT JOIN v ON true";

/* Records the termination, ends the contract's account rows on its day,
 * audits it and emits contract.terminated, in one transaction. */
static const char record_sql[] =
    "WITH t AS (INSERT INTO contract_termination (contract, customer_id, ends_on, noticed_on, "
    "       reason, actor, terms) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING *), "
    "gone AS (DELETE FROM account WHERE contract = $1 AND valid_from > $3::date RETURNING 1), "
    "cut AS (UPDATE account SET valid_until = $3::date WHERE contract = $1 "
    "        AND valid_from <= $3::date AND (valid_until IS NULL OR valid_until > $3::date) "
    "        RETURNING 1), "
    "audit AS (INSERT INTO audit_log (actor, object, key, action, after) "
    "          SELECT $6, 'contract_termination', $1, 'create', to_jsonb(t) - 'id' FROM t) "
    "SELECT notify_emit('contract.terminated', $2::bigint, $1, "
    "    jsonb_build_object('contract', $1::text, 'customer', $8::text, "
    "                       'ends_on', $3::text, 'noticed_on', $4::text, 'reason', $5::text, "
    "                       'terms', $7::jsonb)) "
    "FROM t";

/* The customer's drafts the termination changes: those of the last day's
 * month and after ($1 the customer, $2 the last day), priced before it
 * and so without its lines (the fee, the make-up settlement, the pro-rata
 * commitment). Issued as they are, the final invoice would never carry
 * them: they are locked (an `invoice issue` of one waits, then finds it
 * gone and issues nothing) and removed with what they drew from the
 * commitment and voucher ledgers, as `invoice run` removes a draft it
 * cannot price (billing/store.c); the next run writes the final invoice. */
#define TERMINATION_DRAFTS                                                                     \
    "SELECT i.id FROM invoice i WHERE i.customer_id = $1::bigint AND i.kind = 'invoice' "     \
    "AND i.status = 'draft' AND i.period + interval '1 month' > $2::date"
static const char lock_drafts_sql[] =
    "SELECT string_agg(to_char(period, 'YYYY-MM'), ', ' ORDER BY period) FROM "
    "(SELECT i.period FROM invoice i WHERE i.id IN (" TERMINATION_DRAFTS ") FOR UPDATE) d";
static const char *const drop_drafts_sql[] = {
    "DELETE FROM commitment_ledger WHERE invoice_id IN (" TERMINATION_DRAFTS ")",
    "DELETE FROM voucher_redemption WHERE invoice_id IN (" TERMINATION_DRAFTS ")",
    "DELETE FROM invoice_line WHERE invoice_id IN (" TERMINATION_DRAFTS ")",
    "DELETE FROM invoice WHERE id IN (" TERMINATION_DRAFTS ")",
};
/* The months issued for $1 that a last day $2 would change, read again
 * once its drafts are held: one issued meanwhile refuses the termination. */
static const char issued_sql[] =
    "SELECT string_agg(to_char(i.period, 'YYYY-MM') || ' (' || i.number || ')', ', ' "
    "ORDER BY i.period) FROM invoice i WHERE i.customer_id = $1::bigint AND " INVOICE_STANDS(
        "i.") " AND i.period + interval '1 month' > $2::date";

/* A refusal: the error in the PostgreSQL shape (msg, then a hint), exit 2. */
static int refuse(PGconn *conn, PGresult *res, const char *msg, const char *hint)
{
    log_error("%s", msg);
    if (hint) log_hint("%s", hint);
    PQclear(res);
    PQfinish(conn);
    return CLI_EXIT_USAGE;
}

int termination_command(int argc, char **argv)
{
    const char *date = NULL, *noticed = NULL, *reason = "", *actor = NULL;
    const struct cli_opt opts[] = {
        {"date", CLI_STR, &date, "YYYY-MM-DD", "the contract's last day (required)", 0, 0},
        {"noticed", CLI_STR, &noticed, "YYYY-MM-DD",
         "the day notice was given (default: today in the contract's time zone)", 0, 0},
        {"reason", CLI_TEXT, &reason, "TEXT", "why it ends, for the record", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", "who ends it (default: audit.actor, $USER)", 0,
         CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter contract terminate CODE --date YYYY-MM-DD [--noticed YYYY-MM-DD] "
        "[--reason TEXT] [--actor NAME]",
        "End a contract early, at the end of a local day: usage after it is no longer the "
        "contract's, and the month's invoice carries the termination's lines. Audited.",
        opts, 1, 1};
    int npos, rc;
    int64_t day = 0, notice_day = 0;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!cli_code_valid(argv[1]))
        return cli_usage_error(&spec, "CODE is 1 to 64 lower-case letters, digits, '-' or '_'");
    if (!date || !time_parse_date(date, &day))
        return cli_usage_error(&spec, "--date YYYY-MM-DD is required: the contract's last day");
    if (noticed && !time_parse_date(noticed, &notice_day))
        return cli_usage_error(&spec, "--noticed is a day, YYYY-MM-DD");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *code = argv[1], *p[] = {code, date, noticed};
    if (!db_begin(conn)) {
        PQfinish(conn);
        return 1;
    }
    /* one termination per contract: contract_termination's contract is
     * unique, so of two at once the second fails at its INSERT */
    PGresult *res = db_query(conn, "read the contract", facts_sql, 3, p);
    if (!res) {
        PQfinish(conn);
        return 1;
    }
    char msg[512];
    if (PQgetvalue(res, 0, 0)[0] != 't') {
        snprintf(msg, sizeof msg, "unknown contract \"%s\"", code);
        return refuse(conn, res, msg, "gpumeter contract list shows the contracts.");
    }
    if (!PQgetisnull(res, 0, 2)) {
        snprintf(msg, sizeof msg, "contract \"%s\" has already ended: it was terminated on %s",
                 code, PQgetvalue(res, 0, 2));
        return refuse(conn, res, msg, NULL);
    }
    int64_t notice_days = 0;
    char earliest[16];
    const char *given = PQgetvalue(res, 0, 6); /* "" when no version holds the day */
    if (given[0] && !time_parse_date(given, &notice_day)) notice_day = 0;
    db_get_int64(res, 0, 7, &notice_days);
    time_format_date(notice_day + notice_days, earliest);
    if (strcmp(given, PQgetvalue(res, 0, 10)) > 0) { /* both YYYY-MM-DD */
        snprintf(msg, sizeof msg,
                 "--noticed %s is refused: notice cannot be given after today (%s)", given,
                 PQgetvalue(res, 0, 10));
        return refuse(conn, res, msg, NULL);
    }
    if (PQgetisnull(res, 0, 3) || PQgetvalue(res, 0, 5)[0] != 't') {
        snprintf(msg, sizeof msg,
                 "contract \"%s\" is not in effect on %s: it has ended, or not begun", code,
                 date);
        return refuse(conn, res, msg, "gpumeter contract show CODE prints its dates.");
    }
    if (day < notice_day) {
        snprintf(msg, sizeof msg,
                 "a termination on %s is refused: it is before the notice was given (%s)", date,
                 given);
        return refuse(conn, res, msg, NULL);
    }
    if (day < notice_day + notice_days) {
        snprintf(msg, sizeof msg,
                 "a termination on %s is refused: the contract needs %lld days' notice, given "
                 "on %s, so the earliest last day is %s",
                 date, (long long)notice_days, given, earliest);
        return refuse(conn, res, msg, "Terminate on the first day the notice allows, or later.");
    }
    if (!PQgetisnull(res, 0, 9)) {
        snprintf(msg, sizeof msg,
                 "a termination on %s is refused: it would change issued months: %s", date,
                 PQgetvalue(res, 0, 9));
        return refuse(conn, res, msg,
                      "Issued months are frozen (docs/plans.md): void those invoices first.");
    }
    const char *w[] = {code,
                       PQgetvalue(res, 0, 3),
                       date,
                       PQgetvalue(res, 0, 6),
                       reason,
                       actor ? actor : cfg.actor,
                       PQgetvalue(res, 0, 8),
                       PQgetvalue(res, 0, 4)};
    const char *dp[] = {PQgetvalue(res, 0, 3), date};
    PGresult *drafts = db_query(conn, "hold the drafts the termination changes",
                                lock_drafts_sql, 2, dp),
             *issued = drafts ? db_query(conn, "read the issued months", issued_sql, 2, dp)
                              : NULL;
    if (issued && !PQgetisnull(issued, 0, 0)) {
        snprintf(msg, sizeof msg,
                 "a termination on %s is refused: it would change issued months: %s", date,
                 PQgetvalue(issued, 0, 0));
        PQclear(drafts);
        PQclear(issued);
        return refuse(conn, res, msg,
                      "Issued months are frozen (docs/plans.md): void those invoices first.");
    }
    bool ok = issued != NULL;
    for (size_t i = 0; ok && i < sizeof drop_drafts_sql / sizeof *drop_drafts_sql; i++)
        ok = db_exec(conn, "remove the drafts the termination changes", drop_drafts_sql[i], 2,
                     dp);
    ok = ok && db_exec(conn, "record the termination", record_sql, 8, w) && db_commit(conn);
    if (ok) {
        printf("%s: terminated; its last day is %s (notice given %s)\n", code, date,
               PQgetvalue(res, 0, 6));
        if (!PQgetisnull(drafts, 0, 0))
            printf("%s: its draft of %s, priced before the termination, was removed: "
                   "`invoice run` writes the final invoice\n",
                   code, PQgetvalue(drafts, 0, 0));
    } else {
        db_rollback(conn);
    }
    PQclear(drafts);
    PQclear(issued);
    PQclear(res);
    PQfinish(conn);
    return ok ? 0 : 1;
}
