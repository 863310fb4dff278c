-- 034_deposits: deposits (保证金) and prepaid balances on the receivables
-- ledger (docs/receivables.md, "Deposits"; issue 34, deliverable 5).
--
-- A contract may ask the customer to hold a deposit ("deposit": {"amount",
-- "apply": "invoices" | "on_default"}, docs/contracts.md). What is held is
-- the ledger's deposit account (a liability: its credit balance, shown
-- positive by customer_balance). Every posting goes through ledger_post:
--
-- - deposit_receive: money received for the deposit (cash +, deposit -),
--   kind 'deposit', reference the bank reference: a reference posts once
--   (the unique index below; the same receipt again is a no-op, another
--   receipt under a used reference is refused);
-- - ledger_apply_deposit: deposit held applied to an issued invoice
--   (deposit +, receivable -), kind 'application', reference the invoice's
--   number; never more than the invoice's open amount (invoice_open_at)
--   nor the deposit held. `deposit apply`, the issue trigger below and the
--   termination/default path all call it;
-- - deposit_refund: deposit paid back (deposit +, cash -), kind 'refund',
--   reference the bank reference of the transfer; never more than held,
--   and refused while an invoice of the customer is open past its due day
--   (finance applies the deposit to it first: docs/receivables.md).
-- - ledger_post_invoice_deposit: when the contract in effect for an issued
--   invoice's month says "apply": "invoices", the deposit held is applied
--   to it in the issuing transaction, after ledger_post_invoice posted the
--   invoice and ledger_post_invoice_credit (payments) applied any credit
--   balance: PostgreSQL fires the triggers of one event in name order.
--
-- All three are security definers owned by the owner, granted to billing
-- only (roles.sql); each holds the customer's advisory lock for its
-- transaction, so two postings of one customer's deposit never both see
-- the same balance.

-- a deposit receipt's bank reference posts once
CREATE UNIQUE INDEX ledger_txn_deposit_receipt ON ledger_txn (reference) WHERE kind = 'deposit';

-- The audit actions of the deposit commands, added to whatever the
-- actions are by now (other migrations of issue 34 add theirs too).
DO $$
DECLARE
    acts text[];
BEGIN
    SELECT array_agg(DISTINCT m[1]) INTO acts
    FROM pg_constraint c,
         regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') m
    WHERE c.conrelid = 'audit_log'::regclass AND c.conname = 'audit_log_action_check';
    acts := acts || ARRAY['receive', 'apply', 'refund'];
    ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
    EXECUTE format('ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check '
                   'CHECK (action = ANY (%L::text[]))',
                   (SELECT array_agg(DISTINCT a ORDER BY a) FROM unnest(acts) a));
END $$;

-- The currency a customer's deposit is held in on `day`: its contract's
-- in effect that month, else its latest contract's. NULL: no contract.
CREATE FUNCTION deposit_currency(customer_id bigint, day date) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT k.document->>'currency' FROM contract_in_effect(date_trunc('month', $2)::date) k
         WHERE k.customer_id = $1),
        (SELECT d.document->>'currency' FROM document d JOIN customer c ON c.code = d.customer
         WHERE d.kind = 'contract' AND c.id = $1 ORDER BY d.effective_from DESC LIMIT 1))
$$;

-- The deposit customer $1 holds in currency $2 (minor units, >= 0).
CREATE FUNCTION deposit_held(customer_id bigint, currency text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(-sum(e.amount_minor), 0)::bigint
    FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id
    WHERE t.customer_id = $1 AND t.currency = $2 AND e.account = 'deposit'
$$;

-- Holds customer $1's deposit for the transaction (an advisory lock: two
-- postings never both see the same balance), after checking that an
-- amount `what` ("received", "refunded") is above 0; what NULL: no amount.
CREATE FUNCTION deposit_hold(customer_id bigint, amount_minor bigint, what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF what IS NOT NULL AND (amount_minor IS NULL OR amount_minor <= 0) THEN
        RAISE EXCEPTION 'a deposit % must be above 0', what USING ERRCODE = 'check_violation';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('deposit'), $1::integer);
END $$;

-- Whether a deposit transfer of kind $1 ('deposit': received, 'refund':
-- paid back) under bank reference $2 was posted already: true when it was,
-- for customer $3 and amount $4 (then it is not posted again); false when
-- the reference is new; refused when it was posted for another deposit.
CREATE FUNCTION deposit_transfer_posted(kind text, reference text, customer_id bigint,
                                        amount_minor bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    old record;
BEGIN
    SELECT t.customer_id, abs(sum(e.amount_minor)) AS amount INTO old
    FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id AND e.account = 'deposit'
    WHERE t.kind = $1 AND t.reference = $2 GROUP BY t.id;
    IF NOT FOUND THEN
        RETURN false;
    ELSIF old.customer_id = $3 AND old.amount = $4 THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'bank reference "%" was % already, for another deposit', $2,
        CASE $1 WHEN 'deposit' THEN 'received' ELSE 'refunded' END
        USING ERRCODE = 'unique_violation';
END $$;

-- Receives amount_minor (> 0) for customer's deposit under bank reference
-- `reference`, at `at`. True when this call posted it; false when that
-- reference had been received already for the same customer and amount
-- (nothing changes). Another receipt under a used reference is refused.
CREATE FUNCTION deposit_receive(customer_id bigint, amount_minor bigint, reference text,
                                actor text, at timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cur text;
BEGIN
    PERFORM deposit_hold($1, $2, 'received');
    IF deposit_transfer_posted('deposit', $3, $1, $2) THEN
        RETURN false;
    END IF;
    cur := deposit_currency($1, ($5 AT TIME ZONE customer_time_zone($1, date_trunc('month', $5)::date))::date);
    IF cur IS NULL THEN
        RAISE EXCEPTION 'the customer has no contract: its deposit has no currency'
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM ledger_post($1, cur, 'deposit', $3, $4, $5,
                        jsonb_build_array(
                            jsonb_build_object('account', 'cash', 'amount_minor', $2),
                            jsonb_build_object('account', 'deposit', 'amount_minor', -$2)));
    RETURN true;
END $$;

-- Applies the deposit customer $1 holds to its issued invoice $2: amount_minor,
-- or when NULL as much as can be (the invoice's open amount or the deposit
-- held, the less). Returns what was applied (0: nothing open or held; then
-- nothing posts). An amount above 0 more than the invoice's open amount or
-- the deposit held is refused, as is an invoice of another customer. The
-- one definition of a deposit's application: `deposit apply`, the issue
-- trigger and termination/default call it.
CREATE FUNCTION ledger_apply_deposit(customer_id bigint, invoice_id bigint, amount_minor bigint,
                                     actor text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    inv record;
    held bigint;
    amt bigint;
BEGIN
    PERFORM deposit_hold($1, NULL, NULL);
    SELECT o.number, o.customer_id, o.currency, o.open INTO inv
    FROM invoice_open_at(now()) o WHERE o.invoice_id = $2;
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

-- Pays amount_minor (> 0) of customer $1's deposit back under bank
-- reference `reference`. True when this call posted it; false when that
-- refund had been posted already (same customer and amount). Refused when
-- more than held, or while an invoice of the customer is open past due.
CREATE FUNCTION deposit_refund(customer_id bigint, amount_minor bigint, reference text,
                               actor text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cur text;
    held bigint;
    late record;
BEGIN
    PERFORM deposit_hold($1, $2, 'refunded');
    IF deposit_transfer_posted('refund', $3, $1, $2) THEN
        RETURN false;
    END IF;
    SELECT o.number, o.open, o.days_past_due INTO late FROM invoice_open_at(now()) o
    WHERE o.customer_id = $1 AND o.open > 0 AND o.days_past_due > 0
    ORDER BY o.due_on, o.number LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invoice % is % days past due with % open: apply the deposit to it first',
            late.number, late.days_past_due, late.open USING ERRCODE = 'check_violation';
    END IF;
    cur := deposit_currency($1, (now() AT TIME ZONE customer_time_zone($1, date_trunc('month', now())::date))::date);
    held := coalesce(deposit_held($1, cur), 0);
    IF cur IS NULL OR $2 > held THEN
        RAISE EXCEPTION 'refunding % is more than the deposit held, %', $2, held
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM ledger_post($1, cur, 'refund', $3, $4, now(),
                        jsonb_build_array(
                            jsonb_build_object('account', 'deposit', 'amount_minor', $2),
                            jsonb_build_object('account', 'cash', 'amount_minor', -$2)));
    RETURN true;
END $$;

-- At issue: the deposit held goes to the new invoice when the contract in
-- effect for its month applies it to invoices.
CREATE FUNCTION ledger_post_invoice_deposit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM contract_in_effect(NEW.period) k
               WHERE k.customer_id = NEW.customer_id
                 AND k.document->'deposit'->>'apply' = 'invoices') THEN
        PERFORM ledger_apply_deposit(NEW.customer_id, NEW.id, NULL, session_user::text);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_post_invoice_deposit AFTER UPDATE ON invoice FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'issued' AND NEW.kind = 'invoice')
    EXECUTE FUNCTION ledger_post_invoice_deposit();
