-- 076_usage_rollup_delete_by_key: the rollup trigger (018) no longer reads
-- the whole rollup on every update of usage_hourly.
--
-- 018 dropped groups left with no hourly row by a DELETE joined to the
-- statement's `before` rows on every key column except tz, span and day,
-- the leading columns of usage_rollup's key, and ran it after every
-- UPDATE and DELETE. So it could not use the key: PostgreSQL read the whole
-- rollup (a sequential scan, or the whole index once per changed row), on
-- every rater batch that added to an hour already stored. The batch's
-- commit grew with the rollup, that is with the fleet's history: 23 ms a
-- batch at 173,000 rollup rows, where the rest of the trigger is linear in
-- the batch (docs/rating.md#what-a-batch-costs-postgresql).
--
-- Now the upsert reports whether any group it wrote was left with no
-- hourly row (hours 0), which only a DELETE, or an UPDATE that moves a row
-- to another group, can do; the DELETE runs only then, and joins on the
-- whole key (zone, span and the span's first day included) so that each of
-- its probes is one index lookup.
CREATE OR REPLACE FUNCTION usage_rollup_changed() RETURNS trigger
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
    emptied bigint;
BEGIN
    EXECUTE format(
        'WITH written AS ('
        'INSERT INTO usage_rollup AS d (tz, span, account, day, meter, model, site, job, '
        '                               model_params, quantity, hours) '
        'SELECT z.tz, s.span, c.account, usage_rollup_day(s.span, c.hour, z.tz), c.meter, '
        '       c.model, c.site, c.job, c.model_params, sum(c.quantity), sum(c.hours) '
        'FROM (%s) c CROSS JOIN usage_zone z CROSS JOIN usage_span s '
        'GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 '
        'HAVING sum(c.quantity) <> 0 OR sum(c.hours) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9 '
        'ON CONFLICT (tz, span, account, day, meter, model, site, job, model_params) DO UPDATE '
        'SET quantity = d.quantity + excluded.quantity, hours = d.hours + excluded.hours '
        'RETURNING d.hours) '
        'SELECT count(*) FROM written WHERE hours = 0', rows) INTO emptied;
    IF emptied > 0 THEN
        DELETE FROM usage_rollup d
        USING before r CROSS JOIN usage_zone z CROSS JOIN usage_span s
        WHERE d.hours = 0 AND d.tz = z.tz AND d.span = s.span
          AND d.account = r.account AND d.day = usage_rollup_day(s.span, r.hour, z.tz)
          AND d.meter = r.meter AND d.model = r.model AND d.site = r.site AND d.job = r.job
          AND d.model_params = r.model_params;
    END IF;
    RETURN NULL;
END $$;
