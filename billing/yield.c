/* yield: the operator's yield report (see yield.h). */
#include "billing/yield.h"

#include "billing/billing.h"
#include "billing/owned.h"
#include "core/alloc.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/money.h"
#include "core/timeutil.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAYBACK_MONTHS 120

/* The month whose first day is $1 as instants in the operator's zone. */
#define OPERATOR_MONTH                                                                             \
    "win AS (SELECT $1::date::timestamp AT TIME ZONE default_time_zone() AS lo, "                  \
    "        ($1::date + interval '1 month')::timestamp AT TIME ZONE default_time_zone() AS hi)"

/* The multiplier of each site's tariff for each local hour (1 outside its
 * bands), after OPERATOR_MONTH. Costs are rounded half up once per cell:
 * mJ x multiplier x PUE x price per kWh x 10^digits / 3.6e9, exact in
 * numeric, then div(2x + d, 2d). */
#define TARIFF_BANDS                                                                               \
    OPERATOR_MONTH                                                                                 \
        ", "                                                                                       \
        "tariff AS (SELECT code AS site, (document->>'price_per_kwh')::numeric AS price, "         \
        "document "                                                                                \
        "        FROM document_in_effect('tariff', $1::date) WHERE document->>'currency' = $2), "  \
        "band AS (SELECT t.site, h.h, coalesce((SELECT (b->>'multiplier')::numeric "               \
        "        FROM jsonb_array_elements(coalesce(t.document->'time_of_use', '[]')) b "          \
        "        WHERE CASE WHEN (b->>'from')::int < (b->>'to')::int % 24 "                        \
        "              THEN h.h >= (b->>'from')::int AND h.h < (b->>'to')::int % 24 "              \
        "              ELSE h.h >= (b->>'from')::int OR h.h < (b->>'to')::int % 24 END), 1) AS "   \
        "mult "                                                                                    \
        "        FROM tariff t CROSS JOIN generate_series(0, 23) h(h)) "

static const char cells_sql[] =
    "WITH " TARIFF_BANDS ", "
    "cap AS (SELECT c.site, c.model, sum(c.installed_ms) i, sum(c.allocated_ms) a, "
    "        sum(c.idle_whole_ms) w, sum(c.idle_stranded_ms) s, sum(c.idle_energy_mj) e, "
    "        sum(c.idle_energy_mj * b.mult) en FROM capacity_hourly c CROSS JOIN win "
    "        LEFT JOIN band b ON b.site = c.site "
    "         AND b.h = extract(hour FROM c.hour AT TIME ZONE default_time_zone()) "
    "        WHERE c.hour >= win.lo AND c.hour < win.hi GROUP BY 1, 2), "
    /* The window as scalar subqueries, not a join with win: PostgreSQL
     * then prunes usage_hourly's monthly partitions when it runs the
     * query, so a month without usage (payback's earlier months) reads
     * none of them instead of every one. */
    "used AS (SELECT u.site, u.model, sum(u.quantity) e, sum(u.quantity * b.mult) en "
    "        FROM usage_hourly u LEFT JOIN band b ON b.site = u.site "
    "         AND b.h = extract(hour FROM u.hour AT TIME ZONE default_time_zone()) "
    "        WHERE u.meter = 'energy_mj' AND u.hour >= (SELECT lo FROM win) "
    "          AND u.hour < (SELECT hi FROM win) "
    "        GROUP BY 1, 2), "
    "asset AS (SELECT d.document->>'site' AS site, d.document->>'model' AS model, "
    "        (d.document->>'devices')::numeric AS devices, "
    "        (d.document->>'cost_per_device')::numeric AS cost, "
    "        (d.document->>'life_months')::int AS life, "
    "        (SELECT min(x.effective_from) FROM document x WHERE x.kind = 'asset' "
    "          AND x.code = d.code) AS since "
    "        FROM document_in_effect('asset', $1::date) d WHERE d.document->>'currency' = $2), "
    "cells AS (SELECT site, model FROM cap UNION SELECT site, model FROM used "
    "        UNION SELECT site, model FROM asset), "
    "x AS (SELECT cl.site, cl.model, cap.i, cap.a, cap.w, cap.s, cap.e AS idle_e, "
    "        cap.en AS idle_en, used.e AS used_e, used.en AS used_en, t.price, "
    "        coalesce((SELECT (s.document->>'pue')::numeric FROM document_in_effect('site', "
    "          $1::date) s WHERE s.code = cl.site), 1) AS pue, "
    "        power(10::numeric, (SELECT minor_digits FROM currency WHERE code = $2)) AS unit, "
    "        asset.devices, asset.cost, asset.life, asset.since, "
    "        (extract(year FROM $1::date) - extract(year FROM asset.since)) * 12 "
    "          + extract(month FROM $1::date) - extract(month FROM asset.since) AS age "
    "      FROM cells cl LEFT JOIN cap USING (site, model) LEFT JOIN used USING (site, model) "
    "      LEFT JOIN asset USING (site, model) LEFT JOIN tariff t ON t.site = cl.site) "
    "SELECT site, model, coalesce(i, 0), coalesce(a, 0), coalesce(w, 0), coalesce(s, 0), "
    "  coalesce(idle_e, 0), coalesce(used_e, 0), price IS NOT NULL, devices IS NOT NULL, "
    "  CASE WHEN price IS NULL THEN 0 ELSE "
    "    div(2 * coalesce(idle_en, 0) * pue * price * unit + 3600000000, 7200000000) END, "
    "  CASE WHEN price IS NULL THEN 0 ELSE "
    "    div(2 * coalesce(used_en, 0) * pue * price * unit + 3600000000, 7200000000) END, "
    "  CASE WHEN devices IS NULL OR age >= life OR age < 0 THEN 0 ELSE "
    "    div(2 * devices * cost * unit + life, 2 * life) END, "
    "  coalesce(div(2 * devices * cost * unit + 1, 2), 0), coalesce(to_char(since, 'YYYY-MM'), "
    "''), "
    "  div(2 * coalesce(idle_e, 0) * pue + 3600000, 7200000), "
    "  div(2 * coalesce(used_e, 0) * pue + 3600000, 7200000) "
    "FROM x ORDER BY site COLLATE \"C\", model COLLATE \"C\"";

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

enum rev { R_GPU, R_ENERGY, R_TOKENS, R_OTHER, R_SUBSIDY, R_VOUCHER, NREV };

struct cell {
    char site[65], node[65], model[65];
    int64_t installed, allocated, whole, stranded, idle_mj, used_mj;
    bool tariff, asset;
    int64_t idle_cost, used_cost, depreciation, purchase;
    char since[8];
    int64_t idle_mkwh, used_mkwh; /* facility energy, thousandths of a kWh */
    int64_t rev[NREV];            /* subsidy and voucher: what programs paid, > 0 */
    int64_t margin_to_date;       /* payback: margins since the asset's first month */
};

struct month {
    struct cell *v;
    size_t n, cap;
    bool has_tokens; /* some customer's token lines were allocated */
};

struct token_row {
    char model[65];
    const char *bracket;
    int64_t tokens, gpu_ms, revenue;
};

struct tokens {
    struct token_row *v;
    size_t n, cap;
};

static struct cell *cell_get(struct month *m, const char *site, const char *node, const char *model)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->v[i].site, site) && !strcmp(m->v[i].node, node) &&
            !strcmp(m->v[i].model, model))
            return &m->v[i];
    ALLOC_GROW(m->v, m->n, m->cap, 16);
    struct cell *c = &m->v[m->n++];
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

static bool read_cells(PGconn *conn, const char *const *p, struct month *m)
{
    PGresult *res = db_query(conn, "read capacity, energy and assets", cells_sql, 2, p);
    for (int r = 0; res && r < PQntuples(res); r++) {
        struct cell *c = cell_get(m, PQgetvalue(res, r, 0), "", PQgetvalue(res, r, 1));
        int64_t *q[] = {&c->installed, &c->allocated, &c->whole,
                        &c->stranded,  &c->idle_mj,   &c->used_mj};
        for (int k = 0; k < 6; k++)
            *q[k] = get(res, r, 2 + k);
        c->tariff = PQgetvalue(res, r, 8)[0] == 't';
        c->asset = PQgetvalue(res, r, 9)[0] == 't';
        c->idle_cost = get(res, r, 10);
        c->used_cost = get(res, r, 11);
        c->depreciation = get(res, r, 12);
        c->purchase = get(res, r, 13);
        snprintf(c->since, sizeof c->since, "%s", PQgetvalue(res, r, 14));
        c->idle_mkwh = get(res, r, 15);
        c->used_mkwh = get(res, r, 16);
    }
    bool ok = res != NULL;
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
static void split_amount(struct month *m, const struct weights *w, int column, const char *model,
                         enum rev cls, int64_t amount)
{
    int n = w->to - w->from;
    int64_t *weight = xcalloc((size_t)n + 1, sizeof *weight);
    int64_t *share = xcalloc((size_t)n + 1, sizeof *share);
    for (int i = 0; i < n; i++)
        weight[i] = model && strcmp(PQgetvalue(w->res, w->from + i, 2), model)
                        ? 0
                        : get(w->res, w->from + i, column);
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
struct token_revenue {
    long long customer;
    int64_t amount;
};

struct token_revenues {
    struct token_revenue *v;
    size_t n, cap;
};

static bool read_revenue(PGconn *conn, const char *const *p, struct month *m,
                         struct token_revenues *tr)
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
            tr->v[tr->n++] = (struct token_revenue){atoll(customer), amount};
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

static struct token_row *token_row(struct tokens *t, const char *model, const char *br)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].model, model) && !strcmp(t->v[i].bracket, br)) return &t->v[i];
    ALLOC_GROW(t->v, t->n, t->cap, 8);
    struct token_row *row = &t->v[t->n++];
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
static bool read_tokens(PGconn *conn, const char *first_day, const struct token_revenues *tr,
                        struct tokens *t)
{
    const char *p[] = {first_day, NULL, "{}"};
    PGresult *res = db_query(conn, "read training tokens", tokens_sql, 3, p);
    int n = res ? PQntuples(res) : 0;
    struct tokens mine = {0}; /* the current customer's tokens per model ("all" size) */
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
        for (int i = 0; i < k; i++)
            weight[i] = get(res, first + i, 5);
        bool split = money_split(tokens, weight, (size_t)k, share);
        for (int i = 0; i < (split ? k : 1); i++) {
            const char *model = split ? PQgetvalue(res, first + i, 4) : "-";
            int64_t tk = split ? share[i] : tokens, ms = split ? weight[i] : 0;
            struct token_row *row = token_row(t, model, br);
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

static int64_t revenue(const struct cell *c)
{
    return c->rev[R_GPU] + c->rev[R_ENERGY] + c->rev[R_TOKENS] + c->rev[R_OTHER];
}

static int64_t margin(const struct cell *c)
{
    return revenue(c) - c->idle_cost - c->used_cost - c->depreciation;
}

static bool read_month(PGconn *conn, const char *first_day, const char *currency, struct month *m,
                       struct token_revenues *tr)
{
    const char *p[] = {first_day, currency};
    return read_cells(conn, p, m) && read_revenue(conn, p, m, tr);
}

/* Adds to each cell of m its margins from its asset's first month up to the
 * month before first_day. */
static bool add_margins_to_date(PGconn *conn, const char *first_day, const char *currency,
                                struct month *m)
{
    int y, mo;
    char earliest[8] = "";
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].since[0] && (!earliest[0] || strcmp(m->v[i].since, earliest) < 0))
            memcpy(earliest, m->v[i].since, sizeof earliest);
    for (size_t i = 0; i < m->n; i++)
        m->v[i].margin_to_date = m->v[i].since[0] ? margin(&m->v[i]) : 0;
    if (!earliest[0] || !time_parse_month(earliest, &y, &mo)) return true;
    for (int k = 0; k < MAX_PAYBACK_MONTHS; k++, mo = mo == 12 ? 1 : mo + 1, y += mo == 1) {
        char day[16];
        snprintf(day, sizeof day, "%04d-%02d-01", y, mo);
        if (strcmp(day, first_day) >= 0) break;
        struct month past = {0};
        bool ok = read_month(conn, day, currency, &past, NULL);
        for (size_t i = 0; ok && i < past.n; i++) {
            const struct cell *c = &past.v[i];
            if (!c->since[0] || strcmp(day, c->since) < 0) continue; /* before its first month */
            for (size_t j = 0; j < m->n; j++)
                if (!strcmp(m->v[j].site, c->site) && !strcmp(m->v[j].model, c->model))
                    m->v[j].margin_to_date += margin(c);
        }
        free(past.v);
        if (!ok) return false;
    }
    return true;
}

/* ---- rows: cells summed by model or site, or split over nodes ---- */

static void add_cell(struct cell *to, const struct cell *c)
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
static void split_cell(const struct cell *c, const PGresult *nodes, int from, int to,
                       struct month *out)
{
    int n = to - from;
    int64_t *w[3], *share = xcalloc((size_t)n + 1, sizeof *share);
    for (int k = 0; k < 3; k++)
        w[k] = xcalloc((size_t)n + 1, sizeof *w[k]);
    /* rows by index: adding a row may move them all */
    size_t *at = xcalloc((size_t)n + 1, sizeof *at);
    for (int i = 0; i < n; i++) {
        int r = from + i;
        struct cell *row = cell_get(out, c->site, PQgetvalue(nodes, r, 1), c->model);
        at[i] = (size_t)(row - out->v);
        int64_t *q[] = {&row->installed, &row->allocated, &row->whole, &row->stranded,
                        &row->idle_mj};
        for (int k = 0; k < 5; k++)
            *q[k] = get(nodes, r, 3 + k);
        w[0][i] = row->allocated;
        w[1][i] = row->idle_mj;
        w[2][i] = row->installed;
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

static bool split_nodes(PGconn *conn, const char *first_day, const struct month *m,
                        struct month *out)
{
    const char *p[] = {first_day};
    PGresult *nodes = db_query(conn, "read capacity by node", nodes_sql, 1, p);
    int n = nodes ? PQntuples(nodes) : 0;
    for (size_t i = 0; nodes && i < m->n; i++) {
        const struct cell *c = &m->v[i];
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
            struct cell *row = cell_get(out, c->site, "-", c->model);
            add_cell(row, c);
            row->margin_to_date = 0;
        }
    }
    bool ok = nodes != NULL;
    PQclear(nodes);
    return ok;
}

static void group(const struct month *m, enum yield_by by, struct month *out)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct cell *c = &m->v[i];
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

static int row_cmp(const void *pa, const void *pb)
{
    const struct cell *a = pa, *b = pb;
    bool ua = !strcmp(a->site, "-") || !strcmp(a->model, "-");
    bool ub = !strcmp(b->site, "-") || !strcmp(b->model, "-");
    if (ua != ub) return ua ? 1 : -1; /* the unallocated row last */
    int c = strcmp(a->site, b->site);
    if (!c) c = strcmp(a->node, b->node);
    return c ? c : strcmp(a->model, b->model);
}

/* ---- output ---- */

struct fmt {
    struct strbuf *out;
    int digits;
    enum report_format format;
};

void report_gpu_hours(int64_t ms, char *buf, size_t len)
{
    int64_t milli = 0;
    money_div_round(ms, 3600, &milli);
    money_format(milli, 3, buf, len);
}

/* amount per GPU-hour of ms, in minor units, rounded half up; "-" for none. */
static void per_hour(int64_t amount, int64_t ms, int digits, char *buf, size_t len)
{
    int64_t v;
    if (ms <= 0 || !money_div_round((__int128)amount * 3600000, ms, &v)) {
        snprintf(buf, len, "-");
        return;
    }
    money_format(v, digits, buf, len);
}

/* Utilisation or payback in percent with 1 decimal; "-" for none. */
static void percent(int64_t part, int64_t whole, char *buf, size_t len)
{
    int64_t v;
    if (whole <= 0 || !money_div_round((__int128)part * 1000, whole, &v)) {
        snprintf(buf, len, "-");
        return;
    }
    money_format(v, 1, buf, len);
}

static const char *row_name(const struct cell *c, enum yield_by by, char *buf, size_t len)
{
    if (!strcmp(c->site, "-") || !strcmp(c->model, "-"))
        snprintf(buf, len, "(no GPU time)");
    else if (by == YIELD_BY_MODEL)
        snprintf(buf, len, "%s", c->model);
    else if (by == YIELD_BY_SITE)
        snprintf(buf, len, "%s", c->site);
    else
        snprintf(buf, len, "%s/%s %s", c->site, c->node, c->model);
    return buf;
}

enum col {
    C_INSTALLED,
    C_ALLOCATED,
    C_UTIL,
    C_WHOLE,
    C_STRANDED,
    C_REVENUE,
    C_GPU,
    C_TOKENS,
    C_ENERGY_BILLED,
    C_OTHER,
    C_PER_INSTALLED,
    C_PER_ALLOCATED,
    C_VOUCHERS,
    C_SUBSIDIES,
    C_KWH_ALLOCATED,
    C_KWH_IDLE,
    C_ENERGY_COST,
    C_DEPRECIATION,
    C_MARGIN,
    C_MARGIN_TO_DATE,
    C_PURCHASE,
    C_PAYBACK,
    NCOLS
};

static const char *const col_name[NCOLS] = {"installed_gpu_hours",
                                            "allocated_gpu_hours",
                                            "utilisation_pct",
                                            "idle_whole_gpu_hours",
                                            "idle_stranded_gpu_hours",
                                            "revenue",
                                            "revenue_gpu_hours",
                                            "revenue_tokens",
                                            "energy_billed",
                                            "revenue_other",
                                            "revenue_per_installed_gpu_hour",
                                            "revenue_per_allocated_gpu_hour",
                                            "paid_by_vouchers",
                                            "paid_by_subsidies",
                                            "facility_kwh_allocated",
                                            "facility_kwh_idle",
                                            "energy_cost",
                                            "depreciation",
                                            "margin",
                                            "margin_to_date",
                                            "purchase_cost",
                                            "payback_pct"};

/* Every column of a row as text. */
static void row_values(const struct cell *c, int digits, bool payback, char v[NCOLS][40])
{
    report_gpu_hours(c->installed, v[C_INSTALLED], 40);
    report_gpu_hours(c->allocated, v[C_ALLOCATED], 40);
    percent(c->allocated, c->installed, v[C_UTIL], 40);
    report_gpu_hours(c->whole, v[C_WHOLE], 40);
    report_gpu_hours(c->stranded, v[C_STRANDED], 40);
    money_format(revenue(c), digits, v[C_REVENUE], 40);
    money_format(c->rev[R_GPU], digits, v[C_GPU], 40);
    money_format(c->rev[R_TOKENS], digits, v[C_TOKENS], 40);
    money_format(c->rev[R_ENERGY], digits, v[C_ENERGY_BILLED], 40);
    money_format(c->rev[R_OTHER], digits, v[C_OTHER], 40);
    per_hour(revenue(c), c->installed, digits, v[C_PER_INSTALLED], 40);
    per_hour(revenue(c), c->allocated, digits, v[C_PER_ALLOCATED], 40);
    money_format(c->rev[R_VOUCHER], digits, v[C_VOUCHERS], 40);
    money_format(c->rev[R_SUBSIDY], digits, v[C_SUBSIDIES], 40);
    money_format(c->used_mkwh, 3, v[C_KWH_ALLOCATED], 40);
    money_format(c->idle_mkwh, 3, v[C_KWH_IDLE], 40);
    if (c->tariff)
        money_format(c->idle_cost + c->used_cost, digits, v[C_ENERGY_COST], 40);
    else
        snprintf(v[C_ENERGY_COST], 40, "-");
    if (c->asset)
        money_format(c->depreciation, digits, v[C_DEPRECIATION], 40);
    else
        snprintf(v[C_DEPRECIATION], 40, "-");
    money_format(margin(c), digits, v[C_MARGIN], 40);
    if (payback && c->asset) {
        money_format(c->margin_to_date, digits, v[C_MARGIN_TO_DATE], 40);
        money_format(c->purchase, digits, v[C_PURCHASE], 40);
        percent(c->margin_to_date, c->purchase, v[C_PAYBACK], 40);
    } else {
        for (int k = C_MARGIN_TO_DATE; k <= C_PAYBACK; k++)
            snprintf(v[k], 40, "-");
    }
}

static int token_cmp(const void *pa, const void *pb)
{
    const struct token_row *a = pa, *b = pb;
    int c = strcmp(a->model, b->model);
    return c ? c : strcmp(a->bracket, b->bracket);
}

/* Per accelerator model: a row per model size, then "all" with the token
 * revenue its tokens earned (each customer's token lines split over its
 * models by tokens) and what that paid per GPU-hour of training. */
static void put_tokens(struct tokens *t, const struct fmt *f)
{
    if (t->n) qsort(t->v, t->n, sizeof *t->v, token_cmp);
    if (f->format == REPORT_TEXT)
        sb_printf(f->out,
                  "\nby-token training: tokens per GPU-hour and what they paid\n%-16s "
                  "%-8s %18s %14s %16s %16s %16s\n",
                  "model", "size", "tokens", "GPU-hours", "tokens/GPU-hour", "token revenue",
                  "per GPU-hour");
    if (f->format == REPORT_CSV)
        sb_puts(f->out, "\nmodel,size,tokens,gpu_hours,gpu_ms,tokens_per_gpu_hour,token_revenue,"
                        "token_revenue_per_gpu_hour\n");
    if (f->format == REPORT_JSON) sb_puts(f->out, ",\"tokens\":[");
    bool first = true;
    for (size_t i = 0; i < t->n;) {
        size_t end = i;
        int64_t tokens = 0, ms = 0, rev = 0;
        while (end < t->n && !strcmp(t->v[end].model, t->v[i].model)) {
            tokens += t->v[end].tokens, ms += t->v[end].gpu_ms, rev += t->v[end].revenue;
            end++;
        }
        for (size_t k = i; k <= end; k++) {
            bool all = k == end;
            if (!all && !strcmp(t->v[k].bracket, "all")) continue; /* revenue only */
            const char *size = all ? "all" : t->v[k].bracket;
            int64_t tk = all ? tokens : t->v[k].tokens, g = all ? ms : t->v[k].gpu_ms, per;
            char hours[40], tph[40], r[40], eff[40];
            report_gpu_hours(g, hours, sizeof hours);
            if (g > 0 && money_div_round((__int128)tk * 3600000, g, &per))
                snprintf(tph, sizeof tph, "%lld", (long long)per);
            else
                snprintf(tph, sizeof tph, "-");
            if (all) {
                money_format(rev, f->digits, r, sizeof r);
                per_hour(rev, ms, f->digits, eff, sizeof eff);
            } else {
                snprintf(r, sizeof r, "-");
                snprintf(eff, sizeof eff, "-");
            }
            if (f->format == REPORT_TEXT)
                sb_printf(f->out, "%-16s %-8s %18lld %14s %16s %16s %16s\n", t->v[i].model, size,
                          (long long)tk, hours, tph, r, eff);
            else if (f->format == REPORT_CSV) {
                csv_field(f->out, t->v[i].model);
                sb_printf(f->out, ",%s,%lld,%s,%lld,%s,%s,%s\n", size, (long long)tk, hours,
                          (long long)g, tph, r, eff);
            } else {
                sb_puts(f->out, first ? "{\"model\":" : ",{\"model\":");
                sb_put_json_string(f->out, t->v[i].model);
                sb_printf(f->out,
                          ",\"size\":\"%s\",\"tokens\":%lld,\"gpu_ms\":%lld,\"gpu_hours\":\"%s\","
                          "\"tokens_per_gpu_hour\":\"%s\",\"token_revenue\":\"%s\","
                          "\"token_revenue_per_gpu_hour\":\"%s\"}",
                          size, (long long)tk, (long long)g, hours, tph, r, eff);
            }
            first = false;
        }
        i = end;
    }
    if (f->format == REPORT_JSON) sb_putc(f->out, ']');
}

static void put_rows(const struct month *rows, enum yield_by by, bool payback, const struct fmt *f)
{
    static const char *const by_name[] = {"model", "site", "node"};
    if (f->format == REPORT_TEXT) {
        int w = 24; /* the name column fits the longest name */
        for (size_t i = 0; i < rows->n; i++) {
            char name[200];
            int len = (int)strlen(row_name(&rows->v[i], by, name, sizeof name));
            if (len > w) w = len;
        }
        sb_printf(f->out, "%-*s %12s %12s %6s %12s %12s %14s %12s %12s %12s %12s\n", w, by_name[by],
                  "installed", "allocated", "util%", "idle whole", "stranded", "revenue",
                  "/inst GPU-h", "/alloc GPU-h", "vouchers", "subsidies");
        for (size_t i = 0; i < rows->n; i++) {
            char v[NCOLS][40], name[200];
            row_values(&rows->v[i], f->digits, payback, v);
            sb_printf(f->out, "%-*s %12s %12s %6s %12s %12s %14s %12s %12s %12s %12s\n", w,
                      row_name(&rows->v[i], by, name, sizeof name), v[C_INSTALLED], v[C_ALLOCATED],
                      v[C_UTIL], v[C_WHOLE], v[C_STRANDED], v[C_REVENUE], v[C_PER_INSTALLED],
                      v[C_PER_ALLOCATED], v[C_VOUCHERS], v[C_SUBSIDIES]);
        }
        sb_printf(f->out, "\n%-*s %14s %14s %12s %13s %12s %14s %14s %14s %8s\n", w, by_name[by],
                  "kWh allocated", "kWh idle", "energy cost", "energy billed", "depreciation",
                  "margin", "margin to date", "purchase", "payback%");
        for (size_t i = 0; i < rows->n; i++) {
            char v[NCOLS][40], name[200];
            row_values(&rows->v[i], f->digits, payback, v);
            sb_printf(f->out, "%-*s %14s %14s %12s %13s %12s %14s %14s %14s %8s\n", w,
                      row_name(&rows->v[i], by, name, sizeof name), v[C_KWH_ALLOCATED],
                      v[C_KWH_IDLE], v[C_ENERGY_COST], v[C_ENERGY_BILLED], v[C_DEPRECIATION],
                      v[C_MARGIN], v[C_MARGIN_TO_DATE], v[C_PURCHASE], v[C_PAYBACK]);
        }
        return;
    }
    if (f->format == REPORT_CSV) {
        sb_puts(f->out, "site,node,model,installed_ms,allocated_ms,idle_whole_ms,idle_stranded_ms");
        for (int k = 0; k < NCOLS; k++)
            sb_printf(f->out, ",%s", col_name[k]);
        sb_putc(f->out, '\n');
    } else {
        sb_puts(f->out, ",\"rows\":[");
    }
    for (size_t i = 0; i < rows->n; i++) {
        const struct cell *c = &rows->v[i];
        char v[NCOLS][40];
        row_values(c, f->digits, payback, v);
        const char *site = by == YIELD_BY_MODEL && strcmp(c->site, "-") ? "" : c->site;
        if (f->format == REPORT_CSV) {
            const char *names[] = {site, c->node,
                                   c->model}; /* collectors' names: quoted if need be */
            for (int k = 0; k < 3; k++) {
                if (k) sb_putc(f->out, ',');
                csv_field(f->out, names[k]);
            }
            sb_printf(f->out, ",%lld,%lld,%lld,%lld", (long long)c->installed,
                      (long long)c->allocated, (long long)c->whole, (long long)c->stranded);
            for (int k = 0; k < NCOLS; k++)
                sb_printf(f->out, ",%s", v[k]);
            sb_putc(f->out, '\n');
            continue;
        }
        sb_puts(f->out, i ? ",{\"site\":" : "{\"site\":");
        sb_put_json_string(f->out, site);
        sb_puts(f->out, ",\"node\":");
        sb_put_json_string(f->out, c->node);
        sb_puts(f->out, ",\"model\":");
        sb_put_json_string(f->out, c->model);
        sb_printf(f->out,
                  ",\"installed_ms\":%lld,\"allocated_ms\":%lld,\"idle_whole_ms\":%lld,"
                  "\"idle_stranded_ms\":%lld",
                  (long long)c->installed, (long long)c->allocated, (long long)c->whole,
                  (long long)c->stranded);
        for (int k = 0; k < NCOLS; k++)
            sb_printf(f->out, ",\"%s\":\"%s\"", col_name[k], v[k]);
        sb_putc(f->out, '}');
    }
    if (f->format == REPORT_JSON) sb_putc(f->out, ']');
}

bool yield_by_parse(const char *s, enum yield_by *out)
{
    static const char *const names[] = {"model", "site", "node"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i])) return *out = (enum yield_by)i, true;
    return false;
}

bool report_format_parse(const char *s, enum report_format *out)
{
    static const char *const names[] = {"text", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i])) return *out = (enum report_format)i, true;
    return false;
}

bool yield_report(PGconn *conn, const char *period, const char *currency, enum yield_by by,
                  enum report_format format, struct strbuf *out)
{
    char first_day[16];
    time_month_first_day(period, first_day);
    const char *p[] = {currency};
    PGresult *cur = db_query(conn, "read the currency",
                             "SELECT minor_digits FROM currency WHERE code = $1", 1, p);
    if (!cur) return false;
    struct fmt f = {out, PQntuples(cur) ? (int)get(cur, 0, 0) : 2, format};
    PQclear(cur);
    struct month cells = {0}, rows = {0};
    struct tokens tokens = {0};
    struct token_revenues tr = {0};
    bool ok = read_month(conn, first_day, currency, &cells, &tr) &&
              (by == YIELD_BY_NODE || add_margins_to_date(conn, first_day, currency, &cells)) &&
              (!cells.has_tokens || read_tokens(conn, first_day, &tr, &tokens));
    if (ok && by == YIELD_BY_NODE)
        ok = split_nodes(conn, first_day, &cells, &rows);
    else if (ok)
        group(&cells, by, &rows);
    /* What the report leaves out, said rather than dropped silently. */
    const char *pn[] = {first_day, currency};
    PGresult *left =
        ok ? db_query(conn, "look for invoices the report leaves out",
                      "SELECT count(*) FILTER (WHERE status = 'draft' AND currency = $2), "
                      "coalesce(string_agg(DISTINCT currency, ', ' ORDER BY currency) FILTER "
                      "(WHERE status = 'issued' AND currency <> $2), '') FROM invoice "
                      "WHERE kind = 'invoice' AND period = $1::date",
                      2, pn)
           : NULL;
    ok = ok && left;
    if (ok) {
        if (rows.n) qsort(rows.v, rows.n, sizeof *rows.v, row_cmp);
        static const char *const by_name[] = {"model", "site", "node"};
        if (format == REPORT_TEXT)
            sb_printf(out, "yield of %s in %s, by %s (GPU-hours; money in %s)\n\n", period,
                      currency, by_name[by], currency);
        if (format == REPORT_JSON)
            sb_printf(out, "{\"period\":\"%s\",\"currency\":\"%s\",\"by\":\"%s\"", period, currency,
                      by_name[by]);
        const char *drafts = PQgetvalue(left, 0, 0), *others = PQgetvalue(left, 0, 1);
        if (format == REPORT_JSON) {
            sb_printf(out, ",\"drafts_not_counted\":%s,\"other_currencies\":", drafts);
            sb_put_json_string(out, others);
        }
        put_rows(&rows, by, by != YIELD_BY_NODE, &f);
        put_tokens(&tokens, &f);
        if (format == REPORT_JSON) sb_puts(out, "}\n");
        if (format == REPORT_TEXT && strcmp(drafts, "0"))
            sb_printf(out, "\nnote: %s draft invoices of %s are not counted until issued\n", drafts,
                      period);
        if (format == REPORT_TEXT && others[0])
            sb_printf(out,
                      "\nnote: issued invoices of %s in %s are not in this report (--currency)\n",
                      period, others);
    }
    PQclear(left);
    free(cells.v);
    free(rows.v);
    free(tokens.v);
    free(tr.v);
    return ok;
}
