/* usage: a customer's usage over a range of days (see usage.h). */
#include "billing/usage.h"

#include "core/invariant.h"

#include <stdio.h>

bool usage_sql(enum usage_grain grain, bool by_job, bool by_model, char *sql, size_t len)
{
    assert(grain == USAGE_BY_HOUR || grain == USAGE_BY_DAY || grain == USAGE_BY_MONTH);
    static const char *const tfmt[] = {"YYYY-MM-DD\"T\"HH24:00", "YYYY-MM-DD", "YYYY-MM"};
    const char *job = by_job ? "h.job" : "''", *model = by_model ? "h.model" : "''";
    char source[1024];
    int n;
    if (grain == USAGE_BY_HOUR)
        n = snprintf(source, sizeof source,
                     "to_char(date_trunc('hour', h.hour AT TIME ZONE w.tz), '%s'), %s, %s, "
                     "h.meter, sum(h.quantity)::bigint, count(*) OVER ()::bigint "
                     "FROM w JOIN usage_hourly h ON h.account = w.account AND h.hour >= w.lo "
                     "AND h.hour < w.hi AND starts_with(h.job, w.job_prefix) ",
                     tfmt[grain], job, model);
    else
        n = snprintf(source, sizeof source,
                     "to_char(date_trunc('%s', h.day::timestamp), '%s'), %s, %s, h.meter, "
                     "sum(h.quantity)::bigint, count(*) OVER ()::bigint "
                     "FROM w JOIN usage_rollup h ON h.tz = w.tz AND h.span = %s "
                     "AND h.account = w.account AND h.day >= w.lo_day AND h.day < w.hi_day "
                     "AND starts_with(h.job, w.job_prefix) ",
                     grain == USAGE_BY_DAY ? "day" : "month", tfmt[grain], job, model,
                     grain == USAGE_BY_DAY ? "'day'"
                                           : "CASE WHEN w.lo_day = w.month AND w.hi_day = "
                                             "w.next THEN 'month' ELSE 'day' END");
    if (n < 0 || (size_t)n >= sizeof source) return false;
    n = snprintf(sql, len,
                 /* each month of the range under the contract in effect for
                  * it, its account windows clipped to the range */
                 "WITH w AS MATERIALIZED (SELECT a.account, a.job_prefix, k.tz, k.month, "
                 "  k.next, a.lo_day, a.hi_day, a.lo, a.hi "
                 /* at most 13 months (USAGE_MAX_MONTHS) as a VALUES list, so
                  * that the planner knows w is a few rows and reads usage by
                  * index */
                 "  FROM (SELECT m.month, (m.month + interval '1 month')::date AS next, "
                 "        e.customer_id, e.time_zone AS tz "
                 "        FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), "
                 "             (11), (12)) v(i) CROSS JOIN LATERAL (SELECT (date_trunc('month', "
                 "             $2::date) + v.i * interval '1 month')::date AS month) m "
                 "        CROSS JOIN LATERAL contract_in_effect(m.month) e "
                 "        WHERE m.month <= $3::date AND e.customer = $1) k "
                 "  CROSS JOIN LATERAL account_window(k.customer_id, k.tz, "
                 "    greatest($2::date, k.month), least($3::date + 1, k.next)) a) "
                 "SELECT %s GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 LIMIT $4 OFFSET $5",
                 source);
    return n >= 0 && (size_t)n < len;
}
