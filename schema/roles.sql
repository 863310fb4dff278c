-- roles.sql: who may do what, applied by `gpumeter migrate` after the
-- migrations every time it runs (so that it also covers tables added
-- later). It is the one statement of the privilege matrix
-- (docs/operations.md, "Database roles").
--
--   gpumeter_owner    NOLOGIN: owns every table, view, sequence and function;
--                     only migrate acts as it
--   gpumeter_rater    rate, conservation: writes usage, offsets, sequence
--                     marks, counters, dead letters and parked events
--   gpumeter_billing  invoice run/issue/void, documents, customers, keys,
--                     reports, rerate: writes invoices, ledgers, documents,
--                     accounts, the audit log (insert only)
--   gpumeter_api      serve: reads only
--
-- None is a superuser, owns a table, may create roles or databases, or
-- TRUNCATE; so none can disable a trigger or change
-- session_replication_role. Roles are the cluster's, shared by its
-- databases; privileges are this database's. Who may log in as which role
-- is pg_hba.conf's business (docs/operations.md).
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['gpumeter_owner', 'gpumeter_rater', 'gpumeter_billing',
                             'gpumeter_api'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s NOSUPERUSER NOCREATEDB NOCREATEROLE '
                               'NOREPLICATION NOBYPASSRLS', r,
                               CASE r WHEN 'gpumeter_owner' THEN 'NOLOGIN' ELSE 'LOGIN' END);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- another migrate of this cluster created it meanwhile
            END;
        END IF;
    END LOOP;
    -- an administrator that is not a superuser must be the owner role's
    -- member to hand it the objects
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT gpumeter_owner TO %I', current_user);
    END IF;
END $$;

-- Everything in the schema belongs to gpumeter_owner.
DO $$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT format('%s %I.%I', CASE c.relkind WHEN 'v' THEN 'VIEW'
                                           WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                           n.nspname, c.relname) AS what
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'S')
               AND c.relowner <> 'gpumeter_owner'::regrole
               AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))) LOOP
        EXECUTE format('ALTER %s OWNER TO gpumeter_owner', o.what);
    END LOOP;
    FOR o IN SELECT p.oid::regprocedure AS what FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.proowner <> 'gpumeter_owner'::regrole LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO gpumeter_owner', o.what);
    END LOOP;
END $$;

-- Start from nothing, then grant exactly the matrix.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM gpumeter_rater, gpumeter_billing, gpumeter_api;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM gpumeter_rater, gpumeter_billing, gpumeter_api;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- The owner makes each month's usage partition (usage_hourly_partition, a
-- security definer function the rater calls; schema 017).
GRANT CREATE ON SCHEMA public TO gpumeter_owner;
DO $$ BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO gpumeter_rater, gpumeter_billing, gpumeter_api',
                   current_database());
END $$;
GRANT USAGE ON SCHEMA public TO gpumeter_rater, gpumeter_billing, gpumeter_api;

-- Everyone reads the reference data and the schema's shared rules.
GRANT SELECT ON currency, meter, customer, account, document, usage_version, usage_day_changed,
                usage_zone, schema_migration TO gpumeter_rater, gpumeter_billing, gpumeter_api;

-- The rater.
GRANT SELECT, INSERT, UPDATE ON usage_hourly, capacity_hourly, consumer_offset, source_seq,
                                rating_counter, usage_day_changed,
                                usage_version TO gpumeter_rater;
GRANT SELECT, INSERT ON dead_letter TO gpumeter_rater;
-- (UPDATE only for the row locks of FOR UPDATE SKIP LOCKED when releasing)
GRANT SELECT, INSERT, UPDATE, DELETE ON parked_event TO gpumeter_rater;
GRANT SELECT ON dead_letter_count, usage_rollup_mismatch TO gpumeter_rater;

-- Billing: reads everything, writes what finance and sales change.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO gpumeter_billing;
GRANT INSERT, UPDATE, DELETE ON invoice, invoice_line, invoice_problem, document, account,
                                customer, api_key, usage_version TO gpumeter_billing;
GRANT INSERT, DELETE ON commitment_ledger, voucher_redemption TO gpumeter_billing;
GRANT INSERT, UPDATE ON invoice_number TO gpumeter_billing;
GRANT INSERT ON audit_log, rerate_log TO gpumeter_billing;

-- The API: statements, usage, invoices and its keys, read only.
GRANT SELECT ON usage_hourly, usage_rollup, capacity_hourly, invoice, invoice_line, commitment_ledger, voucher_redemption,
                invoice_problem, parked_event,
                commitment_ledger_signed, voucher_redemption_signed, api_key
             TO gpumeter_api;

GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO gpumeter_rater, gpumeter_billing;
