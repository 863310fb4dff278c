-- 070_operator_own_keys: an operator key, and customers' own keys (issue 39,
-- docs/api.md#roles, docs/console.md#keys).
--
-- - A fourth role, 'operator': the fleet's reports (yield, capacity, idle
--   fragments, the contract calendar, fleet health), nothing of any
--   customer's money. Like finance and sales it belongs to no customer.
-- - read_only: a key that may only read. A customer makes such keys for
--   its finance system in the console; a read-only key cannot make or
--   revoke keys (the API's only writes a customer key has).
-- - last_used_at: when the key last authenticated a request, written by
--   the API at most once a minute per key per server (api/key_use.h), so
--   a busy key costs no write per request; "last used" is exact to that
--   minute.
-- - api_key_own_create / api_key_own_revoke: the API's only writes of
--   api_key, as the owner, each beside its audit row (object 'api_key').
--   Who may is decided here, once: the calling key must be a live customer
--   key that is not read-only, and the key made or revoked is of that
--   key's customer; a new key is always read-only. api_key_used records
--   use. All three are granted to gpumeter_api alone (roles.sql).
ALTER TABLE api_key DROP CONSTRAINT api_key_role_check;
ALTER TABLE api_key ADD CONSTRAINT api_key_role_check
    CHECK (role IN ('customer', 'finance', 'sales', 'operator'));
ALTER TABLE api_key ADD COLUMN read_only boolean NOT NULL DEFAULT false;
ALTER TABLE api_key ADD COLUMN last_used_at timestamptz;
CREATE INDEX api_key_customer ON api_key (customer_id) WHERE customer_id IS NOT NULL;

-- 'revoke' joins the audit actions, whatever they are by now: since 034
-- the constraint reads action = ANY ('{add,apply,...}'::text[]).
DO $$
DECLARE
    acts text[];
BEGIN
    SELECT array_agg(DISTINCT a) INTO acts
    FROM pg_constraint c,
         regexp_matches(pg_get_constraintdef(c.oid), '''\{([a-z_,]+)\}''') m,
         unnest(string_to_array(m[1], ',')) a
    WHERE c.conrelid = 'audit_log'::regclass AND c.conname = 'audit_log_action_check';
    ASSERT 'add' = ANY (acts) AND 'issue' = ANY (acts), 'the audit actions were not read';
    acts := acts || ARRAY['revoke'];
    ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
    EXECUTE format('ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check '
                   'CHECK (action = ANY (%L::text[]))',
                   (SELECT array_agg(DISTINCT a ORDER BY a) FROM unnest(acts) a));
END $$;

-- The customer whose keys the live, writable customer key $1 manages; a
-- key that is none of that (revoked, read-only, not a customer's) is
-- refused with insufficient_privilege, so no caller reaches another
-- customer's keys through these functions whatever ids it passes.
CREATE FUNCTION api_key_manager(caller text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    cust bigint;
BEGIN
    SELECT k.customer_id INTO cust FROM api_key k
    WHERE k.id = caller AND k.role = 'customer' AND NOT k.read_only AND k.revoked_at IS NULL;
    IF cust IS NULL THEN
        RAISE EXCEPTION 'key % may not manage keys', caller USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN cust;
END $$;

-- A new read-only key of the caller's customer: id and SHA-256 made by the
-- API (the secret never reaches the database). At most 100 live keys per
-- customer (program_limit_exceeded), so no key can fill the table; a
-- finance system needs a handful.
CREATE FUNCTION api_key_own_create(caller text, new_id text, sha256 text, label text)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cust bigint := api_key_manager(caller);
    made timestamptz;
BEGIN
    PERFORM 1 FROM customer WHERE id = cust FOR UPDATE; -- one count at a time
    IF (SELECT count(*) FROM api_key k WHERE k.customer_id = cust AND k.revoked_at IS NULL)
       >= 100 THEN
        RAISE EXCEPTION 'a customer holds at most 100 live keys'
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    INSERT INTO api_key (id, customer_id, role, read_only, sha256, label, created_by)
    VALUES (new_id, cust, 'customer', true, sha256, label, 'key:' || caller)
    RETURNING created_at INTO made;
    INSERT INTO audit_log (actor, object, key, action, after)
    VALUES ('key:' || caller, 'api_key', new_id, 'create',
            jsonb_build_object('customer', (SELECT code FROM customer WHERE id = cust),
                               'role', 'customer', 'read_only', true, 'label', label));
    RETURN made;
END $$;

-- Revokes key $2 of the caller's customer: true when it was live and is
-- now revoked, false when it is not that customer's or was revoked
-- already (the API answers 404 alike: another customer's key ids are not
-- even confirmed to exist).
CREATE FUNCTION api_key_own_revoke(caller text, target text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cust bigint := api_key_manager(caller);
BEGIN
    UPDATE api_key SET revoked_at = now()
    WHERE id = target AND customer_id = cust AND revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO audit_log (actor, object, key, action, before, after)
    VALUES ('key:' || caller, 'api_key', target, 'revoke', jsonb_build_object('revoked', false),
            jsonb_build_object('revoked', true));
    RETURN true;
END $$;

-- The request of live key $1 was authenticated now.
CREATE FUNCTION api_key_used(id text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE api_key k SET last_used_at = now() WHERE k.id = $1 AND k.revoked_at IS NULL
$$;
