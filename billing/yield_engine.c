/* yield_engine: the yield's cells and the allocation of invoiced money to
 * them (see yield_engine.h). */
#include "billing/yield_engine.h"

#include "billing/billing.h"
#include "billing/owned.h"
#include "billing/yield_cost.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/decimal.h"
#include "core/log.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "terms/asset.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAYBACK_MONTHS 120

/* The month whose first day is $1 as instants in the operator's zone. */
#define OPERATOR_MONTH                                                                             \
    "win AS (SELECT $1::date::timestamp AT TIME ZONE default_time_zone() AS lo, "                  \
    "        ($1::date + interval '1 month')::timestamp AT TIME ZONE default_time_zone() AS hi)"

/* Per cell (site and accelerator model): capacity, IT energy, the site's
 * tariff in the report's currency and PUE, its asset (devices, cost per
 * device, life, first month, age in months) and the currency's minor
 * digits; the costs are priced in C (yield_cost.h), never in SQL. */
static const char cells_sql[] =
    "WITH " OPERATOR_MONTH ", "
    "tariff AS (SELECT code AS site, document FROM document_in_effect('tariff', $1::date) "
    "        WHERE document->>'currency' = $2), "
    "cap AS (SELECT c.site, c.model, sum(c.installed_ms) i, sum(c.allocated_ms) a, "
    "        sum(c.idle_whole_ms) w, sum(c.idle_stranded_ms) s, sum(c.idle_energy_mj) e "
    "        FROM capacity_hourly c CROSS JOIN win "
    "        WHERE c.hour >= win.lo AND c.hour < win.hi GROUP BY 1, 2), "
    /* The window as scalar subqueries, not a join with win: PostgreSQL
     * then prunes usage_hourly's monthly partitions when it runs the
     * query, so a month without usage (payback's earlier months) reads
     * none of them instead of every one. */
    "used AS (SELECT u.site, u.model, sum(u.quantity) e FROM usage_hourly u "
    "        WHERE u.meter = 'energy_mj' AND u.hour >= (SELECT lo FROM win) "
    "          AND u.hour < (SELECT hi FROM win) "
    "        GROUP BY 1, 2), "
    "asset AS (SELECT d.document->>'site' AS site, d.document->>'model' AS model, "
    "        (d.document->>'devices')::bigint AS devices, d.document->>'cost_per_device' AS cost, "
    "        (d.document->>'life_months')::int AS life, "
    "        (SELECT min(x.effective_from) FROM document x WHERE x.kind = 'asset' "
    "          AND x.code = d.code) AS since "
    "        FROM document_in_effect('asset', $1::date) d WHERE d.document->>'currency' = $2), "
    "cells AS (SELECT site, model FROM cap UNION SELECT site, model FROM used "
    "        UNION SELECT site, model FROM asset) "
    "SELECT cl.site, cl.model, coalesce(cap.i, 0), coalesce(cap.a, 0), coalesce(cap.w, 0), "
    "  coalesce(cap.s, 0), coalesce(cap.e, 0), coalesce(used.e, 0), t.document::text, "
    "  (SELECT s.document->>'pue' FROM document_in_effect('site', $1::date) s "
    "    WHERE s.code = cl.site), "
    "  asset.devices, asset.cost, asset.life, coalesce(to_char(asset.since, 'YYYY-MM'), ''), "
    "  (extract(year FROM $1::date) - extract(year FROM asset.since)) * 12 "
    "    + extract(month FROM $1::date) - extract(month FROM asset.since), "
    "  (SELECT minor_digits FROM currency WHERE code = $2) "
    "FROM cells cl LEFT JOIN cap USING (site, model) LEFT JOIN used USING (site, model) "
    "LEFT JOIN asset USING (site, model) LEFT JOIN tariff t ON t.site = cl.site "
    "ORDER BY cl.site COLLATE \"C\", cl.model COLLATE \"C\"";

/* IT energy by cell and local hour of the operator's day: idle (capacity)
 * and allocated (the energy meter), for the time-of-use bands. */
static const char energy_sql[] =
    "WITH " OPERATOR_MONTH " "
    "SELECT site, model, h, sum(idle), sum(used) FROM ("
    "  SELECT c.site, c.model, extract(hour FROM c.hour AT TIME ZONE default_time_zone())::int h, "
    "    c.idle_energy_mj idle, 0 used FROM capacity_hourly c CROSS JOIN win "
    "    WHERE c.hour >= win.lo AND c.hour < win.hi "
    "  UNION ALL SELECT u.site, u.model, "
    "    extract(hour FROM u.hour AT TIME ZONE default_time_zone())::int, 0, u.quantity "
    "    FROM usage_hourly u WHERE u.meter = 'energy_mj' AND u.hour >= (SELECT lo FROM win) "
    "    AND u.hour < (SELECT hi FROM win)) x GROUP BY 1, 2, 3";

/* Each cell's nodes together (split_nodes walks them as runs). */
static const char nodes_sql[] =
    "WITH " OPERATOR_MONTH " "
    "SELECT c.site, c.node, c.model, sum(installed_ms), sum(allocated_ms), sum(idle_whole_ms), "
    "  sum(idle_stranded_ms), sum(idle_energy_mj) FROM capacity_hourly c CROSS JOIN win "
    "WHERE c.hour >= win.lo AND c.hour < win.hi "
    "GROUP BY 1, 2, 3 ORDER BY c.site COLLATE \"C\", c.model COLLATE \"C\", c.node COLLATE \"C\"";

/* The month's issued invoices net of their partial credit notes, line
 * amounts by what they are; $2 currency. */
static const char revenue_sql[] =
    "SELECT * FROM (SELECT i.customer_id, CASE WHEN l.kind = 'usage' AND l.meter = 'gpu_ms' THEN 0 "
    "  WHEN l.kind = 'usage' AND l.meter = 'energy_mj' THEN 1 "
    "  WHEN l.kind = 'usage' AND l.meter = 'tokens' THEN 2 WHEN l.kind = 'subsidy' THEN 4 "
    "  WHEN l.kind = 'voucher_discount' THEN 5 ELSE 3 END AS cls, "
    "  CASE WHEN l.kind = 'usage' AND l.meter <> 'tokens' THEN l.site ELSE '' END AS site, "
    "  CASE WHEN l.kind = 'usage' AND l.meter <> 'tokens' THEN l.model ELSE '' END AS model, "
    "  sum(l.amount) AS amount FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id "
    "WHERE " INVOICE_NETS("i.") " AND i.period = $1::date "
    "  AND i.currency = $2 GROUP BY 1, 2, 3, 4 "
    "UNION ALL SELECT customer_id, 6, '', '', sum(claimed) FROM invoice "
    "WHERE " INVOICE_STANDS("") " AND period = $1::date AND currency = $2 "
    "  AND claimed <> 0 GROUP BY 1) r "
    "ORDER BY customer_id, cls, site COLLATE \"C\", model COLLATE \"C\"";

/* Each customer's GPU time by cell, all of it and its training jobs'
 * (owned.h: the usage its invoice billed). */
static const char weights_sql[] =
    "WITH " CONTRACTS ", " OWNED_WINDOWS ", " OWNED_USAGE ", " TRAINING_JOBS
    "SELECT u.id, u.site, u.model, sum(u.quantity), "
    "  coalesce(sum(u.quantity) FILTER (WHERE tj.job IS NOT NULL), 0) "
    "FROM u LEFT JOIN (SELECT DISTINCT account, job FROM tj) tj ON tj.account = u.account "
    " AND tj.job = u.job WHERE u.meter = 'gpu_ms' "
    "GROUP BY 1, 2, 3 ORDER BY u.id, u.site COLLATE \"C\", u.model COLLATE \"C\"";

/* Per training job (customer, account, job, model size): its tokens (model
 * '') and its GPU time on each accelerator model. */
static const char tokens_sql[] =
    "WITH " CONTRACTS ", " OWNED_WINDOWS ", " OWNED_USAGE ", " TRAINING_JOBS
    "SELECT * FROM (SELECT tj.id, tj.account, tj.job, tj.model_params AS params, g.model, "
    " sum(g.quantity) FROM tj JOIN u g "
    " ON g.account = tj.account AND g.job = tj.job AND g.meter = 'gpu_ms' "
    " AND g.lo = tj.lo AND g.hi = tj.hi GROUP BY 1, 2, 3, 4, 5 "
    "UNION ALL SELECT u.id, u.account, u.job, u.model_params, '', sum(u.quantity) "
    " FROM u WHERE u.meter = 'tokens' GROUP BY 1, 2, 3, 4) t "
    "ORDER BY id, account COLLATE \"C\", job COLLATE \"C\", params, model COLLATE \"C\"";


static struct yield_cell *cell_get(struct yield_cells *m, const char *site, const char *node,
                                   const char *model)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->v[i].site, site) && !strcmp(m->v[i].node, node) &&
            !strcmp(m->v[i].model, model))
            return &m->v[i];
    ALLOC_GROW(m->v, m->n, m->cap, 16);
    struct yield_cell *c = &m->v[m->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->site, sizeof c->site, "%s", site);
    snprintf(c->node, sizeof c->node, "%s", node);
    snprintf(c->model, sizeof c->model, "%s", model);
    return c;
}

static int64_t get(const PGresult *res, int r, int c)
{
    int64_t v = 0;
    db_get_int64(res, r, c, &v);
    return v;
}

/* A stored decimal (at most 6 decimals, validated) in millionths; dflt
 * when NULL. */
static bool get_micro(const PGresult *res, int r, int c, int64_t dflt, int64_t *out)
{
    *out = dflt;
    if (PQgetisnull(res, r, c)) return true;
    const char *v = PQgetvalue(res, r, c);
    return decimal_parse(v, strlen(v), 6, DECIMAL_EXACT, out);
}

/* Row r of cells_sql priced into c, with its energy by local hour: idle
 * (mj[0]) and allocated (mj[1]). */
static bool cell_costs(const PGresult *res, int r, const int64_t mj[2][YIELD_HOURS],
                       struct yield_cell *c)
{
    int64_t pue = 0, cost = 0, digits = 0, devices = 0, life = 0, age = 0;
    bool ok = get_micro(res, r, 9, 1000000, &pue) && get_micro(res, r, 11, 0, &cost);
    bool priced = !PQgetisnull(res, r, 15); /* a currency that exists */
    db_get_int64(res, r, 15, &digits);
    ok = ok && yield_facility_mkwh(c->idle_mj, pue, &c->idle_mkwh) &&
         yield_facility_mkwh(c->used_mj, pue, &c->used_mkwh);
    c->tariff = !PQgetisnull(res, r, 8);
    if (ok && c->tariff && priced) {
        struct tariff t;
        ok = docstore_parse(&tariff_kind, PQgetvalue(res, r, 8), &t) &&
             yield_energy_cost(mj[0], &t, pue, (int)digits, &c->idle_cost) &&
             yield_energy_cost(mj[1], &t, pue, (int)digits, &c->used_cost);
    }
    c->asset = !PQgetisnull(res, r, 10);
    if (ok && c->asset && priced) {
        db_get_int64(res, r, 10, &devices);
        db_get_int64(res, r, 12, &life);
        db_get_int64(res, r, 14, &age);
        ok = yield_purchase(devices, cost, (int)digits, &c->purchase) &&
             (age >= life || age < 0 ||
              yield_depreciation(devices, cost, life, (int)digits, &c->depreciation));
    }
    snprintf(c->since, sizeof c->since, "%s", PQgetvalue(res, r, 13));
    if (!ok) log_error("the costs of %s %s do not validate or do not fit in 64 bits", c->site,
                       c->model);
    return ok;
}

static bool read_cells(PGconn *conn, const char *const *p, struct yield_cells *m)
{
    assert(m->n == 0); /* row r of cells_sql is cell r */
    PGresult *res = db_query(conn, "read capacity, energy and assets", cells_sql, 2, p);
    PGresult *hours = res ? db_query(conn, "read energy by local hour", energy_sql, 1, p) : NULL;
    int n = res ? PQntuples(res) : 0;
    int64_t(*mj)[2][YIELD_HOURS] = xcalloc((size_t)n + 1, sizeof *mj);
    for (int r = 0; hours && r < n; r++) {
        struct yield_cell *c = cell_get(m, PQgetvalue(res, r, 0), "", PQgetvalue(res, r, 1));
        int64_t *q[] = {&c->installed, &c->allocated, &c->whole,
                        &c->stranded,  &c->idle_mj,   &c->used_mj};
        for (int k = 0; k < 6; k++)
            *q[k] = get(res, r, 2 + k);
    }
    for (int r = 0; hours && r < PQntuples(hours); r++) {
        size_t i = 0;
        while (i < m->n && (strcmp(m->v[i].site, PQgetvalue(hours, r, 0)) ||
                            strcmp(m->v[i].model, PQgetvalue(hours, r, 1))))
            i++;
        int64_t h = get(hours, r, 2);
        assert(i < m->n && h >= 0 && h < YIELD_HOURS); /* every such cell is a row */
        mj[i][0][h] = get(hours, r, 3);
        mj[i][1][h] = get(hours, r, 4);
    }
    bool ok = hours != NULL;
    for (int r = 0; ok && r < n; r++)
        ok = cell_costs(res, r, mj[r], &m->v[r]);
    free(mj);
    PQclear(hours);
    PQclear(res);
    return ok;
}

/* One customer's GPU time by cell, rows [from, to) of weights_sql. */
struct weights {
    const PGresult *res;
    int from, to;
};

static void weights_of(const PGresult *res, int *cursor, const char *customer, struct weights *w)
{
    int n = PQntuples(res);
    long long id = atoll(customer);
    while (*cursor < n && atoll(PQgetvalue(res, *cursor, 0)) < id)
        ++*cursor;
    w->res = res;
    w->from = w->to = *cursor; /* the cursor stays on the customer's first row */
    while (w->to < n && atoll(PQgetvalue(res, w->to, 0)) == id)
        w->to++;
}

/* Splits amount of class cls over the customer's cells by GPU time
 * (column 3, all; 4, its training jobs'), only over the cells of model
 * when model is not NULL; with no such time, over all its GPU time; with
 * none at all, to the unallocated cell. */
static void split_amount(struct yield_cells *m, const struct weights *w, int column,
                         const char *model, enum rev cls, int64_t amount)
{
    int n = w->to - w->from;
    int64_t *weight = xcalloc((size_t)n + 1, sizeof *weight);
    int64_t *share = xcalloc((size_t)n + 1, sizeof *share);
    for (int i = 0; i < n; i++)
        weight[i] = model && strcmp(PQgetvalue(w->res, w->from + i, 2), model)
                        ? 0
                        : get(w->res, w->from + i, column);
    for (int i = 0; i < n; i++) /* usage is never negative (schema 001's CHECK) */
        assert(weight[i] >= 0 && get(w->res, w->from + i, 3) >= weight[i]);
    if (!money_split(amount, weight, (size_t)n, share)) {
        for (int i = 0; i < n; i++)
            weight[i] = get(w->res, w->from + i, 3);
        money_split(amount, weight, (size_t)n, share);
    }
    int64_t given = 0;
    for (int i = 0; i < n; i++) {
        if (!share[i]) continue;
        cell_get(m, PQgetvalue(w->res, w->from + i, 1), "", PQgetvalue(w->res, w->from + i, 2))
            ->rev[cls] += share[i];
        given += share[i];
    }
    if (given != amount) cell_get(m, "-", "", "-")->rev[cls] += amount - given;
    free(weight);
    free(share);
}

/* What a by-token customer's token lines came to, for the token section. */

static bool read_revenue(PGconn *conn, const char *const *p, struct yield_cells *m,
                         struct yield_token_revenues *tr)
{
    const char *pw[] = {p[0], NULL, "{}"};
    PGresult *rev = db_query(conn, "read the month's invoices", revenue_sql, 2, p);
    /* GPU time is needed only for amounts that are not on a site and model
     * of their own (a month without invoices, as before an asset earns,
     * needs none) */
    bool split = false;
    for (int r = 0; rev && r < PQntuples(rev); r++) {
        int cls = (int)get(rev, r, 1);
        split |= !((cls == R_GPU || cls == R_ENERGY) && PQgetvalue(rev, r, 2)[0] &&
                   PQgetvalue(rev, r, 3)[0]);
    }
    PGresult *wts =
        rev && split ? db_query(conn, "read each customer's GPU time", weights_sql, 3, pw) : NULL;
    bool ok = rev && (wts || !split);
    int cursor = 0;
    int64_t in = 0, before = 0, after = 0;
    for (size_t i = 0; i < m->n; i++)
        for (int k = 0; k < NREV; k++)
            before += m->v[i].rev[k];
    for (int r = 0; ok && r < PQntuples(rev); r++) {
        const char *customer = PQgetvalue(rev, r, 0);
        int cls = (int)get(rev, r, 1);
        int64_t amount = get(rev, r, 4);
        const char *site = PQgetvalue(rev, r, 2), *model = PQgetvalue(rev, r, 3);
        /* programs' payments count positive; claims (6) are after-tax vouchers */
        enum rev to = cls == 6 ? R_VOUCHER : (enum rev)cls;
        if (cls == R_SUBSIDY || cls == R_VOUCHER) amount = -amount;
        in += amount;
        if ((cls == R_GPU || cls == R_ENERGY) && site[0] && model[0]) {
            cell_get(m, site, "", model)->rev[to] += amount;
            continue;
        }
        struct weights w;
        weights_of(wts, &cursor, customer, &w);
        if (cls == R_TOKENS) m->has_tokens = true;
        if (cls == R_TOKENS && tr) {
            ALLOC_GROW(tr->v, tr->n, tr->cap, 16);
            tr->v[tr->n++] = (struct yield_token_revenue){atoll(customer), amount};
        }
        bool by_model = (cls == R_GPU || cls == R_ENERGY) && model[0];
        split_amount(m, &w, cls == R_TOKENS ? 4 : 3, by_model ? model : NULL, to, amount);
    }
    for (size_t i = 0; i < m->n; i++)
        for (int k = 0; k < NREV; k++)
            after += m->v[i].rev[k];
    assert(!ok || after - before == in); /* every amount went to exactly one cell */
    PQclear(rev);
    PQclear(wts);
    return ok;
}

static const char *bracket(int64_t params)
{
    if (params <= 0) return "unknown";
    if (params <= 16000000000LL) return "<=16B";
    if (params <= 80000000000LL) return "16B-80B";
    return ">80B";
}

static struct yield_token_row *token_row(struct yield_tokens *t, const char *model, const char *br)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].model, model) && !strcmp(t->v[i].bracket, br)) return &t->v[i];
    ALLOC_GROW(t->v, t->n, t->cap, 8);
    struct yield_token_row *row = &t->v[t->n++];
    memset(row, 0, sizeof *row);
    snprintf(row->model, sizeof row->model, "%s", model);
    row->bracket = br;
    return row;
}

/* The columns of tokens_sql that make one training job. */
static bool same_job(const PGresult *res, int a, int b)
{
    for (int k = 0; k < 4; k++)
        if (strcmp(PQgetvalue(res, a, k), PQgetvalue(res, b, k))) return false;
    return true;
}

/* Each job's tokens split over the accelerator models it ran on by GPU
 * time (one model: all of them), summed per model and model size; then each
 * by-token customer's token revenue split over its models by those tokens.
 * Rows of tokens_sql. */
bool yield_read_tokens(PGconn *conn, const char *first_day,
                       const struct yield_token_revenues *tr, struct yield_tokens *t)
{
    const char *p[] = {first_day, NULL, "{}"};
    PGresult *res = db_query(conn, "read training tokens", tokens_sql, 3, p);
    int n = res ? PQntuples(res) : 0;
    struct yield_tokens mine = {0}; /* the current customer's tokens per model ("all" size) */
    for (int r = 0; r < n;) {
        int end = r;
        while (end < n && same_job(res, r, end))
            end++;
        /* '' sorts first: the job's tokens, then its GPU time per model */
        int64_t tokens = PQgetvalue(res, r, 4)[0] ? 0 : get(res, r, 5);
        int first = PQgetvalue(res, r, 4)[0] ? r : r + 1, k = end - first;
        const char *br = bracket(get(res, r, 3));
        int64_t *weight = xcalloc((size_t)k + 1, sizeof *weight);
        int64_t *share = xcalloc((size_t)k + 1, sizeof *share);
        for (int i = 0; i < k; i++) {
            weight[i] = get(res, first + i, 5);
            assert(weight[i] >= 0); /* GPU time (schema 001's CHECK) */
        }
        bool split = money_split(tokens, weight, (size_t)k, share);
        for (int i = 0; i < (split ? k : 1); i++) {
            const char *model = split ? PQgetvalue(res, first + i, 4) : "-";
            int64_t tk = split ? share[i] : tokens, ms = split ? weight[i] : 0;
            struct yield_token_row *row = token_row(t, model, br);
            row->tokens += tk;
            row->gpu_ms += ms;
            token_row(&mine, model, "all")->tokens += tk;
        }
        free(weight);
        free(share);
        bool last_of_customer = end == n || strcmp(PQgetvalue(res, end, 0), PQgetvalue(res, r, 0));
        if (last_of_customer) {
            long long id = atoll(PQgetvalue(res, r, 0));
            for (size_t i = 0; tr && i < tr->n; i++) {
                if (tr->v[i].customer != id) continue;
                int64_t *tk = xcalloc(mine.n + 1, sizeof *tk),
                        *sh = xcalloc(mine.n + 1, sizeof *sh);
                for (size_t j = 0; j < mine.n; j++)
                    tk[j] = mine.v[j].tokens;
                if (money_split(tr->v[i].amount, tk, mine.n, sh))
                    for (size_t j = 0; j < mine.n; j++) /* kept on the model's "all" row */
                        token_row(t, mine.v[j].model, "all")->revenue += sh[j];
                free(tk);
                free(sh);
            }
            mine.n = 0;
        }
        r = end;
    }
    free(mine.v);
    bool ok = res != NULL;
    PQclear(res);
    return ok;
}

int64_t yield_revenue(const struct yield_cell *c)
{
    return c->rev[R_GPU] + c->rev[R_ENERGY] + c->rev[R_TOKENS] + c->rev[R_OTHER];
}

int64_t yield_margin(const struct yield_cell *c)
{
    return yield_revenue(c) - c->idle_cost - c->used_cost - c->depreciation;
}

bool yield_read_month(PGconn *conn, const char *first_day, const char *currency,
                      struct yield_cells *m, struct yield_token_revenues *tr)
{
    const char *p[] = {first_day, currency};
    return read_cells(conn, p, m) && read_revenue(conn, p, m, tr);
}

/* Adds to each cell of m its margins from its asset's first month up to the
 * month before first_day. */
bool yield_add_margins_to_date(PGconn *conn, const char *first_day, const char *currency,
                               struct yield_cells *m)
{
    int y, mo;
    char earliest[8] = "";
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].since[0] && (!earliest[0] || strcmp(m->v[i].since, earliest) < 0))
            memcpy(earliest, m->v[i].since, sizeof earliest);
    for (size_t i = 0; i < m->n; i++)
        m->v[i].margin_to_date = m->v[i].since[0] ? yield_margin(&m->v[i]) : 0;
    if (!earliest[0] || !time_parse_month(earliest, &y, &mo)) return true;
    for (int k = 0; k < MAX_PAYBACK_MONTHS; k++, mo = mo == 12 ? 1 : mo + 1, y += mo == 1) {
        char day[16];
        snprintf(day, sizeof day, "%04d-%02d-01", y, mo);
        if (strcmp(day, first_day) >= 0) break;
        struct yield_cells past = {0};
        bool ok = yield_read_month(conn, day, currency, &past, NULL);
        for (size_t i = 0; ok && i < past.n; i++) {
            const struct yield_cell *c = &past.v[i];
            if (!c->since[0] || strcmp(day, c->since) < 0) continue; /* before its first month */
            for (size_t j = 0; j < m->n; j++)
                if (!strcmp(m->v[j].site, c->site) && !strcmp(m->v[j].model, c->model))
                    m->v[j].margin_to_date += yield_margin(c);
        }
        free(past.v);
        if (!ok) return false;
    }
    return true;
}

/* ---- rows: cells summed by model or site, or split over nodes ---- */

static void add_cell(struct yield_cell *to, const struct yield_cell *c)
{
    to->installed += c->installed;
    to->allocated += c->allocated;
    to->whole += c->whole;
    to->stranded += c->stranded;
    to->idle_mj += c->idle_mj;
    to->used_mj += c->used_mj;
    to->idle_mkwh += c->idle_mkwh;
    to->used_mkwh += c->used_mkwh;
    to->idle_cost += c->idle_cost;
    to->used_cost += c->used_cost;
    to->depreciation += c->depreciation;
    to->purchase += c->purchase;
    to->margin_to_date += c->margin_to_date;
    to->tariff |= c->tariff;
    to->asset |= c->asset;
    for (int k = 0; k < NREV; k++)
        to->rev[k] += c->rev[k];
}

/* A cell's money over its nodes (rows of nodes_sql), by the weight each
 * figure follows. */
static void split_cell(const struct yield_cell *c, const PGresult *nodes, int from, int to,
                       struct yield_cells *out)
{
    int n = to - from;
    int64_t *w[3], *share = xcalloc((size_t)n + 1, sizeof *share);
    for (int k = 0; k < 3; k++)
        w[k] = xcalloc((size_t)n + 1, sizeof *w[k]);
    /* rows by index: adding a row may move them all */
    size_t *at = xcalloc((size_t)n + 1, sizeof *at);
    for (int i = 0; i < n; i++) {
        int r = from + i;
        struct yield_cell *row = cell_get(out, c->site, PQgetvalue(nodes, r, 1), c->model);
        at[i] = (size_t)(row - out->v);
        int64_t *q[] = {&row->installed, &row->allocated, &row->whole, &row->stranded,
                        &row->idle_mj};
        for (int k = 0; k < 5; k++)
            *q[k] = get(nodes, r, 3 + k);
        w[0][i] = row->allocated;
        w[1][i] = row->idle_mj;
        w[2][i] = row->installed;
        /* capacity is never negative and allocated is part of installed
         * (schema 015's CHECKs) */
        assert(w[0][i] >= 0 && w[1][i] >= 0 && w[2][i] >= w[0][i]);
        row->tariff = c->tariff;
        row->asset = c->asset;
    }
    /* each figure over the nodes by its weight, falling back to installed */
#define SPLIT(field, k)                                                                            \
    do {                                                                                           \
        if (!money_split(c->field, w[k], (size_t)n, share))                                        \
            money_split(c->field, w[2], (size_t)n, share);                                         \
        for (int i = 0; i < n; i++)                                                                \
            out->v[at[i]].field += share[i];                                                       \
    } while (0)
    for (int k = 0; k < NREV; k++)
        SPLIT(rev[k], 0);
    SPLIT(used_cost, 0);
    SPLIT(used_mj, 0);
    SPLIT(used_mkwh, 0);
    SPLIT(idle_mkwh, 1);
    SPLIT(idle_cost, 1);
    SPLIT(depreciation, 2);
#undef SPLIT
    for (int k = 0; k < 3; k++)
        free(w[k]);
    free(share);
    free(at);
}

bool yield_split_nodes(PGconn *conn, const char *first_day, const struct yield_cells *m,
                       struct yield_cells *out)
{
    const char *p[] = {first_day};
    PGresult *nodes = db_query(conn, "read capacity by node", nodes_sql, 1, p);
    int n = nodes ? PQntuples(nodes) : 0;
    for (size_t i = 0; nodes && i < m->n; i++) {
        const struct yield_cell *c = &m->v[i];
        int from = 0, to;
        while (from < n && (strcmp(PQgetvalue(nodes, from, 0), c->site) ||
                            strcmp(PQgetvalue(nodes, from, 2), c->model)))
            from++;
        for (to = from; to < n && !strcmp(PQgetvalue(nodes, to, 0), c->site) &&
                        !strcmp(PQgetvalue(nodes, to, 2), c->model);
             to++)
            ;
        if (from < n) {
            split_cell(c, nodes, from, to, out);
        } else { /* no capacity metered: one row for the cell */
            struct yield_cell *row = cell_get(out, c->site, "-", c->model);
            add_cell(row, c);
            row->margin_to_date = 0;
        }
    }
    bool ok = nodes != NULL;
    PQclear(nodes);
    return ok;
}

void yield_group(const struct yield_cells *m, enum yield_by by, struct yield_cells *out)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct yield_cell *c = &m->v[i];
        bool unallocated = !strcmp(c->site, "-");
        add_cell(cell_get(out,
                          by == YIELD_BY_SITE ? c->site
                          : unallocated       ? "-"
                                              : "",
                          "",
                          by == YIELD_BY_MODEL ? c->model
                          : unallocated        ? "-"
                                               : ""),
                 c);
    }
}
