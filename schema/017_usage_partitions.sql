-- 017_usage_partitions: hourly usage partitioned by UTC month, so that a
-- year of a large fleet stays a set of month-sized tables, and an old month
-- can be detached and archived without rewriting the rest
-- (docs/operations.md#archiving-a-month).
--
-- Partitions are made on demand by usage_hourly_partition, a security
-- definer function: the rater calls it for the months of each batch (a
-- catalogue lookup when the month exists), so it needs no right to create
-- tables. There is no default partition: a row of a month without a
-- partition is an error, never a row parked where a later partition could
-- not be created.
ALTER TABLE usage_hourly RENAME TO usage_hourly_unpartitioned;
ALTER INDEX usage_hourly_pkey RENAME TO usage_hourly_unpartitioned_pkey;
-- The same columns, checks and key (004), partitioned by hour.
CREATE TABLE usage_hourly (LIKE usage_hourly_unpartitioned INCLUDING DEFAULTS
                           INCLUDING CONSTRAINTS INCLUDING INDEXES) PARTITION BY RANGE (hour);
ALTER TABLE usage_hourly ADD FOREIGN KEY (meter) REFERENCES meter (code);

-- The partition of the UTC month that starts on `month`, made if missing.
-- Partitions are named usage_hourly_YYYY_MM; usage_hourly_archive renames
-- the month it detaches, so that usage arriving for it later gets a new
-- partition. Two callers racing: one creates it, the other's CREATE fails
-- as a duplicate and is ignored.
CREATE FUNCTION usage_hourly_partition(month date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    lo timestamptz := date_trunc('month', month::timestamp) AT TIME ZONE 'UTC';
    hi timestamptz := (date_trunc('month', month::timestamp) + interval '1 month') AT TIME ZONE 'UTC';
    name text := 'usage_hourly_' || to_char(date_trunc('month', month::timestamp), 'YYYY_MM');
BEGIN
    IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'usage_hourly'::regclass
                 AND c.relname = name)
    THEN
        RETURN;
    END IF;
    BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF usage_hourly FOR VALUES FROM (%L) TO (%L)',
                       name, lo, hi);
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
        NULL; -- another transaction made it meanwhile
    END;
END $$;

-- The partitions of every UTC month that an hour in [lo, hi) falls in.
CREATE FUNCTION usage_hourly_partitions(lo timestamptz, hi timestamptz) RETURNS void
LANGUAGE sql AS $$
    SELECT usage_hourly_partition(m::date)
    FROM generate_series(date_trunc('month', lo AT TIME ZONE 'UTC'),
                         date_trunc('month', (hi - interval '1 microsecond') AT TIME ZONE 'UTC'),
                         interval '1 month') m
    WHERE lo < hi
$$;

-- Detaches a month and renames it usage_archive_YYYY_MM: an ordinary table
-- the operator can dump and drop; usage_archive records it (a month is
-- archived once). Its rollups (018) stay, so statements and
-- invoices of the month still read; usage that arrives for it later gets a
-- new partition. Owner only (migrate's role): no application role may run it.
CREATE TABLE usage_archive (
    month       date PRIMARY KEY,
    archive     text NOT NULL,
    archived_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION usage_hourly_archive(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz := date_trunc('month', month::timestamp) AT TIME ZONE 'UTC';
    part text;
    archive text := 'usage_archive_' || to_char(date_trunc('month', month::timestamp), 'YYYY_MM');
BEGIN
    SELECT c.relname INTO part FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'usage_hourly'::regclass
      AND c.relname = 'usage_hourly_' || to_char(lo AT TIME ZONE 'UTC', 'YYYY_MM');
    IF part IS NULL THEN
        RAISE EXCEPTION 'no usage partition for %', to_char(lo AT TIME ZONE 'UTC', 'YYYY-MM');
    END IF;
    EXECUTE format('ALTER TABLE usage_hourly DETACH PARTITION %I', part);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', part, archive);
    INSERT INTO usage_archive (month, archive) VALUES (lo AT TIME ZONE 'UTC', archive);
    RETURN archive;
END $$;
REVOKE EXECUTE ON FUNCTION usage_hourly_archive(date) FROM PUBLIC;

SELECT usage_hourly_partitions(min(hour), max(hour) + interval '1 hour')
FROM usage_hourly_unpartitioned;
INSERT INTO usage_hourly SELECT account, hour, meter, model, vendor, site, cluster, job, quantity,
       events, first_ingest, last_ingest, model_params FROM usage_hourly_unpartitioned;
DROP TABLE usage_hourly_unpartitioned;

-- The triggers of 009 and 014, on the new table.
CREATE TRIGGER usage_hourly_inserted AFTER INSERT ON usage_hourly
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION usage_hourly_changed();
CREATE TRIGGER usage_hourly_updated AFTER UPDATE ON usage_hourly
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION usage_hourly_changed();
CREATE TRIGGER usage_hourly_deleted AFTER DELETE ON usage_hourly
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION usage_hourly_changed();
CREATE TRIGGER usage_hourly_truncated AFTER TRUNCATE ON usage_hourly
    FOR EACH STATEMENT EXECUTE FUNCTION usage_truncated();
