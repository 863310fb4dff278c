/* project_figures: the investor's report of a project as one list of
 * (figure, value) rows (docs/investor.md, "The investor's month" and
 * "Backlog, payback, NPV and IRR"), which every output prints the same:
 * `report project` as text, CSV and JSON (and the finance API, console and
 * lender pack read the same rows), so a new figure reaches every format.
 * A value is text already formatted (money with the currency's decimals,
 * a ratio, a percentage, a month), or none: empty in CSV, null in JSON,
 * "none" as text. The backlog curve prints apart, as its own table.
 * Pure; thread-safe. */
#ifndef GPUMETER_PROJECT_FIGURES_H
#define GPUMETER_PROJECT_FIGURES_H

#include "billing/project_month.h"
#include "billing/report_format.h"

#include <stdbool.h>
#include <stdint.h>

struct strbuf;

#define PROJECT_FIGURES_MAX 40

struct project_figure {
    const char *name; /* a static string */
    bool none;
    char value[48];
};

struct project_figures {
    struct project_figure v[PROJECT_FIGURES_MAX];
    int n;
};

/* Appends a figure: money (minor units, digits decimals), a text value
 * (NULL: none), or a month (months since 1970-01; < 0: none). At most
 * PROJECT_FIGURES_MAX (asserted). */
void project_figures_money(struct project_figures *f, const char *name, int64_t minor,
                           int digits);
void project_figures_text(struct project_figures *f, const char *name, const char *value);
void project_figures_month(struct project_figures *f, const char *name, int64_t month);

/* The rows as the report: text, a header line ("project CODE (version of
 * DATE), YYYY-MM, money in CUR") and one line per figure; CSV "figure,value"
 * and one line per figure; JSON one object with project, effective_from,
 * period and currency, then each figure as a string (null when none). */
void project_figures_put(const struct project_figures *f, const char *code, const char *from,
                         const char *period, const char *currency, enum report_format format,
                         struct strbuf *out);

/* The backlog curve (`report project --backlog`), months[0 .. n-1]: text,
 * the header line and a table (month, contracts, backlog, in default);
 * CSV "month,contracts,backlog,in_default" and one line per month; JSON
 * one object with project, effective_from, period, currency and "months",
 * each {month, contracts, backlog, in_default} (amounts as strings). */
void project_figures_put_backlog(const struct project_backlog_month *months, int n, int digits,
                                 const char *code, const char *from, const char *period,
                                 const char *currency, enum report_format format,
                                 struct strbuf *out);

#endif
