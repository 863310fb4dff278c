-- 030_receivables_ledger: the receivables ledger, append-only and
-- double-entry, per customer and currency (issue 34, deliverable 1's
-- foundation; docs/receivables.md).
--
-- - ledger_txn is one posting: its customer, currency, kind, reference
--   (the invoice or credit-note number, later a bank reference), actor
--   and time. ledger_entry is one line of it: an account of the chart
--   below and amount_minor, signed: a debit positive, a credit negative,
--   in the currency's minor unit (fen). One column rather than two: a
--   transaction balances when its entries sum to 0, and a balance is a
--   plain sum.
-- - Every transaction balances: ledger_balanced, a deferred constraint
--   trigger, sums each transaction written at COMMIT, so a posting is
--   written entry by entry and judged whole. It also holds that an entry
--   naming an invoice names one of the transaction's own customer and
--   currency, and that a receivable entry names its invoice (open amounts
--   are per invoice).
-- - Both tables are append-only for every role, the owner included
--   (append_only, schema 013; TRUNCATE too): a mistake is answered by a
--   reversing transaction, never an edit. No application role may INSERT:
--   postings are written by the owner's functions (security definer), and
--   the only one so far is the issue trigger below.
-- - An invoice or credit note posts when issued, in the issuing
--   transaction: the draft -> issued UPDATE fires ledger_post_invoice,
--   which no issue path can forget. Receivable debit the total, revenue
--   credit the subtotal, tax_payable credit the tax; a credit note's
--   amounts are negative, so the same three lines reverse (its receivable
--   entry names the invoice it credits). A void posts nothing itself: it
--   is issued with credit notes that reverse the invoice whole (027).
-- - Invoices and credit notes issued before this migration (issued or
--   since void) are posted here, at their issue time, actor 'migrate 030'.
-- - invoice_open and customer_balance derive from the ledger alone.
-- invoice_open is the view below; 007's index of that name (one open
-- invoice per customer and month) takes a name that says so.
ALTER INDEX invoice_open RENAME TO invoice_one_open_per_month;

CREATE TABLE ledger_txn (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customer (id),
    currency  text NOT NULL REFERENCES currency (code),
    kind      text NOT NULL CHECK (kind IN ('invoice', 'credit_note', 'payment', 'refund',
                                            'deposit', 'write_off', 'application')),
    reference text NOT NULL CHECK (reference <> ''),
    actor     text NOT NULL CHECK (actor <> ''),
    at        timestamptz NOT NULL DEFAULT now()
);
-- an invoice or credit note posts once
CREATE UNIQUE INDEX ledger_txn_document ON ledger_txn (kind, reference)
    WHERE kind IN ('invoice', 'credit_note');
CREATE INDEX ledger_txn_customer ON ledger_txn (customer_id, currency);

-- The chart of accounts (docs/receivables.md): receivable and cash are
-- assets (debit balances); customer_credit (a credit balance owed back
-- to the customer), deposit (held), tax_payable (output VAT) are
-- liabilities and revenue is income (credit balances); write_off and
-- bank_fee are expenses (debit balances).
CREATE TABLE ledger_entry (
    txn_id      bigint NOT NULL REFERENCES ledger_txn (id),
    line_no     integer NOT NULL CHECK (line_no > 0),
    account     text NOT NULL CHECK (account IN ('receivable', 'cash', 'customer_credit', 'deposit',
                                                 'revenue', 'tax_payable', 'write_off', 'bank_fee')),
    amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
    invoice_id  bigint REFERENCES invoice (id),
    PRIMARY KEY (txn_id, line_no),
    CHECK (account <> 'receivable' OR invoice_id IS NOT NULL)
);
CREATE INDEX ledger_entry_invoice ON ledger_entry (invoice_id) WHERE invoice_id IS NOT NULL;

CREATE TRIGGER ledger_txn_append_only BEFORE UPDATE OR DELETE ON ledger_txn
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER ledger_txn_no_truncate BEFORE TRUNCATE ON ledger_txn
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- At COMMIT, for each transaction an entry was written to (once per
-- entry: a posting has a few): its entries sum to 0, and those naming an
-- invoice name one of its customer and currency.
CREATE FUNCTION ledger_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t ledger_txn%ROWTYPE;
    total bigint;
    strays bigint;
BEGIN
    SELECT * INTO t FROM ledger_txn WHERE id = NEW.txn_id;
    SELECT coalesce(sum(amount_minor), 0) INTO total FROM ledger_entry WHERE txn_id = t.id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % (% %) is refused: its entries sum to % %, a posting balances (debits positive, credits negative, sum 0)',
            t.id, t.kind, t.reference, total, t.currency
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT count(*) INTO strays FROM ledger_entry e JOIN invoice i ON i.id = e.invoice_id
    WHERE e.txn_id = t.id AND (i.customer_id <> t.customer_id OR i.currency <> t.currency);
    IF strays > 0 THEN
        RAISE EXCEPTION 'ledger transaction % (% %) is refused: an entry names an invoice of another customer or currency',
            t.id, t.kind, t.reference USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_balanced();

-- Post invoice or credit note $1 (issued) once: the one definition of
-- what an issue posts, which the trigger below and the backfill call.
-- Zero amounts are left out (an entry is never 0), so a zero invoice is a
-- transaction with no entries: posted, and balanced.
CREATE FUNCTION ledger_post_issued(invoice_id bigint, actor text, at timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    inv invoice%ROWTYPE;
    txn bigint;
    n integer := 0;
    e record;
BEGIN
    SELECT * INTO inv FROM invoice WHERE id = $1;
    ASSERT inv.number IS NOT NULL, 'only an issued invoice or credit note posts';
    INSERT INTO ledger_txn (customer_id, currency, kind, reference, actor, at)
    VALUES (inv.customer_id, inv.currency, inv.kind, inv.number, $2, $3) RETURNING id INTO txn;
    FOR e IN SELECT * FROM (VALUES ('receivable', inv.total, coalesce(inv.credits, inv.id)),
                                   ('revenue', -inv.subtotal, NULL::bigint),
                                   ('tax_payable', -inv.tax, NULL::bigint)) v (account, amount, inv_id)
             WHERE amount <> 0 LOOP
        n := n + 1;
        INSERT INTO ledger_entry (txn_id, line_no, account, amount_minor, invoice_id)
        VALUES (txn, n, e.account, e.amount, e.inv_id);
    END LOOP;
END $$;

-- A security definer: the issuing role may not write the ledger itself.
-- The actor is the role that issued it: the issuing command's own actor
-- is in its 'issue' or 'credit' audit row of the same transaction.
CREATE FUNCTION ledger_post_invoice() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM ledger_post_issued(NEW.id, session_user::text, now());
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_post_invoice AFTER UPDATE ON invoice FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'issued')
    EXECUTE FUNCTION ledger_post_invoice();

-- What was issued before this migration, in the order it was issued.
SELECT ledger_post_issued(id, 'migrate 030', issued_at)
FROM invoice WHERE number IS NOT NULL ORDER BY issued_at, id;

-- Each issued invoice (void ones too: their credit notes bring them to 0)
-- and what the ledger says of it: its total as posted, what credit notes
-- took off, what other postings applied (payments, credit balances,
-- write-offs: none yet), and what is open.
CREATE VIEW invoice_open AS
SELECT i.number, t.customer_id, t.currency,
       sum(e.amount_minor) FILTER (WHERE t2.kind = 'invoice') AS total,
       coalesce(-sum(e.amount_minor) FILTER (WHERE t2.kind = 'credit_note'), 0) AS credited,
       coalesce(-sum(e.amount_minor) FILTER (WHERE t2.kind NOT IN ('invoice', 'credit_note')), 0)
           AS applied,
       sum(e.amount_minor) AS open
FROM ledger_txn t
JOIN invoice i ON i.number = t.reference AND i.kind = 'invoice'
JOIN ledger_entry e ON e.invoice_id = i.id AND e.account = 'receivable'
JOIN ledger_txn t2 ON t2.id = e.txn_id
WHERE t.kind = 'invoice'
GROUP BY i.number, t.customer_id, t.currency;

-- Per customer and currency, each account's balance as the customer sees
-- it: receivable (what it owes), customer_credit and deposit (what we
-- hold for it: the liability's credit balance, shown positive), and net
-- (owed less held).
CREATE VIEW customer_balance AS
SELECT t.customer_id, t.currency,
       coalesce(sum(e.amount_minor) FILTER (WHERE e.account = 'receivable'), 0) AS receivable,
       coalesce(-sum(e.amount_minor) FILTER (WHERE e.account = 'customer_credit'), 0) AS credit,
       coalesce(-sum(e.amount_minor) FILTER (WHERE e.account = 'deposit'), 0) AS deposit,
       coalesce(sum(e.amount_minor) FILTER (WHERE e.account IN ('receivable', 'customer_credit',
                                                                'deposit')), 0) AS net
FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id
GROUP BY t.customer_id, t.currency;
