/* conservation: proves that the rater accounted for every message.
 *
 * Per partition of the usage topic: consumed = rated + duplicates +
 * dead_lettered + parked (PostgreSQL also enforces it with a CHECK); and
 * the kept rows agree with the counters: one dead_letter row per dead
 * letter, one parked_event row per parked event still waiting; and the
 * rollups equal the hourly rows they sum (schema 018; this reads every
 * usage row). Exit 0 when everything holds, 1 otherwise. */
#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

static const char sql[] =
    "WITH c AS (SELECT partition, consumed, rated, duplicates, dead_lettered, parked "
    "           FROM rating_counter WHERE topic = $1) "
    "SELECT * FROM ("
    " SELECT partition AS k, partition::text, consumed, rated, duplicates, dead_lettered, parked, "
    "        NULL::bigint, NULL::bigint FROM c "
    " UNION ALL "
    " SELECT 2147483647, 'total', coalesce(sum(consumed), 0), coalesce(sum(rated), 0), "
    "        coalesce(sum(duplicates), 0), coalesce(sum(dead_lettered), 0), "
    "        coalesce(sum(parked), 0), "
    "        (SELECT count(*) FROM dead_letter WHERE topic = $1), "
    "        (SELECT count(*) FROM parked_event WHERE topic = $1) FROM c) t ORDER BY k";

int cmd_conservation(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    static const struct cli_spec spec = {
        "gpumeter conservation",
        "Check, per partition of the usage topic, that consumed = rated + duplicates + "
        "dead_lettered + parked, and that every dead letter and parked event is kept.",
        opts, 0, 0};
    struct config cfg;
    int rc;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    const char *p[] = {cfg.topic};
    PGresult *res = db_query(conn, "read the rating counters", sql, 1, p);
    bool ok = res != NULL;
    if (ok)
        printf("topic %s\n%-10s %12s %12s %12s %14s %10s\n", cfg.topic, "partition", "consumed",
               "rated", "duplicates", "dead_lettered", "parked");
    for (int i = 0; ok && i < PQntuples(res); i++) {
        int64_t v[7] = {0};
        for (int k = 0; k < 7; k++)
            db_get_int64(res, i, k + 2, &v[k]);
        printf("%-10s %12lld %12lld %12lld %14lld %10lld\n", PQgetvalue(res, i, 1), (long long)v[0],
               (long long)v[1], (long long)v[2], (long long)v[3], (long long)v[4]);
        if (v[0] != v[1] + v[2] + v[3] + v[4]) {
            log_error("partition %s: consumed %lld != rated + duplicates + dead_lettered + parked",
                      PQgetvalue(res, i, 1), (long long)v[0]);
            ok = false;
        }
        if (!strcmp(PQgetvalue(res, i, 1), "total")) {
            printf("dead letters kept: %lld of %lld; parked events kept: %lld of %lld\n",
                   (long long)v[5], (long long)v[3], (long long)v[6], (long long)v[4]);
            if (v[5] != v[3] || v[6] != v[4]) {
                log_error("kept rows do not match the counters");
                ok = false;
            }
        }
    }
    PQclear(res);
    res = ok ? db_query(conn, "compare the usage rollup with the hourly usage",
                        "SELECT count(*) FROM usage_rollup_mismatch", 0, NULL)
             : NULL;
    if (res) {
        printf("rollup groups that disagree with their hourly rows: %s\n", PQgetvalue(res, 0, 0));
        if (strcmp(PQgetvalue(res, 0, 0), "0")) {
            log_error("the usage rollup disagrees with usage_hourly");
            log_detail("SELECT * FROM usage_rollup_mismatch lists the groups.");
            ok = false;
        }
    } else
        ok = false;
    printf("conservation: %s\n", ok ? "holds" : "VIOLATED");
    PQclear(res);
    PQfinish(conn);
    return ok ? 0 : 1;
}
