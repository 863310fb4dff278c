-- 018_usage_rollup: hourly usage rolled up by local day and local month, kept exact by
-- triggers in the same transaction as every change to usage_hourly (like
-- the usage version, 009), so it is never stale. The invoice batch and the
-- statements read it wherever hourly detail is not needed (a plan with
-- time-of-use bands and statements by hour still read usage_hourly).
--
-- A day is local to a time zone, and a contract's month and a statement's
-- days are local to the contract's, so the rollup is kept once per time
-- zone in usage_zone: the default and every zone a contract names. A
-- contract naming a new zone adds it (and rolls up all usage into it) in
-- the contract's own transaction, so a query's zone always has its rollup.
-- An hour belongs to the local day its first instant falls in, the same rule
-- as a window [lo, hi) of local midnights applied to usage_hourly.hour, so
-- summing the days of [lo, hi) equals summing its hours, in every zone.
--
-- Only the triggers write these tables (security definer functions): no
-- application role may.
CREATE TABLE usage_zone (
    tz text PRIMARY KEY
);

-- What the invoice batch and statements group by, per local day
-- (span 'day') and per local month (span 'month', day its first day): a
-- month's invoice reads one row per group, a statement by day 31; vendor
-- and cluster are summed over. `hours` counts the hourly rows summed, so a group exists
-- here exactly when hourly rows exist for it. quantity is numeric: a day
-- of direct inserts may sum beyond bigint, which the batch reports as that
-- customer's error rather than this trigger failing the writer. No CHECK
-- on the sums: PostgreSQL checks the row an upsert proposes (a negative
-- delta) before it finds the row it updates; usage_rollup_mismatch is the
-- check.
CREATE TABLE usage_rollup (
    tz           text NOT NULL,
    span         text NOT NULL CHECK (span IN ('day', 'month')),
    account      text NOT NULL,
    day          date NOT NULL,
    meter        text NOT NULL,
    model        text NOT NULL,
    site         text NOT NULL,
    job          text NOT NULL,
    model_params bigint NOT NULL,
    quantity     numeric NOT NULL,
    hours        bigint NOT NULL,
    PRIMARY KEY (tz, span, account, day, meter, model, site, job, model_params)
);

-- The spans kept, and the first day of the span of zone `tz` that hour
-- `hour` falls in (the one rule the trigger, the backfill and the check
-- share).
CREATE TABLE usage_span (span text PRIMARY KEY);
INSERT INTO usage_span VALUES ('day'), ('month');
CREATE FUNCTION usage_rollup_day(span text, hour timestamptz, tz text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE span WHEN 'day' THEN (hour AT TIME ZONE tz)::date
                     ELSE date_trunc('month', hour AT TIME ZONE tz)::date END
$$;

-- The statement-level trigger of every change to usage_hourly: adds the
-- rows a statement wrote (`changed`) and takes away the rows it replaced or
-- deleted (`before`), in every zone; groups left with no hourly row go.
-- Upserts in key order, so that writers lock rollup rows in one order (the
-- rater already holds its customers' usage versions, 009, before it
-- writes). Dynamic SQL, because a transition table exists only for the
-- events that declare it; EXECUTE sees them all.
CREATE FUNCTION usage_rollup_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cols constant text := 'account, hour, meter, model, site, job, model_params';
    rows text := concat_ws(' UNION ALL ',
        CASE WHEN TG_OP IN ('INSERT', 'UPDATE')
             THEN format('SELECT %s, quantity::numeric AS quantity, 1 AS hours FROM changed', cols)
        END,
        CASE WHEN TG_OP IN ('UPDATE', 'DELETE')
             THEN format('SELECT %s, -quantity::numeric AS quantity, -1 AS hours FROM before', cols)
        END);
BEGIN
    EXECUTE format(
        'INSERT INTO usage_rollup AS d (tz, span, account, day, meter, model, site, job, '
        '                               model_params, quantity, hours) '
        'SELECT z.tz, s.span, c.account, usage_rollup_day(s.span, c.hour, z.tz), c.meter, '
        '       c.model, c.site, c.job, c.model_params, sum(c.quantity), sum(c.hours) '
        'FROM (%s) c CROSS JOIN usage_zone z CROSS JOIN usage_span s '
        'GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 '
        'HAVING sum(c.quantity) <> 0 OR sum(c.hours) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9 '
        'ON CONFLICT (tz, span, account, day, meter, model, site, job, model_params) DO UPDATE '
        'SET quantity = d.quantity + excluded.quantity, hours = d.hours + excluded.hours', rows);
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM usage_rollup d USING before r CROSS JOIN usage_zone z
        WHERE d.hours = 0 AND d.tz = z.tz AND d.account = r.account
          AND d.day = usage_rollup_day(d.span, r.hour, z.tz) AND d.meter = r.meter
          AND d.model = r.model AND d.site = r.site AND d.job = r.job
          AND d.model_params = r.model_params;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION usage_rollup_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM usage_rollup;
    RETURN NULL;
END $$;
CREATE TRIGGER usage_rollup_inserted AFTER INSERT ON usage_hourly
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION usage_rollup_changed();
CREATE TRIGGER usage_rollup_updated AFTER UPDATE ON usage_hourly
    REFERENCING OLD TABLE AS before NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION usage_rollup_changed();
CREATE TRIGGER usage_rollup_deleted AFTER DELETE ON usage_hourly
    REFERENCING OLD TABLE AS before FOR EACH STATEMENT EXECUTE FUNCTION usage_rollup_changed();
CREATE TRIGGER usage_rollup_truncated AFTER TRUNCATE ON usage_hourly
    FOR EACH STATEMENT EXECUTE FUNCTION usage_rollup_truncated();

-- Keeps the rollup in zone `zone` from now on, rolling up all usage so far.
-- SHARE on usage_hourly waits for the writers in flight and holds new ones
-- until this transaction ends, so no hourly row is missed: a writer's
-- trigger reads usage_zone after its lock, in a later snapshot.
CREATE FUNCTION usage_zone_add(zone text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM usage_zone WHERE tz = zone) THEN
        RETURN;
    END IF;
    LOCK TABLE usage_hourly IN SHARE MODE;
    INSERT INTO usage_zone (tz) VALUES (zone) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO usage_rollup (tz, span, account, day, meter, model, site, job, model_params,
                              quantity, hours)
    SELECT zone, s.span, u.account, usage_rollup_day(s.span, u.hour, zone), u.meter, u.model,
           u.site, u.job, u.model_params, sum(u.quantity), count(*)
    FROM usage_hourly u CROSS JOIN usage_span s GROUP BY 2, 3, 4, 5, 6, 7, 8, 9;
END $$;

-- Every zone a contract names (or the default, when it names none), as
-- contract_in_effect and customer_time_zone read them (012).
CREATE FUNCTION contract_zones_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usage_zone_add(z) FROM (SELECT DISTINCT coalesce(document->>'time_zone',
                                                             default_time_zone()) AS z
                                    FROM changed WHERE kind = 'contract' ORDER BY 1) s;
    RETURN NULL;
END $$;
CREATE TRIGGER document_zones_inserted AFTER INSERT ON document
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION contract_zones_added();
CREATE TRIGGER document_zones_updated AFTER UPDATE ON document
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION contract_zones_added();

SELECT usage_zone_add(default_time_zone());
SELECT usage_zone_add(z) FROM (SELECT DISTINCT document->>'time_zone' AS z FROM document
                               WHERE kind = 'contract' AND document->>'time_zone' IS NOT NULL
                               ORDER BY 1) s;

-- Rows where the rollup and the hourly rows it sums disagree: none, ever
-- (tests and `gpumeter conservation` check it). Reads every row: a check,
-- not a query for the hot path. Archived months (017) and the local days
-- that straddle them are not compared: their hourly rows left the table,
-- their rollups stay.
CREATE VIEW usage_rollup_mismatch AS
WITH h AS (SELECT z.tz, s.span, u.account, usage_rollup_day(s.span, u.hour, z.tz) AS day,
                  u.meter, u.model, u.site, u.job, u.model_params, sum(u.quantity) AS quantity,
                  count(*) AS hours
           FROM usage_hourly u CROSS JOIN usage_zone z CROSS JOIN usage_span s
           GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9)
SELECT coalesce(h.tz, d.tz) AS tz, coalesce(h.span, d.span) AS span,
       coalesce(h.account, d.account) AS account,
       coalesce(h.day, d.day) AS day, coalesce(h.meter, d.meter) AS meter,
       coalesce(h.model, d.model) AS model, h.quantity AS hourly_quantity,
       d.quantity AS daily_quantity, h.hours AS hourly_rows, d.hours AS daily_hours
FROM h FULL JOIN usage_rollup d USING (tz, span, account, day, meter, model, site, job, model_params)
WHERE (h.quantity IS DISTINCT FROM d.quantity OR h.hours IS DISTINCT FROM d.hours)
  AND NOT EXISTS (SELECT 1 FROM usage_archive a
                  WHERE coalesce(h.day, d.day) >= (a.month - interval '1 month')::date
                    AND coalesce(h.day, d.day) <= (a.month + interval '1 month')::date);
