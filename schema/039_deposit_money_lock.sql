-- 039_deposit_money_lock: a deposit posting takes the customer's money
-- lock, as every other posting of a customer does (033: the customer's
-- row FOR NO KEY UPDATE, then what is open is read).
--
-- 034's deposit_hold took only an advisory lock of its own, which no
-- payment takes: `deposit apply` (or the default and termination paths
-- through ledger_apply_deposit) and a payment of the same invoice could
-- both read it whole open and both apply to it. Seen in
-- tests/integration/test_deposit_race.sh: an invoice of 89.04 paid by
-- cheque while the deposit was being applied to it ended 178.08 paid,
-- -89.04 open and "paid", the customer's 89.04 in no account it could see.
-- The row is taken first, then the advisory lock, in the order the issue
-- path takes them (ledger_post_invoice_credit holds the row when
-- ledger_post_invoice_deposit applies the deposit), so the two never wait
-- on each other crosswise. ledger_apply_deposit reads the invoice as the
-- ledger stands once the lock is held (clock_timestamp(): a payment
-- committed while it waited, in a transaction that began after this one,
-- is posted at a later now() than this transaction's).
CREATE OR REPLACE FUNCTION deposit_hold(customer_id bigint, amount_minor bigint, what text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF what IS NOT NULL AND (amount_minor IS NULL OR amount_minor <= 0) THEN
        RAISE EXCEPTION 'a deposit % must be above 0', what USING ERRCODE = 'check_violation';
    END IF;
    PERFORM 1 FROM customer c WHERE c.id = $1 FOR NO KEY UPDATE;
    PERFORM pg_advisory_xact_lock(hashtext('deposit'), $1::integer);
END $$;

CREATE OR REPLACE FUNCTION ledger_apply_deposit(customer_id bigint, invoice_id bigint,
                                                amount_minor bigint, actor text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    inv record;
    held bigint;
    amt bigint;
BEGIN
    PERFORM deposit_hold($1, NULL, NULL);
    SELECT o.number, o.customer_id, o.currency, o.open INTO inv
    FROM invoice_open_at(clock_timestamp()) o WHERE o.invoice_id = $2;
    IF NOT FOUND OR inv.customer_id <> $1 THEN
        RAISE EXCEPTION 'no issued invoice % of customer %', $2, $1 USING ERRCODE = 'no_data_found';
    END IF;
    held := deposit_held($1, inv.currency);
    amt := coalesce($3, least(greatest(inv.open, 0), held));
    IF amt < 0 THEN
        RAISE EXCEPTION 'a deposit applied may not be negative' USING ERRCODE = 'check_violation';
    END IF;
    IF amt > inv.open THEN
        RAISE EXCEPTION 'applying % to invoice % is more than its open amount, %', amt,
            inv.number, inv.open USING ERRCODE = 'check_violation';
    END IF;
    IF amt > held THEN
        RAISE EXCEPTION 'applying % to invoice % is more than the deposit held, %', amt,
            inv.number, held USING ERRCODE = 'check_violation';
    END IF;
    IF amt > 0 THEN
        PERFORM ledger_post($1, inv.currency, 'application', inv.number, $4, now(),
                            jsonb_build_array(
                                jsonb_build_object('account', 'deposit', 'amount_minor', amt),
                                jsonb_build_object('account', 'receivable', 'amount_minor', -amt,
                                                   'invoice_id', $2)));
    END IF;
    RETURN amt;
END $$;
