/* describe: what a bill line is, in Chinese and in English (render.h).
 *
 * Printed on invoices, so it names the service and never a meter code:
 * a customer's finance team reads "GPU 时长 · H800", not "gpu_ms H800". */
#include "render/render.h"

#include <stdio.h>
#include <string.h>

/* The service a usage meter sells. */
static void meter_names(const char *meter, const char **zh, const char **en)
{
    if (!strcmp(meter, "gpu_ms"))
        *zh = "GPU 时长", *en = "GPU time";
    else if (!strcmp(meter, "tokens"))
        *zh = "训练 Token", *en = "Training tokens";
    else if (!strcmp(meter, "energy_mj"))
        *zh = "电力", *en = "Energy";
    else
        *zh = meter, *en = meter;
}

/* "GPU 时长 · H800 · peak" and "GPU time · H800 · peak": the meter's
 * service, then what it was on (model or token bracket), band and site. */
static void usage_names(const struct bill_line *l, char *zh, size_t zhlen, char *en, size_t enlen)
{
    const char *mzh, *men;
    meter_names(l->meter, &mzh, &men);
    char what[200];
    snprintf(what, sizeof what, "%s%s%s%s%s", l->model[0] ? " · " : "", l->model,
             l->band[0] ? " · " : "", l->band, "");
    char zsite[100] = "", esite[100] = "";
    if (l->site[0]) {
        snprintf(zsite, sizeof zsite, " · 站点 %s", l->site);
        snprintf(esite, sizeof esite, " · site %s", l->site);
    }
    snprintf(zh, zhlen, "%s%s%s", mzh, what, zsite);
    snprintf(en, enlen, "%s%s%s", men, what, esite);
}

void render_line_description(const struct bill_line *l, char *zh, size_t zhlen, char *en,
                             size_t enlen)
{
    const char *z = NULL, *e = NULL;
    switch (l->kind) {
    case LINE_USAGE:
        usage_names(l, zh, zhlen, en, enlen);
        return;
    case LINE_PRIOR_PERIOD: {
        char uz[300], ue[300];
        usage_names(l, uz, sizeof uz, ue, sizeof ue);
        snprintf(zh, zhlen, "以前期间调整 %s · %s", l->adjusts, uz);
        snprintf(en, enlen, "Prior-period correction %s · %s", l->adjusts, ue);
        return;
    }
    case LINE_GPU_FLOOR:
        z = "GPU 时长保底差额", e = "GPU-hour floor top-up";
        break;
    case LINE_SHORTFALL:
        z = "承诺用量不足补足", e = "Take-or-pay shortfall";
        break;
    case LINE_CARRY_FORWARD:
        z = "以前超额用量抵减", e = "Earlier over-use set against shortfall";
        break;
    case LINE_MAKEUP_DRAW:
        z = "补用额度抵扣", e = "Make-up drawn against paid shortfall";
        break;
    case LINE_SUBSIDY:
        z = "能耗补贴", e = "Energy subsidy";
        break;
    case LINE_VOUCHER_DISCOUNT:
        z = "算力券抵扣", e = "Compute voucher";
        break;
    }
    if (!z) z = e = bill_kind_name(l->kind);
    snprintf(zh, zhlen, "%s%s%s", z, l->detail[0] ? " · " : "", l->detail);
    snprintf(en, enlen, "%s%s%s", e, l->detail[0] ? " · " : "", l->detail);
}

void render_percent(int64_t ppm, char *buf, size_t len)
{
    /* ppm of the whole: 60000 is 6%; hundredths of a per-mille are kept
     * only when present, so 6% prints "6%" and 6.5% "6.5%". */
    int64_t whole = ppm / 10000, frac = ppm % 10000;
    if (frac < 0) frac = -frac;
    if (!frac) {
        snprintf(buf, len, "%lld%%", (long long)whole);
        return;
    }
    char f[8];
    snprintf(f, sizeof f, "%04lld", (long long)frac);
    for (int i = 3; i > 0 && f[i] == '0'; i--)
        f[i] = '\0';
    snprintf(buf, len, "%s%lld.%s%%", ppm < 0 && !whole ? "-" : "", (long long)whole, f);
}
