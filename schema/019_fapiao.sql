-- 019_fapiao: what the tax system's invoice (数电发票) needs from ours.
--
-- - customer.tax_id: the buyer's taxpayer identification number (统一社会
--   信用代码, 18 characters; older numbers 15 to 20), upper-case letters and
--   digits only.
-- - invoice.buyer_name and buyer_tax_id: the buyer as it stood when the
--   invoice was issued, written by the issue itself, so an issued invoice
--   keeps the buyer it was issued to whatever the customer record becomes.
--   A draft has none and shows the customer's current values.
-- - invoice.fapiao_number and fapiao_date: the official number (20 digits)
--   and date the tax system gave the invoice (or, for a credit note, its red
--   invoice), recorded once, afterwards, by `invoice fapiao`.
-- - invoice.void_code: the red-reversal reason a void sends with its credit
--   note: 01 开票有误, 02 销货退回, 03 服务中止, 04 销售折让.
--
-- The guard is rewritten to compare whole rows: once issued, a row may
-- change only in the columns that a void writes (status, voided_at,
-- void_reason, void_code), or in the two fapiao columns, once, from empty.
-- Any column added later is then immutable by default.
ALTER TABLE customer
    ADD COLUMN tax_id text CHECK (tax_id ~ '^[0-9A-Z]{15,20}$');

ALTER TABLE invoice
    ADD COLUMN buyer_name text,
    ADD COLUMN buyer_tax_id text,
    ADD COLUMN fapiao_number text CHECK (fapiao_number ~ '^[0-9]{20}$'),
    ADD COLUMN fapiao_date date,
    ADD COLUMN void_code text CHECK (void_code IN ('01', '02', '03', '04')),
    ADD CHECK ((fapiao_number IS NULL) = (fapiao_date IS NULL)),
    ADD CHECK (status <> 'draft' OR fapiao_number IS NULL),
    ADD CHECK (status = 'void' OR void_code IS NULL);
CREATE UNIQUE INDEX invoice_fapiao_number ON invoice (fapiao_number);

-- Invoices issued before this migration take their buyer from the customer
-- now (names never change; no customer had a tax id). Done by the owner,
-- with the guard off for this statement alone.
ALTER TABLE invoice DISABLE TRIGGER invoice_guard;
UPDATE invoice i SET buyer_name = c.name FROM customer c
WHERE c.id = i.customer_id AND i.status <> 'draft';
ALTER TABLE invoice ENABLE TRIGGER invoice_guard;

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
    RAISE EXCEPTION 'invoice % is %: issued invoices are immutable (void it and issue a credit note)',
        OLD.number, OLD.status USING ERRCODE = 'integrity_constraint_violation';
END $$;

-- audit_log's actions: a customer's update and an invoice's fapiao.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CHECK (action IN ('create', 'replace', 'add', 'update', 'fapiao'));
