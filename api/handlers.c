/* handlers: the statements API's resources (see handlers.h, docs/api.md).
 *
 * Every parameter is checked against its exact shape before use and goes to
 * PostgreSQL as a libpq parameter; SQL text is only ever built from fixed
 * fragments chosen by those checks. Statements and invoices render through
 * the same code as the CLI (billing.h, store.h, render.h), so the API and
 * `gpumeter statement` / `invoice show` return the same numbers. */
#include "api/handlers.h"

#include "core/csv.h"
#include "core/db.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "core/units.h"
#include "billing/balances.h"
#include "billing/aging.h"
#include "billing/payment_view.h"
#include "billing/billing.h"
#include "billing/calendar.h"
#include "billing/credit_limit.h"
#include "billing/focus.h"
#include "billing/idle.h"
#include "billing/health_report.h"
#include "billing/price_index.h"
#include "billing/yield.h"
#include "billing/sla_availability.h"
#include "billing/sla_evidence.h"
#include "render/render.h"
#include "billing/store.h"
#include "billing/usage.h"
#include "core/meter.h"
#include "render/pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RANGE_DAYS 366
#define MAX_PAGE_SIZE  1000

static bool parse_count(const char *s, long def, long max, long *out)
{
    char *end;
    if (!s) {
        *out = def;
        return true;
    }
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > max) return false;
    *out = v;
    return true;
}

/* format: json (default) or csv; pdf where allowed (render's parser). */
static bool parse_format(struct request *r, bool pdf, enum render_format *f)
{
    const char *s = http_param(r, "format");
    *f = RENDER_JSON;
    if (s && (!render_parse_format(s, f) || *f == RENDER_TEXT || (*f == RENDER_PDF && !pdf)))
        return http_error(r, 400, "bad_request", "format must be json%s or csv",
                          pdf ? ", pdf" : "");
    return true;
}

static void render_into(struct request *r, const struct bill *b, enum render_format f,
                        const char *title)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) abort();
    render_bill(b, f, title, mem);
    fclose(mem);
    sb_append(&r->body, text, len);
    free(text);
    r->content_type = f == RENDER_CSV ? "text/csv" : "application/json";
}

/* ---- /v1/me ---- */

bool handle_me(struct request *r)
{
    sb_printf(&r->body, "{\"key_id\":\"%s\",\"role\":\"%s\",\"customer\":", r->who.key_id,
              r->who.finance ? "finance"
              : r->who.sales ? "sales"
                             : "customer");
    if (!r->who.customer[0])
        sb_puts(&r->body, "null");
    else
        sb_put_json_string(&r->body, r->who.customer);
    if (r->csrf[0]) { /* through a session: the token its writes carry (docs/console.md#writes) */
        sb_puts(&r->body, ",\"csrf\":");
        sb_put_json_string(&r->body, r->csrf);
    }
    sb_puts(&r->body, "}\n");
    r->content_type = "application/json";
    return true;
}

/* ---- /v1/meters ---- */

/* The registry (core/meter.h) as the console builds its meter labels, usage
 * rows and readable fields from it: a meter added there shows in the
 * console with no change to app.js. The same for every key. */
bool handle_meters(struct request *r)
{
    sb_puts(&r->body, "{\"meters\":[");
    for (int i = 0; i < METER_COUNT; i++) {
        const struct meter *m = &meter_rows[i];
        const char *text[][2] = {
            {"code", m->code},
            {"doc", m->doc},
            {"readable", m->units.readable},
            {"base_unit", m->units.base_unit},
            {"price_unit", m->units.price_unit},
            {"label_zh", m->units.label_zh},
            {"label_en", m->units.label_en},
            {"name_zh", m->name_zh},
            {"name_en", m->name_en},
        };
        sb_puts(&r->body, i ? ",{" : "{");
        for (size_t f = 0; f < sizeof text / sizeof text[0]; f++) {
            sb_printf(&r->body, "%s\"%s\":", f ? "," : "", text[f][0]);
            sb_put_json_string(&r->body, text[f][1]);
        }
        sb_printf(&r->body, ",\"per_price\":%lld}", (long long)m->units.per_price);
    }
    sb_puts(&r->body, "]}\n");
    r->content_type = "application/json";
    return true;
}

/* ---- /v1/usage ---- */

/* The grouping columns a group_by names, from a fixed list. */
struct grouping {
    const char *grain; /* hour, day, month */
    bool job, model;
};

static bool parse_group_by(struct request *r, struct grouping *g)
{
    const char *s = http_param(r, "group_by");
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s ? s : "day");
    memset(g, 0, sizeof *g);
    int i = 0;
    for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), i++) {
        bool grain = !strcmp(t, "hour") || !strcmp(t, "day") || !strcmp(t, "month");
        if (i == 0 && grain)
            g->grain = !strcmp(t, "hour") ? "hour" : !strcmp(t, "day") ? "day" : "month";
        else if (i > 0 && !strcmp(t, "job") && !g->job)
            g->job = true;
        else if (i > 0 && !strcmp(t, "model") && !g->model)
            g->model = true;
        else if (i > 0 && !strcmp(t, "meter"))
            continue; /* quantities are always per meter */
        else
            return http_error(r, 400, "bad_request",
                              "group_by is hour, day or month, then any of job, model, meter");
    }
    if (!g->grain || (s && strlen(s) >= sizeof buf))
        return http_error(r, 400, "bad_request",
                          "group_by is hour, day or month, then any of job, model, meter");
    return true;
}

bool handle_usage(struct request *r)
{
    const char *customer;
    struct grouping g;
    int64_t from, to;
    long page, size;
    enum render_format f;
    if (!http_customer(r, &customer) || !parse_group_by(r, &g) || !parse_format(r, false, &f))
        return false;
    if (!time_parse_date(http_param(r, "from"), &from) ||
        !time_parse_date(http_param(r, "to"), &to) || to < from)
        return http_error(r, 400, "bad_request", "from and to are dates YYYY-MM-DD, from <= to");
    if (to - from >= MAX_RANGE_DAYS)
        return http_error(r, 400, "bad_request", "at most %d days per request", MAX_RANGE_DAYS);
    if (!parse_count(http_param(r, "page"), 1, 1000000, &page) ||
        !parse_count(http_param(r, "page_size"), 100, MAX_PAGE_SIZE, &size))
        return http_error(r, 400, "bad_request", "page >= 1; page_size from 1 to %d",
                          MAX_PAGE_SIZE);
    /* Everything the response depends on besides the usage version, and the
     * cache's generation before the query (cache.h: a reconnect). */
    char key[256];
    snprintf(key, sizeof key, "usage %llu %s %s %s %s%s%s %ld %ld %s",
             (unsigned long long)cache_generation(r->cache), customer, http_param(r, "from"),
             http_param(r, "to"), g.grain, g.job ? ",job" : "", g.model ? ",model" : "", page, size,
             f == RENDER_CSV ? "csv" : "json");
    if (cache_get(r->cache, key, r->who.usage_version, &r->body, &r->content_type)) return true;
    /* the query is billing's (usage.h): the invoices' account windows */
    enum usage_grain grain = !strcmp(g.grain, "hour")  ? USAGE_BY_HOUR
                             : !strcmp(g.grain, "day") ? USAGE_BY_DAY
                                                       : USAGE_BY_MONTH;
    char sql[4096];
    if (!usage_sql(grain, g.job, g.model, sql, sizeof sql))
        return http_error(r, 500, "internal", "the usage query does not fit");
    char from_s[16], to_s[16], lim[24], off[24];
    snprintf(from_s, sizeof from_s, "%s", http_param(r, "from"));
    snprintf(to_s, sizeof to_s, "%s", http_param(r, "to"));
    snprintf(lim, sizeof lim, "%ld", size);
    snprintf(off, sizeof off, "%ld", (page - 1) * size);
    const char *p[] = {customer, from_s, to_s, lim, off};
    int slot = (!strcmp(g.grain, "hour")  ? 0
                : !strcmp(g.grain, "day") ? 4
                                          : 8) +
               g.job * 2 + g.model;
    PGresult *res = http_query(r, slot, "read usage", sql, 5, p);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    int n = PQntuples(res);
    if (f == RENDER_CSV) {
        r->content_type = "text/csv";
        sb_puts(&r->body, "time,job,model,meter,quantity,unit");
        /* a column of quantities in price units per meter, registry order */
        for (int k = 0; k < METER_COUNT; k++)
            sb_printf(&r->body, ",%s", meter_rows[k].units.readable);
        sb_putc(&r->body, '\n');
    } else {
        sb_puts(&r->body, "{\"customer\":");
        sb_put_json_string(&r->body, customer);
        sb_printf(&r->body,
                  ",\"from\":\"%s\",\"to\":\"%s\",\"group_by\":\"%s%s%s\",\"page\":%ld,"
                  "\"page_size\":%ld,\"total_rows\":%s,\"rows\":[",
                  from_s, to_s, g.grain, g.job ? ",job" : "", g.model ? ",model" : "", page, size,
                  n ? PQgetvalue(res, 0, 5) : "0");
    }
    for (int i = 0; i < n; i++) {
        const struct meter_units *u = meter_units(PQgetvalue(res, i, 3));
        const char *unit = u ? u->base_unit : "";
        /* the quantity in its price unit for people (core/units.h) */
        char readable[48] = "";
        if (u) units_format(strtoll(PQgetvalue(res, i, 4), NULL, 10), u->per_price, readable,
                            sizeof readable);
        if (f == RENDER_CSV) {
            sb_printf(&r->body, "%s,", PQgetvalue(res, i, 0));
            for (int c = 1; c <= 3; c++) {
                csv_field(&r->body, PQgetvalue(res, i, c));
                sb_putc(&r->body, ',');
            }
            sb_printf(&r->body, "%s,%s", PQgetvalue(res, i, 4), unit);
            /* one column per meter, so that a spreadsheet sums a column */
            for (int k = 0; k < METER_COUNT; k++)
                sb_printf(&r->body, ",%s", u == &meter_rows[k].units ? readable : "");
            sb_putc(&r->body, '\n');
            continue;
        }
        sb_printf(&r->body, "%s{\"time\":\"%s\"", i ? "," : "", PQgetvalue(res, i, 0));
        if (g.job) {
            sb_puts(&r->body, ",\"job\":");
            sb_put_json_string(&r->body, PQgetvalue(res, i, 1));
        }
        if (g.model) {
            sb_puts(&r->body, ",\"model\":");
            sb_put_json_string(&r->body, PQgetvalue(res, i, 2));
        }
        sb_printf(&r->body, ",\"meter\":\"%s\",\"quantity\":%s,\"unit\":\"%s\"",
                  PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), unit);
        if (u) sb_printf(&r->body, ",\"%s\":\"%s\"", u->readable, readable);
        sb_putc(&r->body, '}');
    }
    if (f != RENDER_CSV) sb_puts(&r->body, "]}\n");
    PQclear(res);
    cache_put(r->cache, key, r->who.usage_version, r->content_type, r->body.buf, r->body.len);
    return true;
}

/* ---- /v1/statement and /v1/usage/current ---- */

struct one_bill {
    struct request *r;
    enum render_format f;
    /* the customer's balances: kept ones to use, or read (and noted for
     * keeping) when not known */
    struct statement_balances *balances;
    bool done;
};

static bool render_one(struct bill *b, void *opaque)
{
    struct one_bill *o = opaque;
    if (b->error[0]) return http_error(o->r, 409, "cannot_price", "%s", b->error);
    /* as `gpumeter statement`: the ledger's balances in JSON (read whatever
     * the format when they are to be kept, so that the entry has them) */
    if (!o->balances->known) {
        if (!balances_read(o->r->conn, b))
            return http_error(o->r, 503, "unavailable", "the database failed the query");
        *o->balances = (struct statement_balances){true, b->deposit_held, b->prepaid};
    }
    b->deposit_held = o->balances->deposit_held;
    b->prepaid = o->balances->prepaid;
    b->has_balances = o->f == RENDER_JSON;
    render_into(o->r, b, o->f, "Statement");
    o->done = true;
    return true;
}

/* The statement of customer's period: priced from its kept inputs while
 * their versions stand (statement_inputs.h), else from inputs read now,
 * which are kept for the next request. The same bills either way
 * (store_load_month is store_month_read then store_month_price). */
static bool statement_of(struct request *r, const char *customer, const char *period,
                         enum render_format f)
{
    /* before the month's query: a reconnect meanwhile (serve.c) refuses
     * the put below */
    uint64_t generation = statement_inputs_generation(r->statements);
    const struct statement_entry *kept = statement_inputs_get(
        r->statements, customer, period, r->who.usage_version, r->who.statement_version);
    struct statement_balances balances = kept ? kept->balances : (struct statement_balances){0};
    struct one_bill o = {r, f, &balances, false};
    struct store_month *read = NULL;
    db_clear_error();
    if (!kept) read = store_month_read(r->conn, period, customer);
    int n = kept || read ? store_month_price(kept ? kept->month : read, r->conn, render_one, &o)
                         : -1;
    statement_inputs_release(r->statements, kept);
    if (read && n == 1 && o.done)
        statement_inputs_put(r->statements, customer, period, r->who.usage_version,
                             r->who.statement_version, generation, read, balances);
    else
        store_month_free(read);
    if (n < 0 && r->status == 200 && db_last_error()[0]) /* not the customer's fault */
        return http_error(r, 503, "unavailable", "the database failed the query");
    if (n < 0 && r->status == 200)
        return http_error(r, 404, "not_found", "no contract of customer %s in effect in %s",
                          customer, period);
    return o.done;
}

bool handle_statement(struct request *r)
{
    const char *customer, *period = http_param(r, "period");
    enum render_format f;
    int y, m;
    if (!http_customer(r, &customer) || !parse_format(r, false, &f)) return false;
    if (!period || strlen(period) != 7 || !time_parse_month(period, &y, &m))
        return http_error(r, 400, "bad_request", "period is a month YYYY-MM");
    return statement_of(r, customer, period, f);
}

/* ---- /v1/availability (issue 36) ---- */

/* A customer's month under its SLA, `report availability --customer` as
 * JSON (billing/sla_availability.h): a customer key its own only
 * (http_customer), a finance key the customer it names. */
bool handle_availability(struct request *r)
{
    const char *customer, *period = http_param(r, "period");
    int y, m;
    if (!http_customer(r, &customer)) return false;
    if (!period || strlen(period) != 7 || !time_parse_month(period, &y, &m))
        return http_error(r, 400, "bad_request", "period is a month YYYY-MM");
    r->content_type = "application/json";
    switch (sla_availability_report(r->conn, customer, period, REPORT_JSON, &r->body)) {
    case SLA_AVAILABILITY_OK:
        return true;
    case SLA_AVAILABILITY_NO_CUSTOMER:
        return http_error(r, 404, "not_found", "no customer %s", customer);
    case SLA_AVAILABILITY_NO_SLA:
        return http_error(r, 404, "not_found", "customer %s has no sla in %s", customer, period);
    case SLA_AVAILABILITY_DB_ERROR:
        break;
    }
    return http_error(r, 503, "unavailable", "the database failed the query");
}

bool handle_usage_current(struct request *r)
{
    const char *customer;
    if (!http_customer(r, &customer)) return false;
    char period[8], first_day[16];
    time_current_month(period);
    time_month_first_day(period, first_day);
    sb_puts(&r->body, "{\"month_to_date\":");
    if (!statement_of(r, customer, period, RENDER_JSON)) return false;
    while (r->body.len && r->body.buf[r->body.len - 1] == '\n')
        r->body.len--;
    const char *p[] = {customer, first_day};
    PGresult *res = db_query(
        r->conn, "read balances",
        /* remaining: the face value in minor units (exact: numeric) less
         * what the voucher has paid */
        "SELECT (SELECT coalesce(json_agg(json_build_object('voucher', d.code, 'program', "
        "  d.document->>'program', 'face_value', d.document->>'face_value', 'paid_minor', "
        "  p.paid, 'remaining_minor', ((d.document->>'face_value')::numeric "
        "  * 10 ^ cu.minor_digits)::bigint - p.paid) ORDER BY d.code), '[]') "
        "  FROM document_in_effect('voucher', '9999-12-31') d "
        "  JOIN currency cu ON cu.code = d.document->>'currency' "
        "  CROSS JOIN LATERAL (SELECT coalesce(sum(r.signed_amount), 0)::bigint AS paid "
        "   FROM voucher_redemption_signed r WHERE r.voucher = d.code) p WHERE d.customer = $1 "
        "  AND (d.document->>'valid_until')::date >= $2::date), "
        " (SELECT coalesce(sum(l.signed_value), 0) FROM commitment_ledger_signed l "
        "  JOIN customer c ON c.id = l.customer_id WHERE c.code = $1 AND l.period < $2::date), "
        " (SELECT k.document->'commitment' FROM contract_in_effect($2::date) k "
        "  WHERE k.customer = $1), "
        " (SELECT cu.minor_digits FROM contract_in_effect($2::date) k "
        "  JOIN currency cu ON cu.code = k.document->>'currency' WHERE k.customer = $1)",
        2, p);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    sb_printf(&r->body, ",\"vouchers\":%s", PQgetvalue(res, 0, 0));
    render_json_money(&r->body, "makeup_bank", strtoll(PQgetvalue(res, 0, 1), NULL, 10),
                      atoi(PQgetvalue(res, 0, 3)));
    sb_printf(&r->body, ",\"commitment\":%s}\n",
              PQgetisnull(res, 0, 2) ? "null" : PQgetvalue(res, 0, 2));
    PQclear(res);
    r->content_type = "application/json";
    return true;
}

/* ---- /v1/invoices ---- */

bool handle_invoices(struct request *r)
{
    const char *customer;
    long page, size;
    if (!http_customer(r, &customer)) return false;
    if (!parse_count(http_param(r, "page"), 1, 1000000, &page) ||
        !parse_count(http_param(r, "page_size"), 100, MAX_PAGE_SIZE, &size))
        return http_error(r, 400, "bad_request", "page >= 1; page_size from 1 to %d",
                          MAX_PAGE_SIZE);
    char lim[24], off[24];
    snprintf(lim, sizeof lim, "%ld", size);
    snprintf(off, sizeof off, "%ld", (page - 1) * size);
    const char *p[] = {customer, lim, off};
    PGresult *res = db_query(r->conn, "list invoices",
                             "SELECT i.number, i.kind, to_char(i.period, 'YYYY-MM'), i.status, "
                             "  i.currency, i.total, i.due, c.minor_digits, "
                             "  coalesce(i.fapiao_number, ''), "
                             /* what invoice show's JSON calls credited (billing/store.c) */
                             "  (SELECT coalesce(sum(x.total), 0) FROM invoice x "
                             "   WHERE x.credits = i.id AND x.status = 'issued'), "
                             /* receivables (issue 34, schema 032): due day, state now */
                             "  coalesce(to_char(st.due_on, 'YYYY-MM-DD'), ''), "
                             "  coalesce(st.state, ''), "
                             "  CASE WHEN st.overdue THEN st.days_past_due ELSE 0 END "
                             "FROM invoice i JOIN customer u ON u.id = i.customer_id "
                             "JOIN currency c ON c.code = i.currency "
                             "LEFT JOIN invoice_state_at(now()) st ON st.invoice_id = i.id "
                             "WHERE u.code = $1 AND i.status <> 'draft' ORDER BY i.number "
                             "LIMIT $2 OFFSET $3",
                             3, p);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    sb_printf(&r->body, "{\"customer\":");
    sb_put_json_string(&r->body, customer);
    sb_printf(&r->body, ",\"page\":%ld,\"page_size\":%ld,\"invoices\":[", page, size);
    for (int i = 0; i < PQntuples(res); i++) {
        int digits = atoi(PQgetvalue(res, i, 7));
        sb_printf(&r->body,
                  "%s{\"number\":\"%s\",\"kind\":\"%s\",\"period\":\"%s\",\"status\":\"%s\","
                  "\"currency\":\"%s\"",
                  i ? "," : "", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                  PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
        render_json_money(&r->body, "total", strtoll(PQgetvalue(res, i, 5), NULL, 10), digits);
        render_json_money(&r->body, "due", strtoll(PQgetvalue(res, i, 6), NULL, 10), digits);
        if (!strcmp(PQgetvalue(res, i, 1), "invoice")) { /* as invoice show's JSON */
            long long total = strtoll(PQgetvalue(res, i, 5), NULL, 10),
                      credited = strtoll(PQgetvalue(res, i, 9), NULL, 10);
            render_json_money(&r->body, "credited", credited, digits);
            render_json_money(&r->body, "remaining", total + credited, digits);
            sb_printf(&r->body, ",\"due_on\":\"%s\",\"state\":\"%s\",\"overdue\":%s,"
                                "\"days_overdue\":%s",
                      PQgetvalue(res, i, 10), PQgetvalue(res, i, 11),
                      strcmp(PQgetvalue(res, i, 12), "0") ? "true" : "false",
                      PQgetvalue(res, i, 12));
        }
        if (*PQgetvalue(res, i, 8))
            sb_printf(&r->body, ",\"fapiao_number\":\"%s\"", PQgetvalue(res, i, 8));
        sb_putc(&r->body, '}');
    }
    sb_puts(&r->body, "]}\n");
    PQclear(res);
    return true;
}

bool handle_invoice(struct request *r)
{
    enum render_format f;
    const char *number = r->path_arg;
    if (!parse_format(r, true, &f)) return false;
    if (strlen(number) > 31 ||
        strspn(number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(number))
        return http_error(r, 404, "not_found", "no such invoice");
    const char *p[] = {number};
    PGresult *owner = db_query(r->conn, "find the invoice",
                               "SELECT c.code FROM invoice i JOIN customer c ON "
                               "c.id = i.customer_id WHERE i.number = $1",
                               1, p);
    if (!owner) return http_error(r, 503, "unavailable", "the database failed the query");
    bool visible = PQntuples(owner) == 1 &&
                   (r->who.finance || !strcmp(PQgetvalue(owner, 0, 0), r->who.customer));
    PQclear(owner);
    if (!visible) return http_error(r, 404, "not_found", "no such invoice"); /* not even whose */
    struct bill b = {0};
    if (!store_load(r->conn, number, NULL, NULL, &b)) {
        bill_free(&b);
        return http_error(r, 500, "internal", "the stored invoice does not add up");
    }
    bool ok = true;
    if (f == RENDER_PDF) {
        char path[] = "/tmp/gpumeter-invoice-XXXXXX";
        int fd = mkstemp(path);
        struct strbuf pdf = STRBUF_INIT;
        struct sla_evidence ev = {0}; /* its SLA evidence pages, if it has any */
        ok = fd >= 0 && sla_evidence_load(r->conn, number, NULL, NULL, &ev) &&
             pdf_render_with_evidence(&b, &ev, &r->cfg->seller, path);
        sla_evidence_free(&ev);
        FILE *in = ok ? fopen(path, "rb") : NULL;
        char chunk[8192];
        size_t got;
        while (in && (got = fread(chunk, 1, sizeof chunk, in)) > 0)
            sb_append(&pdf, chunk, got);
        if (in) fclose(in);
        if (fd >= 0) {
            close(fd);
            unlink(path);
        }
        sb_append(&r->body, pdf.buf ? pdf.buf : "", pdf.len);
        sb_free(&pdf);
        r->content_type = "application/pdf";
        if (!ok) http_error(r, 500, "internal", "the PDF could not be rendered");
    } else {
        render_into(r, &b, f, "Invoice");
    }
    bill_free(&b);
    return ok;
}

/* ---- /v1/focus ---- */

/* A customer key gets its own rows; a finance key every customer's, or
 * one customer's with ?customer=. */
bool handle_focus(struct request *r)
{
    const char *period = http_param(r, "period"), *customer = NULL;
    int y, m;
    if ((!r->who.finance || http_param(r, "customer")) && !http_customer(r, &customer))
        return false;
    if (!period || strlen(period) != 7 || !time_parse_month(period, &y, &m))
        return http_error(r, 400, "bad_request", "period is a month YYYY-MM");
    char first_day[16];
    time_month_first_day(period, first_day);
    if (!focus_export(r->conn, first_day, customer, &r->cfg->seller, &r->body))
        return http_error(r, 503, "unavailable", "the database failed the query");
    r->content_type = "text/csv";
    return true;
}

bool handle_operator_contracts(struct request *r)
{
    if (!r->who.finance)
        return http_error(r, 403, "forbidden", "the operator's reports need a finance key");
    const char *from = http_param(r, "from");
    char now[8], first_day[16];
    long horizon;
    int y, m;
    if (!from) { /* this month, UTC */
        time_current_month(now);
        from = now;
    }
    if (!time_parse_month(from, &y, &m) || !parse_count(http_param(r, "horizon"), 6, 120, &horizon))
        return http_error(r, 400, "bad_request", "from is YYYY-MM; horizon from 1 to 120");
    time_month_first_day(from, first_day);
    PGresult *res = calendar_read(r->conn, first_day, (int)horizon, r->cfg->default_after_days);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    calendar_json(res, first_day, &r->body);
    PQclear(res);
    return true;
}

/* A report's currency parameter: absent (the default) or three capital
 * letters like CNY. */
static bool currency_param_ok(const char *currency)
{
    return !currency ||
           (strlen(currency) == 3 && strspn(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3);
}

bool handle_operator_yield(struct request *r)
{
    if (!r->who.finance)
        return http_error(r, 403, "forbidden", "the operator's reports need a finance key");
    const char *period = http_param(r, "period"), *by_text = http_param(r, "by");
    const char *currency = http_param(r, "currency");
    enum yield_by by = YIELD_BY_MODEL;
    int y, m;
    if (!period || !time_parse_month(period, &y, &m) || (by_text && !yield_by_parse(by_text, &by)))
        return http_error(r, 400, "bad_request", "period is YYYY-MM; by is model, site or node");
    if (!currency_param_ok(currency))
        return http_error(r, 400, "bad_request", "currency is a three-letter code like CNY");
    if (!yield_report(r->conn, period, currency ? currency : MONEY_DEFAULT_CURRENCY, by,
                      REPORT_JSON, &r->body))
        return http_error(r, 503, "unavailable", "the database failed the query");
    return true;
}

/* The fleet's health view (`report health` as JSON, docs/availability.md,
 * "The operator's view"): which devices fail most, which reasons, what
 * the down time and the month's SLA credits cost. Schema 053's security
 * definers read device_health for it; the API role still may not. */
bool handle_fleet_health(struct request *r)
{
    if (!r->who.finance)
        return http_error(r, 403, "forbidden", "the operator's reports need a finance key");
    const char *period = http_param(r, "period"), *currency = http_param(r, "currency");
    int y, m;
    long top;
    if (!period || !time_parse_month(period, &y, &m) ||
        !parse_count(http_param(r, "top"), 10, 1000000, &top))
        return http_error(r, 400, "bad_request", "period is YYYY-MM; top from 1 to 1000000");
    if (!currency_param_ok(currency))
        return http_error(r, 400, "bad_request", "currency is a three-letter code like CNY");
    if (!health_report(r->conn, period, currency ? currency : MONEY_DEFAULT_CURRENCY, top,
                       REPORT_JSON, &r->body))
        return http_error(r, 503, "unavailable", "the database failed the query");
    return true;
}

/* The realised compute price index (`report index` as JSON,
 * docs/investor.md): finance keys, or every key when index.public is on
 * (off by default: the index is the operator's to announce). Only
 * published figures leave: a value below index.min_contracts contracts
 * is "insufficient" here as in the CLI. */
bool handle_index(struct request *r)
{
    if (!r->who.finance && !r->cfg->index_public)
        return http_error(r, 403, "forbidden", "the price index needs a finance key");
    const char *from = http_param(r, "from"), *to = http_param(r, "to");
    const char *model = http_param(r, "model"), *revisions = http_param(r, "revisions");
    const char *days = http_param(r, "days");
    struct price_index_query q = {from, to, model, INDEX_GPU_HOURS, INDEX_GROSS, false, false};
    bool all = revisions && !strcmp(revisions, "true");
    int y0, m0, y1, m1;
    if (!from || !to || !time_parse_month(from, &y0, &m0) || !time_parse_month(to, &y1, &m1) ||
        y1 * 12 + m1 < y0 * 12 + m0 || (model && !*model) ||
        (revisions && strcmp(revisions, "true") && strcmp(revisions, "false")) ||
        (days && strcmp(days, "true") && strcmp(days, "false")) ||
        !price_index_series_parse(http_param(r, "series"), &q.series) ||
        !price_index_basis_parse(http_param(r, "basis"), &q.basis))
        return http_error(r, 400, "bad_request",
                          "from and to are months (YYYY-MM), to not before from; model is an "
                          "accelerator model or token class; series is gpu_hours, tokens or "
                          "commitments; basis is gross or net; revisions and days are true or "
                          "false");
    q.days = days && !strcmp(days, "true");
    /* public mode: a key other than finance's reads the newest final
     * publications only, never the live index, its days or its revisions
     * (docs/investor.md, "Who may read it") */
    if (!r->who.finance) {
        if (all || q.days)
            return http_error(r, 403, "forbidden",
                              "revisions and days need a finance key: other keys read the "
                              "newest final publication of each month");
        q.published_only = true;
    }
    if (q.days && (q.series != INDEX_GPU_HOURS || all || strcmp(from, to)))
        return http_error(r, 400, "bad_request",
                          "days is the GPU-hour series of one month (from = to), not with "
                          "revisions");
    if (!price_index_report(r->conn, &q, r->cfg->index_min_contracts, all, REPORT_JSON,
                            &r->body))
        return http_error(r, 503, "unavailable", "the database failed the query");
    return true;
}

bool handle_operator_capacity(struct request *r)
{
    if (!r->who.finance)
        return http_error(r, 403, "forbidden", "the operator's reports need a finance key");
    const char *from = http_param(r, "from"), *to = http_param(r, "to"), *by = http_param(r, "by");
    int64_t d0, d1;
    if (!from || !to || !time_parse_date(from, &d0) || !time_parse_date(to, &d1) || d1 < d0 ||
        d1 - d0 > 366 || (by && strcmp(by, "hour") && strcmp(by, "day")))
        return http_error(r, 400, "bad_request",
                          "from and to are days (YYYY-MM-DD), to not before from, at most a year "
                          "apart; by is hour or day");
    if (!idle_report(r->conn, from, to, by && !strcmp(by, "hour"), REPORT_JSON, &r->body))
        return http_error(r, 503, "unavailable", "the database failed the query");
    return true;
}

/* ---- /v1/credit (receivables, issue 34) ---- */

/* A customer's exposure against its credit limit (billing/credit_limit.h):
 * what a scheduler polls to stop placing the customer's jobs
 * (docs/operations.md, "Credit limits"). A customer key reads its own, a
 * finance key names the customer. */
bool handle_credit(struct request *r)
{
    const char *customer;
    if (!http_customer(r, &customer)) return false;
    struct credit_exposure x;
    db_clear_error();
    int n = credit_limit_exposure(r->conn, customer, r->cfg->default_after_days, &x);
    if (n < 0 && db_last_error()[0])
        return http_error(r, 503, "unavailable", "the database failed the query");
    if (n < 0) return http_error(r, 409, "cannot_price", "customer %s's month cannot be priced",
                                 customer);
    if (n == 0)
        return http_error(r, 404, "not_found", "customer %s has no contract", customer);
    struct strbuf *b = &r->body;
    sb_puts(b, "{\"customer\":");
    sb_put_json_string(b, x.customer);
    sb_printf(b, ",\"month\":\"%s\",\"currency\":\"%s\",\"minor_digits\":%d,\"limit_minor\":",
              x.month, x.currency, x.digits);
    if (x.has_limit)
        sb_printf(b, "%lld", (long long)x.limit);
    else
        sb_puts(b, "null");
    sb_printf(b,
              ",\"exposure_minor\":%lld,\"parts\":{\"open_minor\":%lld,\"unbilled_minor\":%lld,"
              "\"prepaid_minor\":%lld,\"deposit_minor\":%lld,\"deposit_counted\":%s},"
              "\"used_percent\":%lld,\"over_limit\":%s,\"thresholds\":[",
              (long long)x.exposure, (long long)x.open, (long long)x.unbilled,
              (long long)x.prepaid, (long long)x.deposit, x.deposit_counts ? "true" : "false",
              (long long)x.used_pct, x.over_limit ? "true" : "false");
    for (int i = 0; i < x.nthresholds; i++)
        sb_printf(b, "%s%d", i ? "," : "", x.thresholds[i]);
    sb_puts(b, "],\"crossed\":[");
    for (int i = 0; i < x.ncrossed; i++)
        sb_printf(b, "%s%d", i ? "," : "", x.thresholds[i]);
    sb_printf(b, "],\"contract_in_effect\":%s,\"in_default\":%s,\"hold\":%s}\n",
              x.contract_in_effect ? "true" : "false", x.in_default ? "true" : "false",
              x.hold ? "true" : "false");
    r->content_type = "application/json";
    return true;
}

/* ---- /v1/payments (issue 34, payments) ---- */

/* The bank credits and recorded payments, as `payment list --format json`
 * (billing/payment_view.h). A finance key reads every customer's (or
 * ?customer=), the unapplied ones included (?status=unapplied: only those,
 * which belong to no customer yet); a customer key its own payments only;
 * a sales key none. */
bool handle_payments(struct request *r)
{
    const char *status = http_param(r, "status"), *customer = NULL;
    if (r->who.sales && !r->who.finance)
        return http_error(r, 403, "forbidden", "payments are finance's and their customer's");
    if (status && strcmp(status, "unapplied") && strcmp(status, "all"))
        return http_error(r, 400, "bad_request", "status is unapplied or all");
    bool unapplied = status && !strcmp(status, "unapplied");
    if ((!r->who.finance || http_param(r, "customer")) && !http_customer(r, &customer))
        return false;
    if (unapplied && !r->who.finance)
        return http_error(r, 403, "forbidden", "unapplied payments are finance's to assign");
    if (!payment_view(r->conn, unapplied, customer, REPORT_JSON, &r->body))
        return http_error(r, 503, "unavailable", "the database failed the query");
    r->content_type = "application/json";
    return true;
}

/* ---- /v1/receivables (issue 34, terms) ---- */

/* The aging as of ?as_of= (a day; default today), as `report receivables
 * --format json`. A customer key reads its own rows (its debt is no
 * secret to it), a finance key every customer's or one's with ?customer=. */
bool handle_receivables(struct request *r)
{
    const char *as_of = http_param(r, "as_of"), *customer = NULL;
    int64_t day;
    if ((!r->who.finance || http_param(r, "customer")) && !http_customer(r, &customer))
        return false;
    if (as_of && (strlen(as_of) != 10 || !time_parse_date(as_of, &day)))
        return http_error(r, 400, "bad_request", "as_of is a day YYYY-MM-DD");
    enum aging_result ok =
        aging_report(r->conn, as_of, customer, r->cfg->default_after_days, REPORT_JSON, &r->body);
    if (ok == AGING_NO_CUSTOMER) return http_error(r, 404, "not_found", "no such customer");
    if (ok != AGING_OK) return http_error(r, 503, "unavailable", "the database failed the query");
    return true;
}
