/* yield_health: each row of the yield's availability (see yield_health.h). */
#include "billing/yield_health.h"

#include "billing/availability.h"
#include "core/invariant.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

/* The row's key as availability.h names its groups. */
static void row_key(const struct yield_cell *c, enum yield_by by, char *buf, size_t len)
{
    if (by == YIELD_BY_MODEL)
        snprintf(buf, len, "%s", c->model);
    else if (by == YIELD_BY_SITE)
        snprintf(buf, len, "%s", c->site);
    else
        snprintf(buf, len, "%s/%s/%s", c->site, c->node, c->model);
}

bool yield_add_availability(PGconn *conn, const char *first_day, enum yield_by by,
                            struct yield_cells *rows)
{
    static const enum availability_by group[] = {[YIELD_BY_MODEL] = AVAILABILITY_BY_MODEL,
                                                 [YIELD_BY_SITE] = AVAILABILITY_BY_SITE,
                                                 [YIELD_BY_NODE] = AVAILABILITY_BY_NODE_MODEL};
    int64_t first;
    bool parsed = time_parse_date(first_day, &first);
    assert(parsed); /* the caller's time_month_first_day */
    (void)parsed;
    int y;
    unsigned m, d;
    time_civil_from_days(first, &y, &m, &d);
    char last[16];
    time_format_date(time_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1, last);
    PGresult *res = availability_read(conn, first_day, last, group[by]);
    if (!res) return false;
    for (size_t i = 0; i < rows->n; i++) {
        struct yield_cell *c = &rows->v[i];
        c->health_ms = c->up_ms = 0;
        c->availability_ppm = -1;
        char key[200];
        row_key(c, by, key, sizeof key);
        for (int r = 0; r < PQntuples(res); r++) {
            if (strcmp(PQgetvalue(res, r, 0), "0") || strcmp(PQgetvalue(res, r, 1), key))
                continue;
            c->health_ms = yield_int(res, r, 3);
            c->up_ms = yield_int(res, r, 4);
            if (!PQgetisnull(res, r, 7)) c->availability_ppm = yield_int(res, r, 7);
            break;
        }
    }
    PQclear(res);
    return true;
}
