/* store: draft invoices in PostgreSQL (see store.h). */
#include "billing/store.h"

#include "billing/sla_evidence.h"
#include "core/alloc.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_int(struct strbuf *sb, int64_t v)
{
    db_array_add_int(sb, v);
}

/* The customer whose code is the SQL expression code, as c (c.id): one
 * index lookup per row, whatever the plan (a LIMIT keeps PostgreSQL from
 * flattening it). A join on customer.code let the planner hash every
 * customer for each batch of drafts: a sequential scan of customer per
 * batch, so the batch's cost per customer grew with the customers (about
 * 210 ms of 1,000 drafts' lookup at 100,000 customers, EXPLAIN ANALYZE). */
#define CUSTOMER_OF(code)                                                                          \
    " CROSS JOIN LATERAL (SELECT id FROM customer WHERE code = " code " LIMIT 1) c "

/* The header columns of the bills (write NULL: all of them, else those
 * with write[i]) as parameters $2..$13 ($1 is first_day), $12 each one's
 * place in b, $13 its content digest (content_digest, schema 072). */
#define HEADER_ARRAYS                                                                              \
    "unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], "      \
    "$8::bigint[], $9::bigint[], $10::text[], $11::text[], $12::int[], $13::text[]) "              \
    "u(code, cur, tax_ppm, sub, tax, total, claimed, due, contract, plan, ord, digest)"

static void content_digest(const struct bill *b, char out[65]);

static void header_columns(struct db_columns *c, const struct bill *b, size_t n, const bool *write)
{
    db_columns_open(c, 12);
    for (size_t i = 0; i < n; i++) {
        if (write && !write[i]) continue;
        char digest[65];
        content_digest(&b[i], digest);
        db_array_add(&c->v[0], b[i].customer);
        db_array_add(&c->v[1], b[i].currency);
        add_int(&c->v[2], b[i].tax_ppm);
        add_int(&c->v[3], b[i].subtotal);
        add_int(&c->v[4], b[i].tax);
        add_int(&c->v[5], b[i].total);
        add_int(&c->v[6], b[i].claimed);
        add_int(&c->v[7], b[i].due);
        db_array_add(&c->v[8], b[i].contract);
        db_array_add(&c->v[9], b[i].plan);
        add_int(&c->v[10], (int64_t)i);
        db_array_add(&c->v[11], digest);
    }
}

/* The bills' open invoices of the month, found by key (customer and
 * period: the unique index of schema 007), as rows of each one's place in
 * b, its id, whether it is a draft and whether its stored header equals
 * the bill's. */
/* Runs sql over first_day and the header columns (header_columns). */
static PGresult *header_query(PGconn *conn, const char *what, const char *sql,
                              const char *first_day, const struct bill *b, size_t n,
                              const bool *write)
{
    struct db_columns c;
    header_columns(&c, b, n, write);
    const char *p[13] = {first_day};
    db_columns_close(&c, p, 1);
    PGresult *res = db_query(conn, what, sql, 13, p);
    db_columns_free(&c);
    return res;
}

static PGresult *find_drafts(PGconn *conn, const char *first_day, const struct bill *b, size_t n)
{
    return header_query(
        conn, "find the draft invoices",
        "SELECT u.ord, i.id, i.status = 'draft', "
        "       (i.currency, i.tax_rate_ppm, i.subtotal, i.tax, i.total, i.claimed, i.due, "
        "        i.contract, i.plan, i.content_digest) IS NOT DISTINCT FROM "
        "       (u.cur, u.tax_ppm, u.sub, u.tax, u.total, u.claimed, u.due, u.contract, u.plan, "
        "        decode(u.digest, 'hex')) "
        "FROM " HEADER_ARRAYS CUSTOMER_OF("u.code")
        /* by key too: one open invoice per customer and month */
        "CROSS JOIN LATERAL (SELECT * FROM invoice i WHERE i.customer_id = c.id "
        "  AND i.period = $1::date AND i.kind = 'invoice' AND i.status <> 'void' LIMIT 1) i",
        first_day, b, n, NULL);
}

/* Upserts the headers of the bills with write[i] (new drafts, and drafts
 * whose header, lines, ledger rows or claims changed: an unchanged draft
 * is not even locked, so a refresh where nothing changed writes no row),
 * as rows of each written one's place in b, id and whether it was
 * inserted. A non-draft is never touched. */
static PGresult *store_headers(PGconn *conn, const char *first_day, const struct bill *b, size_t n,
                               const bool *write)
{
    return header_query(
        conn, "write the draft invoices",
        "WITH u AS MATERIALIZED (SELECT u.*, c.id AS cid FROM " HEADER_ARRAYS CUSTOMER_OF("u.code")
        "), "
        "ins AS (INSERT INTO invoice AS i (customer_id, period, currency, tax_rate_ppm, "
        "  subtotal, tax, total, claimed, due, contract, plan, content_digest) "
        "  SELECT u.cid, $1::date, u.cur, u.tax_ppm, u.sub, u.tax, u.total, u.claimed, u.due, "
        "         u.contract, u.plan, decode(u.digest, 'hex') FROM u "
        "  ON CONFLICT (customer_id, period) WHERE kind = 'invoice' AND status <> 'void' "
        "  DO UPDATE SET currency = excluded.currency, tax_rate_ppm = excluded.tax_rate_ppm, "
        "  subtotal = excluded.subtotal, tax = excluded.tax, total = excluded.total, "
        "  claimed = excluded.claimed, due = excluded.due, contract = excluded.contract, "
        "  plan = excluded.plan, content_digest = excluded.content_digest, updated_at = now() "
        "  WHERE i.status = 'draft' "
        /* xmax 0: inserted here, not updated (a draft another run added
         * after find_drafts looked is updated, and its lines deleted) */
        "  RETURNING i.id, i.customer_id, i.xmax = 0 AS inserted) "
        "SELECT u.ord, ins.id, ins.inserted FROM ins JOIN u ON u.cid = ins.customer_id",
        first_day, b, n, write);
}

/* ids[ord] = the id of each row of res (place in b, id). */
static void note_ids(const char **ids, size_t n, const PGresult *res)
{
    for (int r = 0; r < PQntuples(res); r++) {
        long ord = strtol(PQgetvalue(res, r, 0), NULL, 10);
        assert(ord >= 0 && (size_t)ord < n); /* the bill's own place, sent with it */
        (void)n;
        ids[ord] = PQgetvalue(res, r, 1);
    }
}

/* Where a row's fields go, in column order: each to its own column of c
 * (the rows sent to SQL), or, c NULL, all to row, one array literal (the
 * row's canonical text, content_digest's). One list of fields for both, so
 * the digest covers exactly the columns written. */
struct row_out {
    struct db_columns *c;
    struct strbuf *row;
    int k; /* the next field */
};

static struct strbuf *field(struct row_out *o)
{
    assert(o->c ? o->k < o->c->n : o->row != NULL);
    return o->c ? &o->c->v[o->k++] : o->row;
}

static void put_text(struct row_out *o, const char *v)
{
    db_array_add(field(o), v);
}

static void put_int(struct row_out *o, int64_t v)
{
    db_array_add_int(field(o), v);
}

/* id: the draft's (NULL in the digest: the contents, not whose they are). */
static void add_line(struct row_out *o, const char *id, size_t line_no, const struct bill *b,
                     const struct bill_line *l)
{
    char adjusts[16];
    int64_t tax = 0;
    bool taxed = bill_line_tax(l, b->tax_ppm, &tax);
    assert(taxed); /* settle_bill taxed the same lines (bill_totals_hold) */
    (void)taxed;
    time_month_first_day(l->adjusts, adjusts);
    put_text(o, id);
    put_int(o, (int64_t)line_no);
    put_text(o, bill_kind_name(l->kind));
    put_text(o, l->meter[0] ? l->meter : NULL);
    put_text(o, l->model);
    put_int(o, l->quantity);
    put_int(o, l->unit_price);
    put_int(o, l->amount);
    put_text(o, l->band);
    put_int(o, l->multiplier_ppm);
    put_text(o, l->site);
    put_int(o, l->pue_ppm);
    put_int(o, l->override_ppm);
    put_text(o, l->detail);
    put_text(o, l->adjusts[0] ? adjusts : NULL);
    put_int(o, tax);
}

static void add_ledger(struct row_out *o, const char *id, const struct bill *b,
                       const struct ledger_row *r)
{
    char month[16], first_day[24];
    time_format_month(r->entry_period, month);
    time_month_first_day(month, first_day);
    put_text(o, id);
    put_text(o, b->customer);
    put_text(o, first_day);
    put_text(o, r->kind);
    put_int(o, r->units);
    put_int(o, r->value);
}

static void add_claim(struct row_out *o, const char *id, const struct bill *b,
                      const struct voucher_claim *v)
{
    put_text(o, id);
    put_text(o, b->customer);
    put_text(o, v->voucher);
    put_text(o, v->program);
    put_int(o, v->amount);
}

/* row: the canonical text of bill b's line k (what add_line writes, but
 * for the draft's id), or of its ledger row k (ROW_LEDGER) or claim k (ROW_CLAIM),
 * one array literal (self-delimiting: their concatenation reads back one
 * way). */
enum row_kind { ROW_LINE, ROW_LEDGER, ROW_CLAIM };

static const char *row_text(struct strbuf *row, enum row_kind kind, const struct bill *b,
                            size_t k)
{
    struct row_out o = {.row = row};
    sb_reset(row);
    db_array_open(row);
    if (kind == ROW_LINE)
        add_line(&o, NULL, k + 1, b, &b->lines[k]);
    else if (kind == ROW_LEDGER)
        add_ledger(&o, NULL, b, &b->ledger[k]);
    else
        add_claim(&o, NULL, b, &b->claims[k]);
    db_array_close(row);
    return sb_str(row);
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends bill b's n rows of kind to all, sorted (a ledger's or claims'
 * rows are a set: their order in the bill is not content). */
static void put_sorted(struct strbuf *all, const char *what, enum row_kind kind,
                       const struct bill *b, size_t n, struct strbuf *row)
{
    char **rows = xcalloc(n ? n : 1, sizeof *rows);
    for (size_t k = 0; k < n; k++)
        rows[k] = xstrdup(row_text(row, kind, b, k));
    qsort(rows, n, sizeof *rows, by_text);
    sb_printf(all, "%s %zu\n", what, n);
    for (size_t k = 0; k < n; k++) {
        sb_puts(all, rows[k]);
        sb_putc(all, '\n');
        free(rows[k]);
    }
    free(rows);
}

/* The one definition of a draft's content digest (invoice.content_digest,
 * schema 072): SHA-256 of its lines' columns as written (add_line), in
 * line order, then its ledger rows' (add_ledger) and claims' (add_claim),
 * each row one array literal and each set sorted, each section headed by
 * its count. Equal digests: equal lines, ledger rows and claims, what the
 * set comparison of every row it replaces found (a refresh reads one
 * header per draft, no line). */
static void content_digest(const struct bill *b, char out[65])
{
    struct strbuf all = STRBUF_INIT, row = STRBUF_INIT;
    sb_printf(&all, "lines %zu\n", b->n);
    for (size_t k = 0; k < b->n; k++) {
        sb_puts(&all, row_text(&row, ROW_LINE, b, k));
        sb_putc(&all, '\n');
    }
    put_sorted(&all, "ledger", ROW_LEDGER, b, (size_t)b->nledger, &row);
    put_sorted(&all, "claims", ROW_CLAIM, b, (size_t)b->nclaims, &row);
    digest_sha256_hex(all.buf, all.len, out);
    sb_free(&row);
    sb_free(&all);
}

/* The columns of the drafts' lines, ledger rows and redemptions, of the
 * bills i with a draft (ids[i]) and only[i]. */
struct details {
    struct db_columns lines, ledger, claims;
};

static void collect(struct details *d, const char *const *ids, const struct bill *b, size_t n,
                    const bool *only)
{
    db_columns_open(&d->lines, 16);
    db_columns_open(&d->ledger, 6);
    db_columns_open(&d->claims, 5);
    for (size_t i = 0; i < n; i++) {
        const char *id = ids[i];
        if (!id || !only[i]) continue;
        for (size_t k = 0; k < b[i].n; k++) {
            struct row_out o = {.c = &d->lines};
            add_line(&o, id, k + 1, &b[i], &b[i].lines[k]);
        }
        for (int k = 0; k < b[i].nledger; k++) {
            struct row_out o = {.c = &d->ledger};
            add_ledger(&o, id, &b[i], &b[i].ledger[k]);
        }
        for (int k = 0; k < b[i].nclaims; k++) {
            struct row_out o = {.c = &d->claims};
            add_claim(&o, id, &b[i], &b[i].claims[k]);
        }
    }
}

static void details_free(struct details *d)
{
    db_columns_free(&d->lines);
    db_columns_free(&d->ledger);
    db_columns_free(&d->claims);
}

/* The line columns as parameters $1..$16 (db_columns_close of d->lines). */
#define LINE_ARRAYS                                                                                \
    "$1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], "    \
    "$8::bigint[], $9::text[], $10::bigint[], $11::text[], $12::bigint[], $13::bigint[], "         \
    "$14::text[], $15::date[], $16::bigint[]"
#define LINE_COLUMNS                                                                               \
    "invoice_id, line_no, kind, meter, model, quantity, unit_price, amount, band, "                \
    "multiplier_ppm, site, pue_ppm, override_ppm, detail, adjusts, tax"

/* Rewrites the lines, commitment ledger rows and voucher redemptions of
 * the drafts i with rewrite[i] (the triggers of schema 007 allow it for
 * drafts only); only those that existed[i] (updated by the upsert, not
 * inserted by it) have any to delete (a first run deletes nothing: the
 * deletes of its new drafts were a tenth of it at 100,000 customers). */
static bool store_rewrite(PGconn *conn, const char *first_day, const char *const *ids,
                          const struct bill *b, size_t n, const bool *rewrite,
                          const bool *existed)
{
    struct details d;
    collect(&d, ids, b, n, rewrite);
    struct strbuf old = STRBUF_INIT;
    size_t nold = 0;
    db_array_open(&old);
    for (size_t i = 0; i < n; i++)
        if (rewrite[i] && existed[i]) db_array_add(&old, ids[i]), nold++;
    db_array_close(&old);
    const char *del[] = {sb_str(&old)};
    const char *pl[16], *pg[7] = {first_day}, *pc[6] = {first_day};
    db_columns_close(&d.lines, pl, 0);
    db_columns_close(&d.ledger, pg, 1);
    db_columns_close(&d.claims, pc, 1);
    bool ok =
        ((!nold ||
          (db_exec(conn, "clear the drafts' lines",
                   "DELETE FROM invoice_line WHERE invoice_id = ANY($1::bigint[])", 1, del) &&
           db_exec(conn, "clear the drafts' commitment ledger",
                   "DELETE FROM commitment_ledger WHERE invoice_id = ANY($1::bigint[])", 1, del) &&
           db_exec(conn, "clear the drafts' voucher redemptions",
                   "DELETE FROM voucher_redemption WHERE invoice_id = ANY($1::bigint[])", 1,
                   del))) &&
         db_exec(conn, "write the invoice lines",
                 "INSERT INTO invoice_line (" LINE_COLUMNS ") SELECT * FROM unnest(" LINE_ARRAYS
                 ")",
                 16, pl) &&
         db_exec(conn, "write the commitment ledger",
                 "INSERT INTO commitment_ledger (invoice_id, customer_id, period, entry_period, "
                 "kind, units, value) SELECT u.id, c.id, $1::date, u.e, u.k, u.units, u.v "
                 "FROM unnest($2::bigint[], $3::text[], $4::date[], $5::text[], $6::bigint[], "
                 "$7::bigint[]) u(id, code, e, k, units, v)" CUSTOMER_OF("u.code"),
                 7, pg) &&
         db_exec(conn, "write the voucher redemptions",
                 "INSERT INTO voucher_redemption (invoice_id, customer_id, period, voucher, "
                 "program, amount) SELECT u.id, c.id, $1::date, u.v, u.p, u.a "
                 "FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[]) "
                 "u(id, code, v, p, a)" CUSTOMER_OF("u.code"),
                 6, pc));
    sb_free(&old);
    details_free(&d);
    return ok;
}

/* The drafts' SLA evidence (sla_evidence.h): every draft's rewritten, and
 * checked against the sums its bill was settled with: its own month's, and
 * each earlier month a late sla_credit line adjusts (sla_late.h). */
static bool store_sla_evidence(PGconn *conn, const char *first_day, const char *const *ids,
                               const struct bill *b, size_t n)
{
    struct strbuf drafts = STRBUF_INIT;
    struct db_columns c;
    db_array_open(&drafts);
    db_columns_open(&c, 5);
    for (size_t i = 0; i < n; i++) {
        const char *id = ids[i];
        if (!id) continue;
        db_array_add(&drafts, id);
        for (size_t j = 0; j < b[i].n; j++) {
            const struct bill_line *l = &b[i].lines[j];
            /* a new invoice's deduction of what later ones credited of
             * its own month (sla_late.h) has the month's own evidence */
            if (l->kind != LINE_SLA_CREDIT || !l->adjusts[0] ||
                !strcmp(l->adjusts, b[i].period))
                continue;
            char month[16];
            time_month_first_day(l->adjusts, month);
            db_array_add(&c.v[0], id);
            db_array_add(&c.v[1], month);
            add_int(&c.v[2], l->sla_metered_ms);
            add_int(&c.v[3], l->sla_downtime_ms);
            db_array_add(&c.v[4], b[i].customer);
        }
        if (!b[i].sla) continue;
        db_array_add(&c.v[0], id);
        db_array_add(&c.v[1], first_day);
        add_int(&c.v[2], b[i].sla_metered_ms);
        add_int(&c.v[3], b[i].sla_downtime_ms);
        db_array_add(&c.v[4], b[i].customer);
    }
    db_array_close(&drafts);
    const char *p[5];
    db_columns_close(&c, p, 0);
    bool ok = sla_evidence_write(conn, sb_str(&drafts), p[0], p[1], p[2], p[3], p[4]);
    sb_free(&drafts);
    db_columns_free(&c);
    return ok;
}

/* The drafts' invoice_index_use rows (schema 056, 059): every draft's
 * rewritten from its lines' struct index_use (index.month set), the
 * publication each line priced or settled at the index used (a usage line
 * priced at it, an index_revision, an index_swap) and, for a price at the
 * index (link.on), the terms applied. Rewritten even when the lines are
 * not (a new revision of an unchanged value changes no line); the lines'
 * guard freezes them at issue. */
static bool store_index_use(PGconn *conn, const char *const *ids, const struct bill *b, size_t n)
{
    struct strbuf drafts = STRBUF_INIT;
    struct db_columns c;
    db_array_open(&drafts);
    db_columns_open(&c, 12);
    for (size_t i = 0; i < n; i++) {
        const char *id = ids[i];
        if (!id) continue;
        db_array_add(&drafts, id);
        for (size_t j = 0; j < b[i].n; j++) {
            const struct index_use *u = &b[i].lines[j].index;
            if (!u->month[0]) continue;
            char month[16];
            time_month_first_day(u->month, month);
            db_array_add(&c.v[0], id);
            add_int(&c.v[1], (int64_t)j + 1);
            db_array_add(&c.v[2], month);
            db_array_add(&c.v[3], b[i].lines[j].model);
            db_array_add(&c.v[4], b[i].currency);
            add_int(&c.v[5], u->revision);
            db_array_add(&c.v[6], u->published_at);
            add_int(&c.v[7], u->index_micro);
            /* a price at the index keeps its terms; a settlement's row
             * (link.on false: a contract's fixed-for-floating) has none */
            if (u->link.on) {
                add_int(&c.v[8], u->link.lag_months);
                add_int(&c.v[9], u->link.spread);
            } else {
                db_array_add(&c.v[8], NULL);
                db_array_add(&c.v[9], NULL);
            }
            if (u->link.on && u->link.floor >= 0) /* -1: none, NULL */
                add_int(&c.v[10], u->link.floor);
            else
                db_array_add(&c.v[10], NULL);
            if (u->link.on && u->link.cap >= 0)
                add_int(&c.v[11], u->link.cap);
            else
                db_array_add(&c.v[11], NULL);
        }
    }
    db_array_close(&drafts);
    const char *p[13] = {sb_str(&drafts)};
    db_columns_close(&c, p, 1);
    bool ok = db_exec(conn, "clear the drafts' index use",
                      "DELETE FROM invoice_index_use WHERE invoice_id = ANY($1::bigint[])", 1, p) &&
              db_exec(conn, "write the drafts' index use",
                      "INSERT INTO invoice_index_use (invoice_id, line_no, index_month, model, "
                      "currency, revision, published_at, price_micro, lag_months, spread_micro, "
                      "floor_micro, cap_micro) "
                      /* the publication's own time, to the microsecond, from
                       * its row of the series price_index_latest reads (058) */
                      "SELECT u.id, u.line_no, u.m, u.model, u.cur, u.rev, p.published_at, u.price, "
                      "u.lag, u.spread, u.fl, u.cap FROM unnest($1::bigint[], $2::int[], "
                      "$3::date[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], "
                      "$8::bigint[], $9::int[], $10::bigint[], $11::bigint[], $12::bigint[]) "
                      "u(id, line_no, m, model, cur, rev, at, price, lag, spread, fl, cap) "
                      "JOIN price_index_publication p ON p.month = u.m AND p.model = u.model "
                      " AND p.currency = u.cur AND p.revision = u.rev "
                      " AND p.series = 'gpu_hours' AND p.basis = 'gross'",
                      12, p + 1);
    sb_free(&drafts);
    db_columns_free(&c);
    return ok;
}

/* Which bills to write (write[i]): new drafts, and drafts whose header
 * or content digest (found's column 3: their lines, ledger rows and
 * claims, content_digest) differ from the bill's; no line is read. ids[i]
 * is bill i's draft, NULL when it has none yet or its month's invoice is
 * no longer a draft (issued[i], never written). */
static void choose_writes(const PGresult *found, const char **ids, bool *issued, bool *write,
                          size_t n)
{
    bool *same = xcalloc(n, sizeof *same);
    for (int r = 0; r < PQntuples(found); r++) {
        long ord = strtol(PQgetvalue(found, r, 0), NULL, 10);
        assert(ord >= 0 && (size_t)ord < n); /* the bill's own place, sent with it */
        if (PQgetvalue(found, r, 2)[0] != 't') {
            issued[ord] = true;
            continue;
        }
        ids[ord] = PQgetvalue(found, r, 1);
        same[ord] = PQgetvalue(found, r, 3)[0] == 't';
    }
    for (size_t i = 0; i < n; i++)
        write[i] = !issued[i] && !same[i];
    free(same);
}

bool store_invoices(PGconn *conn, const char *first_day, const struct bill *bills, size_t n,
                    bool *written)
{
    if (!n) return true;
    for (size_t i = 0; i < n; i++) /* only settled bills are stored */
        assert(!bills[i].error[0] && bill_totals_hold(&bills[i]));
    const char **ids = xcalloc(n, sizeof *ids);
    bool *issued = xcalloc(n, sizeof *issued), *write = xcalloc(n, sizeof *write);
    bool *existed = xcalloc(n, sizeof *existed);
    PGresult *found = find_drafts(conn, first_day, bills, n), *stored = NULL;
    bool ok = found != NULL;
    if (ok) choose_writes(found, ids, issued, write, n);
    size_t nwrite = 0;
    for (size_t i = 0; ok && i < n; i++)
        nwrite += write[i];
    if (ok && nwrite) {
        stored = store_headers(conn, first_day, bills, n, write);
        ok = stored != NULL;
        for (size_t i = 0; ok && i < n; i++) /* a draft issued meanwhile is left alone */
            if (write[i]) ids[i] = NULL;
        if (ok) note_ids(ids, n, stored);
        for (int r = 0; ok && r < PQntuples(stored); r++) { /* only they have lines to delete */
            long ord = strtol(PQgetvalue(stored, r, 0), NULL, 10); /* checked by note_ids */
            existed[ord] = PQgetvalue(stored, r, 2)[0] != 't';
        }
        for (size_t i = 0; ok && i < n; i++)
            write[i] = write[i] && ids[i];
        ok = ok && store_rewrite(conn, first_day, ids, bills, n, write, existed);
    }
    ok = ok && store_sla_evidence(conn, first_day, ids, bills, n) &&
         store_index_use(conn, ids, bills, n);
    for (size_t i = 0; ok && written && i < n; i++)
        written[i] = ids[i] != NULL;
    PQclear(found);
    PQclear(stored);
    free(ids);
    free(issued);
    free(write);
    free(existed);
    return ok;
}

bool store_refreshed(PGconn *conn, const char *first_day, const char *customer)
{
    const char *p[] = {first_day, customer};
    /* an unknown customer records nothing (never the whole month) */
    return db_exec(conn, "record the run",
                   "INSERT INTO invoice_refresh (period, customer_id) "
                   "SELECT $1::date, c.id FROM (SELECT NULL::bigint AS id WHERE $2::text IS NULL "
                   "  UNION ALL SELECT id FROM customer WHERE code = $2) c",
                   2, p);
}

bool store_problems(PGconn *conn, const char *first_day, const char *customer, const char *codes,
                    const char *reasons)
{
    const char *p[] = {first_day, codes, reasons, customer};
    static const char drafts[] =
        "SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id "
        "WHERE i.period = $1::date AND i.status = 'draft' "
        "AND i.kind = 'invoice' AND c.code = ANY($2::text[])";
    char ledger[512], redemptions[512], invoices[512];
    snprintf(ledger, sizeof ledger, "DELETE FROM commitment_ledger WHERE invoice_id IN (%s)",
             drafts);
    snprintf(redemptions, sizeof redemptions,
             "DELETE FROM voucher_redemption WHERE invoice_id IN (%s)", drafts);
    snprintf(invoices, sizeof invoices, "DELETE FROM invoice WHERE id IN (%s)", drafts);
    return db_exec(conn, "remove the drafts that could not be priced", ledger, 2, p) &&
           db_exec(conn, "remove the drafts that could not be priced", redemptions, 2, p) &&
           db_exec(conn, "remove the drafts that could not be priced", invoices, 2, p) &&
           db_exec(conn, "record the customers that could not be priced",
                   "WITH f AS (SELECT c.id, u.why FROM unnest($2::text[], $3::text[]) u(code, why) "
                   "           JOIN customer c ON c.code = u.code), "
                   "gone AS (DELETE FROM invoice_problem p USING customer c "
                   "         WHERE c.id = p.customer_id AND p.period = $1::date "
                   "           AND ($4::text IS NULL OR c.code = $4) "
                   "           AND p.customer_id NOT IN (SELECT id FROM f)) "
                   "INSERT INTO invoice_problem (customer_id, period, reason) "
                   "SELECT id, $1::date, why FROM f ON CONFLICT (customer_id, period) "
                   "DO UPDATE SET reason = excluded.reason, found_at = now()",
                   4, p);
}

/* Header columns 0..18, 32..35 and 37..43, line columns 19..31, 44
 * (its tax, LINE_TAX_SQL) and 45..53 (the index publication it used and
 * the link's terms, invoice_index_use: NULL on other lines), and 36
 * the invoice's place in $1, an array of invoice ids: in that order, each
 * invoice's lines in theirs. A credit note's reason (18) and code (35) are
 * its own (a partial credit) or its void invoice's, and its buyer (1, 32)
 * is the one the invoice it credits was issued to: the red fapiao reverses
 * the blue one's buyer. 37..43 are what the documents say of the others
 * (struct bill): the void date, the credit notes against an invoice, the
 * issue date and fapiao of the invoice a credit note credits and its total
 * less the credit notes against it up to this one (NULL unless a credit
 * note), and the sum of the issued credit notes against an invoice. */
static const char show_sql[] =
    /* the credit notes against these invoices and those they credit: one scan */
    "WITH credited AS ( "
    "  SELECT x.id, x.credits, x.number, x.total, x.status FROM invoice x "
    "  WHERE x.kind = 'credit_note' AND x.credits IN ("
    "    SELECT id FROM unnest($1::bigint[]) id "
    "    UNION SELECT i.credits FROM invoice i WHERE i.id = ANY ($1::bigint[]))) "
    "SELECT c.code, CASE WHEN i.status = 'draft' THEN c.name WHEN cr.id IS NOT NULL "
    "       THEN coalesce(cr.buyer_name, c.name) ELSE coalesce(i.buyer_name, c.name) END, "
    "       i.plan, i.currency, cur.minor_digits, i.tax_rate_ppm, "
    "       to_char(i.period, 'YYYY-MM'), i.status, i.subtotal, i.tax, i.total, i.claimed, "
    "       i.due, i.contract, i.kind, coalesce(i.number, ''), coalesce(cr.number, ''), "
    /* dates as the customer's calendar has them, as its fapiao does */
    "       coalesce(to_char(i.issued_at AT TIME ZONE customer_time_zone(i.customer_id, i.period), "
    "                        'YYYY-MM-DD'), ''), "
    "       CASE WHEN i.credit_code IS NOT NULL THEN coalesce(i.credit_reason, '') "
    "            ELSE coalesce(nullif(i.void_reason, ''), cr.void_reason, '') END, "
    "       l.kind, coalesce(l.meter, ''), l.model, l.quantity, "
    "       l.unit_price, l.amount, l.band, l.multiplier_ppm, l.site, l.pue_ppm, "
    "       l.override_ppm, l.detail, coalesce(to_char(l.adjusts, 'YYYY-MM'), ''), "
    "       coalesce(CASE WHEN i.status = 'draft' THEN c.tax_id WHEN cr.id IS NOT NULL "
    "                     THEN cr.buyer_tax_id ELSE i.buyer_tax_id END, ''), "
    "       coalesce(i.fapiao_number, ''), coalesce(to_char(i.fapiao_date, 'YYYY-MM-DD'), ''), "
    "       coalesce(nullif(i.void_code, ''), i.credit_code, cr.void_code, ''), u.ord, "
    "       coalesce(to_char(i.voided_at AT TIME ZONE customer_time_zone(i.customer_id, i.period), "
    "                        'YYYY-MM-DD'), ''), "
    "       coalesce(cn.numbers, ''), "
    "       coalesce(to_char(cr.issued_at AT TIME ZONE customer_time_zone(cr.customer_id, "
    "                        cr.period), 'YYYY-MM-DD'), ''), "
    "       coalesce(cr.fapiao_number, ''), coalesce(to_char(cr.fapiao_date, 'YYYY-MM-DD'), ''), "
    "       CASE WHEN i.kind = 'credit_note' THEN cr.total + bal.credited END, "
    "       (SELECT coalesce(sum(x.total), 0) FROM credited x "
    "        WHERE x.credits = i.id AND x.status = 'issued'), "
    "       " LINE_TAX_SQL("l.", "i.") ", "
    "       to_char(x.index_month, 'YYYY-MM'), x.revision, "
    "       to_char(x.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "       x.price_micro, x.lag_months, x.spread_micro, coalesce(x.floor_micro, -1), "
    "       coalesce(x.cap_micro, -1), x.lag_months IS NOT NULL "
    "FROM unnest($1::bigint[]) WITH ORDINALITY AS u (id, ord) "
    "JOIN invoice i ON i.id = u.id JOIN customer c ON c.id = i.customer_id "
    "JOIN currency cur ON cur.code = i.currency "
    "LEFT JOIN invoice cr ON cr.id = i.credits "
    "LEFT JOIN (SELECT credits, string_agg(number, ', ' ORDER BY id) AS numbers FROM credited "
    "           WHERE number IS NOT NULL GROUP BY credits) cn ON cn.credits = i.id "
    "LEFT JOIN LATERAL (SELECT coalesce(sum(x.total), 0) AS credited FROM credited x "
    "                   WHERE x.credits = cr.id AND x.id <= i.id "
    "                     AND (x.status <> 'draft' OR x.id = i.id)) bal ON true "
    "LEFT JOIN invoice_line l ON l.invoice_id = i.id "
    "LEFT JOIN invoice_index_use x ON x.invoice_id = l.invoice_id AND x.line_no = l.line_no "
    "ORDER BY u.ord, l.line_no";
#define SHOW_ORD 36

/* Column 4: the claim's invoice's place in $1. */
static const char claims_sql[] =
    "SELECT r.voucher, r.program, r.amount, d.document->>'applies' = 'pre_tax', u.ord "
    "FROM unnest($1::bigint[]) WITH ORDINALITY AS u (id, ord) "
    "JOIN voucher_redemption r ON r.invoice_id = u.id AND NOT r.reversal "
    "LEFT JOIN document d ON d.kind = 'voucher' AND d.code = r.voucher "
    "ORDER BY u.ord, r.voucher";

static void cell(char *dst, size_t cap, const PGresult *res, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetvalue(res, row, col));
}

static bool read_header(struct bill *b, const PGresult *res, int row)
{
    int64_t digits = 2;
    cell(b->customer, sizeof b->customer, res, row, 0);
    cell(b->customer_name, sizeof b->customer_name, res, row, 1);
    cell(b->plan, sizeof b->plan, res, row, 2);
    cell(b->currency, sizeof b->currency, res, row, 3);
    cell(b->period, sizeof b->period, res, row, 6);
    cell(b->status, sizeof b->status, res, row, 7);
    cell(b->contract, sizeof b->contract, res, row, 13);
    cell(b->kind, sizeof b->kind, res, row, 14);
    cell(b->number, sizeof b->number, res, row, 15);
    cell(b->credits, sizeof b->credits, res, row, 16);
    cell(b->issued_at, sizeof b->issued_at, res, row, 17);
    cell(b->void_reason, sizeof b->void_reason, res, row, 18);
    cell(b->tax_id, sizeof b->tax_id, res, row, 32);
    cell(b->fapiao_number, sizeof b->fapiao_number, res, row, 33);
    cell(b->fapiao_date, sizeof b->fapiao_date, res, row, 34);
    cell(b->void_code, sizeof b->void_code, res, row, 35);
    cell(b->voided_at, sizeof b->voided_at, res, row, 37);
    cell(b->credit_notes, sizeof b->credit_notes, res, row, 38);
    cell(b->credited_issued_at, sizeof b->credited_issued_at, res, row, 39);
    cell(b->credited_fapiao_number, sizeof b->credited_fapiao_number, res, row, 40);
    cell(b->credited_fapiao_date, sizeof b->credited_fapiao_date, res, row, 41);
    b->credited_balance_known = !PQgetisnull(res, row, 42);
    bool ok = db_get_int64(res, row, 4, &digits) && db_get_int64(res, row, 5, &b->tax_ppm) &&
              db_get_int64(res, row, 8, &b->subtotal) && db_get_int64(res, row, 9, &b->tax) &&
              db_get_int64(res, row, 10, &b->total) && db_get_int64(res, row, 11, &b->claimed) &&
              db_get_int64(res, row, 12, &b->due) &&
              (!b->credited_balance_known || db_get_int64(res, row, 42, &b->credited_balance)) &&
              db_get_int64(res, row, 43, &b->credited);
    b->minor_digits = (int)digits;
    return ok;
}

/* Columns 45..53: the publication the line used, when it has one. */
static bool read_index_use(struct index_use *u, const PGresult *res, int row)
{
    if (PQgetisnull(res, row, 45)) return true;
    int64_t lag = 0;
    snprintf(u->month, sizeof u->month, "%.7s", PQgetvalue(res, row, 45));
    cell(u->published_at, sizeof u->published_at, res, row, 47);
    u->link.on = PQgetvalue(res, row, 53)[0] == 't'; /* a price at the index, not a swap */
    bool ok = db_get_int64(res, row, 46, &u->revision) &&
              db_get_int64(res, row, 48, &u->index_micro) &&
              (!u->link.on || (db_get_int64(res, row, 49, &lag) &&
                               db_get_int64(res, row, 50, &u->link.spread))) &&
              db_get_int64(res, row, 51, &u->link.floor) &&
              db_get_int64(res, row, 52, &u->link.cap);
    u->link.lag_months = (int)lag;
    return ok;
}

static bool read_line(struct bill *b, const PGresult *res, int row)
{
    struct bill_line *l = bill_add_line(b);
    cell(l->meter, sizeof l->meter, res, row, 20);
    cell(l->model, sizeof l->model, res, row, 21);
    cell(l->band, sizeof l->band, res, row, 25);
    cell(l->site, sizeof l->site, res, row, 27);
    cell(l->detail, sizeof l->detail, res, row, 30);
    cell(l->adjusts, sizeof l->adjusts, res, row, 31);
    return bill_kind_parse(PQgetvalue(res, row, 19), &l->kind) &&
           db_get_int64(res, row, 22, &l->quantity) && db_get_int64(res, row, 23, &l->unit_price) &&
           db_get_int64(res, row, 24, &l->amount) &&
           db_get_int64(res, row, 26, &l->multiplier_ppm) &&
           db_get_int64(res, row, 28, &l->pue_ppm) &&
           db_get_int64(res, row, 29, &l->override_ppm) &&
           db_get_int64(res, row, 44, &l->tax) && read_index_use(&l->index, res, row);
}

static bool read_claim(struct bill *b, const PGresult *res, int row)
{
    struct voucher_claim *c = bill_add_claim(b);
    cell(c->voucher, sizeof c->voucher, res, row, 0);
    cell(c->program, sizeof c->program, res, row, 1);
    c->pre_tax = PQgetvalue(res, row, 3)[0] == 't';
    return db_get_int64(res, row, 2, &c->amount);
}

/* Whether a stored invoice's totals equal its lines and claims. */
static bool adds_up(const struct bill *b)
{
    int64_t sum = 0, claimed = 0;
    for (size_t i = 0; i < b->n; i++)
        sum += b->lines[i].amount;
    for (int i = 0; i < b->nclaims; i++)
        claimed += b->claims[i].pre_tax ? 0 : b->claims[i].amount;
    if (!strcmp(b->kind, "credit_note")) claimed = b->claimed; /* its claims stay on the invoice */
    if (sum == b->subtotal && b->subtotal + b->tax == b->total && claimed == b->claimed &&
        b->claimed + b->due == b->total)
        return true;
    log_error("stored invoice of customer \"%s\" for %s does not add up", b->customer, b->period);
    log_detail("Lines sum to %lld, subtotal is %lld, tax %lld, total %lld, claimed %lld of "
               "%lld in redemptions, due %lld (minor units).",
               (long long)sum, (long long)b->subtotal, (long long)b->tax, (long long)b->total,
               (long long)b->claimed, (long long)claimed, (long long)b->due);
    return false;
}

long store_load_each(PGconn *conn, const char *ids, bill_fn fn, void *ctx)
{
    const char *p[] = {ids};
    PGresult *res = db_query(conn, "read the invoices", show_sql, 1, p);
    PGresult *claims = res ? db_query(conn, "read the voucher claims", claims_sql, 1, p) : NULL;
    bool ok = claims != NULL;
    long n = 0;
    int rows = ok ? PQntuples(res) : 0, crow = 0, nclaims = ok ? PQntuples(claims) : 0;
    for (int row = 0; ok && row < rows;) {
        const char *ord = PQgetvalue(res, row, SHOW_ORD);
        struct bill b = {0};
        ok = read_header(&b, res, row);
        for (; ok && row < rows && !strcmp(PQgetvalue(res, row, SHOW_ORD), ord); row++)
            if (!PQgetisnull(res, row, 19)) ok = read_line(&b, res, row);
        for (; ok && crow < nclaims && !strcmp(PQgetvalue(claims, crow, 4), ord); crow++)
            ok = read_claim(&b, claims, crow);
        ok = ok && adds_up(&b) && fn(&b, ctx);
        n += ok;
        bill_free(&b);
    }
    PQclear(res);
    PQclear(claims);
    return ok ? n : -1;
}

static bool keep_one(struct bill *b, void *ctx)
{
    bill_move(ctx, b);
    return true;
}

/* An issued invoice's due day, state now and dunning reminders (issue 34,
 * schema 032) into b, for the one invoice store_load reads (not the
 * batches of store_load_each: the hand-offs need none of it, and states
 * read the whole ledger once per call). ids is "{id}". */
static bool load_receivables(PGconn *conn, const char *ids, struct bill *b)
{
    const char *p[] = {ids};
    PGresult *res = db_query(
        conn, "read the invoice's state",
        "SELECT to_char(s.due_on, 'YYYY-MM-DD'), s.state, s.open, "
        "       CASE WHEN s.overdue THEN s.days_past_due ELSE 0 END, "
        "       coalesce((SELECT string_agg(d.step || ' (' || to_char(d.as_of AT TIME ZONE "
        "                 customer_time_zone(s.customer_id, s.period), 'YYYY-MM-DD') || ')', "
        "                 ', ' ORDER BY d.step) FROM dunning_reminder d "
        "                 WHERE d.invoice_id = s.invoice_id), '') "
        "FROM invoice_state_at(now()) s WHERE s.invoice_id = ANY ($1::bigint[])",
        1, p);
    if (!res) return false;
    bool ok = true;
    if (PQntuples(res) == 1) { /* none for a draft or a credit note */
        snprintf(b->due_on, sizeof b->due_on, "%s", PQgetvalue(res, 0, 0));
        snprintf(b->state, sizeof b->state, "%s", PQgetvalue(res, 0, 1));
        snprintf(b->reminders, sizeof b->reminders, "%s", PQgetvalue(res, 0, 4));
        ok = db_get_int64(res, 0, 2, &b->open) && db_get_int64(res, 0, 3, &b->overdue_days);
    }
    PQclear(res);
    return ok;
}

bool store_load(PGconn *conn, const char *number, const char *customer, const char *first_day,
                struct bill *b)
{
    const char *p[] = {number, customer, first_day};
    PGresult *idr = db_query(conn, "find the invoice",
                             "SELECT '{' || i.id || '}' FROM invoice i "
                             "JOIN customer c ON c.id = i.customer_id "
                             "WHERE " STORE_INVOICE_NAMED,
                             3, p);
    if (!idr) return false;
    if (PQntuples(idr) != 1) {
        if (number)
            log_error("no invoice numbered \"%s\"", number);
        else
            log_error("no invoice for customer \"%s\" in %.7s", customer, first_day);
        PQclear(idr);
        return false;
    }
    bool ok = store_load_each(conn, PQgetvalue(idr, 0, 0), keep_one, b) == 1 &&
              load_receivables(conn, PQgetvalue(idr, 0, 0), b);
    PQclear(idr);
    return ok;
}

struct store_month {
    char *issued;                  /* the ids literal of the invoice that stands, or NULL */
    struct billing_inputs *priced; /* else the month's inputs */
};

struct store_month *store_month_read(PGconn *conn, const char *period, const char *customer)
{
    char first_day[16];
    time_month_first_day(period, first_day);
    const char *p[] = {customer, first_day};
    /* one invoice at most stands for a customer's month (schema 007) */
    PGresult *res = db_query_reused(conn, "look for the month's issued invoice",
                                    "SELECT '{' || i.id || '}' FROM invoice i "
                                    "JOIN customer c ON c.id = i.customer_id "
                                    "WHERE c.code = $1 AND i.period = $2::date AND " INVOICE_STANDS("i."),
                                    2, p);
    if (!res) return NULL;
    struct store_month *m = NULL;
    if (PQntuples(res) > 0) {
        m = store_month_of_invoice(PQgetvalue(res, 0, 0));
    } else {
        struct billing_inputs *in = billing_read(conn, period, customer, NULL);
        if (in) m = xcalloc(1, sizeof *m), m->priced = in;
    }
    PQclear(res);
    return m;
}

struct store_month *store_month_of_invoice(const char *ids)
{
    struct store_month *m = xcalloc(1, sizeof *m);
    m->issued = xstrdup(ids);
    return m;
}

int store_month_price(const struct store_month *m, PGconn *conn, bill_fn fn, void *ctx)
{
    if (!m->issued) return billing_price(m->priced, conn, fn, ctx);
    long n = store_load_each(conn, m->issued, fn, ctx); /* read back each time: its state moves */
    return n == 1 ? 1 : -1;
}

bool store_month_keepable(const struct store_month *m)
{
    return m->issued || !billing_inputs_live_health(m->priced);
}

size_t store_month_bytes(const struct store_month *m)
{
    return sizeof *m + (m->issued ? strlen(m->issued) + 1 : 0) +
           (m->priced ? billing_inputs_bytes(m->priced) : 0);
}

void store_month_free(struct store_month *m)
{
    if (!m) return;
    free(m->issued);
    billing_inputs_free(m->priced);
    free(m);
}

int store_load_month(PGconn *conn, const char *period, const char *customer, bill_fn fn,
                     void *ctx)
{
    struct store_month *m = store_month_read(conn, period, customer);
    int n = m ? store_month_price(m, conn, fn, ctx) : -1;
    store_month_free(m);
    return n;
}
