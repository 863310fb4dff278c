-- 036_termination_default: early termination and default (issue 34,
-- deliverable 7; docs/contracts.md "Early termination", docs/receivables.md
-- "Default").
--
-- - contract_termination: a contract ended early, one row per contract,
--   append-only like the ledgers: the last day it holds (ends_on, a local
--   day), the day notice was given, the reason, who and when, and the
--   termination clause it was ended under (a copy, for the record). Usage
--   after ends_on is no longer the contract's (its account rows end that
--   day, terms/contract.c), and the months after ends_on's have no contract
--   in effect (contract_in_effect, replaced below).
-- - invoice_line kinds termination_fee and makeup_settlement: the final
--   invoice's lines (pricing/settle.c).
-- - customer_default_at(at, days): which customers are in default at a
--   moment: the one definition, read from invoice_open_at (031), for
--   `receivables check`, the contract calendar and any receivables report.
CREATE TABLE contract_termination (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract    text NOT NULL UNIQUE,
    customer_id bigint NOT NULL REFERENCES customer (id),
    ends_on     date NOT NULL,
    noticed_on  date NOT NULL CHECK (noticed_on <= ends_on),
    reason      text NOT NULL DEFAULT '',
    actor       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    terms       jsonb NOT NULL CHECK (jsonb_typeof(terms) = 'object')
);
CREATE TRIGGER contract_termination_append_only BEFORE UPDATE OR DELETE ON contract_termination
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER contract_termination_no_truncate BEFORE TRUNCATE ON contract_termination
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- 012's rule, and one more clause: a contract terminated before the
-- month's first day is not in effect (the month of ends_on is, to bill
-- its days up to ends_on and the termination's lines).
CREATE OR REPLACE FUNCTION contract_in_effect(month date)
    RETURNS TABLE (customer_id bigint, customer text, customer_name text, contract text,
                   effective_from date, document jsonb, time_zone text, plan_document jsonb)
    LANGUAGE sql STABLE AS $$
    SELECT c.id, c.code, c.name, d.code, d.effective_from, d.document,
           coalesce(d.document->>'time_zone', default_time_zone()),
           (SELECT p.document FROM document p WHERE p.kind = 'plan'
              AND p.code = d.document->>'plan' AND p.effective_from <= month
            ORDER BY p.effective_from DESC LIMIT 1)
    FROM customer c
    JOIN LATERAL (SELECT x.code, x.effective_from, x.document FROM document x
                  WHERE x.kind = 'contract' AND x.customer = c.code AND x.effective_from <= month
                  ORDER BY x.effective_from DESC LIMIT 1) d ON true
    WHERE (d.document->>'until' IS NULL OR (d.document->>'until')::date >= month)
      AND NOT EXISTS (SELECT 1 FROM contract_termination t
                      WHERE t.contract = d.code AND t.ends_on < month)
$$;

ALTER TABLE invoice_line DROP CONSTRAINT invoice_line_kind_check;
ALTER TABLE invoice_line
    ADD CHECK (kind IN ('usage', 'gpu_floor', 'shortfall', 'carry_forward', 'makeup_draw',
                        'subsidy', 'voucher_discount', 'prior_period', 'termination_fee',
                        'makeup_settlement'));

-- The customers in default at `at`: those with an invoice whose open
-- amount is above 0 and which is more than `days` days past due
-- (invoice_open_at: days counted to at's local day in the customer's
-- zone), per customer and currency. since: the day the oldest such
-- invoice entered default (its due day + days + 1); invoices: those
-- invoices, oldest first; open: what they leave open; worst_days_past_due:
-- the oldest's age. A security definer that only reads, like
-- invoice_open_at.
CREATE FUNCTION customer_default_at(at timestamptz, days integer)
RETURNS TABLE (customer_id bigint, currency text, since date, invoices text[], open bigint,
               worst_days_past_due integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT o.customer_id, o.currency, min(o.due_on + $2 + 1),
           array_agg(o.number ORDER BY o.due_on, o.number), sum(o.open)::bigint,
           max(o.days_past_due)
    FROM invoice_open_at($1) o
    WHERE o.open > 0 AND o.days_past_due > $2
    GROUP BY o.customer_id, o.currency
$$;

-- The deposit clause of a termination ("deposit": "apply" | "refund").
-- Deposit postings are the deposits part's (schema 034's
-- ledger_apply_deposit); this is the one place they are wired to a
-- termination: when the final invoice of a contract terminated with
-- "deposit": "apply" is issued (draft -> issued, after the issue posting
-- ledger_post_invoice and the credit and deposit applications, which sort
-- before this trigger's name), the deposit held pays what the invoice
-- leaves open. "refund" posts nothing here: the deposit is refunded by
-- `deposit refund` as at any contract's end.
CREATE FUNCTION ledger_post_invoice_termination() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM contract_termination t
               WHERE t.customer_id = NEW.customer_id
                 AND date_trunc('month', t.ends_on) = NEW.period
                 AND t.terms->>'deposit' = 'apply') THEN
        -- as much of the deposit held as the invoice leaves open (NULL:
        -- the lesser of the two), through the one deposit posting
        PERFORM ledger_apply_deposit(NEW.customer_id, NEW.id, NULL, 'termination');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_post_invoice_termination AFTER UPDATE ON invoice FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'issued' AND NEW.kind = 'invoice')
    EXECUTE FUNCTION ledger_post_invoice_termination();
