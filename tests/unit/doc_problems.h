/* doc_problems: reading a document of a kind in the unit tests and
 * looking for one "JSON path: reason" problem among those it reports.
 * Include after cmocka.h. Not thread-safe: check() returns a static
 * buffer. */
#ifndef GPUMETER_TEST_DOC_PROBLEMS_H
#define GPUMETER_TEST_DOC_PROBLEMS_H

#include "terms/docstore.h"

#include <stdio.h>
#include <string.h>

/* Parses json as a document of kind k into out; returns the error text
 * ("" when valid). */
static const char *check(const struct doc_kind *k, const char *json, void *out)
{
    static char text[16384];
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    struct doc_check c = {0};
    k->parse(doc, out, &c);
    snprintf(text, sizeof text, "%s", sb_str(&c.errors));
    sb_free(&c.errors);
    cJSON_Delete(doc);
    return text;
}

static void expect_problem(const char *errors, const char *line)
{
    if (!strstr(errors, line)) fail_msg("expected [%s], got:\n%s", line, errors);
}

#endif
