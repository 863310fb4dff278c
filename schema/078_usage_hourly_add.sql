-- 078_usage_hourly_add: the rater adds a batch's hourly usage and its
-- rollup in one pass over the rollup rows, where 074's lock pass and 018's
-- trigger took three (docs/rating.md#what-a-batch-costs-postgresql).
--
-- A batch's usage write made or locked every rollup row it would touch in
-- key order (usage_shared_lock, 074, so that concurrent transactions
-- cannot deadlock), upserted the hourly rows, and then the rollup trigger
-- (018) grouped the statement's transition rows and added them to the
-- same rollup rows, twice (an upsert fires its UPDATE statement triggers,
-- then its INSERT ones): three writes of each rollup row per batch, most
-- of the backend's time.
--
-- The rater knows the rollup's quantities before it writes (they are its
-- cells' sums) and learns which hourly rows are new from its upsert, so
-- usage_hourly_add writes, per month, the hourly rows in the rater's order
-- and then each rollup row once, quantities and hours together, in key
-- order. Lock order: the customers' days (077's slot rows), the hourly
-- rows, the rollup rows, each one pass in one order. A transaction in its
-- rollup pass holds all its hourly rows and waits only for rollup rows,
-- which every transaction takes in key order, so no cycle of waits can
-- form (docs/rating.md#the-commit-split-over-connections, "Lock order"),
-- except across a UTC month's end: a batch spanning two months writes
-- them one after the other, and a local month of a zone east of UTC takes
-- hours of both, so two such batches can still meet in reverse order;
-- PostgreSQL then aborts one and the rater runs it again (counted).
--
-- It writes each month's partition by name, which only the owner may (the
-- partitions carry no grant): PostgreSQL fires a partitioned table's
-- statement triggers only for statements naming it, so the rollup and
-- version triggers (018, 009/014) do not count these rows a second time,
-- while every other writer (an insider's psql, a delete, an archive) can
-- only name usage_hourly and is rolled up by them as before. The row
-- trigger that keeps rated usage from shrinking (021) and the constraints
-- are the partition's too. An inserted row is told from an updated one by
-- `xmax = 0` in the upsert's RETURNING (the upsert locks the row it
-- updates, so its new version carries the lock; a partitioned table cannot
-- return system columns, a partition can). usage_rollup_mismatch stays the
-- check of both paths. The customers' usage versions are the caller's
-- (usage_version_bump, before this: the rater's connection slot, 071).

-- When a customer's usage of each UTC day last changed, by this writer's
-- slot (schemas 014, 077): one definition for usage_hourly_add and for the
-- trigger that records every other writer's changes. In (customer, day)
-- order, so that concurrent writers lock these rows in one order.
CREATE FUNCTION usage_days_changed(accounts text[], hours timestamptz[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_day_changed AS d (customer_id, day, slot, changed_at)
    SELECT DISTINCT a.customer_id, (t.h AT TIME ZONE 'UTC')::date, usage_writer_slot(), now()
    FROM unnest(accounts, hours) AS t(a, h) JOIN account a ON a.account = t.a
    ORDER BY 1, 2
    ON CONFLICT (customer_id, day, slot) DO UPDATE SET changed_at = excluded.changed_at
    WHERE d.changed_at < excluded.changed_at
$$;

CREATE OR REPLACE FUNCTION usage_hourly_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usage_version_bump(ARRAY(SELECT DISTINCT account FROM changed));
    PERFORM usage_days_changed(array_agg(account), array_agg(hour)) FROM changed;
    RETURN NULL;
END $$;

CREATE FUNCTION usage_hourly_add(accounts text[], hours bigint[], meters text[], models text[],
                                 vendors text[], sites text[], clusters text[], jobs text[],
                                 quantities bigint[], events bigint[], params bigint[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    month date;
BEGIN
    -- ROW EXCLUSIVE on the parent, as an insert naming it takes: a zone
    -- added meanwhile (usage_zone_add holds SHARE) would have rollup rows
    -- not taken here, and an archive (017) waits.
    LOCK TABLE usage_hourly IN ROW EXCLUSIVE MODE;
    PERFORM usage_days_changed(accounts, ARRAY(SELECT to_timestamp(h) FROM unnest(hours) h));
    -- Month by month (the rater's order is by hour first), each month's
    -- partition (made by the caller: usage_hourly_partition): the hourly
    -- rows in the rater's order, then each group's rollup rows in key
    -- order, the quantities the cells add and an hour for each hourly row
    -- the upsert inserted. The sort before the rollup insert consumes the
    -- whole upsert first, so every hourly row is taken before any rollup
    -- row. Each hour's day and month in each zone is worked out once per
    -- hour (spans): the zone conversion once per row and zone took a fifth
    -- of the statement.
    FOR month IN SELECT DISTINCT (date_trunc('month', to_timestamp(h) AT TIME ZONE 'UTC'))::date
                 FROM unnest(hours) h ORDER BY 1 LOOP
        EXECUTE format(
            'WITH cell AS MATERIALIZED ('
            '  SELECT t.* FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) '
            '       WITH ORDINALITY AS t(a, h, m, mo, v, s, c, j, q, e, mp, n) '
            '  WHERE t.h >= $12 AND t.h < $13), '
            'written AS ('
            '  INSERT INTO %I AS u (account, hour, meter, model, vendor, site, cluster, job, '
            '                       quantity, events, first_ingest, last_ingest, model_params) '
            '  SELECT a, to_timestamp(h), m, mo, v, s, c, j, q, e, now(), now(), mp '
            '  FROM cell ORDER BY n '
            '  ON CONFLICT (account, hour, meter, model, vendor, site, cluster, job, model_params) '
            '  DO UPDATE SET quantity = u.quantity + excluded.quantity, '
            '                events = u.events + excluded.events, last_ingest = now() '
            '  RETURNING u.account, u.hour, u.meter, u.model, u.site, u.job, u.model_params, '
            '            u.xmax = 0 AS inserted), '
            'added AS ('
            '  SELECT a AS account, to_timestamp(h) AS hour, m AS meter, mo AS model, s AS site, '
            '         j AS job, mp AS model_params, q::numeric AS quantity, 0 AS hours FROM cell '
            '  UNION ALL '
            '  SELECT account, hour, meter, model, site, job, model_params, 0, 1 '
            '  FROM written WHERE inserted), '
            'spans AS MATERIALIZED ('
            '  SELECT h.hour, z.tz, s.span, usage_rollup_day(s.span, h.hour, z.tz) AS day '
            '  FROM (SELECT DISTINCT to_timestamp(h) AS hour FROM cell) h '
            '  CROSS JOIN usage_zone z CROSS JOIN usage_span s) '
            'INSERT INTO usage_rollup AS d (tz, span, account, day, meter, model, site, job, '
            '                               model_params, quantity, hours) '
            'SELECT p.tz, p.span, w.account, p.day, w.meter, w.model, w.site, w.job, '
            '       w.model_params, sum(w.quantity), sum(w.hours) '
            'FROM added w JOIN spans p ON p.hour = w.hour '
            'GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9 '
            'ON CONFLICT (tz, span, account, day, meter, model, site, job, model_params) '
            'DO UPDATE SET quantity = d.quantity + excluded.quantity, '
            '              hours = d.hours + excluded.hours',
            'usage_hourly_' || to_char(month, 'YYYY_MM'))
        USING accounts, hours, meters, models, vendors, sites, clusters, jobs, quantities, events,
              params, extract(epoch FROM month::timestamp)::bigint,
              extract(epoch FROM (month + interval '1 month')::timestamp)::bigint;
    END LOOP;
END $$;

-- The rater's write goes through usage_hourly_add; 074's lock pass has no
-- caller left.
DROP FUNCTION usage_shared_lock(text[], bigint[], text[], text[], text[], text[], bigint[]);
