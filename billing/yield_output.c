/* yield_output: the yield's rows as text, CSV or JSON (see
 * yield_output.h). */
#include "billing/yield_output.h"

#include "billing/availability.h"
#include "billing/report_format.h"
#include "core/csv.h"
#include "core/money.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *row_name(const struct yield_cell *c, enum yield_by by, char *buf, size_t len)
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
static void row_values(const struct yield_cell *c, int digits, bool payback, char v[NCOLS][40])
{
    report_gpu_hours(c->installed, v[C_INSTALLED], 40);
    report_gpu_hours(c->allocated, v[C_ALLOCATED], 40);
    report_percent(c->allocated, c->installed, v[C_UTIL], 40);
    report_gpu_hours(c->whole, v[C_WHOLE], 40);
    report_gpu_hours(c->stranded, v[C_STRANDED], 40);
    money_format(yield_revenue(c), digits, v[C_REVENUE], 40);
    money_format(c->rev[R_GPU], digits, v[C_GPU], 40);
    money_format(c->rev[R_TOKENS], digits, v[C_TOKENS], 40);
    money_format(c->rev[R_ENERGY], digits, v[C_ENERGY_BILLED], 40);
    money_format(c->rev[R_OTHER], digits, v[C_OTHER], 40);
    report_per_gpu_hour(yield_revenue(c), c->installed, digits, v[C_PER_INSTALLED], 40);
    report_per_gpu_hour(yield_revenue(c), c->allocated, digits, v[C_PER_ALLOCATED], 40);
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
    money_format(yield_margin(c), digits, v[C_MARGIN], 40);
    if (payback && c->asset) {
        money_format(c->margin_to_date, digits, v[C_MARGIN_TO_DATE], 40);
        money_format(c->purchase, digits, v[C_PURCHASE], 40);
        report_percent(c->margin_to_date, c->purchase, v[C_PAYBACK], 40);
    } else {
        for (int k = C_MARGIN_TO_DATE; k <= C_PAYBACK; k++)
            snprintf(v[k], 40, "-");
    }
}

static int token_cmp(const void *pa, const void *pb)
{
    const struct yield_token_row *a = pa, *b = pb;
    int c = strcmp(a->model, b->model);
    return c ? c : strcmp(a->bracket, b->bracket);
}

/* Per accelerator model: a row per model size, then "all" with the token
 * revenue its tokens earned (each customer's token lines split over its
 * models by tokens) and what that paid per GPU-hour of training. */
void yield_put_tokens(struct yield_tokens *t, const struct yield_fmt *f)
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
            if (g > 0 && money_div_round((__int128)tk * MS_PER_HOUR, g, &per))
                snprintf(tph, sizeof tph, "%lld", (long long)per);
            else
                snprintf(tph, sizeof tph, "-");
            if (all) {
                money_format(rev, f->digits, r, sizeof r);
                report_per_gpu_hour(rev, ms, f->digits, eff, sizeof eff);
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

/* The rows' availability (yield_health.h), a third table: GPU-hours
 * metered and up, and up / metered as report availability prints it. */
static void put_availability_text(const struct yield_cells *rows, enum yield_by by, int w,
                                  const struct yield_fmt *f)
{
    static const char *const by_name[] = {"model", "site", "node"};
    sb_printf(f->out, "\n%-*s %12s %12s %10s\n", w, by_name[by], "metered", "up", "available");
    for (size_t i = 0; i < rows->n; i++) {
        const struct yield_cell *c = &rows->v[i];
        char name[200], metered[40], up[40], pct[40];
        report_gpu_hours(c->health_ms, metered, sizeof metered);
        report_gpu_hours(c->up_ms, up, sizeof up);
        report_ppm_percent(c->availability_ppm, pct, sizeof pct);
        sb_printf(f->out, "%-*s %12s %12s %9s%s\n", w, row_name(c, by, name, sizeof name),
                  metered, up, pct, c->availability_ppm >= 0 ? "%" : " ");
    }
}

void yield_put_rows(const struct yield_cells *rows, enum yield_by by, bool payback,
                    const struct yield_fmt *f)
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
        put_availability_text(rows, by, w, f);
        return;
    }
    if (f->format == REPORT_CSV) {
        sb_puts(f->out, "site,node,model,installed_ms,allocated_ms,idle_whole_ms,idle_stranded_ms");
        for (int k = 0; k < NCOLS; k++)
            sb_printf(f->out, ",%s", col_name[k]);
        sb_puts(f->out, ",health_metered_ms,health_up_ms,availability_ppm\n");
    } else {
        sb_puts(f->out, ",\"rows\":[");
    }
    for (size_t i = 0; i < rows->n; i++) {
        const struct yield_cell *c = &rows->v[i];
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
            sb_printf(f->out, ",%lld,%lld,", (long long)c->health_ms, (long long)c->up_ms);
            if (c->availability_ppm >= 0)
                sb_printf(f->out, "%lld", (long long)c->availability_ppm);
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
        sb_printf(f->out, ",\"health_metered_ms\":%lld,\"health_up_ms\":%lld",
                  (long long)c->health_ms, (long long)c->up_ms);
        char pct[40];
        report_ppm_percent(c->availability_ppm, pct, sizeof pct);
        if (c->availability_ppm >= 0)
            sb_printf(f->out, ",\"availability_ppm\":%lld", (long long)c->availability_ppm);
        else
            sb_puts(f->out, ",\"availability_ppm\":null");
        sb_printf(f->out, ",\"availability_percent\":\"%s\"}", pct);
    }
    if (f->format == REPORT_JSON) sb_putc(f->out, ']');
}

static int row_cmp(const void *pa, const void *pb)
{
    const struct yield_cell *a = pa, *b = pb;
    bool ua = !strcmp(a->site, "-") || !strcmp(a->model, "-");
    bool ub = !strcmp(b->site, "-") || !strcmp(b->model, "-");
    if (ua != ub) return ua ? 1 : -1; /* the unallocated row last */
    int c = strcmp(a->site, b->site);
    if (!c) c = strcmp(a->node, b->node);
    return c ? c : strcmp(a->model, b->model);
}

void yield_sort_rows(struct yield_cells *rows)
{
    if (rows->n) qsort(rows->v, rows->n, sizeof *rows->v, row_cmp);
}
