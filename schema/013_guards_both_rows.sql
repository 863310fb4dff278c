-- 013_guards_both_rows: issued money cannot change, whoever connects.
--
-- The guards of 007 looked only at the new row, so an UPDATE could move an
-- issued invoice's lines (or ledger rows) into a draft and change them
-- there; TRUNCATE bypassed every row trigger; audit_log took UPDATE and
-- DELETE. Now:
-- - a line may be written or removed only while the invoice it leaves and
--   the invoice it joins are both drafts;
-- - ledger rows are never updated; they are written with their draft (or
--   as reversal rows of a void invoice) and removed only with a draft;
-- - audit_log is append-only;
-- - invoice numbers only ever move to the next one;
-- - TRUNCATE of any of these tables fails.
-- The application's roles (roles.sql) neither own these tables nor may
-- disable triggers or change session_replication_role.

CREATE OR REPLACE FUNCTION invoice_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO st FROM invoice WHERE id = OLD.invoice_id;
        IF st IS DISTINCT FROM 'draft' THEN
            RAISE EXCEPTION 'the lines of an invoice that is % are immutable', st
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT status INTO st FROM invoice WHERE id = NEW.invoice_id;
        IF st IS DISTINCT FROM 'draft' THEN
            RAISE EXCEPTION 'the lines of an invoice that is % are immutable', st
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END $$;

CREATE OR REPLACE FUNCTION ledger_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '% is append-only: its rows are never updated', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT status INTO st FROM invoice
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF st = 'draft' OR (TG_OP = 'INSERT' AND NEW.reversal AND st = 'void') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION '% is append-only once its invoice is issued', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION append_only();

CREATE FUNCTION invoice_number_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.series = OLD.series AND NEW.year = OLD.year
       AND NEW.last = OLD.last + 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'invoice numbers are gap-free: series % % only moves to its next number',
        OLD.series, OLD.year USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER invoice_number_guard BEFORE UPDATE OR DELETE ON invoice_number
    FOR EACH ROW EXECUTE FUNCTION invoice_number_guard();

CREATE FUNCTION refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE of % is refused: issued money and its history cannot be erased',
        TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER invoice_no_truncate BEFORE TRUNCATE ON invoice
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER invoice_line_no_truncate BEFORE TRUNCATE ON invoice_line
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER commitment_ledger_no_truncate BEFORE TRUNCATE ON commitment_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER voucher_redemption_no_truncate BEFORE TRUNCATE ON voucher_redemption
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER invoice_number_no_truncate BEFORE TRUNCATE ON invoice_number
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
