/* deposit: `gpumeter deposit receive|apply|refund|list`, the deposits
 * (保证金) and prepayments customers hold (docs/receivables.md,
 * "Deposits").
 *
 * Each command posts through one security definer function of schema 034
 * (deposit_receive, ledger_apply_deposit, deposit_refund), which decides
 * what posts and refuses what may not (more than open or held, a refund
 * while an invoice is past due), and writes its audit_log row ('deposit',
 * receive/apply/refund, the actor) in the same transaction. Amounts are
 * typed in the deposit's currency (its customer's contract's) with at most
 * its decimals; a bad flag or value exits 2 naming it. */
#include "commands.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/decimal.h"
#include "core/log.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "billing/lifecycle.h"
#include "terms/known.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPOSIT_REFERENCE_MAX 64 /* characters of a bank reference */

/* The customer $1: its id, the currency its deposit is held in on day $2
 * (deposit_currency), its minor digits and its local today. */
static const char customer_sql[] =
    "SELECT c.id, coalesce(cur.code, ''), coalesce(cur.minor_digits, 0), "
    "       to_char((now() AT TIME ZONE customer_time_zone(c.id, "
    "               date_trunc('month', now())::date))::date, 'YYYY-MM-DD') "
    "FROM customer c LEFT JOIN currency cur ON cur.code = deposit_currency(c.id, $2::date) "
    "WHERE c.code = $1";

/* What the deposit held by customer $1 in currency $2 is now. */
static const char held_sql[] = "SELECT deposit_held($1, $2)";

struct who {
    char id[24], currency[4], today[16];
    int digits;
};

/* Text typed as an amount (--amount) into minor units of a currency of
 * `digits` decimals: above 0, exact. False after printing what was wrong
 * and the usage. */
static bool amount_minor(const struct cli_spec *spec, const char *text, int digits, int64_t *out)
{
    char msg[200];
    if (!money_text_plain(text))
        snprintf(msg, sizeof msg,
                 "--amount \"%.64s\" is not a plain decimal (digits, optionally '.' and more "
                 "digits: 12, 0.5, 12.50)",
                 text);
    else if (!decimal_parse(text, strlen(text), digits, DECIMAL_EXACT, out)) {
        const char *dot = strchr(text, '.');
        if (dot && strlen(dot + 1) > (size_t)digits)
            snprintf(msg, sizeof msg, "--amount \"%.64s\" has too many decimals: at most %d",
                     text, digits);
        else
            snprintf(msg, sizeof msg, "--amount \"%.64s\" is too large", text);
    } else if (*out <= 0)
        snprintf(msg, sizeof msg, "--amount \"%.64s\" is not above 0", text);
    else
        return true;
    cli_usage_error(spec, msg);
    return false;
}

/* Reads customer code (a valid code) into w as of day; 0, or the exit
 * code after saying why (no such customer: 1; no contract: 1). */
static int read_customer(PGconn *conn, const char *code, const char *day, struct who *w)
{
    const char *p[] = {code, day};
    PGresult *res = db_query(conn, "read the customer", customer_sql, 2, p);
    int rc = 1;
    if (!res) return 1;
    if (PQntuples(res) != 1)
        known_missing(conn, "customer", code);
    else if (!PQgetvalue(res, 0, 1)[0])
        log_error("customer \"%s\" has no contract: its deposit has no currency", code);
    else {
        snprintf(w->id, sizeof w->id, "%s", PQgetvalue(res, 0, 0));
        snprintf(w->currency, sizeof w->currency, "%s", PQgetvalue(res, 0, 1));
        w->digits = atoi(PQgetvalue(res, 0, 2));
        snprintf(w->today, sizeof w->today, "%s", PQgetvalue(res, 0, 3));
        rc = 0;
    }
    PQclear(res);
    return rc;
}

/* Prints "<customer>: <what>; deposit held <held> <currency>". */
static bool print_held(PGconn *conn, const char *customer, const struct who *w, const char *what)
{
    const char *p[] = {w->id, w->currency};
    PGresult *res = db_query(conn, "read the deposit held", held_sql, 2, p);
    int64_t held;
    bool ok = res && db_get_int64(res, 0, 0, &held);
    if (ok) {
        char h[32];
        money_format(held, w->digits, h, sizeof h);
        printf("%s: %s; deposit held %s %s\n", customer, what, h, w->currency);
    }
    PQclear(res);
    return ok;
}

/* Whether the common flags are well-formed: customer a code, the bank
 * reference (when asked for) 1..64 characters. */
static bool flags_ok(const struct cli_spec *spec, const char *customer, const char *reference,
                     bool need_reference)
{
    if (!customer) {
        cli_usage_error(spec, "--customer CODE is required (a customer code)");
        return false;
    }
    if (!cli_code_ok(spec, "--customer", customer)) return false;
    if (need_reference && !reference) {
        cli_usage_error(spec, "--reference is required: the bank reference of the transfer");
        return false;
    }
    return !reference || cli_text_ok(spec, "--reference", reference, DEPOSIT_REFERENCE_MAX);
}

/* The amount typed, formatted back in the currency (for messages and audit). */
static void amount_text(int64_t minor, const struct who *w, char *buf, size_t cap)
{
    money_format(minor, w->digits, buf, cap);
}

/* A transfer of deposit money, in (receive) or out (refund): the posting
 * function that decides it (its parameters: customer id, amount, bank
 * reference, actor and, for a receipt, the day) and the words for it. */
struct transfer {
    const char *action, *what; /* audit_log's action; what a failure says */
    const char *done, *again;
    const char *post_sql;
    int nparams;
};

static const struct transfer receive = {
    "receive", "receive the deposit", "received", "already received",
    /* a past day posts at its local start; today, now */
    "WITH z AS (SELECT customer_time_zone($1, date_trunc('month', now())::date) AS tz) "
    "SELECT deposit_receive($1, $2, $3, $4, "
    "  CASE WHEN $5::date < (now() AT TIME ZONE z.tz)::date "
    "       THEN $5::date::timestamp AT TIME ZONE z.tz ELSE now() END) FROM z",
    5};
static const struct transfer refund = {"refund", "refund the deposit", "refunded",
                                       "already refunded", "SELECT deposit_refund($1, $2, $3, $4)",
                                       4};

/* Posts transfer t for the flags given (parsed by spec), audited in its
 * transaction; the process exit code. */
static int post_transfer(const struct cli_spec *spec, const struct transfer *t,
                         const char *customer, const char *amount, const char *reference,
                         const char *date, const char *actor)
{
    int rc;
    int64_t day, minor;
    if (!flags_ok(spec, customer, reference, true)) return CLI_EXIT_USAGE;
    if (!amount) return cli_usage_error(spec, "--amount is required");
    if (date && !time_parse_date(date, &day))
        return cli_usage_error(spec, "--date is a day, YYYY-MM-DD");
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct who w;
    if ((rc = read_customer(conn, customer, date ? date : "today", &w))) goto out;
    rc = CLI_EXIT_USAGE;
    if (!amount_minor(spec, amount, w.digits, &minor)) goto out;
    if (date && strcmp(date, w.today) > 0) {
        log_error("--date %s is in the future: today is %s in the customer's time zone", date,
                  w.today);
        goto out;
    }
    char m[24], shown[32];
    snprintf(m, sizeof m, "%lld", (long long)minor);
    amount_text(minor, &w, shown, sizeof shown);
    const char *p[] = {w.id,     m,          reference, actor ? actor : cfg.actor,
                       date ? date : w.today, customer,   w.currency, t->action};
    rc = 1;
    PGresult *res = NULL;
    bool ok = db_begin(conn) && (res = db_query(conn, t->what, t->post_sql, t->nparams, p));
    bool posted = ok && !strcmp(PQgetvalue(res, 0, 0), "t");
    ok = ok && (!posted ||
                db_exec(conn, "write the audit log",
                        "INSERT INTO audit_log (actor, object, key, action, after) "
                        "VALUES ($3, 'deposit', $5, $7, jsonb_build_object("
                        "'reference', $2::text, 'amount_minor', $1::bigint, 'currency', $6::text, "
                        "'date', $4::text))",
                        7, p + 1)) &&
         db_commit(conn);
    PQclear(res);
    if (!ok) {
        db_rollback(conn);
        goto out;
    }
    char what[160];
    snprintf(what, sizeof what, "%s %s %s (%s)", posted ? t->done : t->again, shown, w.currency,
             reference);
    rc = print_held(conn, customer, &w, what) ? 0 : 1;
out:
    PQfinish(conn);
    return rc;
}

static int deposit_receive(int argc, char **argv)
{
    const char *customer = NULL, *amount = NULL, *reference = NULL, *date = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "the customer (required)", 0, 0},
        {"amount", CLI_STR, &amount, "X",
         "the amount received, in the currency of the customer's contract (required)", 0, 0},
        {"reference", CLI_TEXT, &reference, "REF",
         "the bank reference of the transfer (required; a reference posts once)", 0,
         DEPOSIT_REFERENCE_MAX},
        {"date", CLI_STR, &date, "YYYY-MM-DD",
         "the day it was received, in the customer's time zone (default today; not later)", 0,
         0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter deposit receive --customer CODE --amount X --reference REF [--date YYYY-MM-DD] "
        "[--actor NAME]",
        "Record money received for a customer's deposit (cash debit, deposit credit). Audited.",
        opts, 0, 0};
    int npos;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    return post_transfer(&spec, &receive, customer, amount, reference, date, actor);
}

/* The invoice $2 of customer $1, issued: its id, currency and digits. */
static const char invoice_sql[] =
    "SELECT i.id, i.currency, cur.minor_digits FROM invoice i "
    "JOIN customer c ON c.id = i.customer_id JOIN currency cur ON cur.code = i.currency "
    "WHERE c.code = $1 AND i.number = $2 AND i.kind = 'invoice' AND i.number IS NOT NULL";

static int deposit_apply(int argc, char **argv)
{
    const char *customer = NULL, *number = NULL, *amount = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "the customer (required)", 0, 0},
        {"invoice", CLI_STR, &number, "NUMBER", "its issued invoice (required)", 0, 0},
        {"amount", CLI_STR, &amount, "X",
         "apply this much (default: the invoice's open amount or the deposit held, the less)",
         0, 0},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter deposit apply --customer CODE --invoice NUMBER [--amount X] [--actor NAME]",
        "Apply a customer's deposit to its issued invoice (deposit debit, receivable credit); "
        "never more than the invoice's open amount nor the deposit held. Audited.",
        opts, 0, 0};
    int npos, rc;
    int64_t minor = 0;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!flags_ok(&spec, customer, NULL, false)) return CLI_EXIT_USAGE;
    if (!number) return cli_usage_error(&spec, "--invoice NUMBER is required");
    if (!lifecycle_number_ok(&spec, "--invoice", number)) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct who w = {0};
    const char *ip[] = {customer, number};
    PGresult *inv = db_query(conn, "read the invoice", invoice_sql, 2, ip), *res = NULL;
    rc = 1;
    if (!inv) goto out;
    if (PQntuples(inv) != 1) {
        log_error("customer \"%s\" has no issued invoice numbered \"%s\"", customer, number);
        goto out;
    }
    snprintf(w.currency, sizeof w.currency, "%s", PQgetvalue(inv, 0, 1));
    w.digits = atoi(PQgetvalue(inv, 0, 2));
    if (amount && !amount_minor(&spec, amount, w.digits, &minor)) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    char m[24];
    snprintf(m, sizeof m, "%lld", (long long)minor);
    const char *p[] = {PQgetvalue(inv, 0, 0), amount ? m : NULL, actor ? actor : cfg.actor,
                       customer, number};
    bool ok = db_begin(conn) &&
              (res = db_query(conn, "apply the deposit",
                              "SELECT i.customer_id, ledger_apply_deposit(i.customer_id, i.id, "
                              "$2::bigint, $3) FROM invoice i WHERE i.id = $1",
                              3, p));
    int64_t applied = 0;
    ok = ok && db_get_int64(res, 0, 1, &applied);
    if (ok) snprintf(w.id, sizeof w.id, "%s", PQgetvalue(res, 0, 0));
    snprintf(m, sizeof m, "%lld", (long long)applied);
    p[1] = m;
    ok = ok && (applied == 0 ||
                db_exec(conn, "write the audit log",
                        "INSERT INTO audit_log (actor, object, key, action, after) "
                        "VALUES ($2, 'deposit', $3, 'apply', jsonb_build_object("
                        "'invoice', $4::text, 'amount_minor', $1::bigint))",
                        4, p + 1)) &&
         db_commit(conn);
    if (!ok) {
        db_rollback(conn);
        goto out;
    }
    char shown[32], what[160];
    amount_text(applied, &w, shown, sizeof shown);
    if (applied)
        snprintf(what, sizeof what, "applied %s %s to %s", shown, w.currency, number);
    else
        snprintf(what, sizeof what, "nothing applied to %s (nothing open or nothing held)",
                 number);
    rc = print_held(conn, customer, &w, what) ? 0 : 1;
out:
    PQclear(inv);
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int deposit_refund(int argc, char **argv)
{
    const char *customer = NULL, *amount = NULL, *reference = NULL, *actor = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "the customer (required)", 0, 0},
        {"amount", CLI_STR, &amount, "X", "the amount paid back (required)", 0, 0},
        {"reference", CLI_TEXT, &reference, "REF",
         "the bank reference of the transfer back (required; posts once)", 0,
         DEPOSIT_REFERENCE_MAX},
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter deposit refund --customer CODE --amount X --reference REF [--actor NAME]",
        "Pay a customer's deposit back (deposit debit, cash credit): never more than held, and "
        "not while an invoice of the customer is past due. Audited.",
        opts, 0, 0};
    int npos;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    return post_transfer(&spec, &refund, customer, amount, reference, NULL, actor);
}

static int deposit_list(int argc, char **argv)
{
    const char *customer = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "only this customer's", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter deposit list [--customer CODE]",
        "List deposit postings, oldest first: local day, customer, what (received, applied, "
        "refunded), amount, the deposit held after it, reference.",
        opts, 0, 0};
    int npos;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    /* checked before the query: a mistyped code is refused as such */
    if (customer && !cli_code_ok(&spec, "--customer", customer)) return CLI_EXIT_USAGE;
    const char *p[] = {customer};
    return cli_list(
        &spec, argc, argv, "list deposits",
        "SELECT to_char(t.at AT TIME ZONE customer_time_zone(t.customer_id, "
        "         date_trunc('month', t.at)::date), 'YYYY-MM-DD'), c.code, "
        "       CASE t.kind WHEN 'deposit' THEN 'received' WHEN 'refund' THEN 'refunded' "
        "            ELSE 'applied' END, "
        "       round(-e.amount_minor::numeric / 10::numeric ^ cur.minor_digits, "
        "             cur.minor_digits) || ' ' || t.currency, "
        "       round(-sum(e.amount_minor) OVER (PARTITION BY t.customer_id, t.currency "
        "                                        ORDER BY t.at, t.id)::numeric "
        "             / 10::numeric ^ cur.minor_digits, cur.minor_digits), t.reference "
        "FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id AND e.account = 'deposit' "
        "JOIN customer c ON c.id = t.customer_id JOIN currency cur ON cur.code = t.currency "
        "WHERE $1::text IS NULL OR c.code = $1 ORDER BY t.at, t.id",
        1, p, "%-10s  %-16s %-9s %14s  held %12s  %s\n",
        (const char *const[]){"DAY", "CUSTOMER", "WHAT", "AMOUNT", "HELD", "REFERENCE", NULL});
}

static const struct cli_command deposit_table[] = {
    {"receive", deposit_receive, "record money received for a customer's deposit", NULL},
    {"apply", deposit_apply, "apply a customer's deposit to its issued invoice", NULL},
    {"refund", deposit_refund, "pay a customer's deposit back", NULL},
    {"list", deposit_list, "list deposit postings", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(deposit, "gpumeter deposit", deposit_table)
