-- 041_refund_ref_reused: `payment refund` is idempotent by its reference
-- only for the same refund: the same customer, currency and amount of its
-- credit balance. 033's payment_refund returned "refunded before" (exit
-- 0, nothing posted) for any refund under a reference used before, so a
-- refund of another amount, of another customer's balance or under a
-- deposit refund's reference was never posted while the command said it
-- had been (tests/integration/test_payments_reused_ref.sh). Such a refund
-- is now refused with data_exception (exit 2), as `payment record`
-- refuses a reference recorded before with another amount. And a refund
-- is above 0, whoever calls the function.
CREATE OR REPLACE FUNCTION payment_refund(customer_code text, currency text, amount_minor bigint,
                               reference text, actor text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cust bigint;
    held bigint;
    prior record;
BEGIN
    -- the command refuses it too; the function is what billing may call
    -- (a refund of -5.00 would credit the customer out of nothing)
    IF $3 IS NULL OR $3 <= 0 THEN
        RAISE EXCEPTION 'a refund is above 0, not %', $3 USING ERRCODE = 'data_exception';
    END IF;
    cust := payment_customer($1);
    PERFORM 1 FROM customer WHERE id = cust FOR NO KEY UPDATE;
    SELECT c.code, t.currency, -sum(e.amount_minor) FILTER (WHERE e.account = 'cash') AS amount,
           bool_or(e.account = 'customer_credit') AS of_credit
    INTO prior
    FROM ledger_txn t JOIN customer c ON c.id = t.customer_id
    JOIN ledger_entry e ON e.txn_id = t.id
    WHERE t.kind = 'refund' AND t.reference = $4
    GROUP BY t.id, c.code, t.currency LIMIT 1;
    IF FOUND THEN
        IF prior.code = $1 AND prior.currency = $2 AND prior.amount = $3 AND prior.of_credit THEN
            RETURN false;
        END IF;
        RAISE EXCEPTION 'refund reference "%" was used before for customer %, % %: a refund of another customer, amount or balance needs its own reference',
            $4, prior.code, prior.amount, prior.currency
            USING ERRCODE = 'data_exception';
    END IF;
    SELECT coalesce(max(b.credit), 0) INTO held FROM customer_balance b
    WHERE b.customer_id = cust AND b.currency = $2;
    IF $3 > held THEN
        RAISE EXCEPTION 'customer % holds a credit balance of % minor units of %, less than the refund of %',
            $1, held, $2, $3 USING ERRCODE = 'data_exception';
    END IF;
    PERFORM ledger_post(cust, $2, 'refund', $4, $5, now(), jsonb_build_array(
        jsonb_build_object('account', 'customer_credit', 'amount_minor', $3),
        jsonb_build_object('account', 'cash', 'amount_minor', -$3)));
    INSERT INTO audit_log (actor, object, key, action, before, after)
    VALUES ($5, 'customer', $1, 'refund', jsonb_build_object('credit_minor', held),
            jsonb_build_object('reference', $4, 'currency', $2, 'amount_minor', $3,
                               'credit_minor', held - $3));
    RETURN true;
END $$;
