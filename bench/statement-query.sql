-- pgbench: the query behind GET /v1/usage (a month by day, one random
-- customer of the statements benchmark), as api/handlers.c sends it.
\set c random(1, :customers)
WITH w AS MATERIALIZED (SELECT a.account, a.job_prefix, k.tz, k.month,
  (k.month + interval '1 month')::date AS next,
  greatest('2026-10-01'::date, a.valid_from, k.month) AS lo_day,
  least('2026-10-31'::date + 1, coalesce(a.valid_until + 1, 'infinity'::date),
        (k.month + interval '1 month')::date) AS hi_day
  FROM (SELECT m.month, e.customer_id, e.time_zone AS tz
        FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)) v(i)
        CROSS JOIN LATERAL (SELECT (date_trunc('month', '2026-10-01'::date)
                                    + v.i * interval '1 month')::date AS month) m
        CROSS JOIN LATERAL contract_in_effect(m.month) e
        WHERE m.month <= '2026-10-31'::date AND e.customer = 'b' || lpad(:c::text, 6, '0')) k
  JOIN account a ON a.customer_id = k.customer_id)
SELECT to_char(date_trunc('day', h.day::timestamp), 'YYYY-MM-DD'), '', '', h.meter,
       sum(h.quantity)::bigint, count(*) OVER ()::bigint
FROM w JOIN usage_rollup h ON h.tz = w.tz AND h.span = 'day' AND h.account = w.account
 AND h.day >= w.lo_day AND h.day < w.hi_day AND starts_with(h.job, w.job_prefix)
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 LIMIT 100 OFFSET 0;
