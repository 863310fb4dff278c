-- 038_credit_pays_due: a credit balance pays only what the customer owes
-- of an invoice as it is issued (docs/receivables.md, docs/payments.md).
--
-- 033's ledger_post_invoice_credit took least(credit held, the invoice's
-- total); the receivable an issue posts is the invoice's due (total less
-- what compute vouchers claim, voucher_claim: the program's debt, 030).
-- With a voucher claim and a credit balance above the due, the customer's
-- credit paid the program's part too: the invoice went below 0 open (-35.62
-- in tests/integration/test_credit_voucher.sh) and that much of the credit
-- balance was gone. It now takes what is open of the invoice as the ledger
-- stands (invoice_open_at, the one definition of an open amount: at issue,
-- its due), never more.
CREATE OR REPLACE FUNCTION ledger_post_invoice_credit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    held bigint;
    open_ bigint;
    take bigint;
BEGIN
    PERFORM 1 FROM customer WHERE id = NEW.customer_id FOR NO KEY UPDATE;
    SELECT coalesce(max(b.credit), 0) INTO held FROM customer_balance b
    WHERE b.customer_id = NEW.customer_id AND b.currency = NEW.currency;
    SELECT coalesce(max(o.open), 0) INTO open_ FROM invoice_open_at(now()) o
    WHERE o.invoice_id = NEW.id;
    take := least(held, open_);
    IF take > 0 THEN
        PERFORM ledger_post(NEW.customer_id, NEW.currency, 'application', NEW.number,
                            session_user::text, now(), jsonb_build_array(
                                jsonb_build_object('account', 'customer_credit', 'amount_minor', take),
                                jsonb_build_object('account', 'receivable', 'amount_minor', -take,
                                                   'invoice_id', NEW.id)));
    END IF;
    RETURN NULL;
END $$;
