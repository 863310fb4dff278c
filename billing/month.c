/* month: a month's bills read and priced, set-based (see month.h). */
#include "billing/month.h"

#include "billing/owned.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/decimal.h"
#include "core/health_reasons.h"
#include "core/log.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "pricing/charges.h"
#include "pricing/settle.h"
#include "terms/contract.h"
#include "terms/plan.h"
#include "terms/known.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char contracts_sql[] =
    "WITH " CONTRACTS "SELECT k.code, k.name, k.contract, k.document::text, "
    "       k.plan_document::text, cur.minor_digits, to_char($1::date, 'YYYY-MM'), "
    /* whether the zone is off whole hours at either end of the month */
    "       (SELECT bool_or(extract(epoch FROM (t AT TIME ZONE k.tz) - (t AT TIME ZONE 'UTC'))"
    "               ::bigint % 3600 <> 0) FROM (VALUES ($1::date::timestamp AT TIME ZONE k.tz), "
    "        (($1::date + interval '1 month')::timestamp AT TIME ZONE k.tz)) v(t)), k.tz, "
    /* the contract's last day when it was terminated in this month (036) */
    "       (SELECT to_char(t.ends_on, 'YYYY-MM-DD') FROM contract_termination t "
    "        WHERE t.contract = k.contract AND t.ends_on < $1::date + interval '1 month') "
    "FROM k LEFT JOIN currency cur ON cur.code = k.document->>'currency' "
    "ORDER BY k.code COLLATE \"C\"";

/* Usage of the contract's accounts (and job prefixes) on their days, in the
 * contract's time zone (owned.h: from the rollup; by local hour only
 * for customers whose plan has time-of-use bands, $3, since it multiplies
 * the groups by 24). Training jobs (tj) are the jobs that report tokens in
 * the same local month; their GPU rows are flagged, and their GPU time by
 * model size and accelerator model follows as rows of the pseudo-meter
 * tokens_gpu (charges_token_gpu). */
static const char usage_sql[] =
    "WITH " CONTRACTS ", " OWNED_WINDOWS ", " OWNED_USAGE ", " TRAINING_JOBS
    "SELECT * FROM (SELECT u.code AS customer, u.meter, u.model, u.site, u.hour, "
    "       u.model_params, u.meter = 'tokens' OR tj.job IS NOT NULL, sum(u.quantity) "
    "FROM u LEFT JOIN (SELECT DISTINCT account, job FROM tj) tj ON tj.account = u.account "
    " AND tj.job = u.job "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7 "
    "UNION ALL "
    "SELECT tj.code, 'tokens_gpu', g.model, '', 0, tj.model_params, true, sum(g.quantity) "
    "FROM tj JOIN u g ON g.account = tj.account AND g.job = tj.job AND g.meter = 'gpu_ms' "
    " AND g.lo = tj.lo AND g.hi = tj.hi "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7) x "
    "ORDER BY customer COLLATE \"C\", 2, 3, 4, 5, 6, 7";

/* Customers with usage in the month but no contract in effect; the month
 * is local to customer_time_zone (their latest contract's). Usage that an
 * account window of a contract in effect owns (account_window, schema 029,
 * reaching two days either side as billing.c's uncovered usage does) is
 * that customer's, billed on its invoice: an account's next owner, signed
 * from a later month, is not reported for its old owner's usage. */
static const char uncontracted_sql[] =
    "WITH " CONTRACTS ", "
    "aw AS MATERIALIZED (SELECT a.account, a.job_prefix, a.lo, a.hi "
    "   FROM contract_in_effect($1::date) e CROSS JOIN LATERAL account_window(e.customer_id, "
    "     e.time_zone, $1::date - 2, ($1::date + interval '1 month 2 days')::date) a) "
    "SELECT DISTINCT c.code, c.name FROM customer c "
    "CROSS JOIN LATERAL (SELECT customer_time_zone(c.id, $1::date) AS tz) z "
    "JOIN account a ON a.customer_id = c.id JOIN usage_hourly h ON h.account = a.account "
    "WHERE ($2::text[] IS NULL OR c.code = ANY($2::text[])) "
    "  AND NOT EXISTS (SELECT 1 FROM k WHERE k.id = c.id) "
    "  AND h.hour >= $1::date::timestamp AT TIME ZONE z.tz "
    "  AND h.hour < ($1::date + interval '1 month')::timestamp AT TIME ZONE z.tz "
    "  AND NOT EXISTS (SELECT 1 FROM aw WHERE aw.account = h.account "
    "    AND starts_with(h.job, aw.job_prefix) AND h.hour >= aw.lo AND h.hour < aw.hi) "
    "ORDER BY 1";

static const char sites_sql[] =
    "SELECT code, document->>'pue' FROM document_in_effect('site', $1::date)";

/* Open bank entries: one per month that made one (a month either falls
 * short or runs over, never both), signed by the schema's
 * commitment_ledger_signed. */
static const char bank_sql[] =
    "SELECT c.code, ((extract(year FROM l.entry_period) - 1970) * 12 "
    "       + extract(month FROM l.entry_period) - 1)::bigint, bool_or(l.kind = 'carry'), "
    "       sum(l.signed_units), sum(l.signed_value) "
    "FROM commitment_ledger_signed l JOIN customer c ON c.id = l.customer_id "
    "WHERE l.period < $1::date AND ($2::text[] IS NULL OR c.code = ANY($2::text[])) "
    "GROUP BY c.code, l.entry_period HAVING sum(l.signed_units) > 0 "
    "ORDER BY c.code COLLATE \"C\", 2";

/* Vouchers valid this month, what each has paid before, and what its
 * program paid the customer earlier in the year (reversals negative). */
static const char vouchers_sql[] =
    "SELECT d.customer, d.document::text, "
    "  (SELECT coalesce(sum(r.signed_amount), 0) FROM voucher_redemption_signed r "
    "   WHERE r.voucher = d.code AND r.period < $1::date), "
    "  (SELECT coalesce(sum(r.signed_amount), 0) FROM voucher_redemption_signed r "
    "   JOIN customer c ON c.id = r.customer_id WHERE c.code = d.customer "
    "   AND r.program = d.document->>'program' "
    "   AND r.period >= date_trunc('year', $1::date) AND r.period < $1::date) "
    "FROM document_in_effect('voucher', $1::date) d "
    "WHERE (d.document->>'valid_until')::date >= $1::date "
    "  AND ($2::text[] IS NULL OR d.customer = ANY($2::text[])) "
    "ORDER BY d.customer COLLATE \"C\", d.code";

/* The month's SLA evidence of the customers whose contract has an sla, by
 * (model, site) of the reserved devices: sla_device_days (schema 049), the
 * one definition of availability, with the customer-caused codes ($3) of
 * core/health_reasons.h. */
static const char sla_sql[] =
    "WITH " CONTRACTS "SELECT k.code, d.model, d.site, sum(d.metered_ms), sum(d.downtime_ms) "
    "FROM k CROSS JOIN LATERAL sla_device_days(k.id, $1::date, $3::text[]) d "
    "WHERE k.document ? 'sla' "
    "GROUP BY 1, 2, 3 ORDER BY k.code COLLATE \"C\", 2, 3";

/* The index publication each fixed-for-floating settlement of a contract
 * settles at (pricing/index_swap.h), one row per index_swap entry in the
 * document's order: the month lag_months before the invoice's and
 * price_index_latest (schema 056), the one lookup of the value in force;
 * NULLs when none was published. */
static const char swaps_sql[] =
    "WITH " CONTRACTS "SELECT k.code, s.ord, to_char(f.m, 'YYYY-MM'), l.revision, "
    "       to_char(l.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), l.price_micro, "
    "       l.status "
    "FROM k CROSS JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof(k.document->'index_swap') "
    "       WHEN 'array' THEN k.document->'index_swap' ELSE '[]' END) WITH ORDINALITY s(e, ord) "
    "CROSS JOIN LATERAL (SELECT ($1::date - make_interval(months => (s.e->>'lag_months')::int))"
    "       ::date) f(m) "
    "LEFT JOIN LATERAL price_index_latest(f.m, s.e->>'model', k.document->>'currency') l ON true "
    "ORDER BY k.code COLLATE \"C\", 2";

/* The index value in force for an index-linked price: price_index_latest
 * (schema 056, the one definition) of the month lag months before $1, or
 * a row of NULLs when that month, model and currency was never published. */
static const char index_sql[] =
    "SELECT to_char(x.m, 'YYYY-MM'), l.revision, "
    "       to_char(l.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "       l.price_micro "
    "FROM (SELECT ($1::date - make_interval(months => $2::int))::date AS m) x "
    "LEFT JOIN LATERAL price_index_latest(x.m, $3, $4) l ON true";

static const char subsidies_sql[] =
    "SELECT document::text FROM document_in_effect('subsidy', $1::date) ORDER BY code";

/* Everything a month's bills need, read once (month.h's struct
 * month_inputs): immutable once read, so any number of threads may price
 * from it at once. */
struct month_inputs {
    const struct plan *proposed;
    /* the prior-period lines of late usage (late.h, sorted), or NULL for
     * usage lines only: no terms, no prior-period lines */
    const struct prior_lines *prior;
    int64_t period;
    char first_day[16], period_text[8];
    char *customer; /* the one asked for, for the error when there is no bill */
    PGresult *contracts, *usage, *sites, *bank, *vouchers, *subsidies_res, *sla, *swaps;
    PGresult *uncontracted; /* customers with usage and no contract: failed bills */
    struct subsidy *subsidies;
    size_t nsubsidies;
};

/* One pricing of a month's inputs: the connection (index-linked prices
 * are looked up as they are priced), the merge cursors and the parsed
 * documents of the row being billed, on the heap of this one pricing, so
 * concurrent pricings (the API's threads) share nothing mutable. */
struct month {
    const struct month_inputs *in;
    PGconn *conn;
    const struct plan *proposed;
    const struct prior_lines *prior;
    int64_t period;
    const char *first_day;
    const PGresult *contracts, *usage, *sites, *bank, *vouchers, *sla, *swaps;
    const struct subsidy *subsidies;
    size_t nsubsidies;
    struct contract *k;
    struct plan *plan;
    struct plan *linked; /* the bill's plan with its index-linked prices resolved */
    int usage_at, bank_at, vouchers_at, sla_at, swaps_at; /* merge cursors, by customer */
};

static int64_t site_pue(const struct month *m, const char *site)
{
    int64_t ppm = 1000000;
    for (int i = 0; i < PQntuples(m->sites); i++)
        if (!strcmp(PQgetvalue(m->sites, i, 0), site)) {
            const char *v = PQgetvalue(m->sites, i, 1);
            decimal_parse(v, strlen(v), 6, DECIMAL_EXACT, &ppm);
        }
    return ppm;
}

/* The planner misjudges the account-window join by three orders of
 * magnitude and sorts the month's rollup rows on disk; hashing them is
 * right for this one query (JIT is off for every connection, db.c). */
static bool hash_plan(PGconn *conn, bool on)
{
    static const char set[] = "SELECT set_config('enable_sort', 'off', false)";
    static const char reset[] = "SELECT set_config('enable_sort', (SELECT reset_val FROM "
                                "pg_settings WHERE name = 'enable_sort'), false)";
    PGresult *res = db_query_reused(conn, "set the billing query plan", on ? set : reset, 0, NULL);
    PQclear(res);
    return res != NULL;
}

/* The customers (contracts rows) whose plan has time-of-use bands, as an
 * array literal: only their usage is read by local hour. */
static void banded_customers(const struct month_inputs *in, struct strbuf *out)
{
    struct plan *plan = xcalloc(1, sizeof *plan);
    const char *parsed = NULL; /* plans are shared: parse each text once in a row */
    bool banded = false;
    db_array_open(out);
    for (int r = 0; r < PQntuples(in->contracts); r++) {
        const char *text = PQgetvalue(in->contracts, r, 4);
        if (in->proposed) {
            banded = plan_has_bands(in->proposed);
        } else if (!parsed || strcmp(parsed, text)) {
            banded = docstore_parse(&plan_kind, text, plan) && plan_has_bands(plan);
            parsed = text;
        }
        if (banded) db_array_add(out, PQgetvalue(in->contracts, r, 0));
    }
    db_array_close(out);
    free(plan);
}

static bool read_month(PGconn *conn, struct month_inputs *m, const char *customers)
{
    struct strbuf banded = STRBUF_INIT;
    const char *p[] = {m->first_day, customers, NULL};
    m->contracts = db_query_reused(conn, "read the contracts in effect", contracts_sql, 2, p);
    if (m->contracts) banded_customers(m, &banded);
    p[2] = sb_str(&banded);
    m->usage = m->contracts && hash_plan(conn, true)
                   ? db_query_reused(conn, "read usage for billing", usage_sql, 3, p)
                   : NULL;
    sb_free(&banded);
    if (m->usage && !hash_plan(conn, false)) return false;
    m->sites = m->usage ? db_query_reused(conn, "read site PUE", sites_sql, 1, p) : NULL;
    m->bank = m->sites ? db_query_reused(conn, "read the commitment banks", bank_sql, 2, p) : NULL;
    m->vouchers = m->bank ? db_query_reused(conn, "read vouchers", vouchers_sql, 2, p) : NULL;
    m->subsidies_res =
        m->vouchers ? db_query_reused(conn, "read subsidies", subsidies_sql, 1, p) : NULL;
    struct strbuf codes = STRBUF_INIT;
    health_reason_customer_caused_array(&codes);
    p[2] = sb_str(&codes);
    m->sla = m->subsidies_res && m->prior
                 ? db_query_reused(conn, "read the SLA evidence", sla_sql, 3, p)
                 : NULL;
    sb_free(&codes);
    m->swaps = m->sla ? db_query_reused(conn, "read the price index fixings", swaps_sql, 2, p)
                      : NULL;
    if (!m->subsidies_res || (m->prior && (!m->sla || !m->swaps))) return false;
    int n = PQntuples(m->subsidies_res);
    m->subsidies = xcalloc((size_t)n + 1, sizeof *m->subsidies);
    for (int i = 0; i < n; i++) {
        struct subsidy *s = &m->subsidies[m->nsubsidies];
        if (docstore_parse(&subsidy_kind, PQgetvalue(m->subsidies_res, i, 0), s) &&
            (s->until < 0 || time_month_of_day(s->until) >= m->period))
            m->nsubsidies++;
    }
    m->uncontracted =
        db_query_reused(conn, "look for usage without a contract", uncontracted_sql, 2, p);
    return m->uncontracted != NULL;
}

void month_free(struct month_inputs *m)
{
    if (!m) return;
    PQclear(m->contracts);
    PQclear(m->usage);
    PQclear(m->sites);
    PQclear(m->bank);
    PQclear(m->vouchers);
    PQclear(m->subsidies_res);
    PQclear(m->sla);
    PQclear(m->swaps);
    PQclear(m->uncontracted);
    free(m->subsidies);
    free(m->customer);
    free(m);
}

/* Bytes a result holds, near enough to bound a cache by: its values and
 * a cell's overhead each. */
static size_t result_bytes(const PGresult *res)
{
    size_t n = res ? 256 : 0;
    for (int r = 0; res && r < PQntuples(res); r++)
        for (int c = 0; c < PQnfields(res); c++)
            n += (size_t)PQgetlength(res, r, c) + 16;
    return n;
}

size_t month_bytes(const struct month_inputs *m)
{
    const PGresult *all[] = {m->contracts, m->usage,         m->sites, m->bank,
                             m->vouchers,  m->subsidies_res, m->sla,   m->swaps,
                             m->uncontracted};
    size_t n = sizeof *m + (m->nsubsidies + 1) * sizeof *m->subsidies;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        n += result_bytes(all[i]);
    return n;
}

/* One index-linked price of the month resolved: the value in force for
 * its index month, model and currency, and the unit price it makes
 * (index_link.h); false (b->error set) when there is none to price at:
 * the customer's invoice is refused, and says why (docs/investor.md). */
static bool resolve_index_price(struct month *m, struct bill *b, struct model_price *mp)
{
    char lag[16], month[16];
    time_format_month(index_link_month(&mp->link, m->period), month);
    snprintf(lag, sizeof lag, "%d", mp->link.lag_months);
    const char *p[] = {m->first_day, lag, mp->model, b->currency};
    PGresult *res = db_query_reused(m->conn, "look up the price index", index_sql, 4, p);
    if (!res) {
        snprintf(b->error, sizeof b->error, "could not look up the %s index of %s", mp->model,
                 month);
        return false;
    }
    struct index_use *u = &mp->use;
    bool ok = false;
    if (PQgetisnull(res, 0, 1))
        snprintf(b->error, sizeof b->error,
                 "no %s index of %s in %s to price %s at: it was never published "
                 "(gpumeter index publish --period %s)",
                 mp->model, month, b->currency, b->period, month);
    else if (PQgetisnull(res, 0, 3))
        snprintf(b->error, sizeof b->error,
                 "no %s index of %s in %s to price %s at: its newest publication (revision %s) "
                 "withholds it (fewer contributing contracts than index.min_contracts)",
                 mp->model, month, b->currency, b->period, PQgetvalue(res, 0, 1));
    else if (!db_get_int64(res, 0, 1, &u->revision) ||
             !db_get_int64(res, 0, 3, &u->index_micro) ||
             !index_link_price(&mp->link, u->index_micro, &mp->price.unit_price[0]))
        snprintf(b->error, sizeof b->error,
                 "the %s index of %s plus the plan's spread is more than the largest price",
                 mp->model, month);
    else
        ok = true;
    snprintf(u->month, sizeof u->month, "%.7s", ok ? month : ""); /* YYYY-MM */
    snprintf(u->published_at, sizeof u->published_at, "%s", PQgetvalue(res, 0, 2));
    u->link = mp->link;
    PQclear(res);
    return ok;
}

/* Whether the month's usage rows hold GPU time of model. */
static bool uses_model(const struct usage_row *rows, size_t n, const char *model)
{
    for (size_t i = 0; i < n; i++)
        if (meter_bit_code(rows[i].meter) == METER_BIT_GPU && !strcmp(rows[i].model, model))
            return true;
    return false;
}

/* The plan the bill is priced with: p itself, or, when it prices a model
 * at the index, a copy with the price of each such model the month used
 * resolved (a model without usage needs no index); NULL (b->error set)
 * when one cannot be. */
static const struct plan *resolve_index_prices(struct month *m, struct bill *b,
                                               const struct plan *p,
                                               const struct usage_row *rows, size_t n)
{
    if (!plan_has_index_link(p)) return p;
    if (!m->linked) m->linked = xmalloc(sizeof *m->linked); /* only when needed: 40 KiB */
    *m->linked = *p;
    for (int i = 0; i < m->linked->nmodels; i++) {
        struct model_price *mp = &m->linked->models[i];
        if (mp->link.on && uses_model(rows, n, mp->model) && !resolve_index_price(m, b, mp))
            return NULL;
    }
    return m->linked;
}

static bool price_usage(struct month *m, struct bill *b, const struct plan *plan,
                        const struct contract *k)
{
    int n, first = db_rows_of(m->usage, &m->usage_at, b->customer, &n);
    struct usage_row *rows = xcalloc((size_t)n + 1, sizeof *rows);
    struct training_gpu *gpu = xcalloc((size_t)n + 1, sizeof *gpu);
    size_t nrows = 0, ngpu = 0;
    bool ok = true;
    for (int i = 0; ok && i < n; i++) {
        int r = first + i;
        int64_t hour = 0;
        /* the sum of a month's hourly rows (numeric in SQL) may not fit */
        if (!db_get_int64(m->usage, r, 7, &(int64_t){0})) {
            snprintf(b->error, sizeof b->error,
                     "the %s usage of %s in %s is more than %lld base units",
                     PQgetvalue(m->usage, r, 1), PQgetvalue(m->usage, r, 2), b->period,
                     (long long)INT64_MAX);
            ok = false;
            break;
        }
        if (!strcmp(PQgetvalue(m->usage, r, 1), "tokens_gpu")) {
            struct training_gpu *g = &gpu[ngpu++];
            g->model = PQgetvalue(m->usage, r, 2);
            db_get_int64(m->usage, r, 5, &g->model_params);
            db_get_int64(m->usage, r, 7, &g->gpu_ms);
            continue;
        }
        struct usage_row *u = &rows[nrows++];
        u->meter = PQgetvalue(m->usage, r, 1);
        u->model = PQgetvalue(m->usage, r, 2);
        u->site = PQgetvalue(m->usage, r, 3);
        db_get_int64(m->usage, r, 4, &hour);
        u->local_hour = (int)hour;
        db_get_int64(m->usage, r, 5, &u->model_params);
        u->training = PQgetvalue(m->usage, r, 6)[0] == 't';
        u->pue_ppm = site_pue(m, u->site);
        db_get_int64(m->usage, r, 7, &u->quantity);
    }
    ok = ok && (plan = resolve_index_prices(m, b, plan, rows, nrows)) != NULL;
    ok = ok && charges_price(plan, k, rows, nrows, b->minor_digits, b, b->error, sizeof b->error);
    ok = ok && charges_token_gpu(plan, b, gpu, ngpu, b->error, sizeof b->error);
    free(rows);
    free(gpu);
    return ok;
}

/* The customer's SLA evidence of the month (sla_sql's rows), into e and
 * the bill; false (b->error set) when its sums do not fit. */
static bool sla_month_read(struct month *m, struct bill *b, struct sla_month *e)
{
    int n, first = db_rows_of(m->sla, &m->sla_at, b->customer, &n);
    for (int i = 0; i < n; i++) {
        int64_t metered = 0, downtime = 0;
        if (!db_get_int64(m->sla, first + i, 3, &metered) ||
            !db_get_int64(m->sla, first + i, 4, &downtime) ||
            !money_add(e->metered_ms, metered, &e->metered_ms) ||
            !money_add(e->downtime_ms, downtime, &e->downtime_ms)) {
            snprintf(b->error, sizeof b->error,
                     "the SLA evidence of %s sums to more than %lld ms", b->period,
                     (long long)INT64_MAX);
            return false;
        }
        struct sla_cell *c = sla_month_add_cell(e);
        snprintf(c->model, sizeof c->model, "%s", PQgetvalue(m->sla, first + i, 1));
        snprintf(c->site, sizeof c->site, "%s", PQgetvalue(m->sla, first + i, 2));
    }
    b->sla = true;
    b->sla_metered_ms = e->metered_ms;
    b->sla_downtime_ms = e->downtime_ms;
    return true;
}

/* The customer's index fixings (swaps_sql's rows), one per swap of k, into
 * f (k->nswaps of them); false (b->error set) when the rows do not match
 * the contract's swaps. */
static bool swap_fixings_read(struct month *m, struct bill *b, const struct contract *k,
                              struct index_fixing *f)
{
    int n, first = db_rows_of(m->swaps, &m->swaps_at, b->customer, &n);
    if (n != k->nswaps) {
        snprintf(b->error, sizeof b->error, "the contract's index_swap entries could not be read");
        return false;
    }
    for (int i = 0; i < n; i++) {
        const PGresult *res = m->swaps;
        int row = first + i;
        int64_t revision = 0;
        snprintf(f[i].month, sizeof f[i].month, "%s", PQgetvalue(res, row, 2));
        f[i].published = !PQgetisnull(res, row, 3) && db_get_int64(res, row, 3, &revision);
        f[i].revision = (int)revision;
        snprintf(f[i].published_at, sizeof f[i].published_at, "%s", PQgetvalue(res, row, 4));
        f[i].withheld = PQgetisnull(res, row, 5) || !db_get_int64(res, row, 5, &f[i].price_micro);
        f[i].final = !strcmp(PQgetvalue(res, row, 6), "final");
    }
    return true;
}

static bool settle_terms(struct month *m, int r, struct bill *b, const struct contract *k)
{
    struct index_fixing fixings[CONTRACT_MAX_INDEX_SWAPS] = {0};
    int nb, fb = db_rows_of(m->bank, &m->bank_at, b->customer, &nb);
    int nv, fv = db_rows_of(m->vouchers, &m->vouchers_at, b->customer, &nv);
    struct sla_month evidence = {0};
    struct bank_entry *bank = xcalloc((size_t)nb + 1, sizeof *bank);
    struct voucher *vouchers = xcalloc((size_t)nv + 1, sizeof *vouchers);
    struct voucher_state *states = xcalloc((size_t)nv + 1, sizeof *states);
    for (int i = 0; i < nb; i++) {
        db_get_int64(m->bank, fb + i, 1, &bank[i].period);
        bank[i].carry = PQgetvalue(m->bank, fb + i, 2)[0] == 't';
        db_get_int64(m->bank, fb + i, 3, &bank[i].units);
        db_get_int64(m->bank, fb + i, 4, &bank[i].value);
    }
    bool ok = true;
    for (int i = 0; ok && i < nv; i++) {
        states[i].v = &vouchers[i];
        ok = docstore_parse(&voucher_kind, PQgetvalue(m->vouchers, fv + i, 1), &vouchers[i]) &&
             db_get_int64(m->vouchers, fv + i, 2, &states[i].spent) &&
             db_get_int64(m->vouchers, fv + i, 3, &states[i].year_used);
    }
    struct settle_terms t = {.k = k,
                             .period = m->period,
                             .bank = bank,
                             .nbank = (size_t)nb,
                             .subsidies = m->subsidies,
                             .nsubsidies = m->nsubsidies,
                             .vouchers = states,
                             .nvouchers = (size_t)nv,
                             .sla = k->sla.present ? &evidence : NULL,
                             .fixings = fixings};
    t.terminated = !PQgetisnull(m->contracts, r, 9) &&
                   time_parse_date(PQgetvalue(m->contracts, r, 9), &t.ends_on);
    if (!ok)
        snprintf(b->error, sizeof b->error, "a stored voucher does not validate");
    ok = ok && (!k->sla.present || sla_month_read(m, b, &evidence));
    ok = ok && swap_fixings_read(m, b, k, fixings);
    ok = ok && settle_bill(b, &t, b->error, sizeof b->error);
    sla_month_free(&evidence);
    free(bank);
    free(vouchers);
    free(states);
    return ok;
}

/* Prices and settles the bill of contracts row r. */
static void bill_customer(struct month *m, int r, const struct plan *proposed, struct bill *b)
{
    struct contract *k = m->k;
    struct plan *plan = m->plan;
    int64_t digits = 2;
    memset(b, 0, sizeof *b);
    snprintf(b->customer, sizeof b->customer, "%s", PQgetvalue(m->contracts, r, 0));
    snprintf(b->customer_name, sizeof b->customer_name, "%s", PQgetvalue(m->contracts, r, 1));
    snprintf(b->contract, sizeof b->contract, "%s", PQgetvalue(m->contracts, r, 2));
    snprintf(b->period, sizeof b->period, "%s", PQgetvalue(m->contracts, r, 6));
    db_get_int64(m->contracts, r, 5, &digits);
    b->minor_digits = (int)digits;
    if (!docstore_parse(&contract_kind, PQgetvalue(m->contracts, r, 3), k)) {
        snprintf(b->error, sizeof b->error, "stored contract %s does not validate", b->contract);
        return;
    }
    if (PQgetvalue(m->contracts, r, 7)[0] == 't') { /* applied before such zones were refused */
        snprintf(b->error, sizeof b->error,
                 "time zone %s is not a whole number of hours from UTC in %s: usage is kept in "
                 "UTC hours, so its local month cannot be billed exactly",
                 PQgetvalue(m->contracts, r, 8), b->period);
        return;
    }
    snprintf(b->currency, sizeof b->currency, "%s", k->currency);
    snprintf(b->plan, sizeof b->plan, "%s", proposed ? proposed->code : k->plan);
    b->tax_ppm = k->tax_ppm;
    const struct plan *p = proposed;
    if (!p && PQgetisnull(m->contracts, r, 4))
        snprintf(b->error, sizeof b->error, "plan \"%s\" has no version in effect on %s", k->plan,
                 m->first_day);
    else if (!p && !docstore_parse(&plan_kind, PQgetvalue(m->contracts, r, 4), plan))
        snprintf(b->error, sizeof b->error, "stored plan %s does not validate", k->plan);
    else if (!p)
        p = plan;
    if (p && strcmp(p->currency, k->currency))
        snprintf(b->error, sizeof b->error, "plan %s prices in %s, contract %s bills in %s",
                 p->code, p->currency, k->code, k->currency);
    if (b->error[0] || !price_usage(m, b, p, k) || !m->prior) return;
    prior_append(m->prior, b);
    settle_terms(m, r, b, k);
}

struct month_inputs *month_read(PGconn *conn, const char *period, const char *customers,
                                const char *customer, const struct plan *proposed,
                                const struct prior_lines *prior)
{
    int y, mo;
    if (!time_parse_month(period, &y, &mo)) return NULL;
    struct month_inputs *m = xcalloc(1, sizeof *m);
    m->prior = prior;
    m->proposed = proposed;
    m->period = ((int64_t)y - 1970) * 12 + mo - 1;
    m->customer = customer ? xstrdup(customer) : NULL;
    time_month_first_day(period, m->first_day);
    snprintf(m->period_text, sizeof m->period_text, "%.7s", period);
    if (!read_month(conn, m, customers)) {
        month_free(m);
        return NULL;
    }
    return m;
}

int month_price(const struct month_inputs *in, PGconn *conn, bill_fn fn, void *ctx)
{
    struct month m = {.in = in,
                      .conn = conn,
                      .prior = in->prior,
                      .proposed = in->proposed,
                      .first_day = in->first_day,
                      .period = in->period,
                      .contracts = in->contracts,
                      .usage = in->usage,
                      .sites = in->sites,
                      .bank = in->bank,
                      .vouchers = in->vouchers,
                      .sla = in->sla,
                      .swaps = in->swaps,
                      .subsidies = in->subsidies,
                      .nsubsidies = in->nsubsidies,
                      .k = xcalloc(1, sizeof(struct contract)),
                      .plan = xcalloc(1, sizeof(struct plan))};
    bool ok = true;
    int bills = 0;
    for (int r = 0; ok && r < PQntuples(in->contracts); r++) {
        struct bill b;
        bill_customer(&m, r, in->proposed, &b);
        b.index = r + 1;
        b.count = PQntuples(in->contracts);
        ok = fn(&b, ctx);
        bill_free(&b);
        bills++;
    }
    /* usage nobody can price: reported like any other customer that fails,
     * never a silent zero, and it stops nobody else */
    int none = ok ? PQntuples(in->uncontracted) : 0;
    for (int r = 0; ok && r < none; r++) {
        struct bill b;
        memset(&b, 0, sizeof b);
        b.minor_digits = 2;
        snprintf(b.customer, sizeof b.customer, "%s", PQgetvalue(in->uncontracted, r, 0));
        snprintf(b.customer_name, sizeof b.customer_name, "%s",
                 PQgetvalue(in->uncontracted, r, 1));
        snprintf(b.period, sizeof b.period, "%s", in->period_text);
        snprintf(b.error, sizeof b.error,
                 "usage in %s but no contract in effect (gpumeter contract apply FILE)",
                 in->period_text);
        b.index = PQntuples(in->contracts) + r + 1;
        b.count = PQntuples(in->contracts) + none;
        ok = fn(&b, ctx);
        bill_free(&b);
        bills++;
    }
    if (ok && in->customer && bills == 0) {
        const char *p[] = {in->customer};
        PGresult *res =
            db_query(conn, "look up the customer", "SELECT 1 FROM customer WHERE code = $1", 1, p);
        if (res && PQntuples(res) == 0)
            known_missing(conn, "customer", in->customer);
        else if (res)
            log_error("customer \"%s\" has no contract in effect in %s", in->customer,
                      in->period_text);
        PQclear(res);
        ok = false;
    }
    free(m.k);
    free(m.plan);
    free(m.linked);
    return ok ? bills : -1;
}

int month_load(PGconn *conn, const char *period, const char *customers, const char *customer,
               const struct plan *proposed, const struct prior_lines *prior, bill_fn fn,
               void *ctx)
{
    struct month_inputs *in = month_read(conn, period, customers, customer, proposed, prior);
    int bills = in ? month_price(in, conn, fn, ctx) : -1;
    month_free(in);
    return bills;
}
