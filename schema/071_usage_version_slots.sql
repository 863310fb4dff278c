-- 071_usage_version_slots: a customer's usage version (009) is the sum of
-- one counter per writer slot, so that the transactions of a rater's batch
-- split over connections (rater.commit_connections, docs/rating.md#the-
-- commit-split-over-connections) do not queue on one row per customer
-- from their first usage write to their commit.
--
-- Each of a rater's connections but its first sets gpumeter.usage_version_slot
-- to its own number for its session; usage_version_bump moves the counter
-- of that slot (0 when unset: the rater's first connection, billing's
-- account and contract changes, every other writer). Every part only
-- grows, so the sum moves whenever any part moves and never goes back:
-- what the API's caches compare (api/keys.c reads the sum in the query
-- that checks the key) is as before.
ALTER TABLE usage_version ADD COLUMN slot smallint NOT NULL DEFAULT 0 CHECK (slot >= 0);
ALTER TABLE usage_version DROP CONSTRAINT usage_version_pkey;
ALTER TABLE usage_version ADD PRIMARY KEY (customer_id, slot);

CREATE OR REPLACE FUNCTION usage_version_bump(accounts text[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_version AS v (customer_id, slot, version)
    SELECT DISTINCT a.customer_id,
           coalesce(nullif(current_setting('gpumeter.usage_version_slot', true), '')::smallint, 0),
           1
    FROM account a WHERE a.account = ANY (accounts) ORDER BY 1
    ON CONFLICT (customer_id, slot) DO UPDATE SET version = v.version + 1
$$;

CREATE OR REPLACE FUNCTION usage_version_bump_customers(customers bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_version AS v (customer_id, slot, version)
    SELECT DISTINCT c, 0, 1 FROM unnest(customers) c WHERE c IS NOT NULL ORDER BY 1
    ON CONFLICT (customer_id, slot) DO UPDATE SET version = v.version + 1
$$;
