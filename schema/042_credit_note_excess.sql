-- 042_credit_note_excess: a credit note on an invoice already paid gives
-- the customer its money back as a credit balance (docs/receivables.md,
-- "A credit note, when issued").
--
-- A credit note posts receivable - |due| against the invoice it credits
-- (030). When payments or credit balances had already paid the invoice,
-- that left it below 0 open: alpha's paid 178.08 credited 10.60 stood at
-- -10.60 open and "paid", beta's paid 89.04 voided at -89.04 and "void",
-- while the customer's credit balance stayed 0.00: the next invoice did
-- not take it, `payment refund` refused it, the aging netted it into the
-- "current" bucket beside invoices it did not pay, and dunning chased
-- those in full (tests/integration/test_credit_note_paid.sh).
--
-- ledger_post_credit_note_excess: as a credit note is issued (after
-- ledger_post_invoice posted it: triggers of one event fire in name
-- order), what the credited invoice is now below 0 open moves to
-- customer_credit in an 'application' posting (receivable + the excess,
-- naming the invoice; customer_credit - the excess), reference the credit
-- note's number, under the customer's money lock (033). The invoices
-- already below 0 are moved the same way here, actor 'migrate 042'.
CREATE FUNCTION ledger_credit_excess(invoice_id bigint, reference text, actor text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    inv record;
BEGIN
    SELECT o.customer_id, o.currency, o.open INTO inv
    FROM invoice_open_at(clock_timestamp()) o WHERE o.invoice_id = $1;
    PERFORM 1 FROM customer c WHERE c.id = inv.customer_id FOR NO KEY UPDATE;
    SELECT o.customer_id, o.currency, o.open INTO inv
    FROM invoice_open_at(clock_timestamp()) o WHERE o.invoice_id = $1;
    IF NOT FOUND OR inv.open >= 0 THEN
        RETURN 0;
    END IF;
    PERFORM ledger_post(inv.customer_id, inv.currency, 'application', $2, $3, now(),
                        jsonb_build_array(
                            jsonb_build_object('account', 'receivable', 'amount_minor', -inv.open,
                                               'invoice_id', $1),
                            jsonb_build_object('account', 'customer_credit',
                                               'amount_minor', inv.open)));
    RETURN -inv.open;
END $$;

CREATE FUNCTION ledger_post_credit_note_excess() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM ledger_credit_excess(NEW.credits, NEW.number, session_user::text);
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_post_invoice_excess AFTER UPDATE ON invoice FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'issued' AND NEW.kind = 'credit_note')
    EXECUTE FUNCTION ledger_post_credit_note_excess();

-- What was already below 0 open, under the invoice's latest credit note
-- (the invoice's own number when none took it there).
SELECT ledger_credit_excess(o.invoice_id,
                            coalesce((SELECT c.number FROM invoice c WHERE c.credits = o.invoice_id
                                        AND c.number IS NOT NULL
                                      ORDER BY c.issued_at DESC, c.id DESC LIMIT 1), o.number),
                            'migrate 042')
FROM invoice_open_at(now()) o WHERE o.open < 0 ORDER BY o.invoice_id;
