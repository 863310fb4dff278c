-- 053_fleet_health: the fleet's health as the operator reads it (issue 36,
-- deliverable 5; docs/availability.md, "The operator's view").
--
-- device_health (047) is the rater's and billing's: the API role may not
-- read it (a device's windows name the hardware a customer rented). The
-- operator's reports need only aggregates of it, so the queries of
-- `report availability`, the availability in `report yield` and `report
-- health` are defined here once, as security definers that return those
-- aggregates: billing calls them as the CLI, the API for the finance
-- routes (GET /v1/operator/yield, GET /v1/fleet/health), and neither role
-- gains a grant on the table.
--
-- - device_availability(from_day, to_day, by): per site, model, node
--   (site/node), device (site/node/device) or a node's devices of one model
--   (node_model: site/node/model, the yield's by-node rows), then the
--   fleet (is_fleet), the days [from_day, to_day] in the operator's time
--   zone, a window counting whole in the day its start falls in: devices,
--   metered, up, degraded and down time, and availability = up / metered
--   in ppm, rounded down, in numeric (a year of a large fleet's up time
--   times 10^6 does not fit in 64 bits); NULL when nothing was metered.
-- - health_month_devices(month): each device with time not up in the
--   month, its model, metered, degraded and down time and its incidents
--   (runs of windows not up: the first follows an up window or is the
--   device's first of the month).
-- - health_month_reasons(month): per reason code carried in the month, the
--   devices and windows that carried it and their time (a window with two
--   reasons counts under each).
CREATE FUNCTION device_availability(from_day date, to_day date, by text)
RETURNS TABLE (is_fleet boolean, key text, devices bigint, metered_ms bigint, up_ms bigint,
               degraded_ms bigint, down_ms bigint, availability_ppm bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH r AS (SELECT $1::timestamp AT TIME ZONE default_time_zone() AS lo,
                      ($2 + 1)::timestamp AT TIME ZONE default_time_zone() AS hi),
    -- each device's sums first (a few rows per device), then the groups:
    -- a grouping over the windows themselves sorts the month's every
    -- window once per group (docs/availability.md, "Scale")
    d AS (SELECT d.site, d.node, d.device, d.model, sum(d.window_ms) AS m,
                 coalesce(sum(d.window_ms) FILTER (WHERE d.state = 'up'), 0) AS up,
                 coalesce(sum(d.window_ms) FILTER (WHERE d.state = 'degraded'), 0) AS degraded,
                 coalesce(sum(d.window_ms) FILTER (WHERE d.state = 'down'), 0) AS down
          FROM device_health d, r WHERE d.start_at >= r.lo AND d.start_at < r.hi
          GROUP BY d.site, d.node, d.device, d.model),
    h AS (SELECT d.*, CASE $3 WHEN 'site' THEN d.site WHEN 'model' THEN d.model
                    WHEN 'node' THEN d.site || '/' || d.node
                    WHEN 'node_model' THEN d.site || '/' || d.node || '/' || d.model
                    ELSE d.site || '/' || d.node || '/' || d.device END AS k
          FROM d)
    -- a device whose model changed is two rows of d: counted once
    SELECT grouping(k) = 1, coalesce(k, ''), count(DISTINCT (site, node, device)),
           coalesce(sum(m), 0)::bigint, coalesce(sum(up), 0)::bigint,
           coalesce(sum(degraded), 0)::bigint, coalesce(sum(down), 0)::bigint,
           CASE WHEN sum(m) > 0 THEN floor(sum(up) * 1000000::numeric / sum(m))::bigint END
    FROM h GROUP BY GROUPING SETS ((k), ())
$$;

CREATE FUNCTION health_month_devices(month date)
RETURNS TABLE (site text, node text, device text, model text, metered_ms bigint,
               degraded_ms bigint, down_ms bigint, incidents bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH r AS (SELECT $1::timestamp AT TIME ZONE default_time_zone() AS lo,
                      ($1 + interval '1 month')::timestamp AT TIME ZONE default_time_zone() AS hi),
    h AS (SELECT d.site, d.node, d.device, d.model, d.state, d.window_ms,
                 lag(d.state) OVER (PARTITION BY d.site, d.node, d.device ORDER BY d.start_at)
                     AS prev
          FROM device_health d, r WHERE d.start_at >= r.lo AND d.start_at < r.hi)
    SELECT site, node, device, min(model), sum(window_ms)::bigint,
           coalesce(sum(window_ms) FILTER (WHERE state = 'degraded'), 0)::bigint,
           coalesce(sum(window_ms) FILTER (WHERE state = 'down'), 0)::bigint,
           count(*) FILTER (WHERE state <> 'up' AND (prev IS NULL OR prev = 'up'))
    FROM h GROUP BY site, node, device HAVING bool_or(state <> 'up')
$$;

CREATE FUNCTION health_month_reasons(month date)
RETURNS TABLE (reason text, devices bigint, windows bigint, ms bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH r AS (SELECT $1::timestamp AT TIME ZONE default_time_zone() AS lo,
                      ($1 + interval '1 month')::timestamp AT TIME ZONE default_time_zone() AS hi)
    SELECT reason, count(DISTINCT (d.site, d.node, d.device)), count(*), sum(d.window_ms)::bigint
    FROM device_health d CROSS JOIN r CROSS JOIN unnest(d.reasons) AS reason
    WHERE d.start_at >= r.lo AND d.start_at < r.hi
    GROUP BY reason
$$;
