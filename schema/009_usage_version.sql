-- 009_usage_version: a counter per customer that moves, in the same
-- transaction, whenever anything GET /v1/usage reads for that customer
-- changes: its hourly usage, its accounts, its contracts (the time zone).
--
-- `gpumeter serve` caches usage responses and reads this counter in the
-- same query that checks the API key; a cached response is served only
-- while the counter is what it was when the response was computed, so the
-- cache is never stale. The counter is read before the usage query, in an
-- earlier snapshot, so a change between the two only costs a recompute.
CREATE TABLE usage_version (
    customer_id bigint PRIMARY KEY REFERENCES customer (id),
    version     bigint NOT NULL
);

-- Moves the counters of the customers of these accounts, in customer
-- order: writers that bump several lock the rows in one order and cannot
-- deadlock on them. The rater calls it before writing a batch's usage, so
-- the triggers below then only touch rows it already holds.
CREATE FUNCTION usage_version_bump(accounts text[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_version AS v (customer_id, version)
    SELECT DISTINCT a.customer_id, 1 FROM account a
    WHERE a.account = ANY (accounts) ORDER BY 1
    ON CONFLICT (customer_id) DO UPDATE SET version = v.version + 1
$$;

CREATE FUNCTION usage_version_bump_customers(customers bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_version AS v (customer_id, version)
    SELECT DISTINCT c, 1 FROM unnest(customers) c WHERE c IS NOT NULL ORDER BY 1
    ON CONFLICT (customer_id) DO UPDATE SET version = v.version + 1
$$;

-- Statement-level: one bump per statement, whatever its size. Transition
-- tables allow one event per trigger, hence one trigger per event.
CREATE FUNCTION usage_hourly_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usage_version_bump(ARRAY(SELECT DISTINCT account FROM changed));
    RETURN NULL;
END $$;
CREATE TRIGGER usage_hourly_inserted AFTER INSERT ON usage_hourly
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION usage_hourly_changed();
CREATE TRIGGER usage_hourly_updated AFTER UPDATE ON usage_hourly
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION usage_hourly_changed();
CREATE TRIGGER usage_hourly_deleted AFTER DELETE ON usage_hourly
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION usage_hourly_changed();

CREATE FUNCTION account_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usage_version_bump_customers(ARRAY(SELECT customer_id FROM changed));
    RETURN NULL;
END $$;
CREATE TRIGGER account_inserted AFTER INSERT ON account
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION account_changed();
CREATE FUNCTION account_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usage_version_bump_customers(ARRAY(
        SELECT customer_id FROM before UNION SELECT customer_id FROM changed));
    RETURN NULL;
END $$;
CREATE TRIGGER account_updated AFTER UPDATE ON account
    REFERENCING OLD TABLE AS before NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION account_updated();
CREATE TRIGGER account_deleted AFTER DELETE ON account
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION account_changed();

CREATE FUNCTION contract_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usage_version_bump_customers(ARRAY(
        SELECT c.id FROM changed d JOIN customer c ON c.code = d.customer
        WHERE d.kind = 'contract'));
    RETURN NULL;
END $$;
CREATE TRIGGER document_inserted AFTER INSERT ON document
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION contract_changed();
CREATE TRIGGER document_updated AFTER UPDATE ON document
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION contract_changed();
CREATE TRIGGER document_deleted AFTER DELETE ON document
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION contract_changed();

-- TRUNCATE has no transition table: every counter moves.
CREATE FUNCTION usage_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE usage_version SET version = version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER usage_hourly_truncated AFTER TRUNCATE ON usage_hourly
    FOR EACH STATEMENT EXECUTE FUNCTION usage_truncated();
CREATE TRIGGER account_truncated AFTER TRUNCATE ON account
    FOR EACH STATEMENT EXECUTE FUNCTION usage_truncated();
CREATE TRIGGER document_truncated AFTER TRUNCATE ON document
    FOR EACH STATEMENT EXECUTE FUNCTION usage_truncated();

INSERT INTO usage_version (customer_id, version) SELECT id, 1 FROM customer;
