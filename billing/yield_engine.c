/* yield_engine: the yield's month as cells, their costs, payback and rows
 * (see yield_engine.h). */
#include "billing/yield_engine.h"

#include "billing/yield_alloc.h"
#include "billing/yield_cost.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/decimal.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "terms/asset.h"

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
        struct yield_cell *c = yield_cell_get(m, PQgetvalue(res, r, 0), "", PQgetvalue(res, r, 1));
        int64_t *q[] = {&c->installed, &c->allocated, &c->whole,
                        &c->stranded,  &c->idle_mj,   &c->used_mj};
        for (int k = 0; k < 6; k++)
            *q[k] = yield_int(res, r, 2 + k);
    }
    for (int r = 0; hours && r < PQntuples(hours); r++) {
        size_t i = 0;
        while (i < m->n && (strcmp(m->v[i].site, PQgetvalue(hours, r, 0)) ||
                            strcmp(m->v[i].model, PQgetvalue(hours, r, 1))))
            i++;
        int64_t h = yield_int(hours, r, 2);
        assert(i < m->n && h >= 0 && h < YIELD_HOURS); /* every such cell is a row */
        mj[i][0][h] = yield_int(hours, r, 3);
        mj[i][1][h] = yield_int(hours, r, 4);
    }
    bool ok = hours != NULL;
    for (int r = 0; ok && r < n; r++)
        ok = cell_costs(res, r, mj[r], &m->v[r]);
    free(mj);
    PQclear(hours);
    PQclear(res);
    return ok;
}

bool yield_currency_digits(PGconn *conn, const char *currency, int *digits)
{
    const char *p[] = {currency};
    PGresult *cur = db_query(conn, "read the currency",
                             "SELECT minor_digits FROM currency WHERE code = $1", 1, p);
    if (!cur) return false;
    int64_t v = 2;
    if (PQntuples(cur)) db_get_int64(cur, 0, 0, &v);
    PQclear(cur);
    *digits = (int)v;
    return true;
}

bool yield_read_month(PGconn *conn, const char *first_day, const char *currency,
                      struct yield_cells *m, struct yield_token_revenues *tr)
{
    const char *p[] = {first_day, currency};
    return read_cells(conn, p, m) && yield_allocate(conn, p, m, tr);
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
        struct yield_cell *row = yield_cell_get(out, c->site, PQgetvalue(nodes, r, 1), c->model);
        at[i] = (size_t)(row - out->v);
        int64_t *q[] = {&row->installed, &row->allocated, &row->whole, &row->stranded,
                        &row->idle_mj};
        for (int k = 0; k < 5; k++)
            *q[k] = yield_int(nodes, r, 3 + k);
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
            struct yield_cell *row = yield_cell_get(out, c->site, "-", c->model);
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
        add_cell(yield_cell_get(out,
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
