/* office: the resources finance and sales read (office.h, docs/api.md):
 * the customer list, a month's invoices across customers with what the
 * invoice run could not bill, voucher claims per program, the money audit
 * trail of the month's invoices (audit_log), the price plans
 * with their versions, and plan simulation. Each answer comes from the
 * same queries and code as the CLI (billing/claims.h, billing/billing.h,
 * billing/simulate.h), so the console and `gpumeter` never disagree.
 * Reentrant: everything lives on the request. */
#include "api/office.h"

#include "billing/billing.h"
#include "billing/claims.h"
#include "billing/project_book.h"
#include "billing/project_report.h"
#include "billing/project_show.h"
#include "billing/simulate.h"
#include "core/alloc.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/meter.h"
#include "core/timeutil.h"
#include "pricing/returns.h"
#include "render/describe.h"
#include "render/render.h"
#include "terms/docstore.h"
#include "terms/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool finance_only(struct request *r)
{
    return r->who.finance || http_error(r, 403, "forbidden", "this resource needs a finance key");
}

static bool finance_or_sales(struct request *r)
{
    return r->who.finance || r->who.sales ||
           http_error(r, 403, "forbidden", "this resource needs a finance or sales key");
}

/* period=YYYY-MM into first_day; false with 400 set. */
static bool month_param(struct request *r, char *first_day)
{
    const char *period = http_param(r, "period");
    int y, m;
    if (!period || strlen(period) != 7 || !time_parse_month(period, &y, &m))
        return http_error(r, 400, "bad_request", "period is a month YYYY-MM");
    time_month_first_day(period, first_day);
    return true;
}

/* A column of minor units as render_json_money writes amounts. */
static void money_pair(struct strbuf *sb, const char *name, const char *minor, int digits)
{
    render_json_money(sb, name, strtoll(minor, NULL, 10), digits);
}

static void string_field(struct strbuf *sb, const char *name, const char *value)
{
    sb_printf(sb, ",\"%s\":", name);
    sb_put_json_string(sb, value);
}

bool handle_customers(struct request *r)
{
    if (!finance_or_sales(r)) return false;
    PGresult *res = db_query(r->conn, "list customers",
                             "SELECT code, name FROM customer ORDER BY code", 0, NULL);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    sb_puts(&r->body, "{\"customers\":[");
    for (int i = 0; i < PQntuples(res); i++) {
        sb_printf(&r->body, "%s{\"code\":", i ? "," : "");
        sb_put_json_string(&r->body, PQgetvalue(res, i, 0));
        string_field(&r->body, "name", PQgetvalue(res, i, 1));
        sb_putc(&r->body, '}');
    }
    sb_puts(&r->body, "]}\n");
    PQclear(res);
    return true;
}

/* ---- /v1/finance/month ---- */

static bool not_billed(struct request *r, const char *first_day)
{
    const char *p[] = {first_day};
    PGresult *problems =
        db_query(r->conn, "read the invoice problems",
                 "SELECT c.code, p.reason FROM invoice_problem p JOIN customer c ON "
                 "c.id = p.customer_id WHERE p.period = $1::date ORDER BY c.code",
                 1, p);
    PGresult *uncovered = problems ? billing_uncovered(r->conn, first_day) : NULL;
    PGresult *parked = uncovered ? billing_parked(r->conn) : NULL;
    bool ok = parked != NULL;
    if (ok) {
        sb_puts(&r->body, ",\"not_billed\":{\"problems\":[");
        for (int i = 0; i < PQntuples(problems); i++) {
            sb_printf(&r->body, "%s{\"customer\":", i ? "," : "");
            sb_put_json_string(&r->body, PQgetvalue(problems, i, 0));
            string_field(&r->body, "reason", PQgetvalue(problems, i, 1));
            sb_putc(&r->body, '}');
        }
        sb_puts(&r->body, "],\"uncovered\":[");
        for (int i = 0; i < PQntuples(uncovered); i++) {
            sb_printf(&r->body, "%s{\"account\":", i ? "," : "");
            sb_put_json_string(&r->body, PQgetvalue(uncovered, i, 0));
            sb_printf(&r->body, ",\"rows\":%s", PQgetvalue(uncovered, i, 1));
            string_field(&r->body, "jobs", PQgetvalue(uncovered, i, 2));
            sb_putc(&r->body, '}');
        }
        sb_puts(&r->body, "],\"parked\":[");
        for (int i = 0; i < PQntuples(parked); i++) {
            sb_printf(&r->body, "%s{\"account\":", i ? "," : "");
            sb_put_json_string(&r->body, PQgetvalue(parked, i, 0));
            sb_printf(&r->body, ",\"events\":%s}", PQgetvalue(parked, i, 1));
        }
        sb_puts(&r->body, "]}");
    }
    PQclear(problems);
    PQclear(uncovered);
    PQclear(parked);
    return ok;
}

bool handle_finance_month(struct request *r)
{
    char first_day[16];
    if (!finance_only(r) || !month_param(r, first_day)) return false;
    const char *p[] = {first_day};
    PGresult *res = db_query(
        r->conn, "read the month's invoices",
        "SELECT c.code, c.name, coalesce(i.number, ''), i.kind, i.status, i.currency, i.subtotal, "
        "  i.tax, i.total, i.claimed, i.due, cur.minor_digits, coalesce(i.fapiao_number, '') "
        "FROM invoice i JOIN customer c ON c.id = i.customer_id "
        "JOIN currency cur ON cur.code = i.currency WHERE i.period = $1::date "
        "ORDER BY c.code, i.id",
        1, p);
    PGresult *sums = res ? billing_month_money(r->conn, first_day) : NULL;
    if (!sums) {
        PQclear(res);
        return http_error(r, 503, "unavailable", "the database failed the query");
    }
    sb_printf(&r->body, "{\"period\":\"%.7s\",\"invoices\":[", first_day);
    for (int i = 0; i < PQntuples(res); i++) {
        int digits = atoi(PQgetvalue(res, i, 11));
        sb_printf(&r->body, "%s{\"customer\":", i ? "," : "");
        sb_put_json_string(&r->body, PQgetvalue(res, i, 0));
        string_field(&r->body, "customer_name", PQgetvalue(res, i, 1));
        if (*PQgetvalue(res, i, 2)) string_field(&r->body, "number", PQgetvalue(res, i, 2));
        sb_printf(&r->body, ",\"kind\":\"%s\",\"status\":\"%s\",\"currency\":\"%s\"",
                  PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
        static const char *const names[] = {"subtotal", "tax", "total", "claimed", "due"};
        for (int k = 0; k < 5; k++)
            money_pair(&r->body, names[k], PQgetvalue(res, i, 6 + k), digits);
        if (*PQgetvalue(res, i, 12))
            string_field(&r->body, "fapiao_number", PQgetvalue(res, i, 12));
        sb_putc(&r->body, '}');
    }
    sb_puts(&r->body, "],\"totals\":[");
    for (int i = 0; i < PQntuples(sums); i++) {
        sb_printf(&r->body, "%s{\"line\":\"%s\",\"currency\":\"%s\",\"count\":%s", i ? "," : "",
                  PQgetvalue(sums, i, 0), PQgetvalue(sums, i, 1), PQgetvalue(sums, i, 2));
        money_pair(&r->body, "total", PQgetvalue(sums, i, 3), atoi(PQgetvalue(sums, i, 4)));
        sb_putc(&r->body, '}');
    }
    sb_putc(&r->body, ']');
    PQclear(res);
    PQclear(sums);
    if (!not_billed(r, first_day))
        return http_error(r, 503, "unavailable", "the database failed the query");
    sb_puts(&r->body, "}\n");
    return true;
}

/* ---- /v1/finance/vouchers ---- */

/* Each program's redemptions and its claim: the sum over issued invoices,
 * as `gpumeter report vouchers` counts it. */
bool handle_finance_vouchers(struct request *r)
{
    char first_day[16];
    if (!finance_only(r) || !month_param(r, first_day)) return false;
    PGresult *res = claims_read(r->conn, NULL, first_day);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    sb_printf(&r->body, "{\"period\":\"%.7s\",\"programs\":[", first_day);
    int n = PQntuples(res);
    for (int i = 0; i < n;) {
        const char *program = PQgetvalue(res, i, 7), *currency = PQgetvalue(res, i, 6);
        int digits = atoi(PQgetvalue(res, i, 5));
        int64_t claim = 0;
        sb_printf(&r->body, "%s{\"program\":", i ? "," : "");
        sb_put_json_string(&r->body, program);
        sb_puts(&r->body, ",\"vouchers\":[");
        int j = i;
        for (; j < n && !strcmp(PQgetvalue(res, j, 7), program) &&
               !strcmp(PQgetvalue(res, j, 6), currency);
             j++) {
            sb_printf(&r->body, "%s{\"customer\":", j > i ? "," : "");
            sb_put_json_string(&r->body, PQgetvalue(res, j, 0));
            string_field(&r->body, "voucher", PQgetvalue(res, j, 1));
            string_field(&r->body, "invoice", PQgetvalue(res, j, 2));
            sb_printf(&r->body, ",\"status\":\"%s\",\"currency\":\"%s\"", PQgetvalue(res, j, 3),
                      currency);
            money_pair(&r->body, "paid", PQgetvalue(res, j, 4), digits);
            sb_putc(&r->body, '}');
            if (!strcmp(PQgetvalue(res, j, 3), "issued"))
                claim += strtoll(PQgetvalue(res, j, 4), NULL, 10);
        }
        sb_printf(&r->body, "],\"currency\":\"%s\"", currency);
        render_json_money(&r->body, "claim", claim, digits);
        sb_putc(&r->body, '}');
        i = j;
    }
    sb_puts(&r->body, "]}\n");
    PQclear(res);
    return true;
}

/* ---- /v1/finance/audit ---- */

/* The money audit trail of the month: every audit_log row on an invoice or
 * credit note of the billing month (issue, void, fapiao, correct, credit
 * and whatever action comes next), whenever it was written, oldest first.
 * before and after are the row's own jsonb, valid JSON as stored; currency
 * is the invoice's, the unit of the minor-unit amounts they hold. */
bool handle_finance_audit(struct request *r)
{
    char first_day[16];
    if (!finance_only(r) || !month_param(r, first_day)) return false;
    const char *p[] = {first_day};
    PGresult *res = db_query(
        r->conn, "read the month's money audit",
        "SELECT to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), a.actor, "
        "  a.key, a.action, c.code, i.kind, coalesce(a.before::text, 'null'), a.after::text, "
        "  i.currency "
        "FROM audit_log a JOIN invoice i ON i.number = a.key "
        "JOIN customer c ON c.id = i.customer_id "
        "WHERE a.object = 'invoice' AND i.period = $1::date ORDER BY a.at, a.id",
        1, p);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    sb_printf(&r->body, "{\"period\":\"%.7s\",\"rows\":[", first_day);
    for (int i = 0; i < PQntuples(res); i++) {
        sb_printf(&r->body, "%s{\"at\":\"%s\"", i ? "," : "", PQgetvalue(res, i, 0));
        static const char *const names[] = {"actor", "invoice", "action", "customer", "kind"};
        for (int k = 0; k < 5; k++)
            string_field(&r->body, names[k], PQgetvalue(res, i, 1 + k));
        /* the invoice's: the currency of the minor units before and after hold */
        string_field(&r->body, "currency", PQgetvalue(res, i, 8));
        sb_printf(&r->body, ",\"before\":%s,\"after\":%s}", PQgetvalue(res, i, 6),
                  PQgetvalue(res, i, 7));
    }
    sb_puts(&r->body, "]}\n");
    PQclear(res);
    return true;
}

/* ---- /v1/plans ---- */

/* {"LIST":[{"KEY":code,"versions":[...]}, ...]} of res, whose rows are
 * ordered by code (column 0): each row one version, written by version. */
static void versions_by_code(struct strbuf *sb, const PGresult *res, const char *list,
                             const char *key,
                             void (*version)(struct strbuf *sb, const PGresult *res, int row))
{
    sb_printf(sb, "{\"%s\":[", list);
    int n = PQntuples(res);
    for (int i = 0; i < n;) {
        sb_printf(sb, "%s{\"%s\":", i ? "," : "", key);
        sb_put_json_string(sb, PQgetvalue(res, i, 0));
        sb_puts(sb, ",\"versions\":[");
        int j = i;
        for (; j < n && !strcmp(PQgetvalue(res, j, 0), PQgetvalue(res, i, 0)); j++) {
            if (j > i) sb_putc(sb, ',');
            version(sb, res, j);
        }
        sb_puts(sb, "]}");
        i = j;
    }
    sb_puts(sb, "]}\n");
}

static void plan_version(struct strbuf *sb, const PGresult *res, int j)
{
    sb_printf(sb, "{\"effective_from\":\"%s\",\"applied_at\":\"%s\"", PQgetvalue(res, j, 1),
              PQgetvalue(res, j, 4));
    string_field(sb, "applied_by", PQgetvalue(res, j, 3));
    /* jsonb's own text: valid JSON that PostgreSQL checked on the way in */
    sb_printf(sb, ",\"document\":%s}", PQgetvalue(res, j, 2));
}

/* Every document of kind (plan or contract) with all its versions, as
 * {"<list>":[{code, versions:[{effective_from, applied_at, applied_by,
 * document}]}]}: what sales edits and both roles compare. */
static bool versions_of_kind(struct request *r, const char *kind, const char *list)
{
    if (!finance_or_sales(r)) return false;
    const char *p[] = {kind};
    PGresult *res = db_query(r->conn, "list the versions",
                             "SELECT code, to_char(effective_from, 'YYYY-MM-DD'), "
                             "  document::text, applied_by, "
                             "  to_char(applied_at AT TIME ZONE 'UTC', "
                             "          'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                             "FROM document WHERE kind = $1 ORDER BY code, effective_from",
                             1, p);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    versions_by_code(&r->body, res, list, "code", plan_version);
    PQclear(res);
    return true;
}

bool handle_plans(struct request *r)
{
    return versions_of_kind(r, "plan", "plans");
}

bool handle_contracts(struct request *r)
{
    return versions_of_kind(r, "contract", "contracts");
}

/* ---- the investor's book (issue 37, docs/investor.md) ---- */

static void project_version(struct strbuf *sb, const PGresult *res, int j)
{
    sb_printf(sb, "{\"effective_from\":\"%s\"", PQgetvalue(res, j, 1));
    string_field(sb, "name", PQgetvalue(res, j, 2));
    string_field(sb, "currency", PQgetvalue(res, j, 3));
    sb_putc(sb, '}');
}

/* The projects, each with its versions (the day each takes effect, its
 * name and currency): what the console's project picker lists. */
bool handle_projects(struct request *r)
{
    if (!finance_only(r)) return false;
    PGresult *res = db_query(r->conn, "list the projects",
                             "SELECT code, to_char(effective_from, 'YYYY-MM-DD'), "
                             "  coalesce(document->>'name', ''), document->>'currency' "
                             "FROM document WHERE kind = 'project' ORDER BY code, effective_from",
                             0, NULL);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    versions_by_code(&r->body, res, "projects", "project", project_version);
    PQclear(res);
    return true;
}

/* project=CODE: a project code as its document writes it (terms/project_doc.h:
 * lower-case letters, digits, '-' and '_'); false with 400 set. */
static bool project_param(struct request *r, const char **code)
{
    *code = http_param(r, "project");
    size_t n = *code ? strlen(*code) : 0;
    if (!n || n > 64 || strspn(*code, "abcdefghijklmnopqrstuvwxyz0123456789-_") != n)
        return http_error(r, 400, "bad_request",
                          "project is a project code (lower-case letters, digits, - and _)");
    return true;
}

/* After a report function failed: the database's failure (503), else the
 * project has no such version (404). */
static bool project_failed(struct request *r, const char *code, const char *when)
{
    if (db_last_error()[0])
        return http_error(r, 503, "unavailable", "the database failed the query");
    return http_error(r, 404, "not_found", "project \"%s\" has %s", code, when);
}

/* The investor's month (backlog false) or its backlog curve (true): `report
 * project [--backlog] --format json`, the same output function
 * (billing/project_report.h), so the figures never disagree. */
static bool project_month(struct request *r, bool backlog)
{
    const char *code;
    char first_day[16];
    if (!finance_only(r) || !project_param(r, &code) || !month_param(r, first_day)) return false;
    const char *period = http_param(r, "period");
    db_clear_error();
    if (!project_report_month(r->conn, code, period, r->cfg->default_after_days, backlog,
                              REPORT_JSON, &r->body)) {
        if (!db_last_error()[0] && project_book_beyond(r->conn, code, period))
            return http_error(r, 400, "bad_request",
                              "period %s is more than %d months after project \"%s\"'s first "
                              "month",
                              period, RETURNS_MAX_MONTHS, code);
        return project_failed(r, code, "no version in effect in that month");
    }
    return true;
}

bool handle_project(struct request *r)
{
    return project_month(r, false);
}

bool handle_project_backlog(struct request *r)
{
    return project_month(r, true);
}

/* The debt schedule: `project show --schedule --format json` of the
 * version in effect on at (default: the latest version). */
bool handle_project_schedule(struct request *r)
{
    const char *code, *at = http_param(r, "at");
    int64_t day;
    if (!finance_only(r) || !project_param(r, &code)) return false;
    if (at && (strlen(at) != 10 || !time_parse_date(at, &day)))
        return http_error(r, 400, "bad_request", "at is a day YYYY-MM-DD");
    db_clear_error();
    if (!project_schedule(r->conn, code, at ? at : "9999-12-31", REPORT_JSON, &r->body))
        return project_failed(r, code, "no version with debt in effect on that day");
    return true;
}

/* ---- POST /v1/simulate ---- */

struct rows_json {
    struct strbuf *sb;
    int digits, n;
};

static void row_json(const struct simulate_row *row, void *ctx)
{
    struct rows_json *o = ctx;
    sb_printf(o->sb, "%s{\"line\":", o->n++ ? "," : "");
    sb_put_json_string(o->sb, row->label);
    if (row->line) {
        char zh[256], en[256];
        render_line_description(row->line, zh, sizeof zh, en, sizeof en);
        string_field(o->sb, "description_zh", zh);
        string_field(o->sb, "description_en", en);
    }
    /* a usage line's model, band and quantity in its price unit (issue 39:
     * the simulation grouped by model with quantities); the same usage
     * both ways, so one quantity */
    const struct meter_units *u = row->line ? meter_units(row->line->meter) : NULL;
    if (u && row->line->kind == LINE_USAGE) {
        char q[48];
        render_quantity_decimal(row->line->meter, row->line->quantity, q, sizeof q);
        string_field(o->sb, "meter", row->line->meter);
        string_field(o->sb, "model", row->line->model);
        string_field(o->sb, "band", row->line->band);
        string_field(o->sb, "quantity", q);
        string_field(o->sb, "unit", u->price_unit);
    }
    sb_printf(o->sb, ",\"total\":%s", row->total ? "true" : "false");
    if (row->has_cur)
        render_json_money(o->sb, "current", row->cur, o->digits);
    else
        sb_puts(o->sb, ",\"current\":null,\"current_minor\":null");
    if (row->has_new)
        render_json_money(o->sb, "proposed", row->new, o->digits);
    else
        sb_puts(o->sb, ",\"proposed\":null,\"proposed_minor\":null");
    render_json_money(o->sb, "difference", row->new - row->cur, o->digits);
    sb_putc(o->sb, '}');
}

bool handle_simulate(struct request *r)
{
    const char *customer = http_param(r, "customer"), *period = http_param(r, "period");
    int y, m;
    if (!finance_or_sales(r)) return false;
    if (!customer || !cli_code_valid(customer))
        return http_error(r, 400, "bad_request", "customer must be a customer code");
    if (!period || strlen(period) != 7 || !time_parse_month(period, &y, &m))
        return http_error(r, 400, "bad_request", "period is a month YYYY-MM");
    if (!r->upload || !r->upload->len)
        return http_error(r, 400, "bad_request", "the body is the proposed plan document (JSON)");
    struct plan *proposed = xcalloc(1, sizeof *proposed);
    struct doc_check c = {0};
    if (!docstore_parse_text(&plan_kind, r->upload->buf, r->upload->len, proposed, &c)) {
        /* the first problem names itself ("$.path: reason"); all of them follow */
        struct strbuf *e = &c.errors;
        while (e->len && e->buf[e->len - 1] == '\n')
            e->buf[--e->len] = '\0';
        for (size_t i = 0; i < e->len; i++)
            if (e->buf[i] == '\n') e->buf[i] = ';';
        http_error(r, 422, "invalid_document", "plan document rejected: %.400s",
                   e->len ? e->buf : "not a plan document");
        sb_free(&c.errors);
        free(proposed);
        return false;
    }
    sb_free(&c.errors);
    struct bill cur = {0}, new = {0};
    char why[512];
    db_clear_error();
    bool ok = simulate_price(r->conn, period, customer, proposed, &cur, &new, why, sizeof why);
    if (!ok && db_last_error()[0]) /* not the document's fault */
        http_error(r, 503, "unavailable", "the database failed the query");
    else if (!ok && !cur.error[0] && !new.error[0])
        http_error(r, 404, "not_found", "%s", why);
    else if (!ok)
        http_error(r, 409, "cannot_price", "%s", why);
    if (ok) {
        struct rows_json o = {&r->body, cur.minor_digits, 0};
        sb_puts(&r->body, "{\"customer\":");
        sb_put_json_string(&r->body, cur.customer);
        string_field(&r->body, "period", cur.period);
        string_field(&r->body, "currency", cur.currency);
        string_field(&r->body, "current_plan", cur.plan);
        /* current_source: the issued invoice an issued month stands on */
        sb_printf(&r->body, ",\"current_issued\":%s", cur.status[0] ? "true" : "false");
        if (cur.status[0]) {
            char source[64];
            snprintf(source, sizeof source, "issued invoice %s", cur.number);
            string_field(&r->body, "current_source", source);
        } else {
            string_field(&r->body, "current_source", "priced live");
        }
        string_field(&r->body, "proposed_plan", new.plan);
        sb_puts(&r->body, ",\"rows\":[");
        simulate_compare(&cur, &new, row_json, &o);
        sb_puts(&r->body, "]}\n");
    }
    bill_free(&cur);
    bill_free(&new);
    free(proposed);
    return ok;
}

/* ---- /v1/notifications (schema 035) ---- */

bool handle_notifications(struct request *r)
{
    if (!finance_only(r)) return false;
    const char *status = http_param(r, "status");
    if (status && strcmp(status, "pending") && strcmp(status, "dead") &&
        strcmp(status, "delivered"))
        return http_error(r, 400, "bad_request", "status is pending, dead or delivered");
    const char *p[] = {status ? status : ""};
    PGresult *res = db_query(
        r->conn, "list notifications",
        "SELECT event_id, kind, subject, customer, status, attempts, last_status, last_error, "
        "  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "  to_char(last_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "  to_char(coalesce(delivered_at, dead_at) AT TIME ZONE 'UTC', "
        "          'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "FROM notification WHERE $1 = '' OR status = $1 ORDER BY outbox_id DESC LIMIT 500",
        1, p);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    sb_puts(&r->body, "{\"notifications\":[");
    for (int i = 0; i < PQntuples(res); i++) {
        sb_printf(&r->body, "%s{\"id\":\"%s\",\"attempts\":%s", i ? "," : "",
                  PQgetvalue(res, i, 0), PQgetvalue(res, i, 5));
        static const char *const names[] = {"type", "subject", "customer", "status"};
        for (int k = 0; k < 4; k++) {
            if (PQgetisnull(res, i, 1 + k))
                sb_printf(&r->body, ",\"%s\":null", names[k]);
            else
                string_field(&r->body, names[k], PQgetvalue(res, i, 1 + k));
        }
        if (PQgetisnull(res, i, 6))
            sb_puts(&r->body, ",\"last_status\":null");
        else
            sb_printf(&r->body, ",\"last_status\":%s", PQgetvalue(res, i, 6));
        static const char *const more[] = {"last_error", "created", "last_attempt", "settled"};
        for (int k = 0; k < 4; k++) {
            if (PQgetisnull(res, i, 7 + k))
                sb_printf(&r->body, ",\"%s\":null", more[k]);
            else
                string_field(&r->body, more[k], PQgetvalue(res, i, 7 + k));
        }
        sb_puts(&r->body, "}");
    }
    sb_puts(&r->body, "]}\n");
    PQclear(res);
    return true;
}
