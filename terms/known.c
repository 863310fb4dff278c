/* known: "unknown customer 'alhpa'; did you mean 'alpha'?" (see known.h). */
#include "terms/known.h"

#include "core/catalogue.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/docjson.h"
#include "core/log.h"
#include "core/suggest.h"

#include <stdio.h>
#include <string.h>

/* The codes of kind $3, of a length within $2 of $1's: no other code can
 * be close enough to suggest (suggest.h: a distance is at least the
 * difference in length). */
static const char codes_sql[] =
    "SELECT code FROM customer WHERE $3 = 'customer' "
    "  AND abs(length(code) - length($1)) <= $2::int "
    "UNION SELECT code FROM document WHERE kind = $3 "
    "  AND abs(length(code) - length($1)) <= $2::int";

void known_missing(PGconn *conn, const char *kind, const char *code)
{
    struct suggest s;
    suggest_init(&s, code);
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", s.limit);
    const char *p[] = {code, limit, kind};
    PGresult *res = db_query(conn, "look up codes like it", codes_sql, 3, p);
    for (int i = 0; res && i < PQntuples(res); i++)
        suggest_offer(&s, PQgetvalue(res, i, 0));
    const char *near = suggest_result(&s);
    char shown[CLI_SHOWN_MAX];
    cli_show_value(code, shown);
    if (near) log_error("unknown %s '%s'; did you mean '%s'?", kind, shown, near);
    else log_error("unknown %s '%s'", kind, shown);
    PQclear(res);
}

void known_model_error(struct doc_check *c, const char *path, const char *name)
{
    const char *near = catalogue_suggest(name);
    if (near)
        doc_error(c, path, "unknown accelerator model \"%s\"; did you mean '%s'?", name, near);
    else doc_error(c, path, "unknown accelerator model \"%s\"", name);
}
