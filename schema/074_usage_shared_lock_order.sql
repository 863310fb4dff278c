-- 074_usage_shared_lock_order: the rows two of a rater's transactions can
-- both write while they add hourly usage (docs/rating.md#lock-order) taken
-- in one order, once, before the hourly rows, so that the transactions of
-- one batch split over connections (rater.commit_connections) never
-- deadlock on them.
--
-- An upsert into usage_hourly fires its UPDATE statement triggers and then
-- its INSERT ones (usage_hourly_changed, 014, and usage_rollup_changed,
-- 018), so the day rows (usage_day_changed) and the rollup rows
-- (usage_rollup) were each locked in two sorted passes, the rows behind the
-- updated hourly rows and then those behind the inserted ones, interleaved:
-- day(updated), rollup(updated), day(inserted), rollup(inserted). Two
-- transactions sharing a customer's day or a job's month could each hold
-- one row of the other's later pass: a deadlock, which PostgreSQL resolves
-- by aborting one (40P01, run again by the rater).
--
-- usage_shared_lock takes every such row of the cells a statement is about
-- to write in one pass per table, in key order: the day rows (written as
-- the trigger writes them: it then finds them current), then the rollup
-- rows (made with nothing in them when missing, then locked without a
-- change: ON CONFLICT DO UPDATE ... WHERE false locks the row it finds).
-- The triggers then meet only rows their transaction holds. A rollup row
-- made empty here always gets its hourly row's share in the same
-- statement that follows: a group with no rollup row has no hourly row,
-- so the cell is an insert and the insert trigger adds hours 1.
-- ROW EXCLUSIVE on usage_hourly first, as the insert that follows takes
-- it: a zone added meanwhile (usage_zone_add holds SHARE) would give the
-- trigger rollup rows not taken here.
CREATE FUNCTION usage_shared_lock(accounts text[], hours bigint[], meters text[], models text[],
                                  sites text[], jobs text[], params bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    LOCK TABLE usage_hourly IN ROW EXCLUSIVE MODE;
    INSERT INTO usage_day_changed AS d (customer_id, day, changed_at)
    SELECT DISTINCT a.customer_id, (to_timestamp(t.h) AT TIME ZONE 'UTC')::date, now()
    FROM unnest(accounts, hours) AS t(a, h) JOIN account a ON a.account = t.a
    ORDER BY 1, 2
    ON CONFLICT (customer_id, day) DO UPDATE SET changed_at = excluded.changed_at
    WHERE d.changed_at < excluded.changed_at;
    INSERT INTO usage_rollup AS d (tz, span, account, day, meter, model, site, job, model_params,
                                   quantity, hours)
    SELECT DISTINCT z.tz, s.span, t.a, usage_rollup_day(s.span, to_timestamp(t.h), z.tz), t.m,
           t.mo, t.s, t.j, t.mp, 0, 0
    FROM unnest(accounts, hours, meters, models, sites, jobs, params) AS t(a, h, m, mo, s, j, mp)
    CROSS JOIN usage_zone z CROSS JOIN usage_span s
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT (tz, span, account, day, meter, model, site, job, model_params) DO UPDATE
    SET hours = d.hours WHERE false;
END $$;
