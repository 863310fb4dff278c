-- 043_payment_notified_per_account: payment.received is emitted once per
-- bank credit, whose key is (bank account, bank reference) (033), so its
-- subject is "<account>/<reference>" ("manual/CHQ-1" for `payment record`),
-- and its payload names the account. 033 used the reference alone, and
-- notify_emit emits a (kind, subject) once: a second bank's credit under a
-- reference the first bank had used (two exports numbering 000123 alike)
-- was posted but never notified (tests/integration/test_payments_reused_ref.sh).
CREATE OR REPLACE FUNCTION payment_post(credit_id bigint, invoices text[], actor text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    c bank_credit%ROWTYPE;
    left_ bigint;
    entries jsonb;
    applied jsonb := '[]';
    inv record;
    take bigint;
BEGIN
    SELECT * INTO c FROM bank_credit WHERE id = $1;
    ASSERT c.customer_id IS NOT NULL, 'a bank credit posts once its customer is known';
    PERFORM 1 FROM customer WHERE id = c.customer_id FOR NO KEY UPDATE;
    left_ := c.amount_minor + c.charges_minor;
    entries := jsonb_build_array(
        jsonb_build_object('account', 'cash', 'amount_minor', c.amount_minor),
        jsonb_build_object('account', 'bank_fee', 'amount_minor', c.charges_minor));
    FOR inv IN
        SELECT i.id, i.number, o.open
        FROM invoice i JOIN invoice_open o ON o.number = i.number
        WHERE i.customer_id = c.customer_id AND i.currency = c.currency AND o.open > 0
        ORDER BY array_position($2, i.number) NULLS LAST, invoice_due_on(i), i.issued_at, i.id
    LOOP
        EXIT WHEN left_ = 0;
        take := least(left_, inv.open);
        left_ := left_ - take;
        entries := entries || jsonb_build_object('account', 'receivable', 'amount_minor', -take,
                                                 'invoice_id', inv.id);
        applied := applied || jsonb_build_object('number', inv.number, 'amount_minor', take);
    END LOOP;
    entries := entries || jsonb_build_object('account', 'customer_credit', 'amount_minor', -left_);
    PERFORM ledger_post(c.customer_id, c.currency, 'payment', c.bank_ref, $3, now(), entries);
    UPDATE bank_credit SET status = CASE WHEN applied = '[]' THEN 'credited' ELSE 'applied' END,
                           posted_at = now()
    WHERE id = c.id;
    INSERT INTO audit_log (actor, object, key, action, after)
    VALUES ($3, 'payment', c.bank_ref, 'payment',
            jsonb_build_object('bank_account', c.bank_account, 'currency', c.currency,
                               'amount_minor', c.amount_minor, 'charges_minor', c.charges_minor,
                               'applied', applied, 'credited_minor', left_,
                               'matched_by', c.matched_by, 'method', c.method));
    PERFORM notify_emit('payment.received', c.customer_id, c.bank_account || '/' || c.bank_ref,
                        jsonb_build_object('bank_ref', c.bank_ref, 'bank_account', c.bank_account,
                                           'customer', (SELECT code FROM customer
                                                        WHERE id = c.customer_id),
                                           'currency', c.currency,
                                           'amount_minor', c.amount_minor + c.charges_minor,
                                           'charges_minor', c.charges_minor,
                                           'booked_on', c.booked_on,
                                           'applied', applied, 'credited_minor', left_));
    RETURN applied;
END $$;
