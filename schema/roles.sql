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
-- session_replication_role. No function is executable by PUBLIC: each role
-- may execute exactly the functions it calls (below), so none can reach a
-- security definer function it has no business with.
-- tests/fixtures/db/grants.txt is the whole result, line by line. Roles are the cluster's, shared by its
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
-- Every grant below names its role: PUBLIC (every role of the cluster)
-- may neither create in the schema nor look it up, nor make temporary
-- tables here, so no role can put an object where a search path finds it
-- (CVE-2018-1058). Who may CONNECT is pg_hba.conf's business.
REVOKE CREATE, USAGE ON SCHEMA public FROM PUBLIC;
-- The owner makes each month's usage partition (usage_hourly_partition, a
-- security definer function the rater calls; schema 017), and looks its
-- own objects up there (foreign key checks and views run as it).
GRANT CREATE, USAGE ON SCHEMA public TO gpumeter_owner;
DO $$ BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO gpumeter_rater, gpumeter_billing, gpumeter_api',
                   current_database());
END $$;
GRANT USAGE ON SCHEMA public TO gpumeter_rater, gpumeter_billing, gpumeter_api;

-- Everyone reads the reference data and the schema's shared rules.
GRANT SELECT ON currency, meter, customer, account, document, usage_version, usage_day_changed,
                usage_zone, schema_migration TO gpumeter_rater, gpumeter_billing, gpumeter_api;

-- The rater. Rated usage and capacity only grow (schema 021): it may
-- update only the columns its upserts add to, never a row's key, and
-- usage_hourly_only_grows refuses a lower quantity.
GRANT SELECT, INSERT ON usage_hourly, capacity_hourly TO gpumeter_rater;
GRANT UPDATE (quantity, events, last_ingest) ON usage_hourly TO gpumeter_rater;
GRANT UPDATE (installed_ms, allocated_ms, idle_whole_ms, idle_stranded_ms, idle_energy_mj,
              energy_ms, events, last_ingest) ON capacity_hourly TO gpumeter_rater;
GRANT SELECT, INSERT, UPDATE ON consumer_offset, source_seq, rating_counter, usage_day_changed,
                                usage_version TO gpumeter_rater;
GRANT SELECT, INSERT ON dead_letter TO gpumeter_rater;
-- Device health (schema 047): the rater only adds windows, never changes one.
GRANT SELECT, INSERT ON device_health TO gpumeter_rater;
-- (UPDATE only for the row locks of FOR UPDATE SKIP LOCKED when releasing)
GRANT SELECT, INSERT, UPDATE, DELETE ON parked_event TO gpumeter_rater;
GRANT SELECT ON dead_letter_count, usage_rollup_mismatch TO gpumeter_rater;

-- Billing: reads everything, writes what finance and sales change.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO gpumeter_billing;
GRANT INSERT, UPDATE, DELETE ON invoice, invoice_line, invoice_problem, document, account,
                                customer, api_key, usage_version TO gpumeter_billing;
GRANT INSERT, DELETE ON commitment_ledger, voucher_redemption TO gpumeter_billing;
-- An invoice's SLA evidence (schema 050): written with its draft, frozen at issue.
GRANT INSERT, DELETE ON invoice_sla_evidence, invoice_sla_span TO gpumeter_billing;
GRANT INSERT, UPDATE ON invoice_number TO gpumeter_billing;
-- The batch's record of each run (schema 067): appended, never changed.
GRANT INSERT ON invoice_refresh TO gpumeter_billing;
GRANT INSERT ON audit_log, rerate_log TO gpumeter_billing;

-- The API: statements, usage, invoices and its keys, read only; the audit
-- log for the finance console's money audit trail (finance keys only).
GRANT SELECT ON usage_hourly, usage_rollup, capacity_hourly, invoice, invoice_line, commitment_ledger, voucher_redemption,
                invoice_problem, parked_event, audit_log,
                commitment_ledger_signed, voucher_redemption_signed, api_key
             TO gpumeter_api;
-- The receivables ledger (schema 030): no role writes it but the owner's
-- issue trigger (ledger_post_invoice); billing reads it with every table,
-- the API its two views, which derive what it shows from the ledger.
GRANT SELECT ON invoice_open, customer_balance TO gpumeter_api;
GRANT SELECT ON invoice_sla_evidence, invoice_sla_span TO gpumeter_api;
-- Late usage and health (billing_load, for statements too) read when an
-- issued invoice was last computed (schema 067).
GRANT SELECT ON invoice_refresh TO gpumeter_api;
-- Webhook delivery (schema 035): `gpumeter notify` (billing) adds, claims
-- and settles delivery rows, and revives a dead one (audited); it reads
-- the outbox with every table. The finance API reads the notification
-- view alone.
GRANT INSERT, UPDATE ON notify_delivery TO gpumeter_billing;
GRANT SELECT ON notification TO gpumeter_api;
-- The price index's publications (schema 055): billing adds them (`index
-- publish`), never changes one; the finance API reads them.
GRANT INSERT ON price_index_publication TO gpumeter_billing;
GRANT SELECT ON price_index_publication TO gpumeter_api;
-- Statements' inputs are kept by the version everything else they read
-- moves at commit (schema 065): the API reads it with each key. The
-- triggers that move it run as the owner; no role writes either table.
GRANT SELECT ON statement_version TO gpumeter_api;

-- Only billing inserts into tables with serial ids (invoices, customers,
-- the audit and rerate logs); the rater's tables have none.
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO gpumeter_billing;
-- but not the ledger's (schema 030): only the owner's trigger writes it.
REVOKE USAGE ON SEQUENCE ledger_txn_id_seq, outbox_id_seq FROM gpumeter_billing;

-- Functions. PostgreSQL lets PUBLIC execute every new function; here
-- nobody may but its owner, and then each role exactly what it calls:
-- - the shared rules (schema 012) and the rollup's day (018) read with the
--   caller's own rights and write nothing: every application role (the
--   views that use them, such as usage_rollup_mismatch, need them too);
-- - what writes, locks or runs as the owner: only the role whose commands
--   or triggers call it. A trigger fires whoever may execute its
--   function, so trigger functions are granted to nobody, but what a
--   trigger function running as the writer calls is granted to the
--   writer (usage_hourly_changed -> usage_version_bump, usage_days_changed
--   and usage_writer_slot, the rater's;
--   account_changed, contract_changed -> usage_version_bump_customers and
--   contract_zones_added -> usage_zone_add, billing's; invoice_fapiao_date
--   -> invoice_fapiao_dates, billing's, which `invoice fapiao` reads too);
-- - usage_hourly_archive: the owner's alone (maintenance), and
--   ledger_post_issued (the issue trigger's, run as the owner; schema 030).
-- tests/fixtures/db/grants.txt lists the result; test_db_roles.sh and
-- test_db_grants.sh hold it.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public
    FROM PUBLIC, gpumeter_rater, gpumeter_billing, gpumeter_api;
GRANT EXECUTE ON FUNCTION default_time_zone(), document_in_effect(text, date),
                          contract_in_effect(date), customer_time_zone(bigint, date),
                          usage_rollup_day(text, timestamptz, text)
    TO gpumeter_rater, gpumeter_billing, gpumeter_api;
GRANT EXECUTE ON FUNCTION account_window(bigint, text, date, date)
    TO gpumeter_billing, gpumeter_api;
GRANT EXECUTE ON FUNCTION usage_hourly_partition(date),
                          usage_hourly_partitions(timestamptz, timestamptz),
                          usage_version_bump(text[]), usage_writer_slot(),
                          usage_days_changed(text[], timestamptz[]),
                          usage_hourly_add(text[], bigint[], text[], text[], text[], text[],
                                           text[], text[], bigint[], bigint[], bigint[])
    TO gpumeter_rater;
GRANT EXECUTE ON FUNCTION usage_version_bump_customers(bigint[]), usage_zone_add(text),
                          invoice_fapiao_dates(bigint)
    TO gpumeter_billing;
-- Receivables (schema 031): open amounts as of a moment and the due day
-- read with the caller's rights; notify_emit writes the outbox as the
-- owner, for billing's commands (the triggers that emit run as the owner).
GRANT EXECUTE ON FUNCTION invoice_due_on(invoice), invoice_open_at(timestamptz)
    TO gpumeter_billing, gpumeter_api;
GRANT EXECUTE ON FUNCTION invoice_refreshed_at(invoice) TO gpumeter_billing, gpumeter_api;
GRANT EXECUTE ON FUNCTION notify_emit(text, bigint, text, jsonb) TO gpumeter_billing;
-- Termination and default (schema 036): billing records a termination
-- (`contract terminate`; the row is append-only); who is in default reads
-- with the caller's rights, for billing's commands and the API's reports.
GRANT INSERT ON contract_termination TO gpumeter_billing;
-- contract_in_effect reads it, as every role does (a terminated contract
-- holds no month after its last day's).
GRANT SELECT ON contract_termination TO gpumeter_rater, gpumeter_api;
GRANT EXECUTE ON FUNCTION customer_default_at(timestamptz, integer)
    TO gpumeter_billing, gpumeter_api;
-- Deposits (schema 034): receiving, applying and refunding a deposit post
-- as the owner, for billing's `deposit` commands (the issue trigger that
-- applies a deposit runs as the owner); deposit_currency and deposit_held
-- read with the caller's rights, for the same commands.
GRANT EXECUTE ON FUNCTION deposit_currency(bigint, date), deposit_held(bigint, text),
                          deposit_receive(bigint, bigint, text, text, timestamptz),
                          ledger_apply_deposit(bigint, bigint, bigint, text),
                          deposit_refund(bigint, bigint, text, text),
                          default_apply_deposit(bigint, text[], text)
    TO gpumeter_billing;
-- Payment terms, states, aging and dunning (schema 032): states and
-- aging read the ledger as security definers, like invoice_open_at, for
-- billing's reports and the API; the due-day rule and a day's end are
-- pure; dunning_run posts reminders and emits as the owner, for billing's
-- `dunning run` alone; the reminders sent are read by both (billing reads
-- every table). invoice_set_due_date is a trigger's: nobody's.
GRANT EXECUTE ON FUNCTION payment_terms_due(jsonb, date), receivables_day_end(date, text),
                          invoice_state_at(timestamptz), receivables_aging(date, text)
    TO gpumeter_billing, gpumeter_api;
GRANT EXECUTE ON FUNCTION dunning_run(date, integer[], text) TO gpumeter_billing;
GRANT SELECT ON dunning_reminder TO gpumeter_api;
-- GET /v1/payments reads the bank's credits (billing/payment_view.c).
GRANT SELECT ON bank_credit TO gpumeter_api;
-- Payments (schema 033, docs/payments.md): billing's commands post
-- through these security definers alone; what they call inside
-- (payment_post, payment_customer, payment_currency_billed,
-- payment_invoice_customer, payment_money) and
-- the credit-balance trigger run as the owner and are granted to nobody.
GRANT EXECUTE ON FUNCTION payment_statement(text, text, text, text, text),
                          payment_receive(bigint, text, text, date, date, bigint, bigint, text,
                                          text, text, text, text),
                          payment_apply(text, text, text[], text, text),
                          payment_record(text, text, bigint, text, text[], date, text, text),
                          payment_refund(text, text, bigint, text, text),
                          invoice_write_off(text, text, text),
                          payment_reference_add(text, text, text)
    TO gpumeter_billing;
REVOKE USAGE ON SEQUENCE bank_statement_id_seq, bank_credit_id_seq FROM gpumeter_billing;
-- Maintenance windows (schema 048, docs/availability.md): `maintenance
-- apply` (billing) writes the window rows only through maintenance_store,
-- as the owner; every role reads them and the one rule of what a window
-- excludes (maintenance_excludes, maintenance_announced), with the
-- caller's rights, for the availability computation and its reports.
GRANT EXECUTE ON FUNCTION maintenance_store(text, date, integer) TO gpumeter_billing;
GRANT SELECT ON maintenance_window TO gpumeter_rater, gpumeter_api;
GRANT EXECUTE ON FUNCTION maintenance_announced(maintenance_window),
                          maintenance_excludes(text, text, text, timestamptz)
    TO gpumeter_rater, gpumeter_billing, gpumeter_api;
-- A customer's availability under its SLA (schema 049): a security
-- definer that reads the health of the devices reserved to the one
-- customer it is asked for; billing prices credits with it, the API shows
-- a customer its own. sla_windows is the same one window at a time: the
-- customer's availability report lists the windows not up from it.
GRANT EXECUTE ON FUNCTION sla_device_days(bigint, date, text[]),
                          sla_windows(bigint, date, text[])
    TO gpumeter_billing, gpumeter_api;
-- sla_spans (schema 052): the windows not up merged into spans, which
-- invoice run stores with a draft (invoice_sla_span) and the customer's
-- report (CLI and API) lists.
GRANT EXECUTE ON FUNCTION sla_spans(bigint, date, text[]) TO gpumeter_billing, gpumeter_api;
-- The fleet's health, aggregated (schema 053): security definers over
-- device_health that return per-group and per-device sums, never a
-- window, for billing's reports (report availability, yield, health) and
-- the finance API's (GET /v1/operator/yield, GET /v1/fleet/health); the
-- API still may not read device_health itself.
GRANT EXECUTE ON FUNCTION device_availability(date, date, text), health_month_devices(date),
                          health_month_reasons(date)
    TO gpumeter_billing, gpumeter_api;
-- Late health (schema 051): the newest ingestion of a month's health, the
-- one figure invoice run (and the API's draft previews, through the same
-- billing code) needs to find months whose SLA credit may have changed.
GRANT EXECUTE ON FUNCTION health_month_last_ingested(date) TO gpumeter_billing, gpumeter_api;
-- Projects (schema 054, docs/investor.md): `project apply` (billing)
-- checks that an asset or a contract belongs to one project at a time
-- with the one rule, project_claims (and project_until, the span of a
-- version), with the caller's rights over document.
GRANT EXECUTE ON FUNCTION project_until(text, date), project_claims(text, date, text[], text[])
    TO gpumeter_billing;
-- Prices linked to the index (schema 056): invoice run prices at the
-- newest publication and records the one it used with the invoice's lines;
-- the API reads both for its previews and documents.
GRANT EXECUTE ON FUNCTION price_index_latest(date, text, text) TO gpumeter_billing, gpumeter_api;
GRANT INSERT, DELETE ON invoice_index_use TO gpumeter_billing;
GRANT SELECT ON invoice_index_use TO gpumeter_api;
-- A project's cash collected (schema 061): a security definer over the
-- receivables ledger that returns one month's sum for a project's
-- contracts, for `report project` (billing) and GET /v1/project (the
-- finance API, which still may not read the ledger).
GRANT EXECUTE ON FUNCTION project_cash_collected(date, text, text[])
    TO gpumeter_billing, gpumeter_api;
-- Customers' own keys (schema 070, docs/console.md#keys): the API writes
-- api_key only through these security definers, each of which decides
-- who may (a live customer key, not read-only, for its own customer's
-- keys) and writes the audit row; api_key_used records a key's last use
-- (at most once a minute per key per server).
GRANT EXECUTE ON FUNCTION api_key_own_create(text, text, text, text),
                          api_key_own_revoke(text, text), api_key_used(text)
    TO gpumeter_api;
-- Maker-checker (schema 069, docs/plans.md "Proposals and approval"):
-- proposals are written only through the two security definers, by
-- billing's commands (`plan propose|approve|reject`) and the API (sales
-- proposes, finance decides); proposal_decide refuses a decision by the
-- proposer, a second decision and a stale approval, and the row's CHECK
-- refuses a self-approval whoever writes it. Both read the proposals and
-- the setting; only billing (the administrators' CLI) changes the
-- setting. document_state reads with the caller's rights.
GRANT SELECT ON proposal, approval_policy TO gpumeter_api;
GRANT UPDATE ON approval_policy TO gpumeter_billing;
REVOKE USAGE ON SEQUENCE proposal_id_seq FROM gpumeter_billing;
GRANT EXECUTE ON FUNCTION document_state(text, text),
                          proposal_submit(text, text, date, text, jsonb, text, text),
                          proposal_decide(bigint, text, boolean, text)
    TO gpumeter_billing, gpumeter_api;
-- the console's approval of a plan or contract: only what proposal_decide
-- approved in the same transaction (the API writes no document itself)
-- and, with the seller's approval off, a version at once
-- (document_version_store, the one store both use, is nobody's; schema
-- 073). A contract's account rows are rewritten from the stored
-- documents alone (contract_accounts_rewrite), by `contract apply` and
-- `approve` (billing) and the API's approval of a contract.
GRANT EXECUTE ON FUNCTION proposal_apply(bigint),
                          proposal_apply_at_once(text, text, date, text, jsonb, text, text)
    TO gpumeter_api;
GRANT EXECUTE ON FUNCTION contract_accounts_rewrite(text) TO gpumeter_billing, gpumeter_api;
-- and a function a later migration adds is the owner's alone from the
-- start, whichever of the two creates it, until this file grants it. One
-- the administrator makes keeps what PUBLIC gave the owner: a new month's
-- partition, made as the owner, clones usage_hourly's triggers, which
-- needs EXECUTE on their functions (a trigger added by hand included).
DO $$ BEGIN
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC',
                   current_user);
    IF current_user <> 'gpumeter_owner' THEN
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT EXECUTE ON FUNCTIONS '
                       'TO gpumeter_owner', current_user);
    END IF;
END $$;
ALTER DEFAULT PRIVILEGES FOR ROLE gpumeter_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
