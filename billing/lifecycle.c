/* lifecycle: `gpumeter invoice issue` and `gpumeter invoice void`.
 *
 * issue numbers the drafts of a month, each in its own transaction: the
 * number comes from a counter row per series and year that the transaction
 * holds until it commits, so concurrent batches never share a number and a
 * rolled-back issue never leaves a gap; a draft another batch issued first
 * is skipped without taking a number. A draft is held until its month has
 * ended plus invoice.grace_days (in its contract's time zone), so late
 * usage still refreshes it. void marks an issued invoice void, issues a
 * credit note that negates it line by line, and appends reversal rows to the
 * commitment and voucher ledgers, all in one transaction; the month can then
 * be invoiced again. PostgreSQL triggers (schema 007) keep issued invoices,
 * their lines and ledgers immutable whatever the client. */
#include "billing/lifecycle.h"

#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "core/utf8.h"

#include <stdio.h>
#include <string.h>

/* The time zone of an invoice's month (i is the invoice): the schema's. */
#define INVOICE_TZ "customer_time_zone(i.customer_id, i.period)"

/* Issues draft $1 with the next number of series $2; no row if it is no
 * longer a draft. */
static const char issue_sql[] =
    "WITH inv AS (SELECT i.id, extract(year FROM now() AT TIME ZONE " INVOICE_TZ ")::int AS year "
    "             FROM invoice i WHERE i.id = $1 AND i.status = 'draft' FOR UPDATE OF i), "
    "n AS (INSERT INTO invoice_number (series, year, last) SELECT $2, year, 1 FROM inv "
    "      ON CONFLICT (series, year) DO UPDATE SET last = invoice_number.last + 1 "
    "      RETURNING year, last) "
    "UPDATE invoice SET status = 'issued', issued_at = now(), "
    "       number = format('%s-%s-%s', $2::text, n.year, lpad(n.last::text, 6, '0')), "
    "       buyer_name = c.name, buyer_tax_id = c.tax_id " /* the buyer as issued to (019) */
    "FROM n, inv, customer c WHERE invoice.id = inv.id AND c.id = invoice.customer_id "
    "RETURNING invoice.number";

static bool issue_one(PGconn *conn, const char *id, const char *series, char *number, size_t cap)
{
    const char *p[] = {id, series};
    PGresult *res = db_query(conn, "issue the invoice", issue_sql, 2, p);
    if (!res) return false;
    number[0] = '\0';
    if (PQntuples(res) == 1) snprintf(number, cap, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return true;
}

/* Drafts of the month: id, customer, total, digits, currency, and whether
 * its grace has passed ($3 grace seconds). */
static const char drafts_sql[] =
    "SELECT i.id, c.code, i.total, cur.minor_digits, i.currency, "
    "       now() >= ((i.period + interval '1 month')::timestamp AT TIME ZONE " INVOICE_TZ ") "
    "                 + make_interval(secs => $3::bigint) "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "JOIN currency cur ON cur.code = i.currency "
    "WHERE i.period = $1::date AND i.status = 'draft' AND i.kind = 'invoice' "
    "  AND ($2::text IS NULL OR c.code = $2) ORDER BY c.code";

int lifecycle_issue(int argc, char **argv)
{
    const char *period = NULL, *customer = NULL;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "month whose drafts to issue (required)", 0, 0},
        {"customer", CLI_STR, &customer, "CODE", "only this customer", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice issue --period YYYY-MM [--customer CODE]",
        "Number and issue the month's drafts (held until the month ends plus "
        "invoice.grace_days).",
        opts, 0, 0};
    int npos, rc;
    char first_day[16], grace[24];
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!cli_period(&spec, period, first_day)) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    snprintf(grace, sizeof grace, "%ld", cfg.grace_s);
    const char *p[] = {first_day, customer, grace};
    PGresult *res = db_query(conn, "list the drafts", drafts_sql, 3, p);
    bool ok = res != NULL;
    int issued = 0, held = 0;
    for (int i = 0; ok && i < PQntuples(res); i++) {
        if (PQgetvalue(res, i, 5)[0] != 't') {
            held++;
            continue;
        }
        char number[32], amount[32];
        int64_t total = 0, digits = 2;
        ok = issue_one(conn, PQgetvalue(res, i, 0), "INV", number, sizeof number);
        if (!ok || !number[0]) continue; /* issued by another batch meanwhile */
        db_get_int64(res, i, 2, &total);
        db_get_int64(res, i, 3, &digits);
        money_format(total, (int)digits, amount, sizeof amount);
        printf("%-16s %-24s %s  %16s %s\n", number, PQgetvalue(res, i, 1), period, amount,
               PQgetvalue(res, i, 4));
        issued++;
    }
    PQclear(res);
    if (ok) log_info("%d invoices issued for %s", issued, period);
    PGresult *problems =
        ok ? db_query(conn, "read the customers not invoiced",
                      "SELECT c.code, p.reason FROM invoice_problem p JOIN customer c "
                      "ON c.id = p.customer_id WHERE p.period = $1::date "
                      "AND ($2::text IS NULL OR c.code = $2) ORDER BY c.code",
                      2, p)
           : NULL;
    for (int i = 0; problems && i < PQntuples(problems); i++)
        log_warn("customer \"%s\" has no invoice for %s: the last invoice run could not price "
                 "it: %s",
                 PQgetvalue(problems, i, 0), period, PQgetvalue(problems, i, 1));
    PQclear(problems);
    if (held)
        log_warn("%d drafts held: %s has not ended plus its grace of %ld days", held, period,
                 cfg.grace_s / 86400);
    PQfinish(conn);
    return ok ? 0 : 1;
}

/* The credit note of invoice $1, as a draft (issued next): every amount
 * and line negated. */
static const char credit_sql[] =
    "INSERT INTO invoice (customer_id, period, status, currency, tax_rate_ppm, subtotal, tax, "
    "  total, claimed, due, contract, plan, kind, credits) "
    "SELECT customer_id, period, 'draft', currency, tax_rate_ppm, -subtotal, -tax, -total, "
    "       -claimed, -due, contract, plan, 'credit_note', id FROM invoice WHERE id = $1 "
    "RETURNING id";
static const char credit_lines_sql[] =
    "INSERT INTO invoice_line (invoice_id, line_no, kind, meter, model, quantity, unit_price, "
    "  amount, band, multiplier_ppm, site, pue_ppm, override_ppm, detail, adjusts) "
    "SELECT $2, line_no, kind, meter, model, -quantity, unit_price, -amount, band, "
    "       multiplier_ppm, site, pue_ppm, override_ppm, detail, adjusts "
    "FROM invoice_line WHERE invoice_id = $1";

static const char reverse_sql[] =
    "WITH c AS (INSERT INTO commitment_ledger (customer_id, period, entry_period, kind, units, "
    "  value, invoice_id, reversal) SELECT customer_id, period, entry_period, kind, units, value, "
    "  invoice_id, true FROM commitment_ledger WHERE invoice_id = $1 AND NOT reversal) "
    "INSERT INTO voucher_redemption (voucher, program, customer_id, period, amount, invoice_id, "
    "  reversal) SELECT voucher, program, customer_id, period, amount, invoice_id, true "
    "FROM voucher_redemption WHERE invoice_id = $1 AND NOT reversal";

int lifecycle_void(int argc, char **argv)
{
    const char *reason = NULL, *code = "01";
    const struct cli_opt opts[] = {
        {"reason", CLI_STR, &reason, "TEXT", "why it is void (required)", 0, 0},
        {"code", CLI_STR, &code, "NN",
         "the red-reversal reason for the fapiao: 01 开票有误 wrong invoice (default), 02 销货退回 "
         "returned, 03 服务中止 service ended, 04 销售折让 discount",
         0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice void NUMBER --reason TEXT [--code 01|02|03|04]",
        "Void an issued invoice and issue the credit note that reverses it; the month can then "
        "be invoiced again.",
        opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!reason || !reason[0] || strlen(reason) > 256)
        return cli_usage_error(&spec, "--reason (1 to 256 characters) is required");
    const char *why = utf8_ident_problem(reason, strlen(reason)); /* printed on the PDF */
    if (why) {
        char msg[128];
        snprintf(msg, sizeof msg, "--reason %s", why);
        return cli_usage_error(&spec, msg);
    }
    if (strlen(code) != 2 || code[0] != '0' || code[1] < '1' || code[1] > '4')
        return cli_usage_error(&spec, "--code is 01, 02, 03 or 04");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {argv[1], reason, code};
    PGresult *v = NULL, *cn = NULL;
    char number[32] = "";
    bool ok =
        db_begin(conn) && (v = db_query(conn, "void the invoice",
                                        "UPDATE invoice SET status = 'void', voided_at = now(), "
                                        "void_reason = $2, void_code = $3 WHERE number = $1 "
                                        "AND status = 'issued' AND kind = 'invoice' RETURNING id",
                                        3, p));
    if (ok && PQntuples(v) != 1) {
        log_error("no issued invoice numbered \"%s\"", argv[1]);
        ok = false;
    }
    const char *id[] = {ok ? PQgetvalue(v, 0, 0) : NULL};
    ok = ok && (cn = db_query(conn, "write the credit note", credit_sql, 1, id));
    const char *ids[] = {id[0], ok ? PQgetvalue(cn, 0, 0) : NULL};
    ok = ok && db_exec(conn, "write the credit note's lines", credit_lines_sql, 2, ids) &&
         issue_one(conn, ids[1], "CN", number, sizeof number) && number[0] &&
         db_exec(conn, "reverse the ledgers", reverse_sql, 1, id) && db_commit(conn);
    if (ok)
        printf("%s: void; credit note %s issued\n", argv[1], number);
    else
        db_rollback(conn);
    PQclear(v);
    PQclear(cn);
    PQfinish(conn);
    return ok ? 0 : 1;
}

/* The official number is the one change an issued (or void) invoice accepts,
 * once (schema 019's guard), and it is written to audit_log with the same
 * statement. */
int lifecycle_fapiao(int argc, char **argv)
{
    const char *number = NULL, *date = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"number", CLI_STR, &number, "DIGITS", "the fapiao's 20-digit number (required)", 0, 0},
        {"date", CLI_STR, &date, "YYYY-MM-DD", "the date it was issued on (required)", 0, 0},
        {"actor", CLI_STR, &actor, "NAME", "who records it (default: audit.actor, $USER)", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice fapiao NUMBER --number DIGITS --date YYYY-MM-DD [--actor NAME]",
        "Record the number and date the tax system gave the fapiao of an issued invoice (or the "
        "red fapiao of a credit note). Recorded once; audited.",
        opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    int64_t days;
    if (!number || strlen(number) != 20 || strspn(number, "0123456789") != 20)
        return cli_usage_error(&spec, "--number is the fapiao's 20 digits");
    if (!date || !time_parse_date(date, &days))
        return cli_usage_error(&spec, "--date must be a date, YYYY-MM-DD");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {argv[1], number, date, actor ? actor : cfg.actor};
    PGresult *res = db_query(
        conn, "record the fapiao",
        "WITH old AS (SELECT id, status, fapiao_number, to_char(fapiao_date, 'YYYY-MM-DD') AS d "
        "             FROM invoice WHERE number = $1 FOR UPDATE), "
        "upd AS (UPDATE invoice i SET fapiao_number = $2, fapiao_date = $3::date FROM old "
        "        WHERE i.id = old.id AND old.fapiao_number IS NULL "
        "          AND NOT EXISTS (SELECT 1 FROM invoice o WHERE o.fapiao_number = $2) "
        "        RETURNING i.id), "
        "audit AS (INSERT INTO audit_log (actor, object, key, action, after) "
        "          SELECT $4, 'invoice', $1, 'fapiao', jsonb_build_object('fapiao_number', "
        "          $2::text, 'fapiao_date', $3::text) FROM upd) "
        "SELECT (SELECT count(*) FROM old), (SELECT count(*) FROM upd), "
        "       (SELECT coalesce(fapiao_number, '') FROM old), (SELECT coalesce(d, '') FROM old), "
        "       (SELECT number FROM invoice WHERE fapiao_number = $2)",
        4, p);
    rc = 1;
    if (!res) {
    } else if (!strcmp(PQgetvalue(res, 0, 0), "0")) {
        log_error("no issued invoice or credit note numbered \"%s\"", argv[1]);
    } else if (!strcmp(PQgetvalue(res, 0, 1), "1")) {
        printf("%s: fapiao %s of %s recorded\n", argv[1], number, date);
        rc = 0;
    } else if (!strcmp(PQgetvalue(res, 0, 2), number) && !strcmp(PQgetvalue(res, 0, 3), date)) {
        printf("%s: fapiao %s of %s, unchanged\n", argv[1], number, date);
        rc = 0;
    } else if (PQgetvalue(res, 0, 2)[0]) {
        log_error("%s already has fapiao %s of %s", argv[1], PQgetvalue(res, 0, 2),
                  PQgetvalue(res, 0, 3));
        log_hint("A recorded fapiao number never changes; a wrong fapiao is reversed with a red "
                 "one: void the invoice (invoice void --code 01).");
    } else {
        log_error("fapiao %s is recorded on %s already", number, PQgetvalue(res, 0, 4));
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}
