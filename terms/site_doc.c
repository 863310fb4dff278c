/* site_doc: validation of site documents (see site_doc.h). */
#include "terms/site_doc.h"

#include <string.h>

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
