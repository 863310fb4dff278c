-- 077_usage_day_slots: when a customer's usage of a UTC day last changed
-- (014) is kept per writer slot, as the usage version is (071), so that the
-- transactions of a rater's batch split over connections
-- (rater.commit_connections, docs/rating.md#the-commit-split-over-connections)
-- no longer queue on one row per customer and day.
--
-- Each transaction writing usage locks its customers' day rows first
-- (usage_shared_lock, 074) and holds them to its commit, so two connections
-- writing one customer's day waited for each other's whole transaction:
-- with the bench's stream (one customer), the second connection's commit
-- began when the first's ended, and two connections committed no faster
-- than one. With a row per slot each connection moves its own.
--
-- A day changed after a moment when any of its slot rows did:
-- billing/late.c joins the rows of a day and keeps each candidate once
-- (SELECT DISTINCT), so it reads this table as before. The slot is the
-- writer's own, as usage_version_bump reads it: usage_writer_slot(), the
-- one definition both use.
CREATE FUNCTION usage_writer_slot() RETURNS smallint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('gpumeter.usage_version_slot', true), '')::smallint, 0)
$$;

ALTER TABLE usage_day_changed ADD COLUMN slot smallint NOT NULL DEFAULT 0 CHECK (slot >= 0);
ALTER TABLE usage_day_changed DROP CONSTRAINT usage_day_changed_pkey;
ALTER TABLE usage_day_changed ADD PRIMARY KEY (customer_id, day, slot);

CREATE OR REPLACE FUNCTION usage_version_bump(accounts text[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_version AS v (customer_id, slot, version)
    SELECT DISTINCT a.customer_id, usage_writer_slot(), 1
    FROM account a WHERE a.account = ANY (accounts) ORDER BY 1
    ON CONFLICT (customer_id, slot) DO UPDATE SET version = v.version + 1
$$;

-- 014's trigger, its day rows now the writer slot's.
CREATE OR REPLACE FUNCTION usage_hourly_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usage_version_bump(ARRAY(SELECT DISTINCT account FROM changed));
    INSERT INTO usage_day_changed AS d (customer_id, day, slot, changed_at)
    SELECT DISTINCT a.customer_id, (c.hour AT TIME ZONE 'UTC')::date, usage_writer_slot(), now()
    FROM changed c JOIN account a ON a.account = c.account
    ORDER BY 1, 2
    ON CONFLICT (customer_id, day, slot) DO UPDATE SET changed_at = excluded.changed_at
    WHERE d.changed_at < excluded.changed_at;
    RETURN NULL;
END $$;

-- 074's lock pass, its day rows now the writer slot's.
CREATE OR REPLACE FUNCTION usage_shared_lock(accounts text[], hours bigint[], meters text[],
                                             models text[], sites text[], jobs text[],
                                             params bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    LOCK TABLE usage_hourly IN ROW EXCLUSIVE MODE;
    INSERT INTO usage_day_changed AS d (customer_id, day, slot, changed_at)
    SELECT DISTINCT a.customer_id, (to_timestamp(t.h) AT TIME ZONE 'UTC')::date,
           usage_writer_slot(), now()
    FROM unnest(accounts, hours) AS t(a, h) JOIN account a ON a.account = t.a
    ORDER BY 1, 2
    ON CONFLICT (customer_id, day, slot) DO UPDATE SET changed_at = excluded.changed_at
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
