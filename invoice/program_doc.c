/* program_doc: validation of site, voucher and subsidy documents (see
 * terms_doc.h). */
#include "invoice/terms_doc.h"

#include "core/catalogue.h"

#include <stdio.h>
#include <string.h>

static void read_currency(struct doc_check *c, const cJSON *doc, char out[4])
{
    if (doc_get_string(c, "$", doc, "currency", true, out, 4) &&
        (strlen(out) != 3 || strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
        doc_error(c, "$.currency", "must be an ISO 4217 code like \"CNY\"");
}

static void read_ratio(struct doc_check *c, const cJSON *doc, const char *name, bool required,
                       int64_t *ppm)
{
    char p[DOC_PATH_LEN];
    doc_path(p, "$", name);
    if (doc_get_decimal(c, "$", doc, name, required, 6, ppm) && *ppm > 1000000)
        doc_error(c, p, "must be at most 1 (a fraction: 0.30 is 30%%)");
}

bool site_doc_parse(const cJSON *doc, struct site *s, struct doc_check *c)
{
    static const char *const fields[] = {"site", "name", "effective_from", "pue", NULL};
    memset(s, 0, sizeof *s);
    if (!doc_object(c, "$", doc)) return false;
    doc_only(c, "$", doc, fields);
    doc_get_code(c, "$", doc, "site", true, s->code, sizeof s->code);
    doc_get_string(c, "$", doc, "name", true, s->name, sizeof s->name);
    doc_get_date(c, "$", doc, "effective_from", true, &s->effective_from);
    if (doc_get_decimal(c, "$", doc, "pue", true, 6, &s->pue_ppm) &&
        (s->pue_ppm < 1000000 || s->pue_ppm > 5000000))
        doc_error(c, "$.pue", "must be from 1 to 5 (facility energy over IT energy)");
    return c->n == 0;
}

static void read_eligibility(struct doc_check *c, const cJSON *doc, struct voucher *v)
{
    static const char *const fields[] = {"meters", "domestic_only", "training_only", NULL};
    char p[DOC_PATH_LEN];
    const cJSON *e = doc_get_object(c, "$", doc, "eligible", false, fields, p);
    v->meters = METER_BIT_GPU | METER_BIT_TOKENS | METER_BIT_ENERGY;
    if (!e) return;
    v->meters = doc_get_meters(c, p, e, "meters");
    doc_get_bool(c, p, e, "domestic_only", &v->domestic_only);
    doc_get_bool(c, p, e, "training_only", &v->training_only);
}

bool voucher_doc_parse(const cJSON *doc, struct voucher *v, struct doc_check *c)
{
    static const char *const fields[] = {
        "voucher",     "program",    "customer", "currency", "face_value", "coverage", "valid_from",
        "valid_until", "yearly_cap", "priority", "applies",  "eligible",   NULL};
    memset(v, 0, sizeof *v);
    v->yearly_cap_micro = -1;
    v->priority = 100;
    if (!doc_object(c, "$", doc)) return false;
    doc_only(c, "$", doc, fields);
    doc_get_code(c, "$", doc, "voucher", true, v->code, sizeof v->code);
    doc_get_code(c, "$", doc, "program", true, v->program, sizeof v->program);
    doc_get_code(c, "$", doc, "customer", true, v->customer, sizeof v->customer);
    read_currency(c, doc, v->currency);
    if (doc_get_decimal(c, "$", doc, "face_value", true, 6, &v->face_micro) && !v->face_micro)
        doc_error(c, "$.face_value", "must be above 0");
    read_ratio(c, doc, "coverage", true, &v->coverage_ppm);
    v->valid_until = -1;
    doc_get_date(c, "$", doc, "valid_from", true, &v->valid_from);
    doc_get_date(c, "$", doc, "valid_until", true, &v->valid_until);
    terms_check_span(c, "$.valid_from", v->valid_from, "$.valid_until", v->valid_until);
    doc_get_decimal(c, "$", doc, "yearly_cap", false, 6, &v->yearly_cap_micro);
    int64_t prio = 100;
    doc_get_int(c, "$", doc, "priority", false, 0, 1000, &prio);
    v->priority = (int)prio;
    char applies[16] = "after_tax";
    doc_get_string(c, "$", doc, "applies", false, applies, sizeof applies);
    if (!strcmp(applies, "pre_tax"))
        v->pre_tax = true;
    else if (strcmp(applies, "after_tax"))
        doc_error(c, "$.applies", "must be \"after_tax\" or \"pre_tax\"");
    read_eligibility(c, doc, v);
    return c->n == 0;
}

/* A list of names: sites (codes) or vendors (known to the catalogue). */
static int read_names(struct doc_check *c, const cJSON *doc, const char *name, bool vendors,
                      char *out, size_t cap)
{
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN];
    const cJSON *arr = doc_get_array(c, "$", doc, name, !vendors, 1, TERMS_MAX_LIST, p);
    int n = 0;
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++, n++) {
        const char *s;
        doc_path_index(q, p, i);
        if (!doc_string(c, q, cJSON_GetArrayItem(arr, i), cap - 1, &s)) continue;
        if (vendors && !catalogue_has_vendor(s))
            doc_error(c, q, "unknown accelerator vendor \"%s\"", s);
        snprintf(out + (size_t)i * cap, cap, "%s", s);
    }
    return n;
}

bool subsidy_doc_parse(const cJSON *doc, struct subsidy *s, struct doc_check *c)
{
    static const char *const fields[] = {
        "subsidy", "name",          "currency",     "effective_from", "until",          "sites",
        "vendors", "domestic_only", "rate_per_kwh", "share",          "cap_per_period", NULL};
    memset(s, 0, sizeof *s);
    s->until = s->cap_micro = -1;
    if (!doc_object(c, "$", doc)) return false;
    doc_only(c, "$", doc, fields);
    doc_get_code(c, "$", doc, "subsidy", true, s->code, sizeof s->code);
    doc_get_string(c, "$", doc, "name", true, s->name, sizeof s->name);
    read_currency(c, doc, s->currency);
    doc_get_date(c, "$", doc, "effective_from", true, &s->effective_from);
    doc_get_date(c, "$", doc, "until", false, &s->until);
    terms_check_span(c, "$.effective_from", s->effective_from, "$.until", s->until);
    s->nsites = read_names(c, doc, "sites", false, s->sites[0], sizeof s->sites[0]);
    s->nvendors = read_names(c, doc, "vendors", true, s->vendors[0], sizeof s->vendors[0]);
    doc_get_bool(c, "$", doc, "domestic_only", &s->domestic_only);
    s->per_kwh = doc_get_decimal(c, "$", doc, "rate_per_kwh", false, 6, &s->rate_micro);
    read_ratio(c, doc, "share", false, &s->share_ppm);
    if (!doc_field(c, "$", doc, "rate_per_kwh", false) == !doc_field(c, "$", doc, "share", false))
        doc_error(c, "$", "needs exactly one of \"rate_per_kwh\" and \"share\"");
    doc_get_decimal(c, "$", doc, "cap_per_period", false, 6, &s->cap_micro);
    return c->n == 0;
}
