/* project_book: a project's investor's report read from the database (see
 * project_book.h). The month's SQL moved here from project_report.c so
 * the months to date reuse it, one month at a time. */
#include "billing/project_book.h"

#include "billing/billing.h"
#include "billing/yield_engine.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "pricing/bill.h"
#include "pricing/returns.h"
#include "pricing/settle.h"
#include "terms/contract.h"
#include "terms/project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Revenue billed: the before-tax subtotal of the month's standing invoices
 * of the project's contracts ($3, a text[]) in its currency, less the
 * partial credit notes against them (INVOICE_NETS, the one predicate of a
 * month's net invoiced money: a credit note carries the month and contract
 * of the invoice it credits, its subtotal negative). */
static const char revenue_sql[] =
    "SELECT coalesce(sum(i.subtotal), 0) FROM invoice i WHERE " INVOICE_NETS("i.") " "
    "AND i.period = $1::date AND i.currency = $2 AND i.contract = ANY($3::text[])";

/* Cash collected: schema 061's project_cash_collected, the one
 * definition (a security definer returning the month's sum: the API role
 * may not read the receivables ledger). */
static const char collected_sql[] = "SELECT project_cash_collected($1::date, $2, $3::text[])";

/* The project's first month: its first version's effective_from. */
static const char first_sql[] =
    "SELECT to_char(min(effective_from), 'YYYY-MM') FROM document "
    "WHERE kind = 'project' AND code = $1";

/* The contracted backlog: for each month after the period ($1, its first
 * day) up to $6 months, each of the project's contracts ($2) in effect
 * that month (contract_in_effect: a version of the customer's in effect,
 * before `until`, not terminated before the month) with a commitment in
 * the project's currency ($3); an open-ended, unterminated one for $5
 * months only; whether its customer is in default at the period's end
 * (the last moment of its last day in the operator's zone, after $4 days
 * past due); the termination's last day, when terminated. */
static const char backlog_sql[] =
    "WITH lim AS (SELECT ($1::date + interval '1 month')::date AS lo, "
    "  least(($1::date + $6::int * interval '1 month')::date, "
    "    greatest(($1::date + $5::int * interval '1 month')::date, "
    "      (SELECT max(date_trunc('month', (d.document->>'until')::date))::date FROM document d "
    "        WHERE d.kind = 'contract' AND d.code = ANY($2::text[])), "
    "      (SELECT max(date_trunc('month', t.ends_on))::date FROM contract_termination t "
    "        WHERE t.contract = ANY($2::text[])))) AS hi), "
    "mo AS (SELECT g::date AS m FROM lim, generate_series(lim.lo, lim.hi, interval '1 month') g), "
    "dflt AS (SELECT DISTINCT customer_id FROM customer_default_at(receivables_day_end("
    "  (($1::date + interval '1 month')::date - 1), default_time_zone()), $4::int)) "
    "SELECT to_char(mo.m, 'YYYY-MM'), k.contract, k.document::text, "
    "  k.customer_id IN (SELECT customer_id FROM dflt), coalesce(to_char(t.ends_on, 'YYYY-MM-DD'), '') "
    "FROM mo CROSS JOIN LATERAL contract_in_effect(mo.m) k "
    "LEFT JOIN contract_termination t ON t.contract = k.contract "
    "WHERE k.contract = ANY($2::text[]) AND k.document ? 'commitment' "
    "  AND k.document->>'currency' = $3 "
    "  AND (k.document ? 'until' OR t.ends_on IS NOT NULL "
    "       OR mo.m <= ($1::date + $5::int * interval '1 month')::date) "
    "ORDER BY mo.m, k.contract";

static int64_t month_index(int y, int mo)
{
    return ((int64_t)y - 1970) * 12 + mo - 1;
}

/* The first and last day of month (months since 1970-01). */
static void month_days(int64_t month, int64_t *first, int64_t *last)
{
    int64_t y = 1970 + month / 12;
    unsigned m = (unsigned)(month % 12) + 1;
    *first = time_days_from_civil(y, m, 1);
    *last = (m == 12 ? time_days_from_civil(y + 1, 1, 1) : time_days_from_civil(y, m + 1, 1)) - 1;
}

static bool read_amount(PGconn *conn, const char *what, const char *sql, const char *const p[3],
                        int64_t *out)
{
    PGresult *res = db_query(conn, what, sql, 3, p);
    bool ok = res && db_get_int64(res, 0, 0, out);
    PQclear(res);
    return ok;
}

/* The project's fleets' energy cost, GPU time and purchase cost, from the
 * yield's cells. */
static bool read_fleets(PGconn *conn, const struct project *p, const char *first_day,
                        struct project_month *m)
{
    struct yield_cells cells = {0};
    bool ok = yield_read_month(conn, first_day, p->currency, &cells, NULL);
    for (size_t i = 0; ok && i < cells.n; i++) {
        const struct yield_cell *c = &cells.v[i];
        for (int a = 0; a < p->nassets; a++)
            if (!strcmp(c->site, p->assets[a].site) && !strcmp(c->model, p->assets[a].model)) {
                m->energy += c->idle_cost + c->used_cost;
                m->installed += c->installed, m->allocated += c->allocated;
                m->purchase += c->purchase;
            }
    }
    free(cells.v);
    return ok;
}

static void contracts_array(const struct project *p, struct strbuf *sb)
{
    sb_puts(sb, "{");
    for (int i = 0; i < p->ncontracts; i++) /* codes are [a-z0-9_-] (the document's rule) */
        sb_printf(sb, "%s\"%s\"", i ? "," : "", p->contracts[i]);
    sb_puts(sb, "}");
}

/* The investor's month (months since 1970-01) of code's version in effect
 * on its last day, read into p (its effective_from in from) and m. */
static bool month_read(PGconn *conn, const char *code, int64_t month, struct project *p,
                       struct debt_row *rows, char from[16], struct project_month *m)
{
    char first_day[16], last_day[16];
    int64_t first, last;
    month_days(month, &first, &last);
    time_format_date(first, first_day);
    time_format_date(last, last_day);
    memset(m, 0, sizeof *m);
    struct strbuf contracts = STRBUF_INIT;
    bool ok = docstore_load(conn, &project_kind, code, last_day, p, from);
    if (ok && p->has_debt && !debt_schedule(&p->debt, rows)) {
        log_error("project \"%s\": the debt schedule does not fit in 64-bit amounts", code);
        ok = false;
    }
    if (ok) {
        contracts_array(p, &contracts);
        const char *params[3] = {first_day, p->currency, sb_str(&contracts)};
        ok = read_amount(conn, "read the project's revenue billed", revenue_sql, params,
                         &m->revenue) &&
             read_amount(conn, "read the project's cash collected", collected_sql, params,
                         &m->collected) &&
             read_fleets(conn, p, first_day, m);
    }
    if (ok) {
        m->fixed = project_month_fixed(p, first, last);
        if (p->has_debt)
            m->debt_service = project_month_debt_service(rows, p->debt.payments, first, last);
        project_month_close(m);
    }
    sb_free(&contracts);
    return ok;
}

/* Row r of backlog_sql: its month's commitment in money, added to the
 * month's committed or in_default. */
static bool backlog_row(const PGresult *res, int r, int64_t lo, int max, int digits,
                        struct contract *k, struct project_backlog_month *v)
{
    int y, mo;
    int64_t ends = -1, first, last, value;
    bool ok = time_parse_month(PQgetvalue(res, r, 0), &y, &mo) &&
              docstore_parse(&contract_kind, PQgetvalue(res, r, 2), k);
    const char *ends_on = PQgetvalue(res, r, 4);
    if (ok && ends_on[0]) ok = time_parse_date(ends_on, &ends);
    if (!ok) {
        log_error("contract \"%s\": its document or termination does not read",
                  PQgetvalue(res, r, 1));
        return false;
    }
    int64_t month = month_index(y, mo);
    month_days(month, &first, &last);
    /* the month of a termination's last day: pro rata to the days served */
    int64_t served = ends >= first && ends < last ? ends - first + 1 : last - first + 1;
    if (!settle_commitment_value(&k->commit, served, last - first + 1, digits, &value)) {
        log_error("contract \"%s\": its commitment does not fit an amount", k->code);
        return false;
    }
    assert(month >= lo && month - lo < max); /* the query's months */
    struct project_backlog_month *b = &v[month - lo];
    b->month = month;
    if (PQgetvalue(res, r, 3)[0] == 't') b->in_default += value;
    else b->committed += value, b->contracts++;
    return true;
}

/* The backlog after period (months since 1970-01), at most max months. */
static bool read_backlog(PGconn *conn, struct project_book *b, int64_t period, int max,
                         long default_after_days)
{
    char first_day[16], days[24], open[16], lim[16];
    int64_t first, last;
    month_days(period, &first, &last);
    time_format_date(first, first_day);
    snprintf(days, sizeof days, "%ld", default_after_days);
    snprintf(open, sizeof open, "%d", PROJECT_BACKLOG_OPEN_MONTHS);
    snprintf(lim, sizeof lim, "%d", max);
    struct strbuf contracts = STRBUF_INIT;
    contracts_array(b->p, &contracts);
    const char *params[6] = {first_day, sb_str(&contracts), b->p->currency, days, open, lim};
    PGresult *res = db_query(conn, "read the project's backlog", backlog_sql, 6, params);
    sb_free(&contracts);
    if (!res) return false;
    b->backlog = xcalloc((size_t)max + 1, sizeof *b->backlog);
    for (int i = 0; i <= max; i++)
        b->backlog[i].month = period + 1 + i;
    struct contract *k = xcalloc(1, sizeof *k);
    bool ok = true;
    for (int r = 0; ok && r < PQntuples(res); r++)
        ok = backlog_row(res, r, period + 1, max, b->digits, k, b->backlog);
    free(k);
    PQclear(res);
    b->nbacklog = max;
    while (b->nbacklog > 0 && b->backlog[b->nbacklog - 1].committed == 0 &&
           b->backlog[b->nbacklog - 1].in_default == 0)
        b->nbacklog--;
    return ok;
}

static void rate_figure(struct project_figures *f, const char *name, bool has, int64_t micro)
{
    char t[RETURNS_RATE_TEXT];
    if (has) {
        returns_rate_text(micro, t);
        t[strlen(t) - 1] = 0; /* the name says percent */
    }
    project_figures_text(f, name, has ? t : NULL);
}

/* The month of payback index k of flows starting at first (month 1 is
 * first; 0, the purchase, is paid back at once only when it is 0). */
static int64_t payback_month(int64_t first, int k)
{
    return k < 0 ? -1 : first + (k > 0 ? k - 1 : 0);
}

static void put_figures(struct project_book *b, const struct project_returns *to_date,
                        const struct project_returns *with)
{
    struct project_figures *f = &b->figures;
    const struct project_month *m = &b->month;
    const int d = b->digits;
    char t[48];
    int64_t h;
    project_figures_money(f, "revenue_billed", m->revenue, d);
    project_figures_money(f, "cash_collected", m->collected, d);
    project_figures_money(f, "energy_cost", m->energy, d);
    project_figures_money(f, "fixed_costs", m->fixed, d);
    project_figures_money(f, "operating_cost", m->operating, d);
    project_figures_money(f, "cfads", m->cfads, d);
    project_figures_money(f, "debt_service", m->debt_service, d);
    bool has = project_month_dscr(m->cfads, m->debt_service, &h);
    if (has) money_format(h, 2, t, sizeof t);
    project_figures_text(f, "dscr", has ? t : NULL);
    has = project_month_utilisation(m->allocated, m->installed, &h);
    if (has) money_format(h, 2, t, sizeof t);
    project_figures_text(f, "utilisation_percent", has ? t : NULL);
    project_figures_money(f, "purchase_cost", m->purchase, d);
    project_figures_month(f, "first_month", b->first_month);
    project_figures_money(f, "cfads_to_date", b->cfads_to_date, d);
    int64_t committed = 0, in_default = 0, last = -1;
    for (int i = 0; i < b->nbacklog; i++) {
        committed += b->backlog[i].committed, in_default += b->backlog[i].in_default;
        if (b->backlog[i].committed) last = b->backlog[i].month;
    }
    project_figures_money(f, "backlog", committed, d);
    project_figures_money(f, "backlog_in_default", in_default, d);
    project_figures_month(f, "backlog_last_month", last);
    rate_figure(f, "discount_rate_percent", b->p->has_discount_rate, b->p->discount_rate_micro);
    const struct project_returns *r[2] = {to_date, with};
    const char *npv[2] = {"npv_to_date", "npv_with_backlog"};
    const char *irr[2] = {"irr_to_date_percent", "irr_with_backlog_percent"};
    const char *pay[2] = {"payback_to_date", "payback_with_backlog"};
    for (int i = 0; i < 2; i++) {
        if (r[i]->has_npv) project_figures_money(f, npv[i], r[i]->npv, d);
        else project_figures_text(f, npv[i], NULL);
    }
    for (int i = 0; i < 2; i++)
        rate_figure(f, irr[i], r[i]->has_irr, r[i]->irr_micro);
    for (int i = 0; i < 2; i++)
        project_figures_month(f, pay[i], payback_month(b->first_month, r[i]->payback));
}

/* The first month of code: its first version's. */
static bool read_first(PGconn *conn, const char *code, int64_t *first)
{
    const char *p[1] = {code};
    PGresult *res = db_query(conn, "read the project's first month", first_sql, 1, p);
    int y, mo;
    bool ok = res && PQntuples(res) == 1 && time_parse_month(PQgetvalue(res, 0, 0), &y, &mo);
    if (ok) *first = month_index(y, mo);
    else if (res) log_error("project \"%s\" is not known", code);
    PQclear(res);
    return ok;
}

/* What month_read needs beside the month: project_month_reader's ctx. */
struct month_ctx {
    PGconn *conn;
    const char *code;
    struct project *p;
    struct debt_row *rows;
    char *from;
};

static bool month_reader(void *ctx, int64_t month, struct project_month *m)
{
    struct month_ctx *x = ctx;
    return month_read(x->conn, x->code, month, x->p, x->rows, x->from, m);
}

/* Whether month at (months since 1970-01) is past the months returns.h
 * judges for a project whose first month is first. */
static bool beyond_returns(int64_t first, int64_t at)
{
    return at - first + 1 > RETURNS_MAX_MONTHS;
}

bool project_book_beyond(PGconn *conn, const char *code, const char *period)
{
    int y, mo;
    int64_t first;
    bool ok = time_parse_month(period, &y, &mo);
    assert(ok); /* the caller's check */
    return read_first(conn, code, &first) && beyond_returns(first, month_index(y, mo));
}

bool project_book_read(PGconn *conn, const char *code, const char *period,
                       long default_after_days, struct project_book *b)
{
    return project_book_read_cached(conn, code, period, default_after_days, NULL, b);
}

bool project_book_read_cached(PGconn *conn, const char *code, const char *period,
                              long default_after_days, struct project_month_cache *cache,
                              struct project_book *b)
{
    int y, mo;
    memset(b, 0, sizeof *b);
    bool ok = time_parse_month(period, &y, &mo);
    assert(ok); /* the caller's check */
    int64_t at = month_index(y, mo);
    b->p = xcalloc(1, sizeof *b->p);
    struct debt_row *rows = xcalloc(DEBT_MAX_PAYMENTS, sizeof *rows);
    int64_t *cfads = NULL, *flows = NULL;
    int n = 0;
    ok = read_first(conn, code, &b->first_month);
    if (ok && at < b->first_month) { /* no version in effect: docstore_load says so */
        month_read(conn, code, at, b->p, rows, b->from, &b->month);
        ok = false;
    }
    if (ok && beyond_returns(b->first_month, at)) {
        log_error("project \"%s\": %s is more than %d months after its first month", code,
                  period, RETURNS_MAX_MONTHS);
        ok = false;
    }
    if (ok) cfads = xcalloc((size_t)(at - b->first_month + 1), sizeof *cfads);
    /* every month since the first, each with its own version (cache's when
     * it holds them: their cfads only); the period's last, read, for the
     * version in effect and the figures */
    struct project *scratch = cache ? xcalloc(1, sizeof *scratch) : b->p;
    char scratch_from[16];
    struct month_ctx before = {conn, code, scratch, rows, cache ? scratch_from : b->from};
    for (int64_t m = b->first_month; ok && m < at; m++) {
        ok = project_month_cache_get(cache, m, month_reader, &before, &b->month);
        if (ok) b->cfads_to_date += cfads[n++] = b->month.cfads;
    }
    if (cache) free(scratch);
    struct month_ctx period_ctx = {conn, code, b->p, rows, b->from};
    ok = ok && project_month_cache_read(cache, at, month_reader, &period_ctx, &b->month);
    if (ok) b->cfads_to_date += cfads[n++] = b->month.cfads;
    ok = ok && yield_currency_digits(conn, b->p->currency, &b->digits) &&
         read_backlog(conn, b, at, RETURNS_MAX_MONTHS - n, default_after_days);
    if (ok) {
        struct project_returns to_date, with;
        flows = xcalloc(RETURNS_MAX_MONTHS + 1, sizeof *flows);
        int months = project_month_flows(b->month.purchase, cfads, n, NULL, 0, 0, flows);
        project_month_returns(flows, months, b->p->has_discount_rate,
                              b->p->discount_rate_micro, &to_date);
        months = project_month_flows(b->month.purchase, cfads, n, b->backlog,
                                     project_month_backlog_span(b->backlog, b->nbacklog),
                                     b->month.operating, flows);
        project_month_returns(flows, months, b->p->has_discount_rate,
                              b->p->discount_rate_micro, &with);
        put_figures(b, &to_date, &with);
    }
    free(rows);
    free(cfads);
    free(flows);
    return ok;
}

void project_book_free(struct project_book *b)
{
    free(b->p);
    free(b->backlog);
    b->p = NULL, b->backlog = NULL;
}
