-- 022_money_audit: every change of money is in audit_log (issue 32).
--
-- - audit_log's new actions: 'issue' and 'void' of an invoice, and
--   'correct', the correction of a mistyped fapiao record.
-- - The guard of schema 019 lets the two fapiao columns of an issued (or
--   void) invoice change once from empty, as before, and now again, but
--   only together with the audit row that explains it: a 'correct' row for
--   that invoice, written by the same transaction (its xmin), whose before
--   holds the record as it is and whose after holds the record as it
--   becomes. The correction is then on the record for good (audit_log is
--   append-only, schema 013), and no other column ever changes beside it.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CHECK (action IN ('create', 'replace', 'add', 'update', 'fapiao',
                                            'issue', 'void', 'correct'));

CREATE OR REPLACE FUNCTION invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    voiding constant text[] := '{status,voided_at,void_reason,void_code}';
    fapiao constant text[] := '{fapiao_number,fapiao_date}';
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'invoice % is %: it cannot be deleted', OLD.number, OLD.status
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF OLD.status = 'issued' AND NEW.status = 'void'
       AND to_jsonb(NEW) - voiding = to_jsonb(OLD) - voiding THEN
        RETURN NEW;
    END IF;
    IF OLD.fapiao_number IS NULL AND NEW.fapiao_number IS NOT NULL
       AND to_jsonb(NEW) - fapiao = to_jsonb(OLD) - fapiao THEN
        RETURN NEW;
    END IF;
    IF OLD.fapiao_number IS NOT NULL AND NEW.fapiao_number IS NOT NULL
       AND to_jsonb(NEW) - fapiao = to_jsonb(OLD) - fapiao
       AND EXISTS (SELECT 1 FROM audit_log a
                   WHERE a.object = 'invoice' AND a.key = OLD.number AND a.action = 'correct'
                     AND a.xmin = pg_current_xact_id()::xid
                     AND a.before->>'fapiao_number' = OLD.fapiao_number
                     AND a.before->>'fapiao_date' = OLD.fapiao_date::text
                     AND a.after->>'fapiao_number' = NEW.fapiao_number
                     AND a.after->>'fapiao_date' = NEW.fapiao_date::text) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'invoice % is %: issued invoices are immutable (void it and issue a credit note)',
        OLD.number, OLD.status USING ERRCODE = 'integrity_constraint_violation';
END $$;
