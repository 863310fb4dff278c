-- pgbench: the query behind GET /v1/usage (a month by day, one random
-- customer of the statements benchmark), as api/handlers.c sends it.
\set c random(1, :customers)
WITH w AS MATERIALIZED (SELECT a.account, a.job_prefix, k.tz,
  greatest('2026-10-01'::date, a.valid_from)::timestamp AT TIME ZONE k.tz AS lo,
  least('2026-10-31'::date + 1, coalesce(a.valid_until + 1, 'infinity'::date))::timestamp AT TIME ZONE k.tz AS hi
  FROM (SELECT c.id, coalesce((SELECT d.document->>'time_zone' FROM document d
        WHERE d.kind = 'contract' AND d.customer = c.code ORDER BY d.effective_from DESC LIMIT 1),
        'Asia/Shanghai') AS tz FROM customer c WHERE c.code = 'b' || lpad(:c::text, 6, '0')) k
  JOIN account a ON a.customer_id = k.id)
SELECT to_char(date_trunc('day', h.hour AT TIME ZONE w.tz), 'YYYY-MM-DD'), '', '', h.meter,
       sum(h.quantity)::bigint, count(*) OVER ()::bigint
FROM w JOIN usage_hourly h ON h.account = w.account AND h.hour >= w.lo AND h.hour < w.hi
 AND starts_with(h.job, w.job_prefix)
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 LIMIT 100 OFFSET 0;
