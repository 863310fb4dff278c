/* voucher_doc: validation of voucher documents (see voucher_doc.h). */
#include "terms/voucher_doc.h"

#include "terms/plan_doc.h"

#include <string.h>

static void read_eligibility(struct doc_check *c, const cJSON *doc, struct voucher *v)
{
    static const char *const fields[] = {"meters", "domestic_only", "training_only", NULL};
    char p[DOC_PATH_LEN];
    const cJSON *e = doc_get_object(c, "$", doc, "eligible", false, fields, p);
    v->meters = meter_bits_all();
    if (!e) return;
    v->meters = plan_doc_meters(c, p, e, "meters");
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
    doc_get_currency(c, "$", doc, "currency", true, v->currency);
    if (doc_get_decimal(c, "$", doc, "face_value", true, 6, &v->face_micro) && !v->face_micro)
        doc_error(c, "$.face_value", "must be above 0");
    doc_get_ratio(c, "$", doc, "coverage", true, &v->coverage_ppm);
    v->valid_until = -1;
    doc_get_date(c, "$", doc, "valid_from", true, &v->valid_from);
    doc_get_date(c, "$", doc, "valid_until", true, &v->valid_until);
    doc_check_month_span(c, "$.valid_from", v->valid_from, "$.valid_until", v->valid_until);
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
