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
ALTER TABLE invoice
    ADD COLUMN credit_code text CHECK (credit_code IN ('01', '02', '03', '04')),
    ADD COLUMN credit_reason text,
    ADD CHECK (kind = 'credit_note' OR (credit_code IS NULL AND credit_reason IS NULL));

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CHECK (action IN ('create', 'replace', 'add', 'update', 'fapiao',
                                            'issue', 'void', 'correct', 'credit'));
