/* idle: the capacity report (see idle.h). */
#include "billing/idle.h"

#include "core/csv.h"
#include "core/db.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

#define JOB_GPUS 8 /* the job size whole idle nodes are measured against */

static const char idle_sql[] =
    "WITH r AS (SELECT $1::date::timestamp AT TIME ZONE default_time_zone() AS lo, "
    "      ($2::date + 1)::timestamp AT TIME ZONE default_time_zone() AS hi), "
    "c AS (SELECT h.* FROM capacity_hourly h, r WHERE h.hour >= r.lo AND h.hour < r.hi), "
    "nd AS (SELECT site, cluster, node, model, ceil(max(installed_ms) / $5::numeric) AS devices "
    "      FROM c GROUP BY 1, 2, 3, 4) "
    "SELECT to_char(date_trunc($3, c.hour AT TIME ZONE default_time_zone()), "
    "         CASE $3 WHEN 'hour' THEN 'YYYY-MM-DD\"T\"HH24:00' ELSE 'YYYY-MM-DD' END), "
    "  c.site, c.model, count(DISTINCT (c.cluster, c.node)), sum(c.installed_ms), "
    "  sum(c.allocated_ms), sum(c.idle_whole_ms + c.idle_stranded_ms), "
    "  coalesce(sum(c.idle_whole_ms) FILTER (WHERE nd.devices >= $4), 0), "
    "  sum(c.idle_stranded_ms) + coalesce(sum(c.idle_whole_ms) FILTER (WHERE nd.devices < $4), 0), "
    "  sum(c.idle_stranded_ms) "
    "FROM c JOIN nd USING (site, cluster, node, model) GROUP BY 1, 2, 3 "
    "ORDER BY 1, c.site COLLATE \"C\", c.model COLLATE \"C\"";

static void hours(const PGresult *res, int r, int c, char *buf, size_t len)
{
    int64_t ms = 0;
    db_get_int64(res, r, c, &ms);
    report_gpu_hours(ms, buf, len);
}

bool idle_report(PGconn *conn, const char *from, const char *to, bool hourly,
                 enum report_format format, struct strbuf *out)
{
    char job[8];
    snprintf(job, sizeof job, "%d", JOB_GPUS);
    char ms_per_hour[24]; /* a node's devices: its installed ms in its busiest hour */
    snprintf(ms_per_hour, sizeof ms_per_hour, "%lld", (long long)MS_PER_HOUR);
    const char *p[] = {from, to, hourly ? "hour" : "day", job, ms_per_hour};
    PGresult *res = db_query(conn, "read capacity", idle_sql, 5, p);
    if (!res) return false;
    static const char *const names[] = {"installed_ms",      "allocated_ms",
                                        "idle_ms",           "idle_whole_8gpu_ms",
                                        "idle_fragments_ms", "idle_stranded_ms"};
    if (format == REPORT_TEXT)
        sb_printf(out,
                  "capacity from %s to %s by %s (GPU-hours; idle whole = on idle nodes of %d or "
                  "more GPUs)\n%-16s %-16s %-14s %5s %12s %12s %12s %12s %12s %12s\n",
                  from, to, hourly ? "hour" : "day", JOB_GPUS, hourly ? "hour" : "day", "site",
                  "model", "nodes", "installed", "allocated", "idle", "idle whole", "fragments",
                  "stranded");
    else if (format == REPORT_CSV)
        sb_printf(out, "%s,site,model,nodes,%s,%s,%s,%s,%s,%s\n", hourly ? "hour" : "day", names[0],
                  names[1], names[2], names[3], names[4], names[5]);
    else
        sb_printf(out, "{\"from\":\"%s\",\"to\":\"%s\",\"by\":\"%s\",\"job_gpus\":%d,\"rows\":[",
                  from, to, hourly ? "hour" : "day", JOB_GPUS);
    for (int r = 0; r < PQntuples(res); r++) {
        char h[6][32];
        for (int k = 0; k < 6; k++)
            hours(res, r, 4 + k, h[k], sizeof h[k]);
        const char *bucket = PQgetvalue(res, r, 0), *site = PQgetvalue(res, r, 1),
                   *model = PQgetvalue(res, r, 2), *nodes = PQgetvalue(res, r, 3);
        if (format == REPORT_TEXT) {
            sb_printf(out, "%-16s %-16s %-14s %5s", bucket, site, model, nodes);
            for (int k = 0; k < 6; k++)
                sb_printf(out, " %12s", h[k]);
            sb_putc(out, '\n');
        } else if (format == REPORT_CSV) {
            sb_printf(out, "%s,", bucket);
            csv_field(out, site); /* collectors' names: quoted if need be */
            sb_putc(out, ',');
            csv_field(out, model);
            sb_printf(out, ",%s", nodes);
            for (int k = 0; k < 6; k++)
                sb_printf(out, ",%s", PQgetvalue(res, r, 4 + k));
            sb_putc(out, '\n');
        } else {
            sb_printf(out, "%s{\"%s\":\"%s\",\"site\":", r ? "," : "", hourly ? "hour" : "day",
                      bucket);
            sb_put_json_string(out, site);
            sb_puts(out, ",\"model\":");
            sb_put_json_string(out, model);
            sb_printf(out, ",\"nodes\":%s", nodes);
            for (int k = 0; k < 6; k++)
                sb_printf(out, ",\"%s\":%s", names[k], PQgetvalue(res, r, 4 + k));
            /* and as the text report prints them, for people (the console) */
            for (int k = 0; k < 6; k++)
                sb_printf(out, ",\"%.*s_gpu_hours\":\"%s\"", (int)strlen(names[k]) - 3, names[k],
                          h[k]);
            sb_putc(out, '}');
        }
    }
    if (format == REPORT_JSON) sb_puts(out, "]}\n");
    PQclear(res);
    return true;
}
