/* credit_limit: exposure against a credit limit (see credit_limit.h), and
 * the `gpumeter credit check|show` commands.
 *
 * The open amounts, the prepaid and deposit balances come from the ledger
 * (invoice_open_at, customer_balance); the months not yet issued are priced
 * by store_load_month, the statement's own path, so the exposure's
 * unbilled part equals the statements of those months to the fen. */
#include "billing/credit_limit.h"

#include "commands.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/decimal.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/money.h"
#include "billing/store.h"
#include "terms/known.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Customer $1's contract in effect in its current local month (else its
 * latest version: a customer whose contract ended, or was terminated,
 * still owes what it owes), and what the ledger says of it: currency,
 * digits, the month, the month before and whether a contract was in
 * effect then, the limit and thresholds, whether the deposit applies to
 * invoices, what issued invoices leave open, the prepaid credit and the
 * deposit held; whether a contract is in effect this month, and whether
 * the customer is in default now ($2 days, customer_default_at). No row:
 * the customer has no contract at all. */
static const char exposure_sql[] =
    "WITH c AS (SELECT id, code, date_trunc('month', now() AT TIME ZONE "
    "             customer_time_zone(id, date_trunc('month', now())::date))::date AS month "
    "           FROM customer WHERE code = $1), "
    "k AS (SELECT c.*, coalesce(x.document, (SELECT d.document FROM document d "
    "                                        WHERE d.kind = 'contract' AND d.customer = c.code "
    "                                        ORDER BY d.effective_from DESC LIMIT 1)) AS document, "
    "             x.customer_id IS NOT NULL AS in_effect "
    "      FROM c LEFT JOIN contract_in_effect(c.month) x ON x.customer_id = c.id) "
    "SELECT k.document->>'currency', cur.minor_digits, to_char(k.month, 'YYYY-MM'), "
    "       to_char(k.month - interval '1 month', 'YYYY-MM'), "
    "       EXISTS (SELECT 1 FROM contract_in_effect((k.month - interval '1 month')::date) p "
    "               WHERE p.customer_id = k.id), "
    "       coalesce(k.document->'credit_limit'->>'amount', ''), "
    "       coalesce((SELECT string_agg(t, ',') FROM "
    "                 jsonb_array_elements_text(k.document->'credit_limit'->'thresholds') t), ''), "
    "       coalesce(k.document->'deposit'->>'apply', '') = 'invoices', "
    "       (SELECT coalesce(sum(o.open), 0) FROM invoice_open_at(now()) o "
    "        WHERE o.customer_id = k.id AND o.currency = k.document->>'currency' "
    "          AND o.open > 0), "
    "       coalesce(b.credit, 0), coalesce(b.deposit, 0), k.in_effect, "
    "       EXISTS (SELECT 1 FROM customer_default_at(now(), $2::int) df "
    "               WHERE df.customer_id = k.id) "
    "FROM k JOIN currency cur ON cur.code = k.document->>'currency' "
    "LEFT JOIN customer_balance b ON b.customer_id = k.id "
    "                            AND b.currency = k.document->>'currency'";

struct unbilled {
    struct credit_exposure *x;
    bool ok;
};

/* A month as the statement shows it: what the customer will owe of it (its
 * due: the total less what compute vouchers claim, the programs' debt, as
 * the receivable will be once issued) counts unless the month is issued
 * (then its invoice is in the open amounts). */
static bool add_unbilled(struct bill *b, void *opaque)
{
    struct unbilled *u = opaque;
    if (b->error[0]) {
        log_error("customer \"%s\": %s", b->customer, b->error);
        return u->ok = false;
    }
    if (!strcmp(b->status, "issued")) return true;
    if (strcmp(b->currency, u->x->currency)) {
        log_error("customer \"%s\": a month in %s, its contract's currency now is %s",
                  b->customer, b->currency, u->x->currency);
        return u->ok = false;
    }
    if (!money_add(u->x->unbilled, b->due, &u->x->unbilled)) return u->ok = false;
    return true;
}

/* The limit's decimal text into minor units of x's currency; false after
 * logging when it has more decimals than the currency. */
static bool read_limit(const char *text, struct credit_exposure *x)
{
    int64_t micro;
    if (decimal_parse(text, strlen(text), MONEY_PRICE_DIGITS, DECIMAL_EXACT, &micro) &&
        money_from_micro(micro, x->digits, &x->limit) && x->limit > 0)
        return true;
    log_error("customer \"%s\": credit_limit.amount \"%s\" is not an amount in %s", x->customer,
              text, x->currency);
    return false;
}

/* The thresholds' text ("50,80,100") into x. */
static void read_thresholds(const char *text, struct credit_exposure *x)
{
    for (const char *s = text; *s && x->nthresholds < CREDIT_MAX_THRESHOLDS;) {
        char *end;
        x->thresholds[x->nthresholds++] = (int)strtol(s, &end, 10);
        s = *end == ',' ? end + 1 : end;
    }
}

/* exposure, used_pct, ncrossed and over_limit from the parts. */
static bool settle(struct credit_exposure *x)
{
    int64_t held = x->deposit_counts ? x->deposit : 0;
    if (!money_add(x->open, x->unbilled, &x->exposure) ||
        !money_add(x->exposure, -x->prepaid, &x->exposure) ||
        !money_add(x->exposure, -held, &x->exposure))
        return false;
    if (!x->has_limit) return true;
    assert(x->limit > 0); /* read_limit refuses anything else */
    x->used_pct = x->exposure > 0 ? (int64_t)((__int128)x->exposure * 100 / x->limit) : 0;
    x->over_limit = x->exposure >= x->limit;
    x->hold = x->hold || x->over_limit;
    while (x->ncrossed < x->nthresholds &&
           (__int128)x->exposure * 100 >= (__int128)x->thresholds[x->ncrossed] * x->limit)
        x->ncrossed++;
    return true;
}

int credit_limit_exposure(PGconn *conn, const char *customer, long default_after_days,
                          struct credit_exposure *x)
{
    memset(x, 0, sizeof *x);
    snprintf(x->customer, sizeof x->customer, "%s", customer);
    char days[24];
    snprintf(days, sizeof days, "%ld", default_after_days);
    const char *p[] = {customer, days};
    PGresult *res = db_query(conn, "read the customer's exposure", exposure_sql, 2, p);
    if (!res) return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return 0;
    }
    char prev[8];
    snprintf(x->currency, sizeof x->currency, "%s", PQgetvalue(res, 0, 0));
    x->digits = atoi(PQgetvalue(res, 0, 1));
    snprintf(x->month, sizeof x->month, "%s", PQgetvalue(res, 0, 2));
    snprintf(prev, sizeof prev, "%s", PQgetvalue(res, 0, 3));
    bool prev_contract = !strcmp(PQgetvalue(res, 0, 4), "t");
    x->has_limit = PQgetvalue(res, 0, 5)[0] != '\0';
    bool ok = !x->has_limit || read_limit(PQgetvalue(res, 0, 5), x);
    read_thresholds(PQgetvalue(res, 0, 6), x);
    x->deposit_counts = !strcmp(PQgetvalue(res, 0, 7), "t");
    ok = ok && db_get_int64(res, 0, 8, &x->open) && db_get_int64(res, 0, 9, &x->prepaid) &&
         db_get_int64(res, 0, 10, &x->deposit);
    x->contract_in_effect = !strcmp(PQgetvalue(res, 0, 11), "t");
    x->in_default = !strcmp(PQgetvalue(res, 0, 12), "t");
    /* a scheduler holds a customer in default, or without a contract this
     * month, whatever its limit (settle adds being over the limit) */
    x->hold = x->in_default || !x->contract_in_effect;
    PQclear(res);
    struct unbilled u = {x, true};
    ok = ok && (!prev_contract || store_load_month(conn, prev, customer, add_unbilled, &u) == 1) &&
         u.ok &&
         (!x->contract_in_effect ||
          (store_load_month(conn, x->month, customer, add_unbilled, &u) == 1 && u.ok));
    if (ok && !settle(x)) {
        log_error("customer \"%s\": its exposure does not fit in an amount", customer);
        ok = false;
    }
    return ok ? 1 : -1;
}

int credit_limit_notify(PGconn *conn, const struct credit_exposure *x)
{
    int emitted = 0;
    for (int i = 0; i < x->ncrossed; i++) {
        char subject[96], pct[16], limit[24], exposure[24], used[24];
        snprintf(subject, sizeof subject, "%s/%s/%d", x->customer, x->month, x->thresholds[i]);
        snprintf(pct, sizeof pct, "%d", x->thresholds[i]);
        snprintf(limit, sizeof limit, "%lld", (long long)x->limit);
        snprintf(exposure, sizeof exposure, "%lld", (long long)x->exposure);
        snprintf(used, sizeof used, "%lld", (long long)x->used_pct);
        const char *p[] = {x->customer, subject, x->month, pct, limit, exposure, used, x->currency};
        PGresult *res = db_query(
            conn, "emit credit.threshold",
            "SELECT notify_emit('credit.threshold', c.id, $2, jsonb_build_object("
            "'customer', c.code, 'month', $3::text, 'threshold_percent', $4::int, "
            "'limit_minor', $5::bigint, 'exposure_minor', $6::bigint, 'used_percent', $7::bigint, "
            "'currency', $8::text)) FROM customer c WHERE c.code = $1",
            8, p);
        if (!res) return -1;
        emitted += PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
        PQclear(res);
    }
    return emitted;
}

/* ---- gpumeter credit check | show ---- */

static void print_amount(const char *label, int64_t v, const struct credit_exposure *x)
{
    char a[32];
    money_format(v, x->digits, a, sizeof a);
    printf("%-12s %s %s\n", label, a, x->currency);
}

static int credit_show(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {
        "gpumeter credit show CUSTOMER",
        "Show a customer's exposure against its credit limit, part by part.", opts, 1, 1};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!cli_code_ok(&spec, "CUSTOMER", argv[1])) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct credit_exposure x;
    int n = credit_limit_exposure(conn, argv[1], cfg.default_after_days, &x);
    PQfinish(conn);
    if (n == 0) log_error("customer \"%s\" has no contract", argv[1]);
    if (n != 1) return 1;
    printf("%-12s %s\n%-12s %s\n", "customer", x.customer, "month", x.month);
    if (x.has_limit)
        print_amount("limit", x.limit, &x);
    else
        printf("%-12s none\n", "limit");
    print_amount("open", x.open, &x);
    print_amount("unbilled", x.unbilled, &x);
    print_amount("prepaid", x.prepaid, &x); /* taken off */
    char d[32];
    money_format(x.deposit, x.digits, d, sizeof d);
    printf("%-12s %s %s (%s)\n", "deposit", d, x.currency,
           x.deposit_counts ? "applied to invoices: taken off" : "held until default: not counted");
    print_amount("exposure", x.exposure, &x);
    printf("%-12s %s\n%-12s %s\n", "contract", x.contract_in_effect ? "in effect" : "none this month",
           "in_default", x.in_default ? "yes" : "no");
    printf("%-12s %s\n", "hold", x.hold ? "yes" : "no");
    if (!x.has_limit) return 0;
    printf("%-12s %lld%%\n%-12s %s\n%-12s", "used", (long long)x.used_pct, "over_limit",
           x.over_limit ? "yes" : "no", "crossed");
    for (int i = 0; i < x.ncrossed; i++)
        printf(" %d%%", x.thresholds[i]);
    printf("%s\n", x.ncrossed ? "" : " none");
    return 0;
}

/* One customer checked and notified in its own transaction; false on a
 * failure. Prints its line when it has a limit, or when asked by name. */
static bool check_one(PGconn *conn, const char *customer, bool named, long default_after_days)
{
    struct credit_exposure x;
    int n = db_begin(conn) ? credit_limit_exposure(conn, customer, default_after_days, &x) : -1;
    int emitted = n == 1 && x.has_limit ? credit_limit_notify(conn, &x) : 0;
    if (n < 0 || emitted < 0 || !db_commit(conn)) {
        db_rollback(conn);
        return false;
    }
    if (n == 0 || !x.has_limit) {
        if (named) printf("%s: no credit limit in effect\n", customer);
        return true;
    }
    char e[32], l[32];
    money_format(x.exposure, x.digits, e, sizeof e);
    money_format(x.limit, x.digits, l, sizeof l);
    printf("%s: exposure %s of %s %s (%lld%%)%s; thresholds crossed:", customer, e, l,
           x.currency, (long long)x.used_pct, x.over_limit ? ", over the limit" : "");
    for (int i = 0; i < x.ncrossed; i++)
        printf(" %d%%", x.thresholds[i]);
    printf("%s; %d newly notified\n", x.ncrossed ? "" : " none", emitted);
    return true;
}

static int credit_check(int argc, char **argv)
{
    const char *customer = NULL;
    const struct cli_opt opts[] = {
        {"customer", CLI_STR, &customer, "CODE", "only this customer (default: every one)", 0,
         0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter credit check [--customer CODE]",
        "Check each customer's exposure against its credit limit and emit credit.threshold "
        "once per threshold crossed, per month.",
        opts, 0, 0};
    int npos, rc;
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (customer && !cli_code_ok(&spec, "--customer", customer)) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {customer};
    PGresult *res = db_query(conn, "list customers",
                             "SELECT code FROM customer WHERE $1::text IS NULL OR code = $1 "
                             "ORDER BY code",
                             1, p);
    bool ok = res != NULL;
    if (ok && customer && PQntuples(res) == 0) {
        known_missing(conn, "customer", customer);
        ok = false;
    }
    for (int i = 0; ok && i < PQntuples(res); i++)
        ok = check_one(conn, PQgetvalue(res, i, 0), customer != NULL, cfg.default_after_days);
    PQclear(res);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static const struct cli_command credit_table[] = {
    {"check", credit_check, "check exposures against credit limits and notify thresholds", NULL},
    {"show", credit_show, "show a customer's exposure against its credit limit", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(credit, "gpumeter credit", credit_table)
