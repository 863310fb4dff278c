-- 062_project_cash_credit: a project's cash collected counts what a
-- payment leaves on the customer's credit balance, and what is refunded
-- from it (issue 37, docs/investor.md, "The investor's month"; a finance
-- reviewer found prepaid cash counted in no month).
--
-- A payment larger than the customer's open invoices (or one recorded
-- with none open: a prepayment) posts its excess to customer_credit
-- (033); the invoice it later pays is paid by an 'application', not a
-- 'payment', so 061 counted that money in no month. Cash is counted when
-- the bank credits it: the excess is the project's cash in the month of
-- its value date when the customer's contract in effect that month is one
-- of the project's (a customer has one contract at a time). Applying it
-- later is not cash again. A refund from the credit balance ('refund':
-- customer_credit debit, cash credit) is cash out in the month it is made
-- (the operator's zone), whatever put the money there: a credit note's
-- excess refunded is money paid back. Deposits are not cash collected
-- until a deposit pays an invoice (not counted yet; docs/investor.md).
CREATE OR REPLACE FUNCTION project_cash_collected(month date, currency text, contracts text[])
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH mine AS (SELECT k.customer_id FROM contract_in_effect($1) k WHERE k.contract = ANY($3))
    SELECT (coalesce((
        SELECT -sum(e.amount_minor)
          FROM ledger_txn t
          JOIN ledger_entry e ON e.txn_id = t.id AND e.account = 'receivable'
          JOIN invoice i ON i.id = e.invoice_id AND i.kind = 'invoice'
          JOIN bank_credit b ON b.bank_ref = t.reference AND b.customer_id = t.customer_id
                            AND b.posted_at = t.at
         WHERE t.kind = 'payment' AND t.currency = $2 AND i.contract = ANY($3)
           AND coalesce(b.value_on, b.booked_on) >= $1
           AND coalesce(b.value_on, b.booked_on) < ($1 + interval '1 month')), 0)
      + coalesce((
        SELECT -sum(e.amount_minor)
          FROM ledger_txn t
          JOIN ledger_entry e ON e.txn_id = t.id AND e.account = 'customer_credit'
          JOIN bank_credit b ON b.bank_ref = t.reference AND b.customer_id = t.customer_id
                            AND b.posted_at = t.at
         WHERE t.kind = 'payment' AND t.currency = $2
           AND t.customer_id IN (SELECT customer_id FROM mine)
           AND coalesce(b.value_on, b.booked_on) >= $1
           AND coalesce(b.value_on, b.booked_on) < ($1 + interval '1 month')), 0)
      + coalesce((
        SELECT -sum(e.amount_minor)
          FROM ledger_txn t
          JOIN ledger_entry e ON e.txn_id = t.id AND e.account = 'customer_credit'
         WHERE t.kind = 'refund' AND t.currency = $2
           AND t.customer_id IN (SELECT customer_id FROM mine)
           AND (t.at AT TIME ZONE default_time_zone())::date >= $1
           AND (t.at AT TIME ZONE default_time_zone())::date < ($1 + interval '1 month')), 0)
    )::bigint
$$;
