-- 007_invoice_lifecycle: draft -> issued -> void, numbers, credit notes,
-- immutability and append-only ledgers, enforced here and not only in C.
--
-- An invoice is issued with a number from a gap-free series per year
-- (INV-2026-000001); a void one is answered by a credit note (kind
-- credit_note, its own series CN-2026-000001) that credits it. Once issued,
-- an invoice and its lines never change, except issued -> void. One invoice
-- per customer and month is open (draft or issued) at a time, so a voided
-- month can be invoiced again.
ALTER TABLE invoice DROP CONSTRAINT invoice_status_check;
ALTER TABLE invoice DROP CONSTRAINT invoice_customer_id_period_key;
ALTER TABLE invoice DROP CONSTRAINT invoice_claimed_check;
ALTER TABLE invoice
    ADD COLUMN kind text NOT NULL DEFAULT 'invoice' CHECK (kind IN ('invoice', 'credit_note')),
    ADD COLUMN number text UNIQUE,
    ADD COLUMN issued_at timestamptz,
    ADD COLUMN voided_at timestamptz,
    ADD COLUMN void_reason text,
    ADD COLUMN credits bigint REFERENCES invoice (id),
    ADD CHECK (status IN ('draft', 'issued', 'void')),
    ADD CHECK ((status = 'draft') = (number IS NULL)),
    ADD CHECK ((status = 'void') = (voided_at IS NOT NULL AND void_reason IS NOT NULL)),
    ADD CHECK ((kind = 'credit_note') = (credits IS NOT NULL));
CREATE UNIQUE INDEX invoice_open ON invoice (customer_id, period)
    WHERE kind = 'invoice' AND status <> 'void';

CREATE TABLE invoice_number (
    series text NOT NULL,
    year   integer NOT NULL,
    last   bigint NOT NULL CHECK (last > 0),
    PRIMARY KEY (series, year)
);

CREATE FUNCTION invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
       AND (NEW.id, NEW.customer_id, NEW.period, NEW.kind, NEW.number, NEW.currency,
            NEW.tax_rate_ppm, NEW.subtotal, NEW.tax, NEW.total, NEW.claimed, NEW.due,
            NEW.contract, NEW.plan, NEW.issued_at, NEW.credits, NEW.created_at, NEW.updated_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.customer_id, OLD.period, OLD.kind, OLD.number, OLD.currency,
            OLD.tax_rate_ppm, OLD.subtotal, OLD.tax, OLD.total, OLD.claimed, OLD.due,
            OLD.contract, OLD.plan, OLD.issued_at, OLD.credits, OLD.created_at, OLD.updated_at)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'invoice % is %: issued invoices are immutable (void it and issue a credit note)',
        OLD.number, OLD.status USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER invoice_guard BEFORE UPDATE OR DELETE ON invoice
    FOR EACH ROW EXECUTE FUNCTION invoice_guard();

-- Lines change only while their invoice is a draft.
CREATE FUNCTION invoice_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    SELECT status INTO st FROM invoice
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF st IS DISTINCT FROM 'draft' THEN
        RAISE EXCEPTION 'the lines of an invoice that is % are immutable', st
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER invoice_line_guard BEFORE INSERT OR UPDATE OR DELETE ON invoice_line
    FOR EACH ROW EXECUTE FUNCTION invoice_line_guard();

-- Prior-period adjustment lines say which month they correct.
ALTER TABLE invoice_line DROP CONSTRAINT invoice_line_kind_check;
ALTER TABLE invoice_line
    ADD CHECK (kind IN ('usage', 'gpu_floor', 'shortfall', 'carry_forward', 'makeup_draw',
                        'subsidy', 'voucher_discount', 'prior_period')),
    ADD COLUMN adjusts date;

-- The ledgers belong to the invoice whose month wrote them. A draft
-- rewrites its own rows; an issued invoice's rows are never changed; voiding
-- it appends reversal rows (reversal = true, counted negative).
ALTER TABLE commitment_ledger ADD COLUMN invoice_id bigint REFERENCES invoice (id),
    ADD COLUMN reversal boolean NOT NULL DEFAULT false;
UPDATE commitment_ledger l SET invoice_id = i.id FROM invoice i
WHERE i.customer_id = l.customer_id AND i.period = l.period AND i.kind = 'invoice';
ALTER TABLE commitment_ledger ALTER COLUMN invoice_id SET NOT NULL,
    DROP CONSTRAINT commitment_ledger_pkey,
    ADD PRIMARY KEY (invoice_id, entry_period, kind, reversal);

ALTER TABLE voucher_redemption ADD COLUMN invoice_id bigint REFERENCES invoice (id),
    ADD COLUMN reversal boolean NOT NULL DEFAULT false;
UPDATE voucher_redemption r SET invoice_id = i.id FROM invoice i
WHERE i.customer_id = r.customer_id AND i.period = r.period AND i.kind = 'invoice';
ALTER TABLE voucher_redemption ALTER COLUMN invoice_id SET NOT NULL,
    DROP CONSTRAINT voucher_redemption_pkey,
    ADD PRIMARY KEY (voucher, invoice_id, reversal);

CREATE FUNCTION ledger_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    SELECT status INTO st FROM invoice
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF st = 'draft' OR (TG_OP = 'INSERT' AND NEW.reversal AND st = 'void') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION '% is append-only once its invoice is issued', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER commitment_ledger_guard BEFORE INSERT OR UPDATE OR DELETE ON commitment_ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_guard();
CREATE TRIGGER voucher_redemption_guard BEFORE INSERT OR UPDATE OR DELETE ON voucher_redemption
    FOR EACH ROW EXECUTE FUNCTION ledger_guard();
