/* yield: the operator's yield report (see yield.h): the cells and their
 * money from yield_engine.h, the rows through yield_output.h. */
#include "billing/yield.h"

#include "billing/yield_alloc.h"
#include "billing/yield_engine.h"
#include "billing/yield_health.h"
#include "billing/yield_output.h"
#include "core/db.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool yield_by_parse(const char *s, enum yield_by *out)
{
    static const char *const names[] = {"model", "site", "node"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i])) return *out = (enum yield_by)i, true;
    return false;
}

bool yield_report(PGconn *conn, const char *period, const char *currency, enum yield_by by,
                  enum report_format format, struct strbuf *out)
{
    char first_day[16];
    time_month_first_day(period, first_day);
    int digits;
    if (!yield_currency_digits(conn, currency, &digits)) return false;
    struct yield_fmt f = {out, digits, format};
    struct yield_cells cells = {0}, rows = {0};
    struct yield_tokens tokens = {0};
    struct yield_token_revenues tr = {0};
    bool ok = yield_read_month(conn, first_day, currency, &cells, &tr) &&
              (by == YIELD_BY_NODE ||
               yield_add_margins_to_date(conn, first_day, currency, &cells)) &&
              (!cells.has_tokens || yield_read_tokens(conn, first_day, &tr, &tokens));
    if (ok && by == YIELD_BY_NODE)
        ok = yield_split_nodes(conn, first_day, &cells, &rows);
    else if (ok)
        yield_group(&cells, by, &rows);
    ok = ok && yield_add_availability(conn, first_day, by, &rows);
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
        yield_sort_rows(&rows);
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
        yield_put_rows(&rows, by, by != YIELD_BY_NODE, &f);
        yield_put_tokens(&tokens, &f);
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
