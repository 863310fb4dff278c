-- 061_project_cash: a project's cash collected in a month (issue 37,
-- docs/investor.md, "The investor's month"), the one definition `report
-- project` and GET /v1/project share.
--
-- The figure reads the receivables ledger (030: ledger_txn, ledger_entry),
-- which the API role may not read: a ledger names every customer's every
-- posting. The finance API needs only the month's sum for a project's
-- contracts, so the query is here once, as a security definer that
-- returns that sum and nothing else (053's pattern): billing calls it for
-- the CLI, the API for GET /v1/project, and neither role gains a grant on
-- the ledger.
--
-- project_cash_collected(month, currency, contracts): what bank payments
-- applied (ledger 'receivable' credits of 'payment' postings) to invoices
-- of the given contracts, of any month, in currency, whose bank credit's
-- value date (value_on, else booked_on) falls in the month of `month` (its
-- first day). A payment's ledger transaction is the bank credit's: same
-- customer, reference and posting time (payment_post, 033).
CREATE FUNCTION project_cash_collected(month date, currency text, contracts text[])
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(-sum(e.amount_minor), 0)::bigint
      FROM ledger_txn t
      JOIN ledger_entry e ON e.txn_id = t.id AND e.account = 'receivable'
      JOIN invoice i ON i.id = e.invoice_id AND i.kind = 'invoice'
      JOIN bank_credit b ON b.bank_ref = t.reference AND b.customer_id = t.customer_id
                        AND b.posted_at = t.at
     WHERE t.kind = 'payment' AND t.currency = $2 AND i.contract = ANY($3)
       AND coalesce(b.value_on, b.booked_on) >= $1
       AND coalesce(b.value_on, b.booked_on) < ($1 + interval '1 month')
$$;
