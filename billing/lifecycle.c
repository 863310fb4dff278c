/* lifecycle: `gpumeter invoice issue` and `gpumeter invoice void`.
 *
 * issue numbers the drafts of a month, each in its own transaction: the
 * number comes from a counter row per series and year that the transaction
 * holds until it commits, so concurrent batches never share a number and a
 * rolled-back issue never leaves a gap; a draft another batch issued first
 * is skipped without taking a number. A draft is held until its month has
 * ended plus invoice.grace_days (in its contract's time zone), so late
 * usage still refreshes it. void marks an issued invoice void, issues a
 * credit note that negates what remains of it line by line (all of it, less
 * what partial credit notes, credit.c, took), and appends reversal rows to the
 * commitment and voucher ledgers, all in one transaction; the month can then
 * be invoiced again. PostgreSQL triggers (schema 007) keep issued invoices,
 * their lines and ledgers immutable whatever the client. Every issue, void,
 * fapiao record and fapiao correction is written to audit_log in the
 * transaction that makes it (schema 022 requires the correction's row). */
#include "billing/lifecycle.h"
#include "billing/store.h"

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

#define ACTOR_HELP LIFECYCLE_ACTOR_HELP

/* The void's reason and fapiao --correct's reason are printed on the PDF:
 * a required --reason follows cli_text_ok's rule. */
static bool reason_ok(const struct cli_spec *spec, const char *reason)
{
    return cli_text_ok(spec, "--reason", reason, CLI_TEXT_MAX);
}

/* Issues draft $1 with the next number of series $2; no row if it is no
 * longer a draft. With actor $3 the issue is written to audit_log by the
 * same statement; a credit note (actor NULL) is audited by its void. */
static const char issue_sql[] =
    "WITH inv AS (SELECT i.id, extract(year FROM now() AT TIME ZONE " INVOICE_TZ ")::int AS year "
    "             FROM invoice i WHERE i.id = $1 AND i.status = 'draft' FOR UPDATE OF i), "
    "n AS (INSERT INTO invoice_number (series, year, last) SELECT $2, year, 1 FROM inv "
    "      ON CONFLICT (series, year) DO UPDATE SET last = invoice_number.last + 1 "
    "      RETURNING year, last), "
    "upd AS (UPDATE invoice SET status = 'issued', issued_at = now(), "
    "       number = format('%s-%s-%s', $2::text, n.year, lpad(n.last::text, 6, '0')), "
    "       buyer_name = c.name, buyer_tax_id = c.tax_id " /* the buyer as issued to (019) */
    "FROM n, inv, customer c WHERE invoice.id = inv.id AND c.id = invoice.customer_id "
    "RETURNING invoice.number, c.code, invoice.period, invoice.total, invoice.currency), "
    "audit AS (INSERT INTO audit_log (actor, object, key, action, after) "
    "          SELECT $3, 'invoice', number, 'issue', jsonb_build_object('status', 'issued', "
    "          'customer', code, 'period', to_char(period, 'YYYY-MM'), 'total', total, "
    "          'currency', currency) FROM upd WHERE $3::text IS NOT NULL) "
    "SELECT number FROM upd";

static bool digits(const char *s, size_t n)
{
    return strspn(s, "0123456789") >= n;
}

bool lifecycle_number_ok(const struct cli_spec *spec, const char *what, const char *number)
{
    size_t n = strlen(number), series = !strncmp(number, "INV-", 4) ? 3
                                       : !strncmp(number, "CN-", 3) ? 2
                                                                    : 0;
    const char *year = number + series + 1, *seq = year + 5;
    if (series && n >= series + 12 && n <= series + 18 && digits(year, 4) && year[4] == '-' &&
        digits(seq, n - (size_t)(seq - number)))
        return true;
    char msg[160];
    /* the value as printable ASCII, other bytes as \xNN: it may be anything */
    char shown[64] = "";
    for (size_t i = 0, k = 0; number[i] && k + 5 < sizeof shown; i++) {
        unsigned char c = (unsigned char)number[i];
        k += (size_t)snprintf(shown + k, sizeof shown - k, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x",
                              c);
    }
    snprintf(msg, sizeof msg,
             "%s \"%s\" is not an invoice or credit note number (INV-YYYY-NNNNNN, CN-YYYY-NNNNNN)",
             what, shown);
    cli_usage_error(spec, msg);
    return false;
}

bool lifecycle_number(PGconn *conn, const char *id, const char *series, const char *actor,
                      char *number, size_t cap)
{
    const char *p[] = {id, series, actor};
    PGresult *res = db_query(conn, "issue the invoice", issue_sql, 3, p);
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
    const char *period = NULL, *customer = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "month whose drafts to issue (required)", 0, 0},
        {"customer", CLI_STR, &customer, "CODE", "only this customer", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice issue --period YYYY-MM [--customer CODE] [--actor NAME]",
        "Number and issue the month's drafts (held until the month ends plus "
        "invoice.grace_days); each issue is audited.",
        opts, 0, 0};
    int npos, rc;
    char first_day[16], grace[24];
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!cli_period(&spec, period, first_day)) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    db_warn_if_async_standby(conn, "invoices issued");
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
        ok = lifecycle_number(conn, PQgetvalue(res, i, 0), "INV", actor ? actor : cfg.actor, number,
                       sizeof number);
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

/* The credit note of invoice $1, as a draft (issued next): what remains of
 * it after the partial credit notes issued against it (all of it when there
 * are none), negated, line by line. So a void after partial credits
 * reverses only what they left, and the credit notes of a void invoice
 * always sum to minus its total. */
#define CREDITED_SQL                                                                    \
    "(SELECT coalesce(sum(subtotal), 0) s, coalesce(sum(tax), 0) t, "                  \
    " coalesce(sum(total), 0) n, coalesce(sum(claimed), 0) c, coalesce(sum(due), 0) d " \
    " FROM invoice WHERE credits = $1 AND status = 'issued')"
static const char credit_sql[] =
    "INSERT INTO invoice (customer_id, period, status, currency, tax_rate_ppm, subtotal, tax, "
    "  total, claimed, due, contract, plan, kind, credits) "
    "SELECT customer_id, period, 'draft', currency, tax_rate_ppm, -(subtotal + p.s), "
    "       -(tax + p.t), -(total + p.n), -(claimed + p.c), -(due + p.d), contract, plan, "
    "       'credit_note', id FROM invoice, " CREDITED_SQL " p WHERE id = $1 "
    "RETURNING id";
/* Its lines: each line's rest (REMAINING_LINES_SQL) negated, with the
 * rest of its tax, so the void's red fapiao and the partial ones before it
 * reverse each blue line and its tax exactly (docs/invoices.md, "Each
 * line's tax": the void takes all that remains of every line); a line with
 * nothing left to reverse is left out. */
static const char credit_lines_sql[] =
    "INSERT INTO invoice_line (invoice_id, line_no, kind, meter, model, quantity, unit_price, "
    "  amount, band, multiplier_ppm, site, pue_ppm, override_ppm, detail, adjusts, tax) "
    "SELECT $2, r.line_no, r.kind, r.meter, r.model, -r.rem_quantity, r.unit_price, "
    "       -r.rem_amount, r.band, r.multiplier_ppm, r.site, r.pue_ppm, r.override_ppm, "
    "       r.detail, r.adjusts, -r.rem_tax "
    "FROM " REMAINING_LINES_SQL " r WHERE r.rem_amount <> 0 OR r.rem_tax <> 0";

static const char reverse_sql[] =
    "WITH c AS (INSERT INTO commitment_ledger (customer_id, period, entry_period, kind, units, "
    "  value, invoice_id, reversal) SELECT customer_id, period, entry_period, kind, units, value, "
    "  invoice_id, true FROM commitment_ledger WHERE invoice_id = $1 AND NOT reversal) "
    "INSERT INTO voucher_redemption (voucher, program, customer_id, period, amount, invoice_id, "
    "  reversal) SELECT voucher, program, customer_id, period, amount, invoice_id, true "
    "FROM voucher_redemption WHERE invoice_id = $1 AND NOT reversal";

int lifecycle_void(int argc, char **argv)
{
    const char *reason = NULL, *code = "01", *actor = NULL;
    const struct cli_opt opts[] = {
        {"reason", CLI_TEXT, &reason, "TEXT", "why it is void (required)", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {"code", CLI_STR, &code, "01|02|03|04",
         "the red-reversal reason for the fapiao: 01 开票有误 wrong invoice (default), 02 销货退回 "
         "returned, 03 服务中止 service ended, 04 销售折让 discount",
         0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice void NUMBER --reason TEXT [--code 01|02|03|04] [--actor NAME]",
        "Void an issued invoice and issue the credit note that reverses it; the month can then "
        "be invoiced again. Audited.",
        opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!reason_ok(&spec, reason) || !lifecycle_number_ok(&spec, "NUMBER", argv[1]))
        return CLI_EXIT_USAGE;
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
         lifecycle_number(conn, ids[1], "CN", NULL, number, sizeof number) && number[0] &&
         db_exec(conn, "reverse the ledgers", reverse_sql, 1, id);
    const char *a[] = {actor ? actor : cfg.actor, argv[1], reason, code, number};
    ok = ok &&
         db_exec(conn, "write the audit log",
                 "INSERT INTO audit_log (actor, object, key, action, before, after) "
                 "VALUES ($1, 'invoice', $2, 'void', '{\"status\": \"issued\"}', "
                 "jsonb_build_object('status', 'void', 'reason', $3::text, 'code', $4::text, "
                 "'credit_note', $5::text))",
                 5, a) &&
         db_commit(conn);
    if (ok)
        printf("%s: void; credit note %s issued\n", argv[1], number);
    else
        db_rollback(conn);
    PQclear(v);
    PQclear(cn);
    PQfinish(conn);
    return ok ? 0 : 1;
}

/* The dates a fapiao of invoice $1 may bear (schema 027's
 * invoice_fapiao_dates: from its issue date to today, in its time zone);
 * with its recorded number and date. No row: no such issued or void
 * invoice or credit note. */
static const char fapiao_dates_sql[] =
    "SELECT to_char(d.first_day, 'YYYY-MM-DD'), to_char(d.last_day, 'YYYY-MM-DD'), "
    "       coalesce(i.fapiao_number, ''), coalesce(to_char(i.fapiao_date, 'YYYY-MM-DD'), '') "
    "FROM invoice i, invoice_fapiao_dates(i.id) d WHERE i.number = $1 AND i.status <> 'draft'";

/* Records fapiao $2 of $3 on invoice $1 if it has none, audited by actor $4
 * in the same statement. */
static const char fapiao_record_sql[] =
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
    "       (SELECT number FROM invoice WHERE fapiao_number = $2)";

/* Corrects the recorded fapiao of invoice $1 from $6 of $7 to $2 of $3:
 * the audit row first, since schema 022's guard lets the two columns change
 * again only beside a 'correct' row of the same transaction that holds the
 * record before and after. No row if the record is no longer $6 of $7. */
static const char fapiao_correct_audit_sql[] =
    "INSERT INTO audit_log (actor, object, key, action, before, after) "
    "SELECT $4, 'invoice', $1, 'correct', "
    "       jsonb_build_object('fapiao_number', $6::text, 'fapiao_date', $7::text), "
    "       jsonb_build_object('fapiao_number', $2::text, 'fapiao_date', $3::text, "
    "                          'reason', $5::text) "
    "FROM invoice WHERE number = $1 AND fapiao_number = $6 AND fapiao_date = $7::date "
    "FOR UPDATE RETURNING id"; /* the row held, so the UPDATE below changes it */
static const char fapiao_correct_sql[] =
    "UPDATE invoice SET fapiao_number = $2, fapiao_date = $3::date WHERE number = $1 "
    "AND fapiao_number = $4 AND fapiao_date = $5::date";

static int fapiao_record(PGconn *conn, const char *invoice, const char *number,
                         const char *date, const char *actor)
{
    const char *p[] = {invoice, number, date, actor};
    PGresult *res = db_query(conn, "record the fapiao", fapiao_record_sql, 4, p);
    int rc = 1;
    if (!res) {
    } else if (!strcmp(PQgetvalue(res, 0, 1), "1")) {
        printf("%s: fapiao %s of %s recorded\n", invoice, number, date);
        rc = 0;
    } else if (!strcmp(PQgetvalue(res, 0, 2), number) && !strcmp(PQgetvalue(res, 0, 3), date)) {
        printf("%s: fapiao %s of %s, unchanged\n", invoice, number, date);
        rc = 0;
    } else if (PQgetvalue(res, 0, 2)[0]) {
        log_error("%s already has fapiao %s of %s", invoice, PQgetvalue(res, 0, 2),
                  PQgetvalue(res, 0, 3));
        rc = CLI_EXIT_USAGE; /* a refusal of --number, not a failure */
        log_hint("A mistyped record is corrected with: gpumeter invoice fapiao %s --number "
                 "DIGITS --date YYYY-MM-DD --correct --reason TEXT; a wrong fapiao is reversed "
                 "with a red one: invoice void --code 01.",
                 invoice);
    } else {
        log_error("fapiao %s is recorded on %s already", number, PQgetvalue(res, 0, 4));
        rc = CLI_EXIT_USAGE;
    }
    PQclear(res);
    return rc;
}

static int fapiao_correct(PGconn *conn, const char *const rec[5], const char *old_number,
                          const char *old_date)
{
    const char *invoice = rec[0], *number = rec[1], *date = rec[2];
    if (!strcmp(old_number, number) && !strcmp(old_date, date)) {
        printf("%s: fapiao %s of %s, unchanged\n", invoice, number, date);
        return 0;
    }
    const char *p[] = {rec[0], rec[1], rec[2], rec[3], rec[4], old_number, old_date};
    const char *u[] = {invoice, number, date, old_number, old_date};
    PGresult *other = NULL, *audit = NULL;
    bool ok = db_begin(conn) &&
              (other = db_query(conn, "look for the number",
                                "SELECT number FROM invoice WHERE fapiao_number = $1 "
                                "AND number <> $2",
                                2, (const char *[]){number, invoice}));
    bool taken = ok && PQntuples(other) == 1;
    if (taken) {
        log_error("fapiao %s is recorded on %s already", number, PQgetvalue(other, 0, 0));
        ok = false;
    }
    ok = ok && (audit = db_query(conn, "write the audit log", fapiao_correct_audit_sql, 7, p));
    if (ok && PQntuples(audit) != 1) {
        log_error("the fapiao of %s changed meanwhile; run the command again", invoice);
        ok = false;
    }
    ok = ok && db_exec(conn, "correct the fapiao", fapiao_correct_sql, 5, u) && db_commit(conn);
    if (ok)
        printf("%s: fapiao %s of %s corrected to %s of %s\n", invoice, old_number, old_date,
               number, date);
    else
        db_rollback(conn);
    PQclear(other);
    PQclear(audit);
    return ok ? 0 : taken ? CLI_EXIT_USAGE : 1;
}

/* The official number is the one change an issued (or void) invoice accepts:
 * once (schema 019's guard), and then only as an audited correction (022).
 * Every record and correction is written to audit_log. */
int lifecycle_fapiao(int argc, char **argv)
{
    const char *number = NULL, *date = NULL, *actor = NULL, *reason = NULL;
    bool correct = false;
    const struct cli_opt opts[] = {
        {"number", CLI_STR, &number, "DIGITS", "the fapiao's 20-digit number (required)", 0, 0},
        {"date", CLI_STR, &date, "YYYY-MM-DD",
         "the date it was issued on (required): from the invoice's issue date to today", 0, 0},
        {"correct", CLI_BOOL, &correct, NULL, "correct a fapiao record already made", 0, 0},
        {"reason", CLI_TEXT, &reason, "TEXT", "why it is corrected (required with --correct)", 0,
         0},
        {"actor", CLI_TEXT, &actor, "NAME", ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter invoice fapiao NUMBER --number DIGITS --date YYYY-MM-DD "
        "[--correct --reason TEXT] [--actor NAME]",
        "Record the number and date the tax system gave the fapiao of an issued invoice (or the "
        "red fapiao of a credit note). Recorded once; a mistyped record is corrected with "
        "--correct; audited.",
        opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    int64_t days;
    if (!lifecycle_number_ok(&spec, "NUMBER", argv[1])) return CLI_EXIT_USAGE;
    /* 数电发票: 2 digits of the year, 2 of the region, 1 of the channel, then
     * a 15-digit sequence that starts at 1 */
    if (!number || strlen(number) != 20 || strspn(number, "0123456789") != 20 ||
        strspn(number + 5, "0") == 15)
        return cli_usage_error(&spec, "--number is the fapiao's 20 digits, its last 15 (the "
                                      "sequence) not all zeros");
    if (!date || !time_parse_date(date, &days))
        return cli_usage_error(&spec, "--date must be a date, YYYY-MM-DD");
    if (correct && !reason_ok(&spec, reason)) return CLI_EXIT_USAGE;
    if (!correct && reason) return cli_usage_error(&spec, "--reason goes with --correct");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *who = actor ? actor : cfg.actor;
    PGresult *dates =
        db_query(conn, "read the invoice", fapiao_dates_sql, 1, (const char *[]){argv[1]});
    rc = 1;
    if (!dates) {
    } else if (PQntuples(dates) != 1) {
        log_error("no issued invoice or credit note numbered \"%s\"", argv[1]);
    } else if (strcmp(date, PQgetvalue(dates, 0, 0)) < 0 ||
               strcmp(date, PQgetvalue(dates, 0, 1)) > 0) {
        /* YYYY-MM-DD compares as text as it does as a date */
        char msg[160];
        snprintf(msg, sizeof msg, "--date %s is %s: a fapiao of %s is dated from %s to %s", date,
                 strcmp(date, PQgetvalue(dates, 0, 0)) < 0 ? "before the invoice was issued"
                                                            : "in the future",
                 argv[1], PQgetvalue(dates, 0, 0), PQgetvalue(dates, 0, 1));
        rc = cli_usage_error(&spec, msg);
    } else if (correct && !PQgetvalue(dates, 0, 2)[0]) {
        log_error("%s has no fapiao recorded: there is nothing to correct", argv[1]);
        log_hint("Record it without --correct.");
    } else if (correct) {
        const char *rec[] = {argv[1], number, date, who, reason};
        rc = fapiao_correct(conn, rec, PQgetvalue(dates, 0, 2), PQgetvalue(dates, 0, 3));
    } else {
        rc = fapiao_record(conn, argv[1], number, date, who);
    }
    PQclear(dates);
    PQfinish(conn);
    return rc;
}
