-- 065_statement_version: one counter that moves, in the same transaction,
-- whenever anything a customer's statement reads changes other than its
-- usage (issue 38, deliverable 3; docs/api.md, "Statements").
--
-- `gpumeter serve` keeps the inputs it priced a statement from (the
-- contract and plan in effect, the terms, late usage, the ledger's
-- balances) and prices the next statement of the same customer and month
-- from them while this counter and the customer's usage_version (009: its
-- usage, accounts and contracts) are what they were when the inputs were
-- read. Both are read in the query that checks the API key, before any
-- input, so a change committed between the two reads only costs a reload;
-- a cached input is never used after it changed.
--
-- One counter for every customer, not one each: the tables below change
-- rarely next to usage (documents, invoice runs, payments), and a change
-- to one only makes every customer's next statement read its inputs again.
-- The rater writes none of them (device_health is read only for contracts
-- with an sla, which the server prices from scratch every time).
--
-- The counter is moved at COMMIT, not when a table is written: each
-- statement that writes a watched table marks its transaction (one row,
-- statement_change, keyed by the transaction id), and a deferred trigger
-- on that row moves the counter once as the transaction commits. So the
-- counter's row is locked for an instant at the end of a transaction,
-- after every other lock it takes: writers never wait on it while holding
-- anything else, and no deadlock can go through it.
CREATE TABLE statement_version (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL
);
INSERT INTO statement_version (version) VALUES (1);

CREATE TABLE statement_change (
    xid bigint PRIMARY KEY
);

CREATE FUNCTION statement_inputs_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO statement_change (xid) VALUES (pg_current_xact_id()::text::bigint)
    ON CONFLICT (xid) DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION statement_version_commit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE statement_version SET version = version + 1;
    DELETE FROM statement_change WHERE xid = NEW.xid;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER statement_version_commit AFTER INSERT ON statement_change
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION statement_version_commit();

-- Every table a statement reads besides the usage tables (009 covers
-- those): the tables named by the queries of billing_read (billing/month.c,
-- late.c, index_revision.c, sla_late.c), store_month_read and
-- balances_read (billing/store.c, balances.c), and by the schema functions
-- and views they call (contract_in_effect, document_in_effect,
-- account_window, price_index_latest, customer_balance,
-- sla_device_days' maintenance windows). An issued month's invoice is
-- read back on every request, never kept (its state moves with time).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['account', 'commitment_ledger', 'contract_termination', 'currency',
                             'customer', 'document', 'invoice', 'invoice_index_use',
                             'invoice_line', 'invoice_sla_evidence', 'invoice_sla_span',
                             'ledger_entry', 'ledger_txn', 'maintenance_window', 'meter',
                             'price_index_publication', 'usage_zone', 'voucher_redemption'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION statement_inputs_changed()',
                       t || '_statement_inputs', t);
    END LOOP;
END $$;
