/* project_doc: validation of project documents (see project_doc.h). */
#include "terms/project_doc.h"

#include "core/catalogue.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "terms/known.h"

#include <stdio.h>
#include <string.h>

/* An amount of money in the project's currency: at most two decimals,
 * more than 0 (10^15 keeps any sum of a project's drawdowns in 64 bits). */
#define MAX_AMOUNT 100000000000000000LL

static bool read_amount(struct doc_check *c, const char *path, const cJSON *o, const char *name,
                        int64_t *out)
{
    char f[DOC_PATH_LEN];
    if (!doc_get_decimal(c, path, o, name, true, 2, out)) return false;
    doc_path(f, path, name);
    if (*out > 0 && *out <= MAX_AMOUNT) return true;
    doc_error(c, f, "must be more than 0 and at most 1000000000000000");
    return false;
}

static void read_rate(struct doc_check *c, const char *path, const cJSON *o, const char *name,
                      bool required, int64_t *micro)
{
    char f[DOC_PATH_LEN];
    doc_path(f, path, name);
    if (doc_get_decimal(c, path, o, name, required, 6, micro) && *micro > DEBT_MAX_RATE_MICRO)
        doc_error(c, f, "must be from 0 to 1 (a fraction a year: \"0.065\" is 6.5%%)");
}

static void read_assets(struct doc_check *c, const cJSON *doc, struct project *p)
{
    static const char *const fields[] = {"site", "model", NULL};
    char a[DOC_PATH_LEN], q[DOC_PATH_LEN], f[DOC_PATH_LEN];
    const cJSON *arr = doc_get_array(c, "$", doc, "assets", true, 1, PROJECT_MAX_ASSETS, a);
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *o = cJSON_GetArrayItem(arr, i);
        struct project_asset *x = &p->assets[p->nassets++];
        doc_path_index(q, a, i);
        if (!doc_object(c, q, o)) continue;
        doc_only(c, q, o, fields);
        bool site = doc_get_code(c, q, o, "site", true, x->site, sizeof x->site);
        doc_path(f, q, "model");
        if (!doc_get_string(c, q, o, "model", true, x->model, sizeof x->model) || !site) continue;
        const struct accelerator *acc = catalogue_find(x->model);
        if (!acc || strcmp(acc->model, x->model)) {
            if (acc) /* a name telemetry uses: the document writes the catalogue's */
                doc_error(c, f, "unknown accelerator model \"%s\"; did you mean '%s'?", x->model,
                          acc->model);
            else
                known_model_error(c, f, x->model);
            continue;
        }
        if (strlen(x->site) + 1 + strlen(x->model) >= sizeof x->code) {
            doc_error(c, f, "site and model together are longer than 63 bytes");
            continue;
        }
        strcat(strcat(strcpy(x->code, x->site), "/"), x->model);
        for (int j = 0; j < i; j++)
            if (!strcmp(p->assets[j].code, x->code)) {
                doc_error(c, q, "the same asset as assets[%d]", j);
                break;
            }
    }
}

static void read_contracts(struct doc_check *c, const cJSON *doc, struct project *p)
{
    char a[DOC_PATH_LEN], q[DOC_PATH_LEN];
    const cJSON *arr =
        doc_get_array(c, "$", doc, "contracts", false, 0, PROJECT_MAX_CONTRACTS, a);
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const char *s;
        char *x = p->contracts[p->ncontracts++];
        doc_path_index(q, a, i);
        if (!doc_string(c, q, cJSON_GetArrayItem(arr, i), 64, &s)) continue;
        snprintf(x, 65, "%s", s);
        for (int j = 0; j < i; j++)
            if (!strcmp(p->contracts[j], x)) {
                doc_error(c, q, "the same contract as contracts[%d]", j);
                break;
            }
    }
}

static void read_repayment(struct doc_check *c, const char *path, const cJSON *debt,
                           struct debt_terms *t)
{
    static const char *const fields[] = {"kind", "frequency", "first_due", "payments", NULL};
    char r[DOC_PATH_LEN], f[DOC_PATH_LEN], s[16];
    int64_t n = 0;
    const cJSON *o = doc_get_object(c, path, debt, "repayment", true, fields, r);
    if (!o) return;
    doc_path(f, r, "kind");
    if (doc_get_string(c, r, o, "kind", true, s, sizeof s) &&
        !debt_repayment_parse(s, &t->repayment))
        doc_error(c, f, "must be \"annuity\", \"linear\" or \"bullet\"");
    doc_path(f, r, "frequency");
    if (doc_get_string(c, r, o, "frequency", true, s, sizeof s)) {
        if (!strcmp(s, "monthly")) t->months_per_period = 1;
        else if (!strcmp(s, "quarterly")) t->months_per_period = 3;
        else doc_error(c, f, "must be \"monthly\" or \"quarterly\"");
    }
    doc_get_date(c, r, o, "first_due", true, &t->first_due);
    if (doc_get_int(c, r, o, "payments", true, 1, DEBT_MAX_PAYMENTS, &n)) t->payments = (int)n;
    /* every due date a date of four digits: the schedule prints them */
    if (t->first_due && t->payments && t->months_per_period) {
        int64_t last = debt_due_day(t, t->payments - 1);
        if (last > time_days_from_civil(9999, 12, 31)) {
            char day[24];
            time_format_date(last, day);
            doc_path(f, r, "payments");
            doc_error(c, f, "the last payment would fall after 9999-12-31 (on %s)", day);
        }
    }
}

static void read_debt(struct doc_check *c, const cJSON *doc, struct project *p)
{
    static const char *const fields[] = {"drawdowns", "annual_rate", "day_count", "repayment",
                                         NULL};
    static const char *const draw_fields[] = {"date", "amount", NULL};
    char d[DOC_PATH_LEN], a[DOC_PATH_LEN], q[DOC_PATH_LEN], f[DOC_PATH_LEN], s[16];
    struct debt_terms *t = &p->debt;
    const cJSON *debt = doc_get_object(c, "$", doc, "debt", false, fields, d);
    if (!debt) return;
    p->has_debt = true;
    read_rate(c, d, debt, "annual_rate", true, &t->rate_micro);
    doc_path(f, d, "day_count");
    if (doc_get_string(c, d, debt, "day_count", true, s, sizeof s) &&
        !debt_day_count_parse(s, &t->day_count))
        doc_error(c, f, "must be \"act/365\", \"act/360\" or \"30/360\"");
    read_repayment(c, d, debt, t);
    const cJSON *arr = doc_get_array(c, d, debt, "drawdowns", true, 1, DEBT_MAX_DRAWDOWNS, a);
    int64_t total = 0;
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *o = cJSON_GetArrayItem(arr, i);
        struct debt_drawdown *w = &t->drawdowns[t->ndrawdowns++];
        doc_path_index(q, a, i);
        if (!doc_object(c, q, o)) continue;
        doc_only(c, q, o, draw_fields);
        bool dated = doc_get_date(c, q, o, "date", true, &w->day);
        /* each amount is at most MAX_AMOUNT: the sum stops past it, never
         * overflowing (93 amounts of 10^15 pass 2^63) */
        if (read_amount(c, q, o, "amount", &w->amount) && total <= MAX_AMOUNT)
            total += w->amount;
        doc_path(f, q, "date");
        if (dated && i > 0 && t->drawdowns[i - 1].day > w->day)
            doc_error(c, f, "must not be before drawdowns[%d]'s: list drawdowns in date order",
                      i - 1);
        if (dated && t->first_due && w->day >= t->first_due)
            doc_error(c, f, "must be before repayment.first_due: a loan is drawn before it is "
                            "repaid");
    }
    if (total > MAX_AMOUNT) doc_error(c, a, "must total at most 1000000000000000");
}

static void read_costs(struct doc_check *c, const cJSON *doc, struct project *p)
{
    static const char *const fields[] = {"what", "monthly", "from", "until", NULL};
    char a[DOC_PATH_LEN], q[DOC_PATH_LEN], f[DOC_PATH_LEN];
    const cJSON *arr = doc_get_array(c, "$", doc, "fixed_costs", false, 0, PROJECT_MAX_COSTS, a);
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *o = cJSON_GetArrayItem(arr, i);
        struct project_cost *k = &p->costs[p->ncosts++];
        doc_path_index(q, a, i);
        k->until = -1;
        if (!doc_object(c, q, o)) continue;
        doc_only(c, q, o, fields);
        doc_get_string(c, q, o, "what", true, k->what, sizeof k->what);
        read_amount(c, q, o, "monthly", &k->monthly);
        bool from = doc_get_date(c, q, o, "from", true, &k->from);
        doc_path(f, q, "until");
        if (doc_get_date(c, q, o, "until", false, &k->until) && from && k->until < k->from)
            doc_error(c, f, "must not be before from");
    }
}

bool project_doc_parse(const cJSON *doc, struct project *p, struct doc_check *c)
{
    static const char *const fields[] = {"project",   "name",      "effective_from",
                                         "currency",  "assets",    "contracts",
                                         "debt",      "fixed_costs", "discount_rate", NULL};
    memset(p, 0, sizeof *p);
    if (!doc_object(c, "$", doc)) return false;
    doc_only(c, "$", doc, fields);
    doc_get_code(c, "$", doc, "project", true, p->code, sizeof p->code);
    doc_get_string(c, "$", doc, "name", false, p->name, sizeof p->name);
    doc_get_date(c, "$", doc, "effective_from", true, &p->effective_from);
    doc_get_currency(c, "$", doc, "currency", true, p->currency);
    read_assets(c, doc, p);
    read_contracts(c, doc, p);
    read_debt(c, doc, p);
    read_costs(c, doc, p);
    read_rate(c, "$", doc, "discount_rate", false, &p->discount_rate_micro);
    p->has_discount_rate = cJSON_HasObjectItem(doc, "discount_rate");
    return c->n == 0;
}
