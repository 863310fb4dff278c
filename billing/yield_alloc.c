/* yield_alloc: the month's invoiced money allocated to the yield's cells,
 * and the by-token training section (see yield_alloc.h). */
#include "billing/yield_alloc.h"

#include "billing/billing.h"
#include "billing/owned.h"
#include "billing/yield_programs.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/invariant.h"
#include "core/money.h"
#include "pricing/settle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An after-tax voucher claim of invoice i.: its redemption rows that are
 * not a pre-tax discount line of the invoice (whose detail is the code). */
#define AFTER_TAX_CLAIM(r)                                                                     \
    r "invoice_id = i.id AND NOT " r "reversal AND NOT EXISTS (SELECT 1 FROM invoice_line d " \
    "WHERE d.invoice_id = i.id AND d.kind = 'voucher_discount' AND d.detail = " r "voucher)"

/* The month's issued invoices net of their partial credit notes, line
 * amounts by what they are, and the program that paid (a subsidy or
 * pre-tax voucher line's code, an after-tax claim's voucher; what the
 * claims do not name, code ''); $2 currency. */
static const char revenue_sql[] =
    "SELECT * FROM (SELECT i.customer_id, CASE WHEN l.kind = 'usage' AND l.meter = 'gpu_ms' THEN 0 "
    "  WHEN l.kind = 'usage' AND l.meter = 'energy_mj' THEN 1 "
    "  WHEN l.kind = 'usage' AND l.meter = 'tokens' THEN 2 WHEN l.kind = 'subsidy' THEN 4 "
    "  WHEN l.kind = 'voucher_discount' THEN 5 ELSE 3 END AS cls, "
    "  CASE WHEN l.kind = 'usage' AND l.meter <> 'tokens' THEN l.site ELSE '' END AS site, "
    "  CASE WHEN l.kind = 'usage' AND l.meter <> 'tokens' THEN l.model ELSE '' END AS model, "
    "  CASE WHEN l.kind IN ('subsidy', 'voucher_discount') THEN l.detail ELSE '' END AS code, "
    "  sum(l.amount) AS amount FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id "
    "WHERE " INVOICE_NETS("i.") " AND i.period = $1::date "
    "  AND i.currency = $2 GROUP BY 1, 2, 3, 4, 5 "
    "UNION ALL SELECT i.customer_id, 6, '', '', r.voucher, sum(r.amount) "
    "FROM invoice i JOIN voucher_redemption r ON " AFTER_TAX_CLAIM("r.") " "
    "WHERE " INVOICE_STANDS("i.") " AND i.period = $1::date AND i.currency = $2 GROUP BY 1, 5 "
    "UNION ALL SELECT customer_id, 6, '', '', '', sum(rest) FROM (SELECT i.customer_id, "
    "  i.claimed - (SELECT coalesce(sum(r.amount), 0) FROM voucher_redemption r "
    "  WHERE " AFTER_TAX_CLAIM("r.") ") AS rest FROM invoice i WHERE " INVOICE_STANDS("i.") " "
    "  AND i.period = $1::date AND i.currency = $2 AND i.claimed <> 0) c "
    "GROUP BY 1 HAVING sum(rest) <> 0) r "
    "ORDER BY customer_id, cls, site COLLATE \"C\", model COLLATE \"C\", code COLLATE \"C\"";

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

/* Gives amount of class cls to the cells of n targets (site, model) in
 * proportion to weight, exact to the minor unit (money_split); false, and
 * nothing given, when no weight is positive. */
static bool place(struct yield_cells *m, const char *const *site, const char *const *model,
                  const int64_t *weight, size_t n, enum rev cls, int64_t amount)
{
    int64_t *share = xcalloc(n + 1, sizeof *share);
    bool split = money_split(amount, weight, n, share);
    for (size_t i = 0; split && i < n; i++)
        if (share[i]) yield_cell_get(m, site[i], "", model[i])->rev[cls] += share[i];
    free(share);
    return split;
}

/* A customer's cells of GPU time (rows of w) as targets. */
struct targets {
    const char **site, **model;
    int64_t *weight;
    size_t n;
};

static struct targets targets_of(const struct weights *w)
{
    size_t n = (size_t)(w->to - w->from);
    struct targets t = {xcalloc(n + 1, sizeof *t.site), xcalloc(n + 1, sizeof *t.model),
                        xcalloc(n + 1, sizeof *t.weight), n};
    for (size_t i = 0; i < n; i++) {
        t.site[i] = PQgetvalue(w->res, w->from + (int)i, 1);
        t.model[i] = PQgetvalue(w->res, w->from + (int)i, 2);
    }
    return t;
}

static void targets_free(struct targets *t)
{
    free(t->site);
    free(t->model);
    free(t->weight);
}

/* Splits amount of class cls over the customer's cells by GPU time
 * (column 3, all; 4, its training jobs'), only over the cells of model
 * when model is not NULL; with no such time, over all its GPU time; with
 * none at all, to the unallocated cell. */
static void split_amount(struct yield_cells *m, const struct weights *w, int column,
                         const char *model, enum rev cls, int64_t amount)
{
    struct targets t = targets_of(w);
    for (size_t i = 0; i < t.n; i++) {
        int r = w->from + (int)i;
        t.weight[i] = model && strcmp(t.model[i], model) ? 0 : yield_int(w->res, r, column);
        /* usage is never negative (schema 001's CHECK) */
        assert(t.weight[i] >= 0 && yield_int(w->res, r, 3) >= t.weight[i]);
    }
    bool given = place(m, t.site, t.model, t.weight, t.n, cls, amount);
    if (!given) {
        for (size_t i = 0; i < t.n; i++)
            t.weight[i] = yield_int(w->res, w->from + (int)i, 3);
        given = place(m, t.site, t.model, t.weight, t.n, cls, amount);
    }
    if (!given) yield_cell_get(m, "-", "", "-")->rev[cls] += amount;
    targets_free(&t);
}

/* Whether the customer's revenue rows [from, to) have one of class cls
 * (on model, when not NULL). */
static bool has_line(const PGresult *rev, int from, int to, int cls, const char *model)
{
    for (int r = from; r < to; r++)
        if (yield_int(rev, r, 1) == cls && (!model || !strcmp(PQgetvalue(rev, r, 3), model)))
            return true;
    return false;
}

/* What voucher v paid, over the cells its eligible lines billed (settle.h's
 * voucher_covers_cell): the GPU time of a covered model the customer has
 * GPU-hour lines on (its training jobs' when the voucher is for training
 * only), else its training jobs' GPU time there when the voucher covers its
 * token lines. False, nothing given, when no such time is found. */
static bool place_voucher(struct yield_cells *m, const struct voucher *v, const struct weights *w,
                          const PGresult *rev, int from, int to, int64_t amount)
{
    struct targets t = targets_of(w);
    bool tokens = has_line(rev, from, to, R_TOKENS, NULL);
    for (size_t i = 0; i < t.n; i++) {
        int r = w->from + (int)i;
        if (voucher_covers_cell(v, t.model[i], "gpu_ms") &&
            has_line(rev, from, to, R_GPU, t.model[i]))
            t.weight[i] = yield_int(w->res, r, v->training_only ? 4 : 3);
        else if (tokens && voucher_covers_cell(v, t.model[i], "tokens"))
            t.weight[i] = yield_int(w->res, r, 4);
    }
    bool given = place(m, t.site, t.model, t.weight, t.n, R_VOUCHER, amount);
    targets_free(&t);
    return given;
}

/* What subsidy s paid, over the customer's energy lines it covers (settle.h's
 * subsidy_covers_cell) by their amounts, as settle_bill shares it over
 * them. False, nothing given, when no such line is found. */
static bool place_subsidy(struct yield_cells *m, const struct subsidy *s, const PGresult *rev,
                          int from, int to, int64_t amount)
{
    size_t n = (size_t)(to - from);
    const char **site = xcalloc(n + 1, sizeof *site), **model = xcalloc(n + 1, sizeof *model);
    int64_t *weight = xcalloc(n + 1, sizeof *weight);
    for (size_t i = 0; i < n; i++) {
        int r = from + (int)i;
        site[i] = PQgetvalue(rev, r, 2);
        model[i] = PQgetvalue(rev, r, 3);
        /* a line credited in full nets to 0; never below (a credit note
         * credits at most what is left of a line) */
        if (yield_int(rev, r, 1) == R_ENERGY && site[i][0] && model[i][0] &&
            subsidy_covers_cell(s, site[i], model[i], "energy_mj"))
            weight[i] = yield_int(rev, r, 5) > 0 ? yield_int(rev, r, 5) : 0;
    }
    bool given = place(m, site, model, weight, n, R_SUBSIDY, amount);
    free(site);
    free(model);
    free(weight);
    return given;
}

/* The customer's rows of rev: [from, to) around row r. */
static void customer_rows(const PGresult *rev, int r, int *from, int *to)
{
    const char *customer = PQgetvalue(rev, r, 0);
    *from = *to = r;
    while (*from > 0 && !strcmp(PQgetvalue(rev, *from - 1, 0), customer))
        --*from;
    while (*to < PQntuples(rev) && !strcmp(PQgetvalue(rev, *to, 0), customer))
        ++*to;
}

/* What a by-token customer's token lines came to, for the token section. */
bool yield_allocate(PGconn *conn, const char *const *p, struct yield_cells *m,
                    struct yield_token_revenues *tr)
{
    const char *pw[] = {p[0], NULL, "{}"};
    PGresult *rev = db_query(conn, "read the month's invoices", revenue_sql, 2, p);
    /* GPU time is needed only for amounts that are not on a site and model
     * of their own (a month without invoices, as before an asset earns,
     * needs none); the programs' terms only for what programs paid */
    bool split = false, paid = false;
    for (int r = 0; rev && r < PQntuples(rev); r++) {
        int cls = (int)yield_int(rev, r, 1);
        split |= !((cls == R_GPU || cls == R_ENERGY) && PQgetvalue(rev, r, 2)[0] &&
                   PQgetvalue(rev, r, 3)[0]);
        paid |= PQgetvalue(rev, r, 4)[0] != '\0';
    }
    PGresult *wts =
        rev && split ? db_query(conn, "read each customer's GPU time", weights_sql, 3, pw) : NULL;
    struct yield_programs programs = {0};
    bool ok = rev && (wts || !split) && (!paid || yield_programs_load(conn, p[0], &programs));
    int cursor = 0;
    int64_t in = 0, before = 0, after = 0;
    for (size_t i = 0; i < m->n; i++)
        for (int k = 0; k < NREV; k++)
            before += m->v[i].rev[k];
    for (int r = 0; ok && r < PQntuples(rev); r++) {
        const char *customer = PQgetvalue(rev, r, 0);
        int cls = (int)yield_int(rev, r, 1);
        int64_t amount = yield_int(rev, r, 5);
        const char *site = PQgetvalue(rev, r, 2), *model = PQgetvalue(rev, r, 3);
        const char *code = PQgetvalue(rev, r, 4);
        /* programs' payments count positive; claims (6) are after-tax vouchers */
        enum rev to = cls == 6 ? R_VOUCHER : (enum rev)cls;
        if (cls == R_SUBSIDY || cls == R_VOUCHER) amount = -amount;
        in += amount;
        if ((cls == R_GPU || cls == R_ENERGY) && site[0] && model[0]) {
            yield_cell_get(m, site, "", model)->rev[to] += amount;
            continue;
        }
        struct weights w;
        weights_of(wts, &cursor, customer, &w);
        if (cls == R_TOKENS) m->has_tokens = true;
        if (cls == R_TOKENS && tr) {
            ALLOC_GROW(tr->v, tr->n, tr->cap, 16);
            tr->v[tr->n++] = (struct yield_token_revenue){atoll(customer), amount};
        }
        /* what a program paid goes to the cells it covers (docs/operator.md,
         * "Vouchers and subsidies in the yield"); a program no longer known
         * or covering none of the customer's cells (older data) falls back
         * to the rule for every other amount, all its GPU time */
        const struct voucher *v = to == R_VOUCHER ? yield_voucher(&programs, code) : NULL;
        const struct subsidy *s = to == R_SUBSIDY ? yield_subsidy(&programs, code) : NULL;
        int from, end;
        customer_rows(rev, r, &from, &end);
        if ((v && place_voucher(m, v, &w, rev, from, end, amount)) ||
            (s && place_subsidy(m, s, rev, from, end, amount)))
            continue;
        /* a usage line of a model (GPU time without a site, GPU memory:
         * revenue_sql names the model of usage lines only) stays on it */
        bool by_model = model[0] != '\0';
        split_amount(m, &w, cls == R_TOKENS ? 4 : 3, by_model ? model : NULL, to, amount);
    }
    for (size_t i = 0; i < m->n; i++)
        for (int k = 0; k < NREV; k++)
            after += m->v[i].rev[k];
    assert(!ok || after - before == in); /* every amount went to exactly one cell */
    yield_programs_free(&programs);
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
        int64_t tokens = PQgetvalue(res, r, 4)[0] ? 0 : yield_int(res, r, 5);
        int first = PQgetvalue(res, r, 4)[0] ? r : r + 1, k = end - first;
        const char *br = bracket(yield_int(res, r, 3));
        int64_t *weight = xcalloc((size_t)k + 1, sizeof *weight);
        int64_t *share = xcalloc((size_t)k + 1, sizeof *share);
        for (int i = 0; i < k; i++) {
            weight[i] = yield_int(res, first + i, 5);
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
