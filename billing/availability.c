/* availability: the availability report (see availability.h). */
#include "billing/availability.h"

#include "billing/report_format.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/invariant.h"

#include <stdio.h>
#include <string.h>

static const char *const by_name[] = {[AVAILABILITY_BY_SITE] = "site",
                                      [AVAILABILITY_BY_MODEL] = "model",
                                      [AVAILABILITY_BY_NODE] = "node",
                                      [AVAILABILITY_BY_DEVICE] = "device",
                                      [AVAILABILITY_BY_NODE_MODEL] = "node_model"};

bool availability_by_parse(const char *s, enum availability_by *out)
{
    for (int k = AVAILABILITY_BY_SITE; k <= AVAILABILITY_BY_DEVICE; k++)
        if (!strcmp(s, by_name[k])) {
            *out = (enum availability_by)k;
            return true;
        }
    return false;
}

/* The one query, schema 053's device_availability (a security definer:
 * the API role may not read device_health); the fleet's row last. */
static const char availability_sql[] =
    "SELECT is_fleet::int, key, devices, metered_ms, up_ms, degraded_ms, down_ms, "
    "availability_ppm FROM device_availability($1::date, $2::date, $3) "
    "ORDER BY is_fleet, key COLLATE \"C\"";

PGresult *availability_read(PGconn *conn, const char *from, const char *to,
                            enum availability_by by)
{
    const char *p[] = {from, to, by_name[by]};
    return db_query(conn, "read device health", availability_sql, 3, p);
}

/* The ppm of column c as report_ppm_percent prints it; "-" when NULL
 * (nothing was metered). */
static void percent(const PGresult *res, int r, int c, char *buf, size_t len)
{
    int64_t v = -1;
    if (!PQgetisnull(res, r, c)) db_get_int64(res, r, c, &v);
    report_ppm_percent(v, buf, len);
}

static void row_text(struct strbuf *out, int width, const char *key, const char *devices,
                     const int64_t ms[4], const char *pct)
{
    char h[4][32];
    for (int k = 0; k < 4; k++)
        report_gpu_hours(ms[k], h[k], sizeof h[k]);
    sb_printf(out, "%-*s %7s %12s %12s %12s %12s %9s%%\n", width, key, devices, h[0], h[1], h[2],
              h[3], pct);
}

bool availability_report(PGconn *conn, const char *from, const char *to, enum availability_by by,
                         enum report_format format, struct strbuf *out)
{
    PGresult *res = availability_read(conn, from, to, by);
    if (!res) return false;
    static const char *const names[] = {"devices", "metered_ms", "up_ms", "degraded_ms",
                                        "down_ms", "availability_ppm"};
    /* the first column as wide as its longest key (device keys are
     * site/node/UUID, wider than 40), so every figure stays under its head */
    int width = 40;
    for (int r = 0; r < PQntuples(res); r++)
        if (PQgetlength(res, r, 1) > width) width = PQgetlength(res, r, 1);
    if (format == REPORT_TEXT)
        sb_printf(out,
                  "availability from %s to %s by %s (GPU-hours; availability = up / metered, "
                  "rounded down)\n%-*s %7s %12s %12s %12s %12s %10s\n",
                  from, to, by_name[by], width, by_name[by], "devices", "metered", "up",
                  "degraded", "down", "available");
    else if (format == REPORT_CSV)
        sb_printf(out, "%s,%s,%s,%s,%s,%s,%s\n", by_name[by], names[0], names[1], names[2],
                  names[3], names[4], names[5]);
    else
        sb_printf(out, "{\"from\":\"%s\",\"to\":\"%s\",\"by\":\"%s\",\"rows\":[", from, to,
                  by_name[by]);
    for (int r = 0; r < PQntuples(res); r++) {
        bool fleet = !strcmp(PQgetvalue(res, r, 0), "1");
        const char *key = fleet ? "all" : PQgetvalue(res, r, 1);
        const char *v[6];
        int64_t ms[4] = {0};
        for (int k = 0; k < 6; k++)
            v[k] = PQgetvalue(res, r, 2 + k);
        for (int k = 0; k < 4; k++)
            db_get_int64(res, r, 3 + k, &ms[k]);
        assert(ms[0] == ms[1] + ms[2] + ms[3]); /* up + degraded + down = metered */
        char pct[32];
        percent(res, r, 7, pct, sizeof pct);
        if (format == REPORT_TEXT) {
            row_text(out, width, key, v[0], ms, pct);
        } else if (format == REPORT_CSV) {
            csv_field(out, key); /* collectors' names: quoted if need be */
            for (int k = 0; k < 6; k++)
                sb_printf(out, ",%s", v[k]);
            sb_putc(out, '\n');
        } else {
            sb_printf(out, "%s{\"%s\":", r ? "," : "", fleet ? "fleet" : by_name[by]);
            sb_put_json_string(out, key);
            for (int k = 0; k < 5; k++)
                sb_printf(out, ",\"%s\":%s", names[k], v[k]);
            sb_printf(out, ",\"%s\":%s,\"availability_percent\":\"%s\"}", names[5],
                      v[5][0] ? v[5] : "null", pct);
        }
    }
    if (format == REPORT_JSON) sb_puts(out, "]}\n");
    PQclear(res);
    return true;
}
