/* project_figures: the report's rows and their three formats (see
 * project_figures.h). */
#include "billing/project_figures.h"

#include "core/invariant.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <stdio.h>

static struct project_figure *add(struct project_figures *f, const char *name)
{
    assert(f->n < PROJECT_FIGURES_MAX);
    struct project_figure *x = &f->v[f->n++];
    x->name = name;
    x->none = false;
    x->value[0] = 0;
    return x;
}

void project_figures_money(struct project_figures *f, const char *name, int64_t minor,
                           int digits)
{
    struct project_figure *x = add(f, name);
    money_format(minor, digits, x->value, sizeof x->value);
}

void project_figures_text(struct project_figures *f, const char *name, const char *value)
{
    struct project_figure *x = add(f, name);
    x->none = value == NULL;
    if (value) snprintf(x->value, sizeof x->value, "%s", value);
}

void project_figures_month(struct project_figures *f, const char *name, int64_t month)
{
    char m[16];
    if (month >= 0) time_format_month(month, m);
    project_figures_text(f, name, month >= 0 ? m : NULL);
}

static void put_header(const char *code, const char *from, const char *period,
                       const char *currency, enum report_format format, struct strbuf *out)
{
    /* codes, dates, currencies and values are [a-z0-9_.:-]: no escaping */
    if (format == REPORT_JSON)
        sb_printf(out, "{\"project\":\"%s\",\"effective_from\":\"%s\",\"period\":\"%s\","
                       "\"currency\":\"%s\"",
                  code, from, period, currency);
    else if (format == REPORT_TEXT)
        sb_printf(out, "project %s (version of %s), %s, money in %s\n\n", code, from, period,
                  currency);
}

void project_figures_put(const struct project_figures *f, const char *code, const char *from,
                         const char *period, const char *currency, enum report_format format,
                         struct strbuf *out)
{
    put_header(code, from, period, currency, format, out);
    if (format == REPORT_CSV) sb_puts(out, "figure,value\n");
    for (int i = 0; i < f->n; i++) {
        const struct project_figure *x = &f->v[i];
        if (format == REPORT_JSON) {
            sb_printf(out, ",\"%s\":", x->name);
            if (x->none) sb_puts(out, "null");
            else sb_printf(out, "\"%s\"", x->value);
        } else if (format == REPORT_CSV) {
            sb_printf(out, "%s,%s\n", x->name, x->value);
        } else {
            sb_printf(out, "%-26s %18s\n", x->name, x->none ? "none" : x->value);
        }
    }
    if (format == REPORT_JSON) sb_puts(out, "}\n");
}

void project_figures_put_backlog(const struct project_backlog_month *months, int n, int digits,
                                 const char *code, const char *from, const char *period,
                                 const char *currency, enum report_format format,
                                 struct strbuf *out)
{
    put_header(code, from, period, currency, format, out);
    if (format == REPORT_JSON) sb_puts(out, ",\"months\":[");
    else if (format == REPORT_CSV) sb_puts(out, "month,contracts,backlog,in_default\n");
    else sb_printf(out, "%-8s %9s %18s %18s\n", "month", "contracts", "backlog", "in default");
    for (int i = 0; i < n; i++) {
        char m[16], a[40], d[40];
        time_format_month(months[i].month, m);
        money_format(months[i].committed, digits, a, sizeof a);
        money_format(months[i].in_default, digits, d, sizeof d);
        if (format == REPORT_JSON)
            sb_printf(out, "%s{\"month\":\"%s\",\"contracts\":%d,\"backlog\":\"%s\","
                           "\"in_default\":\"%s\"}",
                      i ? "," : "", m, months[i].contracts, a, d);
        else if (format == REPORT_CSV)
            sb_printf(out, "%s,%d,%s,%s\n", m, months[i].contracts, a, d);
        else sb_printf(out, "%-8s %9d %18s %18s\n", m, months[i].contracts, a, d);
    }
    if (format == REPORT_JSON) sb_puts(out, "]}\n");
}
