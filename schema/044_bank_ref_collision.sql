-- 044_bank_ref_collision: a bank credit under a bank reference already
-- imported is skipped as "imported before" only when it is the same credit
-- (amount, charges, currency, booking day); another credit under that
-- reference refuses the whole statement (data_exception, exit 2), naming
-- the entry (docs/payments.md, "Idempotence"). A bank that gives no
-- AcctSvcrRef and numbers each statement's entries NtryRef 1, 2, ... would
-- otherwise lose the next day's entry 1 unseen. And an invoice number is
-- found as payers write it: any case, its hyphens as spaces or left out.

-- An amount in minor units as the bank writes it (178.08), for messages.
CREATE FUNCTION payment_money(minor bigint, currency text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT round($1::numeric / 10::numeric ^ c.minor_digits, c.minor_digits::integer)::text
    FROM currency c WHERE c.code = $2
$$;

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
    seen bank_credit%ROWTYPE;
BEGIN
    INSERT INTO bank_credit (statement_id, bank_account, bank_ref, booked_on, value_on,
                             amount_minor, charges_minor, currency, debtor_name, debtor_account,
                             remittance, status, actor)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, ''), 'unapplied', $12)
    ON CONFLICT ON CONSTRAINT bank_credit_bank_account_bank_ref_key DO NOTHING
    RETURNING id INTO id_;
    IF id_ IS NULL THEN
        -- the same credit seen again (the statement imported twice, or
        -- overlapping statements) posts nothing; another credit under a
        -- reference already used (a bank whose NtryRef counts each
        -- statement's entries from 1, a payer's EndToEndId used twice) is
        -- refused, never skipped as seen: it would be money lost unseen
        SELECT * INTO seen FROM bank_credit b WHERE b.bank_account = $2 AND b.bank_ref = $3;
        IF (seen.amount_minor, seen.charges_minor, seen.currency, seen.booked_on)
           IS DISTINCT FROM ($6, $7, $8, $4) THEN
            RAISE EXCEPTION 'bank reference % was imported before for another credit (% % booked on %; this one % % booked on %): not skipped as imported before',
                $3, seen.currency, payment_money(seen.amount_minor, seen.currency),
                seen.booked_on, $8, payment_money($6, $8), $4
                USING ERRCODE = 'data_exception';
        END IF;
        RETURN 'duplicate';
    END IF;
    -- 1. invoice numbers in the remittance, in the order found, as payers
    -- write them: any case, the hyphens as spaces or left out
    -- (inv 2026 000001, INV2026000001 are INV-2026-000001)
    SELECT array_agg(n ORDER BY o) INTO numbers
    FROM (SELECT 'INV-' || m[1] || '-' || m[2] AS n, min(ord) AS o
          FROM regexp_matches(upper(coalesce($11, '')), 'INV[- ]?([0-9]{4})[- ]?([0-9]{6,12})',
                              'g')
               WITH ORDINALITY AS x (m, ord)
          GROUP BY 1) f
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
