/* yield_programs: the programs that priced a month (see yield_programs.h). */
#include "billing/yield_programs.h"

#include "core/alloc.h"
#include "core/db.h"
#include "terms/contract.h"

#include <stdlib.h>
#include <string.h>

/* The documents month.c settles the month with: in effect on its first day. */
static const char programs_sql[] =
    "SELECT kind, document::text FROM document_in_effect('voucher', $1::date) "
    "UNION ALL SELECT kind, document::text FROM document_in_effect('subsidy', $1::date)";

bool yield_programs_load(PGconn *conn, const char *first_day, struct yield_programs *p)
{
    memset(p, 0, sizeof *p);
    const char *params[] = {first_day};
    PGresult *res = db_query(conn, "read the month's vouchers and subsidies", programs_sql, 1,
                             params);
    if (!res) return false;
    int n = PQntuples(res);
    p->vouchers = xcalloc((size_t)n + 1, sizeof *p->vouchers);
    p->subsidies = xcalloc((size_t)n + 1, sizeof *p->subsidies);
    for (int i = 0; i < n; i++) {
        const char *text = PQgetvalue(res, i, 1);
        /* one that no longer validates stays unknown: the caller's fallback */
        if (!strcmp(PQgetvalue(res, i, 0), "voucher"))
            p->nvouchers += docstore_parse(&voucher_kind, text, &p->vouchers[p->nvouchers]);
        else
            p->nsubsidies += docstore_parse(&subsidy_kind, text, &p->subsidies[p->nsubsidies]);
    }
    PQclear(res);
    return true;
}

void yield_programs_free(struct yield_programs *p)
{
    free(p->vouchers);
    free(p->subsidies);
    memset(p, 0, sizeof *p);
}

const struct voucher *yield_voucher(const struct yield_programs *p, const char *code)
{
    for (size_t i = 0; i < p->nvouchers; i++)
        if (!strcmp(p->vouchers[i].code, code)) return &p->vouchers[i];
    return NULL;
}

const struct subsidy *yield_subsidy(const struct yield_programs *p, const char *code)
{
    for (size_t i = 0; i < p->nsubsidies; i++)
        if (!strcmp(p->subsidies[i].code, code)) return &p->subsidies[i];
    return NULL;
}
