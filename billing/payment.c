/* payment: `gpumeter payment import|apply|record|list|refund`, money in
 * from the bank into the receivables ledger (docs/payments.md).
 *
 * The command parses and checks; what posts, how a credit is matched and
 * the locks that keep two of them from applying one open amount twice are
 * schema 033's (payment_receive, payment_apply, payment_record,
 * payment_refund), security definers granted to billing alone. A statement
 * is one transaction: refused whole (exit 2, the element's path and why)
 * or posted whole; its credits are keyed by (account, bank reference), so
 * importing it again posts nothing. */
#include "commands.h"

#include "billing/bankcsv.h"
#include "billing/camt.h"
#include "billing/lifecycle.h"
#include "billing/payment_view.h"

#include "core/alloc.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PAYMENT_EXIT_DATA 2 /* a refused file, amount or reference */

/* The currencies gpumeter knows and their minor digits. */
struct currencies {
    PGresult *res;
};
static int currency_digits(const char *code, void *ctx)
{
    const struct currencies *c = ctx;
    for (int i = 0; i < PQntuples(c->res); i++)
        if (!strcmp(PQgetvalue(c->res, i, 0), code)) return atoi(PQgetvalue(c->res, i, 1));
    return -1;
}

/* A failed posting function: data_exception (22xxx: a refusal finance
 * must correct) exits 2, anything else (the database) 1. */
static int failure_code(void)
{
    return !strncmp(db_last_sqlstate(), "22", 2) ? PAYMENT_EXIT_DATA : 1;
}

/* Our bank account as the ledger keys it: the bank's statement, a CSV's
 * 本方账号 and a typed --account write one account with or without spaces
 * ("3100 6672 ...", an IBAN in groups of four) and in either case; kept
 * without whitespace and in upper case, so one credit is one key however
 * its account was written (in place). */
static char *account_key(char *account)
{
    char *w = account;
    for (const char *r = account; r && *r; r++)
        if (!strchr(" \t\r\n", *r)) *w++ = (char)(*r >= 'a' && *r <= 'z' ? *r - 32 : *r);
    if (w) *w = 0;
    return account;
}

struct tally {
    int entries, posted, by_invoice, by_reference, by_amount, unapplied, duplicates, debits,
        pending, reversals;
};

/* Posts one booked credit; false after printing why (its path first). */
static bool receive(PGconn *conn, const char *stmt, const struct bank_entry *e, const char *actor,
                    struct tally *t)
{
    char amount[24], charges[24];
    snprintf(amount, sizeof amount, "%lld", (long long)e->amount_minor);
    snprintf(charges, sizeof charges, "%lld", (long long)e->charges_minor);
    const char *p[] = {stmt, e->account, e->bank_ref, e->booked_on,
                       e->value_on[0] ? e->value_on : NULL, amount, charges, e->currency,
                       e->debtor_name, e->debtor_account, e->remittance, actor};
    char what[200];
    snprintf(what, sizeof what, "post the credit at %s", e->path);
    PGresult *res = db_query(conn, what,
                             "SELECT payment_receive($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                             "$11, $12)",
                             12, p);
    if (!res) {
        log_error("%s: %s", e->path, db_last_error());
        return false;
    }
    const char *how = PQgetvalue(res, 0, 0);
    if (!strcmp(how, "duplicate")) t->duplicates++;
    else if (!strcmp(how, "unapplied")) t->unapplied++;
    else {
        t->posted++;
        t->by_invoice += !strcmp(how, "invoice");
        t->by_reference += !strcmp(how, "reference");
        t->by_amount += !strcmp(how, "amount");
    }
    PQclear(res);
    return true;
}

static int payment_import(int argc, char **argv)
{
    const char *format = "camt053", *encoding = "utf-8", *account = NULL, *actor = NULL;
    bool dry_run = false;
    const struct cli_opt opts[] = {
        {"format", CLI_STR, &format, "camt053|csv",
         "camt053 (ISO 20022 BkToCstmrStmt; the default) or csv (a domestic bank's export, "
         "docs/payments.md)",
         0, 0},
        {"encoding", CLI_STR, &encoding, "utf-8|gb18030",
         "csv: utf-8 (the default) or gb18030", 0, 0},
        {"account", CLI_STR, &account, "ACCOUNT",
         "csv: our bank account, when the export has no 本方账号 column", 0, 0},
        {"dry-run", CLI_BOOL, &dry_run, NULL, "match and report, then post nothing", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {"gpumeter payment import FILE [--format camt053|csv] "
                                  "[--encoding utf-8|gb18030] [--account ACCOUNT] [--dry-run] "
                                  "[--actor NAME]",
                                  "Post a bank statement's booked credits to the receivables "
                                  "ledger, matched to invoices; refused whole if anything in it "
                                  "is wrong.",
                                  opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    bool csv = !strcmp(format, "csv");
    if (!csv && strcmp(format, "camt053")) {
        char msg[160];
        snprintf(msg, sizeof msg, "--format \"%.32s\" is not a statement format: camt053 or csv",
                 format);
        return cli_usage_error(&spec, msg);
    }
    if (strcmp(encoding, "utf-8") && strcmp(encoding, "gb18030"))
        return cli_usage_error(&spec, "--encoding is utf-8 or gb18030");
    if (!csv && (account || strcmp(encoding, "utf-8")))
        return cli_usage_error(&spec, "--encoding and --account are for --format csv");
    if (account && !*account) return cli_usage_error(&spec, "--account is empty");
    const char *path = argv[1];
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        log_error("could not read \"%s\": not a readable file", path);
        return PAYMENT_EXIT_DATA;
    }
    if ((unsigned long long)st.st_size > CAMT_MAX_BYTES) {
        log_error("%s: refused, nothing posted: %lld bytes, over the %u MiB a statement may be",
                  path, (long long)st.st_size, CAMT_MAX_BYTES >> 20);
        return PAYMENT_EXIT_DATA;
    }
    struct strbuf data = {0};
    if (!file_read_all(path, &data)) {
        log_error("could not read \"%s\"", path);
        sb_free(&data);
        return PAYMENT_EXIT_DATA;
    }
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) {
        sb_free(&data);
        return rc;
    }
    struct currencies cur = {db_query(conn, "read the currencies",
                                      "SELECT code, minor_digits FROM currency", 0, NULL)};
    struct bank_statement_file f = {0};
    char error[512], sha[65];
    rc = 1;
    if (!cur.res) goto out;
    const char *label = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (csv ? !bankcsv_parse(data.buf ? data.buf : "", data.len, encoding, account, label,
                             currency_digits, &cur, &f, error, sizeof error)
            : !camt_parse(data.buf ? data.buf : "", data.len, currency_digits, &cur, &f, error,
                          sizeof error)) {
        log_error("%s: refused, nothing posted: %s", path, error);
        rc = PAYMENT_EXIT_DATA;
        goto out;
    }
    for (size_t i = 0; i < f.n; i++) account_key(f.entries[i].account);
    account_key(f.account);
    digest_sha256_hex(data.buf, data.len, sha);
    const char *who = actor ? actor : cfg.actor;
    PGresult *res = NULL;
    if (!db_begin(conn) ||
        !(res = db_query(conn, "record the statement",
                         "SELECT payment_statement($5, $1, $2, $3, $4)", 5,
                         (const char *[]){f.account, f.message_id, sha, who, format})))
        goto out;
    char stmt[24];
    snprintf(stmt, sizeof stmt, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    struct tally t = {0};
    for (size_t i = 0; i < f.n; i++) {
        const struct bank_entry *e = &f.entries[i];
        t.entries += e->tx <= 1; /* a batch booking's transactions are one entry */
        /* a reversal first: a customer's payment returned is a debit with
         * RvslInd, which finance must see, not one of our own payments */
        if (e->reversal && e->booked) {
            t.reversals++;
            if (!e->credit)
                log_warn("%s: the bank reversed a credit (RvslInd, bank reference %s): nothing "
                         "posted; the payment it reverses stays applied until finance undoes it",
                         e->path, e->bank_ref ? e->bank_ref : "none");
        } else if (!e->credit) {
            t.debits++;
        } else if (!e->booked) {
            t.pending++;
        } else if (!receive(conn, stmt, e, who, &t)) {
            rc = failure_code();
            if (rc == PAYMENT_EXIT_DATA) log_error("%s: refused, nothing posted", path);
            goto out;
        }
    }
    if (dry_run) db_rollback(conn);
    else if (!db_commit(conn)) goto out;
    printf("%s: %d entries read: %d credits posted (%d by invoice number, %d by customer "
           "reference, %d by amount), %d unapplied, %d imported before (nothing posted again); "
           "skipped: %d debits, %d pending, %d reversals%s\n",
           path, t.entries, t.posted, t.by_invoice, t.by_reference, t.by_amount, t.unapplied,
           t.duplicates, t.debits, t.pending, t.reversals,
           dry_run ? " (dry run: nothing posted)" : "");
    rc = 0;
out:
    if (rc) db_rollback(conn);
    camt_free(&f);
    PQclear(cur.res);
    sb_free(&data);
    PQfinish(conn);
    return rc;
}

/* "N[,N...]" as a PostgreSQL text[] literal, each an invoice number. */
static bool invoice_list(const struct cli_spec *spec, const char *list, struct strbuf *out)
{
    char *copy = xstrdup(list);
    bool ok = true;
    db_array_open(out);
    for (char *save = NULL, *n = strtok_r(copy, ",", &save); ok && n;
         n = strtok_r(NULL, ",", &save))
        if ((ok = lifecycle_number_ok(spec, "--invoice", n))) db_array_add(out, n);
    db_array_close(out);
    free(copy);
    return ok;
}

/* Prints what a posting function applied (rows: null?, number, amount). */
static void print_applied(const char *ref, PGresult *res, int digits, const char *currency)
{
    printf("%s:", ref);
    int shown = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        if (PQgetisnull(res, i, 1)) continue;
        char amount[32];
        money_format(atoll(PQgetvalue(res, i, 2)), digits, amount, sizeof amount);
        printf("%s %s %s %s", shown++ ? "," : " applied", PQgetvalue(res, i, 1), amount,
               currency);
    }
    printf("%s\n", shown ? "" : " nothing applied to an invoice (the customer's credit balance)");
}

/* The customer's credit balance now, printed after a posting. */
static void print_credit(PGconn *conn, const char *customer, const char *currency)
{
    PGresult *res = db_query(conn, "read the credit balance",
                             "SELECT coalesce(sum(b.credit), 0), max(cur.minor_digits) "
                             "FROM customer c JOIN currency cur ON cur.code = $2 "
                             "LEFT JOIN customer_balance b ON b.customer_id = c.id "
                             " AND b.currency = $2 WHERE c.code = $1",
                             2, (const char *[]){customer, currency});
    if (res && PQntuples(res) == 1) {
        char amount[32];
        money_format(atoll(PQgetvalue(res, 0, 0)), atoi(PQgetvalue(res, 0, 1)), amount,
                     sizeof amount);
        printf("%s's credit balance: %s %s\n", customer, amount, currency);
    }
    PQclear(res);
}

static int payment_apply(int argc, char **argv)
{
    const char *invoices = NULL, *customer = NULL, *account = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"invoice", CLI_STR, &invoices, "N[,N...]",
         "apply to these invoices in this order, then the customer's other open invoices oldest "
         "first, then its credit balance",
         0, 0},
        {"customer", CLI_STR, &customer, "CODE",
         "apply to this customer's open invoices oldest first, then its credit balance", 0, 0},
        {"account", CLI_STR, &account, "ACCOUNT",
         "the bank account, when the reference is on more than one", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {"gpumeter payment apply BANKREF (--invoice N[,N...] | --customer "
                                  "C) [--account ACCOUNT] [--actor NAME]",
                                  "Apply an unapplied bank credit (a payer the import could not "
                                  "tell) to invoices or a customer. Audited.",
                                  opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!invoices == !customer) return cli_usage_error(&spec, "give --invoice or --customer");
    if (customer && !cli_code_ok(&spec, "--customer", customer)) return CLI_EXIT_USAGE;
    struct strbuf list = {0};
    if (invoices && !invoice_list(&spec, invoices, &list)) {
        sb_free(&list);
        return CLI_EXIT_USAGE;
    }
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) {
        sb_free(&list);
        return rc;
    }
    char *key = account ? account_key(xstrdup(account)) : NULL;
    const char *p[] = {argv[1], key, invoices ? sb_str(&list) : NULL, customer,
                       actor ? actor : cfg.actor};
    /* the function first, then what it posted: one statement would read
     * the bank credit as it stood before the function changed it */
    PGresult *res = NULL, *posted = db_query(
        conn, "apply the payment",
        "SELECT NULL, a->>'number', a->>'amount_minor' "
        "FROM jsonb_array_elements(payment_apply($1, $2, $3::text[], $4, $5)) a",
        5, p);
    rc = posted ? 0 : failure_code();
    if (posted)
        res = db_query(conn, "read the bank credit",
                       "SELECT c.currency, cur.minor_digits, cu.code FROM bank_credit c "
                       "JOIN currency cur ON cur.code = c.currency "
                       "JOIN customer cu ON cu.id = c.customer_id "
                       "WHERE c.bank_ref = $1 AND ($2::text IS NULL OR c.bank_account = $2)",
                       2, p);
    if (res && PQntuples(res) == 1) {
        print_applied(argv[1], posted, atoi(PQgetvalue(res, 0, 1)), PQgetvalue(res, 0, 0));
        print_credit(conn, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 0));
    }
    PQclear(posted);
    PQclear(res);
    free(key);
    sb_free(&list);
    PQfinish(conn);
    return rc;
}

/* The currency of a record or refund: --currency, else the customer's
 * one billing currency; its digits. NULL after printing why. */
static const char *pick_currency(PGconn *conn, const char *customer, const char *given,
                                 char out[4], int *digits)
{
    PGresult *res = db_query(conn, "read the customer's currencies",
                             "SELECT DISTINCT i.currency, cur.minor_digits FROM invoice i "
                             "JOIN customer c ON c.id = i.customer_id "
                             "JOIN currency cur ON cur.code = i.currency "
                             "WHERE c.code = $1 AND i.number IS NOT NULL "
                             "AND ($2::text IS NULL OR i.currency = $2) ORDER BY 1",
                             2, (const char *[]){customer, given});
    const char *ok = NULL;
    if (res && PQntuples(res) == 1) {
        snprintf(out, 4, "%s", PQgetvalue(res, 0, 0));
        *digits = atoi(PQgetvalue(res, 0, 1));
        ok = out;
    } else if (res && PQntuples(res) == 0) {
        log_error("customer \"%s\" is not billed in %s", customer,
                  given ? given : "any currency (no issued invoice)");
    } else if (res) {
        log_error("customer \"%s\" is billed in %d currencies: name one with --currency", customer,
                  PQntuples(res));
    }
    PQclear(res);
    return ok;
}

/* A record's or refund's money: its currency (pick_currency), digits,
 * and --amount in minor units, also as text for a parameter. */
struct money_in {
    char currency[4], minor_text[24];
    int digits;
    int64_t minor;
};
static bool money_in(PGconn *conn, const char *customer, const char *given, const char *amount,
                     struct money_in *m)
{
    if (!pick_currency(conn, customer, given, m->currency, &m->digits)) return false;
    char why[160];
    /* typed, so the input rule of every typed amount first (core/money.h) */
    const char *bad = money_text_plain(amount)
                          ? camt_amount(amount, m->digits, m->currency, &m->minor, why, sizeof why)
                          : "not a plain decimal (digits, optionally '.' and more digits: 12, "
                            "0.5, 12.50)";
    if (!bad && m->minor <= 0) bad = "not above 0";
    if (bad) log_error("--amount: %s", bad);
    snprintf(m->minor_text, sizeof m->minor_text, "%lld", (long long)m->minor);
    return !bad;
}

/* The options record and refund both require. */
static bool required_ok(const struct cli_spec *spec, const char *customer, const char *amount,
                        const char *reference)
{
    if (!customer || !amount || !reference) {
        cli_usage_error(spec, "give --customer, --amount and --reference");
        return false;
    }
    return cli_code_ok(spec, "--customer", customer);
}

static int payment_record(int argc, char **argv)
{
    const char *customer = NULL, *amount = NULL, *reference = NULL, *invoices = NULL,
               *date = NULL, *method = "transfer", *currency = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "who paid (required)", 0, 0},
        {"amount", CLI_STR, &amount, "X", "what it paid (required, > 0)", 0, 0},
        {"reference", CLI_TEXT, &reference, "REF",
         "the payment's reference: recording it again posts nothing (required)", 0, 64},
        {"currency", CLI_STR, &currency, "CUR", "default: the customer's one billing currency",
         0, 0},
        {"invoice", CLI_STR, &invoices, "N[,N...]",
         "apply to these invoices in this order first; then the customer's other open invoices "
         "oldest first, then its credit balance",
         0, 0},
        {"date", CLI_STR, &date, "YYYY-MM-DD", "the day it was paid (default today)", 0, 0},
        {"method", CLI_STR, &method, "cheque|offset|transfer",
         "cheque, offset or transfer (default)", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {"gpumeter payment record --customer C --amount X --reference R "
                                  "[--currency CUR] [--invoice N[,N...]] [--date D] [--method "
                                  "cheque|offset|transfer] [--actor NAME]",
                                  "Record a payment by hand (a cheque, an offset). Audited; "
                                  "idempotent by reference.",
                                  opts, 0, 0};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!required_ok(&spec, customer, amount, reference)) return CLI_EXIT_USAGE;
    if (strcmp(method, "cheque") && strcmp(method, "offset") && strcmp(method, "transfer"))
        return cli_usage_error(&spec, "--method is cheque, offset or transfer");
    int64_t day;
    if (date && !time_parse_date(date, &day))
        return cli_usage_error(&spec, "--date is a date, YYYY-MM-DD");
    struct strbuf list = {0};
    if (invoices && !invoice_list(&spec, invoices, &list)) {
        sb_free(&list);
        return CLI_EXIT_USAGE;
    }
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) {
        sb_free(&list);
        return rc;
    }
    struct money_in m;
    PGresult *res = NULL;
    rc = PAYMENT_EXIT_DATA;
    if (!money_in(conn, customer, currency, amount, &m)) goto out;
    const char *p[] = {customer, m.currency, m.minor_text, reference, invoices ? sb_str(&list) : NULL,
                       date, method, actor ? actor : cfg.actor};
    res = db_query(conn, "record the payment",
                   "WITH r AS (SELECT payment_record($1, $2, $3::bigint, $4, $5::text[], "
                   "$6::date, $7, $8) AS j) "
                   "SELECT r.j IS NULL, a->>'number', a->>'amount_minor' "
                   "FROM r LEFT JOIN LATERAL jsonb_array_elements(r.j) a ON true",
                   8, p);
    if (!res) {
        rc = failure_code();
        goto out;
    }
    if (!strcmp(PQgetvalue(res, 0, 0), "t"))
        printf("%s: recorded before: nothing posted\n", reference);
    else
        print_applied(reference, res, m.digits, m.currency);
    print_credit(conn, customer, m.currency);
    rc = 0;
out:
    PQclear(res);
    sb_free(&list);
    PQfinish(conn);
    return rc;
}

static int payment_refund(int argc, char **argv)
{
    const char *customer = NULL, *amount = NULL, *reference = NULL, *currency = NULL,
               *actor = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "whose credit balance (required)", 0, 0},
        {"amount", CLI_STR, &amount, "X", "what is paid back (required, > 0)", 0, 0},
        {"reference", CLI_TEXT, &reference, "REF",
         "the refund's bank reference: refunding it again posts nothing (required)", 0, 64},
        {"currency", CLI_STR, &currency, "CUR", "default: the customer's one billing currency",
         0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {"gpumeter payment refund --customer C --amount X --reference R "
                                  "[--currency CUR] [--actor NAME]",
                                  "Pay back part or all of a customer's credit balance. Audited; "
                                  "idempotent by reference.",
                                  opts, 0, 0};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!required_ok(&spec, customer, amount, reference)) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct money_in m;
    PGresult *res = NULL;
    rc = PAYMENT_EXIT_DATA;
    if (!money_in(conn, customer, currency, amount, &m)) goto out;
    const char *p[] = {customer, m.currency, m.minor_text, reference, actor ? actor : cfg.actor};
    res = db_query(conn, "refund the credit balance",
                   "SELECT payment_refund($1, $2, $3::bigint, $4, $5)", 5, p);
    if (!res) {
        rc = failure_code();
        goto out;
    }
    char shown[32];
    money_format(m.minor, m.digits, shown, sizeof shown);
    if (!strcmp(PQgetvalue(res, 0, 0), "t"))
        printf("%s: refunded %s %s to %s\n", reference, shown, m.currency, customer);
    else
        printf("%s: refunded before: nothing posted\n", reference);
    print_credit(conn, customer, m.currency);
    rc = 0;
out:
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int payment_list(int argc, char **argv)
{
    bool unapplied = false;
    const char *customer = NULL, *format_text = "csv";
    const struct cli_opt opts[] = {
        {"unapplied", CLI_BOOL, &unapplied, NULL, "only credits waiting for payment apply", 0, 0},
        {"customer", CLI_STR, &customer, "CODE", "only this customer's", 0, 0},
        {"format", CLI_STR, &format_text, "csv|json", "csv (default) or json", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter payment list [--unapplied] [--customer C] [--format csv|json]",
        "List the bank credits and recorded payments.", opts, 0, 0};
    int npos;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (customer && !cli_code_ok(&spec, "--customer", customer)) return CLI_EXIT_USAGE;
    enum report_format format;
    if (!report_format_parse(format_text, &format) || format == REPORT_TEXT)
        return cli_usage_error(&spec, "--format is csv or json");
    int rc;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct strbuf sb = {0};
    bool ok = payment_view(conn, unapplied, customer, format, &sb);
    if (ok) fputs(sb_str(&sb), stdout);
    sb_free(&sb);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static int payment_reference(int argc, char **argv)
{
    const char *customer = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "whose reference it is (required)", 0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {"gpumeter payment reference REF --customer C [--actor NAME]",
                                  "Let credits whose remittance or payer name holds REF (4 to 64 "
                                  "characters) be the customer's, as its code is. Audited.",
                                  opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!customer) return cli_usage_error(&spec, "give --customer, a customer code");
    if (!cli_code_ok(&spec, "--customer", customer)) return CLI_EXIT_USAGE;
    if (!cli_text_ok(&spec, "REF", argv[1], 64)) return CLI_EXIT_USAGE;
    if (utf8_chars(argv[1], strlen(argv[1])) < 4)
        return cli_usage_error(&spec, "REF is too short to tell a customer: 4 to 64 characters");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {customer, argv[1], actor ? actor : cfg.actor};
    PGresult *res = db_query(conn, "add the payment reference",
                             "SELECT payment_reference_add($1, $2, $3)", 3, p);
    rc = res ? 0 : failure_code();
    if (res)
        printf("%s: %s\n", argv[1],
               !strcmp(PQgetvalue(res, 0, 0), "t") ? "now tells this customer's payments"
                                                   : "was already this customer's");
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static const struct cli_command payment_table[] = {
    {"import", payment_import, "post a bank statement (camt.053) to the ledger", NULL},
    {"apply", payment_apply, "apply an unapplied bank credit to invoices or a customer", NULL},
    {"record", payment_record, "record a payment by hand (cheque, offset)", NULL},
    {"list", payment_list, "list bank credits and recorded payments", NULL},
    {"refund", payment_refund, "pay back a customer's credit balance", NULL},
    {"reference", payment_reference, "let a reference tell a customer's payments", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(payment, "gpumeter payment", payment_table)
