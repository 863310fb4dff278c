-- 025_partial_credit: partial credit notes (issue 32, `invoice credit`).
--
-- - A credit note now answers either a void (it reverses what remained of
--   the invoice) or a partial credit of an invoice that stands (an amount,
--   or chosen lines and quantities). A partial one carries its red-letter
--   reason code (01 开票有误 ... 04 销售折让) and finance's note, which the
--   red reversal of the fapiao needs; a void's credit note takes its reason
--   from the void invoice, as before.
-- - audit_log's new action 'credit': one row per partial credit, keyed by
--   the invoice credited, written in the credit's transaction.
-- - credit_note_guard (below): no credit note is issued that would credit
--   more than its invoice billed.
ALTER TABLE invoice
    ADD COLUMN credit_code text CHECK (credit_code IN ('01', '02', '03', '04')),
    ADD COLUMN credit_reason text,
    ADD CHECK (kind = 'credit_note' OR (credit_code IS NULL AND credit_reason IS NULL));

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CHECK (action IN ('create', 'replace', 'add', 'update', 'fapiao',
                                            'issue', 'void', 'correct', 'credit'));

-- A credit note is issued only while the credit notes of its invoice, itself
-- included, credit no more than the invoice billed, before tax and with it:
-- whatever the client, so an issue that skipped `invoice credit`'s lock
-- still cannot over-credit. The invoice's row is held first, so two such
-- issues are checked one after the other. An invoice of a negative total (a
-- credit balance) is only ever reversed whole, by void: not checked.
CREATE FUNCTION credit_note_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    inv invoice%ROWTYPE;
    sub bigint;
    tot bigint;
BEGIN
    IF NEW.kind <> 'credit_note' OR OLD.status <> 'draft' OR NEW.status <> 'issued' THEN
        RETURN NEW;
    END IF;
    SELECT * INTO inv FROM invoice WHERE id = NEW.credits FOR UPDATE;
    SELECT coalesce(sum(subtotal), 0), coalesce(sum(total), 0) INTO sub, tot FROM invoice
     WHERE credits = NEW.credits AND status = 'issued' AND id <> NEW.id;
    IF inv.total >= 0 AND (inv.subtotal + sub + NEW.subtotal < 0
                           OR inv.total + tot + NEW.total < 0) THEN
        RAISE EXCEPTION 'credit note % would credit more than remains of invoice %',
            NEW.number, inv.number USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER credit_note_guard BEFORE UPDATE ON invoice
    FOR EACH ROW EXECUTE FUNCTION credit_note_guard();
