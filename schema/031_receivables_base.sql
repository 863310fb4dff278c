-- 031_receivables_base: what the rest of issue 34 builds on
-- (docs/receivables.md, docs/notifications.md):
--
-- - invoice.due_date: the day an invoice is due, fixed when it is issued
--   (the draft -> issued UPDATE sets it, from the contract's payment
--   terms). NULL on invoices issued before payment terms existed, and on
--   credit notes: such an invoice was due on the day it was issued, in
--   its customer's time zone (invoice_due_on, the one rule).
-- - invoice_open_at(at): each issued invoice as the ledger stood at a
--   moment, so that every view of open amounts, states, aging and default
--   ("as of any date") reads one definition.
-- - outbox: notifications written in the same transaction as the change
--   they tell of; notify_emit is the one way in, and emits a given
--   (kind, subject) once (a threshold crossed, a reminder step reached),
--   so "once each" is the schema's, not each caller's. Delivering them
--   (webhooks) is the deliverer's business, which keeps its own state.
--   An invoice or credit note emits invoice.issued / credit_note.issued
--   when issued, by trigger, so no issue path can forget it.
-- - The customer owes an invoice's due, not its total: what compute
--   vouchers claim for it (invoice.claimed) is the voucher program's
--   debt, so it posts to its own asset account, voucher_claim, never to
--   the customer's receivable. 030 posted the receivable at the total;
--   from here the issue posting splits it (ledger_post_issued, below),
--   and every document 030 posted with a claim is corrected by a
--   transaction of kind voucher_claim at its own issue time (receivable
--   less the claim, voucher_claim the claim), so that the ledger as of
--   any moment says what the customer owed then. (030 is left as it
--   landed: a database migrated to it moves on from here.)
ALTER TABLE ledger_entry DROP CONSTRAINT ledger_entry_account_check;
ALTER TABLE ledger_entry ADD CHECK (account IN ('receivable', 'cash', 'customer_credit', 'deposit',
                                                'revenue', 'tax_payable', 'write_off', 'bank_fee',
                                                'voucher_claim'));
ALTER TABLE ledger_txn DROP CONSTRAINT ledger_txn_kind_check;
ALTER TABLE ledger_txn ADD CHECK (kind IN ('invoice', 'credit_note', 'payment', 'refund', 'deposit',
                                           'write_off', 'application', 'voucher_claim'));
-- a document's claim is moved once
CREATE UNIQUE INDEX ledger_txn_voucher_claim ON ledger_txn (reference) WHERE kind = 'voucher_claim';
ALTER TABLE invoice ADD COLUMN due_date date;
ALTER TABLE invoice ADD CHECK (due_date IS NULL OR kind = 'invoice');

-- The day invoice $1 is due: its due_date, else the local day it was
-- issued (due on receipt). NULL for a draft.
CREATE FUNCTION invoice_due_on(invoice) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT coalesce($1.due_date,
                    ($1.issued_at AT TIME ZONE customer_time_zone($1.customer_id, $1.period))::date)
$$;

-- Each invoice issued by `at` (void ones too, which their credit notes
-- bring to 0), as the ledger stood at `at`: total as posted (what the
-- customer owes: its due; a voucher_claim correction of the invoice
-- counts with it), what credit notes took off (positive; with their own
-- corrections), what payments and credit applications took off
-- (positive), what was written off (positive), and what is open.
-- days_past_due counts from the due day to at's local day (0 when not
-- yet due). A security definer that only reads, as a view is: the API
-- reads the ledger through it and the views of 030, never the tables.
CREATE FUNCTION invoice_open_at(at timestamptz)
RETURNS TABLE (invoice_id bigint, number text, customer_id bigint, currency text,
               period date, issued_at timestamptz, due_on date, total bigint, credited bigint,
               paid bigint, written_off bigint, open bigint, days_past_due integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT i.id, i.number, i.customer_id, i.currency, i.period, i.issued_at, d.due_on,
           coalesce(sum(e.amount_minor) FILTER (WHERE t.kind = 'invoice' OR
                                                      (t.kind = 'voucher_claim' AND
                                                       t.reference = i.number)), 0),
           coalesce(-sum(e.amount_minor) FILTER (WHERE t.kind = 'credit_note' OR
                                                       (t.kind = 'voucher_claim' AND
                                                        t.reference <> i.number)), 0),
           coalesce(-sum(e.amount_minor) FILTER (WHERE t.kind NOT IN ('invoice', 'credit_note',
                                                                       'write_off',
                                                                       'voucher_claim')), 0),
           coalesce(-sum(e.amount_minor) FILTER (WHERE t.kind = 'write_off'), 0),
           coalesce(sum(e.amount_minor), 0),
           greatest(0, ($1 AT TIME ZONE customer_time_zone(i.customer_id, i.period))::date
                       - d.due_on)
    FROM invoice i
    CROSS JOIN LATERAL (SELECT invoice_due_on(i) AS due_on) d
    LEFT JOIN ledger_entry e ON e.invoice_id = i.id AND e.account = 'receivable'
    LEFT JOIN ledger_txn t ON t.id = e.txn_id AND t.at <= $1
    WHERE i.kind = 'invoice' AND i.number IS NOT NULL AND i.issued_at <= $1
      AND (e.txn_id IS NULL OR t.id IS NOT NULL)
    GROUP BY i.id, d.due_on
$$;

CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- what a receiver deduplicates on: unique, never reused
    event_id    uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    kind        text NOT NULL CHECK (kind ~ '^[a-z_]+\.[a-z_]+$'),
    customer_id bigint REFERENCES customer (id),
    -- what the event is about, e.g. an invoice number; (kind, subject)
    -- is emitted once
    subject     text NOT NULL CHECK (subject <> ''),
    payload     jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, subject)
);
-- What happened stays as it happened: delivery state lives elsewhere.
CREATE TRIGGER outbox_append_only BEFORE UPDATE OR DELETE ON outbox
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- Emit (kind, subject) once: true when this call wrote it, false when it
-- had been emitted before (then nothing changes). A security definer, so
-- that the roles that emit need no INSERT on the outbox.
CREATE FUNCTION notify_emit(kind text, customer_id bigint, subject text, payload jsonb)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO outbox (kind, customer_id, subject, payload)
    VALUES ($1, $2, $3, $4) ON CONFLICT ON CONSTRAINT outbox_kind_subject_key DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n = 1;
END $$;

CREATE FUNCTION notify_invoice_issued() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM notify_emit(NEW.kind || '.issued', NEW.customer_id, NEW.number,
                        jsonb_build_object('number', NEW.number,
                                           'customer', (SELECT code FROM customer
                                                        WHERE id = NEW.customer_id),
                                           'period', to_char(NEW.period, 'YYYY-MM'),
                                           'currency', NEW.currency,
                                           'total_minor', NEW.total,
                                           'due_on', CASE WHEN NEW.kind = 'invoice' THEN invoice_due_on(NEW) END,
                                           'credits', (SELECT number FROM invoice
                                                       WHERE id = NEW.credits)));
    RETURN NULL;
END $$;
CREATE TRIGGER notify_invoice_issued AFTER UPDATE ON invoice FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'issued')
    EXECUTE FUNCTION notify_invoice_issued();

-- Post one balanced transaction: the one helper every posting function
-- calls (issues, payments, deposits, write-offs, applications). entries
-- is a JSON array of {"account", "amount_minor", "invoice_id"}: debits
-- positive, credits negative; zero amounts are left out (an entry is
-- never 0). ledger_balanced judges the whole at COMMIT. The owner's
-- alone: application roles reach it only through the security definer
-- functions that decide what posts.
CREATE FUNCTION ledger_post(customer_id bigint, currency text, kind text, reference text,
                            actor text, at timestamptz, entries jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    txn bigint;
    n integer := 0;
    e jsonb;
BEGIN
    ASSERT jsonb_typeof(entries) = 'array', 'ledger_post takes an array of entries';
    INSERT INTO ledger_txn (customer_id, currency, kind, reference, actor, at)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING id INTO txn;
    FOR e IN SELECT value FROM jsonb_array_elements(entries) LOOP
        CONTINUE WHEN (e->>'amount_minor')::bigint = 0;
        n := n + 1;
        INSERT INTO ledger_entry (txn_id, line_no, account, amount_minor, invoice_id)
        VALUES (txn, n, e->>'account', (e->>'amount_minor')::bigint, (e->>'invoice_id')::bigint);
    END LOOP;
    RETURN txn;
END $$;

-- What an issue posts (030), through the one helper.
CREATE OR REPLACE FUNCTION ledger_post_issued(invoice_id bigint, actor text, at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    inv invoice%ROWTYPE;
BEGIN
    SELECT * INTO inv FROM invoice WHERE id = $1;
    ASSERT inv.number IS NOT NULL, 'only an issued invoice or credit note posts';
    PERFORM ledger_post(inv.customer_id, inv.currency, inv.kind, inv.number, $2, $3,
                        jsonb_build_array(
                            jsonb_build_object('account', 'receivable', 'amount_minor', inv.due,
                                               'invoice_id', coalesce(inv.credits, inv.id)),
                            jsonb_build_object('account', 'voucher_claim',
                                               'amount_minor', inv.claimed,
                                               'invoice_id', coalesce(inv.credits, inv.id)),
                            jsonb_build_object('account', 'revenue', 'amount_minor', -inv.subtotal),
                            jsonb_build_object('account', 'tax_payable', 'amount_minor', -inv.tax)));
END $$;

-- What 030 posted at the total: each document with a voucher claim whose
-- issue posting has no voucher_claim entry moves the claim from the
-- receivable to voucher_claim, at the document's own issue time, in issue
-- order (a credit note's claim is negative: it moves back).
SELECT ledger_post(i.customer_id, i.currency, 'voucher_claim', i.number, 'migrate 031', i.issued_at,
                   jsonb_build_array(
                       jsonb_build_object('account', 'receivable', 'amount_minor', -i.claimed,
                                          'invoice_id', coalesce(i.credits, i.id)),
                       jsonb_build_object('account', 'voucher_claim', 'amount_minor', i.claimed,
                                          'invoice_id', coalesce(i.credits, i.id))))
FROM invoice i JOIN ledger_txn t ON t.kind = i.kind AND t.reference = i.number
WHERE i.number IS NOT NULL AND i.claimed <> 0
  AND NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.txn_id = t.id AND e.account = 'voucher_claim')
ORDER BY i.issued_at, i.id;

-- 030's view, its columns read as invoice_open_at reads them: a
-- document's voucher_claim correction counts with the document.
CREATE OR REPLACE VIEW invoice_open AS
SELECT i.number, t.customer_id, t.currency,
       sum(e.amount_minor) FILTER (WHERE t2.kind = 'invoice' OR
                                   (t2.kind = 'voucher_claim' AND t2.reference = i.number))
           AS total,
       coalesce(-sum(e.amount_minor) FILTER (WHERE t2.kind = 'credit_note' OR
                                             (t2.kind = 'voucher_claim' AND
                                              t2.reference <> i.number)), 0) AS credited,
       coalesce(-sum(e.amount_minor) FILTER (WHERE t2.kind NOT IN ('invoice', 'credit_note',
                                                                   'voucher_claim')), 0)
           AS applied,
       sum(e.amount_minor) AS open
FROM ledger_txn t
JOIN invoice i ON i.number = t.reference AND i.kind = 'invoice'
JOIN ledger_entry e ON e.invoice_id = i.id AND e.account = 'receivable'
JOIN ledger_txn t2 ON t2.id = e.txn_id
WHERE t.kind = 'invoice'
GROUP BY i.number, t.customer_id, t.currency;
