/* subsidy_doc: validation of subsidy documents (see subsidy_doc.h). */
#include "terms/subsidy_doc.h"

#include "core/catalogue.h"

#include <stdio.h>
#include <string.h>

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
    doc_get_currency(c, "$", doc, "currency", true, s->currency);
    doc_get_date(c, "$", doc, "effective_from", true, &s->effective_from);
    doc_get_date(c, "$", doc, "until", false, &s->until);
    doc_check_month_span(c, "$.effective_from", s->effective_from, "$.until", s->until);
    s->nsites = read_names(c, doc, "sites", false, s->sites[0], sizeof s->sites[0]);
    s->nvendors = read_names(c, doc, "vendors", true, s->vendors[0], sizeof s->vendors[0]);
    doc_get_bool(c, "$", doc, "domestic_only", &s->domestic_only);
    s->per_kwh = doc_get_decimal(c, "$", doc, "rate_per_kwh", false, 6, &s->rate_micro);
    doc_get_ratio(c, "$", doc, "share", false, &s->share_ppm);
    if (!doc_field(c, "$", doc, "rate_per_kwh", false) == !doc_field(c, "$", doc, "share", false))
        doc_error(c, "$", "needs exactly one of \"rate_per_kwh\" and \"share\"");
    doc_get_decimal(c, "$", doc, "cap_per_period", false, 6, &s->cap_micro);
    return c->n == 0;
}
