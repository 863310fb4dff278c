-- 027_money_guards: issued money is immutable even to the application's
-- own roles (issue 32). An insider with the billing role's password could
-- insert a credit note already issued (any amount, any number, any
-- customer), void an invoice or record its fapiao with a bare UPDATE, and
-- back-date an audit row. Each rule below is stated once, here:
--
-- - An invoice or credit note row is only ever INSERTed as a draft;
--   issuing is the draft -> issued UPDATE (invoice_insert_draft).
-- - A credit note credits an invoice (not a credit note) of its own
--   customer, currency and period, whether inserted or a draft changed
--   (credit_note_match); credit_note_guard (025) now also fires on
--   INSERT, so its over-credit rule holds however the row got there.
-- - A fapiao date is never before the invoice's issue date nor after
--   today, both in the invoice's time zone: invoice_fapiao_dates, which
--   `invoice fapiao` reads too, held for every client by
--   invoice_fapiao_date.
-- - At COMMIT (invoice_commit_guard, deferred): an issued row bears the
--   next number of its series (INV or CN) taken by the same transaction;
--   an invoice made void has issued credit notes summing to minus its
--   subtotal, tax and total and a 'void' audit row of the same
--   transaction; a first fapiao record has its 'fapiao' audit row of the
--   same transaction.
-- - audit_log.at is always the writing transaction's time: a value the
--   client gives is overwritten (audit_log_at), so no row is back-dated.
--   Overwritten rather than refused: the column's default already says
--   "now", and no caller has a reason to state it.

-- Issuing is the draft -> issued UPDATE, which the guards of 007, 022,
-- 025 and the commit guard below watch; so a row is only inserted a draft.
CREATE FUNCTION invoice_insert_draft() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'draft' THEN
        RAISE EXCEPTION 'invoice % is inserted %: invoices and credit notes are inserted as drafts and issued by update (gpumeter invoice issue, void, credit)',
            coalesce(NEW.number, '(no number)'), NEW.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoice_insert_draft BEFORE INSERT ON invoice
    FOR EACH ROW EXECUTE FUNCTION invoice_insert_draft();

-- 025's over-credit rule, which fired only on the draft -> issued update,
-- now on an insert too (OLD is then NULL, so the function goes on to its
-- check for a row inserted issued, which invoice_insert_draft refuses
-- anyway).
DROP TRIGGER credit_note_guard ON invoice;
CREATE TRIGGER credit_note_guard BEFORE INSERT OR UPDATE ON invoice
    FOR EACH ROW EXECUTE FUNCTION credit_note_guard();

-- A credit note credits an invoice (not a credit note) of its own
-- customer, currency and period: inserted or a draft changed (an issued
-- one no longer changes: invoice_guard).
CREATE FUNCTION credit_note_match() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'credit_note' AND (TG_OP = 'INSERT' OR OLD.status = 'draft')
       AND NOT EXISTS (SELECT 1 FROM invoice i
                       WHERE i.id = NEW.credits AND i.kind = 'invoice'
                         AND i.customer_id = NEW.customer_id AND i.currency = NEW.currency
                         AND i.period = NEW.period) THEN
        RAISE EXCEPTION 'credit note % is refused: a credit note credits an invoice of its own customer, currency and period',
            coalesce(NEW.number, '(draft)') USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER credit_note_match BEFORE INSERT OR UPDATE ON invoice
    FOR EACH ROW EXECUTE FUNCTION credit_note_match();

-- The dates a fapiao of invoice $1 may bear: from its issue date to today,
-- both in the invoice's time zone (the one that bounds its month and
-- numbers it). The tax system issues the fapiao after our invoice and
-- never in the future. The one definition: `invoice fapiao` reads it to
-- refuse a date with exit 2 (billing/lifecycle.c), and the trigger below
-- holds it for every client. NULLs for a draft (never issued).
CREATE FUNCTION invoice_fapiao_dates(invoice_id bigint, OUT first_day date, OUT last_day date)
    LANGUAGE sql STABLE AS $$
    SELECT (i.issued_at AT TIME ZONE tz)::date, (now() AT TIME ZONE tz)::date
    FROM invoice i, customer_time_zone(i.customer_id, i.period) tz WHERE i.id = $1
$$;

CREATE FUNCTION invoice_fapiao_date() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    IF NEW.fapiao_date IS NOT NULL AND NEW.fapiao_date IS DISTINCT FROM OLD.fapiao_date THEN
        d := invoice_fapiao_dates(NEW.id);
        IF d.first_day IS NULL OR NEW.fapiao_date NOT BETWEEN d.first_day AND d.last_day THEN
            RAISE EXCEPTION 'fapiao date % of invoice % is refused: a fapiao date is from the invoice''s issue date (%) to today (%)',
                NEW.fapiao_date, NEW.number, d.first_day, d.last_day
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoice_fapiao_date BEFORE UPDATE ON invoice
    FOR EACH ROW EXECUTE FUNCTION invoice_fapiao_date();

-- What must be true of an issue, a void and a first fapiao record once
-- the transaction that made it is complete: checked at COMMIT, so that the
-- application may write the credit notes and audit rows after the update
-- (billing/lifecycle.c). The row is read again: a later statement of the
-- transaction may have changed it.
CREATE FUNCTION invoice_commit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    inv invoice%ROWTYPE;
    want text;
    parts text[];
    sub bigint;
    tx bigint;
    tot bigint;
BEGIN
    SELECT * INTO inv FROM invoice WHERE id = NEW.id;
    IF OLD.status = 'draft' AND NEW.status = 'issued' THEN
        want := CASE NEW.kind WHEN 'credit_note' THEN 'CN' ELSE 'INV' END;
        parts := regexp_match(NEW.number, '^([A-Z]+)-([0-9]{4})-([0-9]{6,})$');
        IF parts IS NULL OR parts[1] <> want OR NOT EXISTS (
               SELECT 1 FROM invoice_number n
               WHERE n.series = want AND n.year = parts[2]::int
                 AND n.xmin = pg_current_xact_id()::xid AND parts[3]::bigint <= n.last) THEN
            RAISE EXCEPTION 'invoice % is refused: an issued % bears the next number of series %, taken by the same transaction (gpumeter invoice issue)',
                NEW.number, NEW.kind, want USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF OLD.status = 'issued' AND NEW.status = 'void' AND inv.status = 'void' THEN
        SELECT coalesce(sum(subtotal), 0), coalesce(sum(tax), 0), coalesce(sum(total), 0)
          INTO sub, tx, tot FROM invoice WHERE credits = inv.id AND status = 'issued';
        IF (sub, tx, tot) <> (-inv.subtotal, -inv.tax, -inv.total) THEN
            RAISE EXCEPTION 'invoice % is refused void: its issued credit notes must reverse it whole (they credit % of %), with its audit row (gpumeter invoice void)',
                inv.number, -tot, inv.total USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM audit_log a
                       WHERE a.object = 'invoice' AND a.key = inv.number AND a.action = 'void'
                         AND a.xmin = pg_current_xact_id()::xid) THEN
            RAISE EXCEPTION 'invoice % is refused void: a void is written with its ''void'' audit row in the same transaction (gpumeter invoice void)',
                inv.number USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF OLD.fapiao_number IS NULL AND NEW.fapiao_number IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM audit_log a
                       WHERE a.object = 'invoice' AND a.key = inv.number AND a.action = 'fapiao'
                         AND a.xmin = pg_current_xact_id()::xid
                         AND a.after->>'fapiao_number' = NEW.fapiao_number) THEN
        RAISE EXCEPTION 'fapiao % of invoice % is refused: a fapiao is recorded with its ''fapiao'' audit row in the same transaction (gpumeter invoice fapiao)',
            NEW.fapiao_number, inv.number USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER invoice_commit_guard AFTER UPDATE ON invoice
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.fapiao_number IS DISTINCT FROM NEW.fapiao_number)
    EXECUTE FUNCTION invoice_commit_guard();

CREATE FUNCTION audit_log_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_at BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_at();
