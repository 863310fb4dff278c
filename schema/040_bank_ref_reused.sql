-- 040_bank_ref_reused: a bank credit under a reference imported before
-- is the same credit (nothing posts again) only when it is the same
-- credit: the same booking day, amount, charges and currency. 033's
-- payment_receive counted any credit whose (account, bank reference) was
-- seen before as "imported before", so a different credit under a reused
-- reference (a bank's reference series that restarts, two rows of one
-- export that share one) was dropped without a word: in
-- tests/integration/test_payments_reused_ref.sh a second statement's
-- 78.08 under REF-1 (imported before as 100.00) and the second of two
-- REF-2 rows (7.00 beside 5.00) were never posted, and the summary said
-- "3 entries read: 1 credits posted, 2 imported before". Such a credit is
-- now refused with data_exception, which refuses the whole statement
-- (exit 2, docs/payments.md "Idempotence"), as `payment record` refuses a
-- reference recorded before with another amount.
CREATE OR REPLACE FUNCTION payment_receive(statement_id bigint, bank_account text, bank_ref text,
                                booked_on date, value_on date, amount_minor bigint,
                                charges_minor bigint, currency text, debtor_name text,
                                debtor_account text, remittance text, actor text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    id_ bigint;
    numbers text[];
    cust bigint;
    how text;
    gross bigint := $6 + $7;
    codes bigint[];
    prior bank_credit%ROWTYPE;
BEGIN
    INSERT INTO bank_credit (statement_id, bank_account, bank_ref, booked_on, value_on,
                             amount_minor, charges_minor, currency, debtor_name, debtor_account,
                             remittance, status, actor)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, ''), 'unapplied', $12)
    ON CONFLICT ON CONSTRAINT bank_credit_bank_account_bank_ref_key DO NOTHING
    RETURNING id INTO id_;
    IF id_ IS NULL THEN
        -- the same credit again (a statement imported twice, or two that
        -- overlap) posts nothing; another credit under a reference used
        -- before is refused, never dropped
        SELECT * INTO prior FROM bank_credit b
        WHERE b.bank_account = $2 AND b.bank_ref = $3;
        IF prior.booked_on IS DISTINCT FROM $4 OR prior.amount_minor <> $6
           OR prior.charges_minor <> $7 OR prior.currency <> $8 THEN
            RAISE EXCEPTION 'bank reference "%" of account % was imported before as another credit (% % + charges %, booked %), not % % + charges %, booked %: nothing of this statement is posted',
                $3, $2, prior.currency, prior.amount_minor, prior.charges_minor,
                prior.booked_on, $8, $6, $7, $4
                USING ERRCODE = 'data_exception';
        END IF;
        RETURN 'duplicate';
    END IF;
    -- 1. invoice numbers in the remittance, in the order found
    SELECT array_agg(n ORDER BY o) INTO numbers
    FROM (SELECT m[1] AS n, min(ord) AS o
          FROM regexp_matches(upper(coalesce($11, '')), '(INV-[0-9]{4}-[0-9]{6,12})', 'g')
               WITH ORDINALITY AS x (m, ord)
          GROUP BY m[1]) f
    WHERE payment_invoice_customer(n) IS NOT NULL;
    IF numbers IS NOT NULL THEN
        cust := payment_invoice_customer(numbers[1]);
        how := 'invoice';
    END IF;
    -- 2. a customer code in the remittance, as a word of its own, or a
    -- reference finance set in the remittance or the payer's name
    IF cust IS NULL THEN
        SELECT array_agg(DISTINCT c.id) INTO codes FROM customer c
        WHERE lower(coalesce($11, '')) ~ ('(^|[^a-z0-9_-])' || c.code || '($|[^a-z0-9_-])')
           OR EXISTS (SELECT 1 FROM payment_reference r WHERE r.customer_id = c.id
                      AND strpos(lower(coalesce($11, '') || ' ' || coalesce($9, '')),
                                 lower(r.reference)) > 0);
        IF cardinality(codes) = 1 THEN
            cust := codes[1];
            how := 'reference';
        END IF;
    END IF;
    -- 3. the gross amount is exactly one open invoice's, of all customers
    IF cust IS NULL THEN
        SELECT array_agg(o.number) INTO numbers FROM invoice_open o
        WHERE o.currency = $8 AND o.open = gross;
        IF cardinality(numbers) = 1 THEN
            cust := payment_invoice_customer(numbers[1]);
            how := 'amount';
        ELSE
            numbers := NULL;
        END IF;
    END IF;
    IF cust IS NULL THEN
        RETURN 'unapplied';
    END IF;
    IF NOT payment_currency_billed(cust, $8) THEN
        RAISE EXCEPTION 'a credit in % for customer %, which is not billed in %', $8,
            (SELECT code FROM customer WHERE id = cust), $8
            USING ERRCODE = 'data_exception';
    END IF;
    UPDATE bank_credit SET customer_id = cust, matched_by = how, status = 'credited',
                           posted_at = now()
    WHERE id = id_;
    -- the invoices named first, in the order found, then oldest first
    PERFORM payment_post(id_, coalesce(numbers, '{}'), $12);
    RETURN how;
END $$;
