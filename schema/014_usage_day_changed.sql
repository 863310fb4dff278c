-- 014_usage_day_changed: when each customer's usage of each UTC day last
-- changed, kept in the same transaction as the change (like usage_version,
-- 009). `invoice run` finds the issued months with late usage by looking up
-- these few rows per issued invoice, instead of reading every hour of every
-- issued month (billing/late.c).
CREATE TABLE usage_day_changed (
    customer_id bigint NOT NULL REFERENCES customer (id),
    day         date NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (customer_id, day)
);

INSERT INTO usage_day_changed (customer_id, day, changed_at)
SELECT a.customer_id, (h.hour AT TIME ZONE 'UTC')::date, max(h.last_ingest)
FROM usage_hourly h JOIN account a ON a.account = h.account
GROUP BY 1, 2;

-- The statement-level trigger of 009, now also touching the days: after
-- usage_version (customer order), the day rows in (customer, day) order, so
-- concurrent raters lock in one order and cannot deadlock.
CREATE OR REPLACE FUNCTION usage_hourly_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usage_version_bump(ARRAY(SELECT DISTINCT account FROM changed));
    INSERT INTO usage_day_changed AS d (customer_id, day, changed_at)
    SELECT DISTINCT a.customer_id, (c.hour AT TIME ZONE 'UTC')::date, now()
    FROM changed c JOIN account a ON a.account = c.account
    ORDER BY 1, 2
    ON CONFLICT (customer_id, day) DO UPDATE SET changed_at = excluded.changed_at
    WHERE d.changed_at < excluded.changed_at;
    RETURN NULL;
END $$;

-- TRUNCATE has no transition table: every day counts as changed.
CREATE OR REPLACE FUNCTION usage_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE usage_version SET version = version + 1;
    UPDATE usage_day_changed SET changed_at = now();
    RETURN NULL;
END $$;
