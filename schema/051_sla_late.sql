-- 051_sla_late: health that arrives after a month's invoice was issued
-- (issue 36, deliverable 4; docs/availability.md, "Late health").
--
-- health_month_last_ingested(month): the newest ingested_at of the health
-- windows that may start in the month in any time zone (a day wider either
-- side than the month in UTC, as late usage's window), NULL when there is
-- none. `invoice run` compares it with the time each standing invoice that
-- credited the month was last refreshed, to pick the months whose SLA
-- credit must be computed again; the API previews drafts through the same
-- billing code and may not read device_health (053's rule), so this one
-- figure is a security definer: a time, never a window.
CREATE FUNCTION health_month_last_ingested(month date)
RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT max(ingested_at) FROM device_health
    WHERE start_at >= ($1 - 1)::timestamp AT TIME ZONE 'UTC'
      AND start_at < ($1 + interval '1 month 1 day')::timestamp AT TIME ZONE 'UTC'
$$;
