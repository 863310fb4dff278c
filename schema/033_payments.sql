-- 033_payments: from the bank statement into the receivables ledger
-- (issue 34, deliverable 3, and the write-offs and refunds of deliverable
-- 1; docs/payments.md).
--
-- - bank_statement: one row per imported file (or per manual record):
--   its format, the bank account, the statement's id, the file's sha256,
--   who imported it and when.
-- - bank_credit: one row per credit the bank booked, keyed UNIQUE on
--   (bank_account, bank_ref): a statement imported twice, or two
--   overlapping statements, post nothing twice. It keeps what the bank
--   said (dates, the amount booked, the charges it deducted, the payer,
--   the remittance text) and what became of it: applied (to invoices,
--   any excess into customer_credit), credited (all into the customer's
--   customer_credit) or unapplied (payer unknown: held here, not in the
--   ledger, which is per customer, until `payment apply`).
-- - payment_reference: references finance sets per customer, which tell
--   a credit's customer as its code does (payment_reference_add).
-- - The posting functions below are the only writers, security definers
--   owned by the owner, each granted to gpumeter_billing alone (roles.sql)
--   and each posting through ledger_post (031). Every posting of a
--   customer takes that customer's row FOR NO KEY UPDATE first (the
--   customer's money lock), then reads what is open: two imports, applies,
--   records, refunds or issues racing on one customer run one after the
--   other, so nothing is ever applied beyond an invoice's open amount nor
--   refunded beyond a credit balance.
-- - ledger_post_invoice_credit: an invoice, as it is issued, takes the
--   customer's credit balance in its currency (an 'application' posting:
--   customer_credit debit, receivable credit), after ledger_post_invoice
--   (triggers of one event fire in name order).
CREATE TABLE bank_statement (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    format       text NOT NULL CHECK (format IN ('camt053', 'csv', 'manual')),
    account      text NOT NULL CHECK (account <> ''),
    statement_id text NOT NULL CHECK (statement_id <> ''),
    sha256       text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    imported_at  timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL CHECK (actor <> '')
);

CREATE TABLE bank_credit (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    statement_id  bigint NOT NULL REFERENCES bank_statement (id),
    bank_account  text NOT NULL CHECK (bank_account <> ''),
    -- camt.053: AcctSvcrRef, else NtryRef, else EndToEndId; a manual
    -- record: its --reference
    bank_ref      text NOT NULL CHECK (bank_ref <> ''),
    booked_on     date NOT NULL,
    value_on      date,
    -- what the bank booked to the account, and the charges it deducted:
    -- the customer sent amount + charges (the gross, which the invoices
    -- are settled for)
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    charges_minor bigint NOT NULL DEFAULT 0 CHECK (charges_minor >= 0),
    currency      text NOT NULL REFERENCES currency (code),
    debtor_name   text,
    debtor_account text,
    remittance    text NOT NULL DEFAULT '',
    method        text NOT NULL DEFAULT 'transfer'
                  CHECK (method IN ('transfer', 'cheque', 'offset')),
    status        text NOT NULL CHECK (status IN ('applied', 'credited', 'unapplied')),
    matched_by    text CHECK (matched_by IN ('invoice', 'reference', 'amount', 'manual')),
    customer_id   bigint REFERENCES customer (id),
    posted_at     timestamptz,
    actor         text NOT NULL CHECK (actor <> ''),
    UNIQUE (bank_account, bank_ref),
    CHECK ((status = 'unapplied') = (customer_id IS NULL)),
    CHECK ((status = 'unapplied') = (posted_at IS NULL))
);
CREATE INDEX bank_credit_unapplied ON bank_credit (id) WHERE status = 'unapplied';

-- A reference finance sets for a customer (its name as its bank writes
-- it, a contract number it quotes): found in a credit's remittance text
-- or payer name, it tells the customer as its code does.
CREATE TABLE payment_reference (
    reference   text PRIMARY KEY CHECK (char_length(reference) BETWEEN 4 AND 64
                                        AND reference !~ '[[:cntrl:]]'
                                        AND reference = btrim(reference)),
    customer_id bigint NOT NULL REFERENCES customer (id),
    actor       text NOT NULL CHECK (actor <> ''),
    added_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payment_reference_folded ON payment_reference (lower(reference));

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CHECK (action IN ('create', 'replace', 'add', 'update', 'fapiao',
                                            'issue', 'void', 'correct', 'credit',
                                            'payment', 'refund', 'write_off'));

-- One imported file: its row, the statements' credits name it.
CREATE FUNCTION payment_statement(format text, account text, statement_id text, sha256 text,
                                  actor text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO bank_statement (format, account, statement_id, sha256, actor)
    VALUES ($1, $2, $3, $4, $5) RETURNING id
$$;

-- The customer of code $1; refuses (data_exception) a code of none.
CREATE FUNCTION payment_customer(code text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    cust bigint;
BEGIN
    SELECT id INTO cust FROM customer c WHERE c.code = $1;
    IF cust IS NULL THEN
        RAISE EXCEPTION 'no customer "%"', $1 USING ERRCODE = 'data_exception';
    END IF;
    RETURN cust;
END $$;

-- Whether customer $1 is billed in currency $2: an issued invoice of it
-- in that currency. A payment in another currency is refused.
CREATE FUNCTION payment_currency_billed(customer_id bigint, currency text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM invoice i WHERE i.customer_id = $1 AND i.currency = $2
                   AND i.number IS NOT NULL)
$$;

-- Posts bank credit $1 (held: its customer set) to the ledger: cash
-- debit the amount booked, bank_fee debit the charges, receivable credit
-- per open invoice of the customer in the currency, each at most its open
-- amount: those named in $2 first, in that order, then the others oldest
-- first (by due day, then issue); customer_credit credit for what is left
-- (an overpayment). Returns what it applied as [{"number",
-- "amount_minor"}], and emits payment.received; $3 is the actor.
CREATE FUNCTION payment_post(credit_id bigint, invoices text[], actor text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    c bank_credit%ROWTYPE;
    left_ bigint;
    entries jsonb;
    applied jsonb := '[]';
    inv record;
    take bigint;
BEGIN
    SELECT * INTO c FROM bank_credit WHERE id = $1;
    ASSERT c.customer_id IS NOT NULL, 'a bank credit posts once its customer is known';
    PERFORM 1 FROM customer WHERE id = c.customer_id FOR NO KEY UPDATE;
    left_ := c.amount_minor + c.charges_minor;
    entries := jsonb_build_array(
        jsonb_build_object('account', 'cash', 'amount_minor', c.amount_minor),
        jsonb_build_object('account', 'bank_fee', 'amount_minor', c.charges_minor));
    FOR inv IN
        SELECT i.id, i.number, o.open
        FROM invoice i JOIN invoice_open o ON o.number = i.number
        WHERE i.customer_id = c.customer_id AND i.currency = c.currency AND o.open > 0
        ORDER BY array_position($2, i.number) NULLS LAST, invoice_due_on(i), i.issued_at, i.id
    LOOP
        EXIT WHEN left_ = 0;
        take := least(left_, inv.open);
        left_ := left_ - take;
        entries := entries || jsonb_build_object('account', 'receivable', 'amount_minor', -take,
                                                 'invoice_id', inv.id);
        applied := applied || jsonb_build_object('number', inv.number, 'amount_minor', take);
    END LOOP;
    entries := entries || jsonb_build_object('account', 'customer_credit', 'amount_minor', -left_);
    PERFORM ledger_post(c.customer_id, c.currency, 'payment', c.bank_ref, $3, now(), entries);
    UPDATE bank_credit SET status = CASE WHEN applied = '[]' THEN 'credited' ELSE 'applied' END,
                           posted_at = now()
    WHERE id = c.id;
    INSERT INTO audit_log (actor, object, key, action, after)
    VALUES ($3, 'payment', c.bank_ref, 'payment',
            jsonb_build_object('bank_account', c.bank_account, 'currency', c.currency,
                               'amount_minor', c.amount_minor, 'charges_minor', c.charges_minor,
                               'applied', applied, 'credited_minor', left_,
                               'matched_by', c.matched_by, 'method', c.method));
    PERFORM notify_emit('payment.received', c.customer_id, c.bank_ref,
                        jsonb_build_object('bank_ref', c.bank_ref,
                                           'customer', (SELECT code FROM customer
                                                        WHERE id = c.customer_id),
                                           'currency', c.currency,
                                           'amount_minor', c.amount_minor + c.charges_minor,
                                           'charges_minor', c.charges_minor,
                                           'booked_on', c.booked_on,
                                           'applied', applied, 'credited_minor', left_));
    RETURN applied;
END $$;

-- The customer of an invoice number, if it is an issued invoice.
CREATE FUNCTION payment_invoice_customer(number text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT customer_id FROM invoice WHERE number = $1 AND kind = 'invoice' AND number IS NOT NULL
$$;

-- One credit of a bank statement: recorded once per (account, bank_ref),
-- matched (docs/payments.md, "Matching") and posted. Returns the
-- outcome: 'duplicate' (already imported: nothing posted), 'invoice',
-- 'reference', 'amount' (how it matched), 'credited' (never: a matched
-- customer whose invoices are all paid is 'reference' with everything in
-- customer_credit) or 'unapplied'. A currency the customer is not billed
-- in raises data_exception (22000), which refuses the whole statement.
CREATE FUNCTION payment_receive(statement_id bigint, bank_account text, bank_ref text,
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
BEGIN
    INSERT INTO bank_credit (statement_id, bank_account, bank_ref, booked_on, value_on,
                             amount_minor, charges_minor, currency, debtor_name, debtor_account,
                             remittance, status, actor)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, ''), 'unapplied', $12)
    ON CONFLICT ON CONSTRAINT bank_credit_bank_account_bank_ref_key DO NOTHING
    RETURNING id INTO id_;
    IF id_ IS NULL THEN
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

-- `payment apply`: bank credit $1 (its bank reference; $2 its account
-- when the reference is not unique), unapplied, to invoices $3 (in that
-- order first) or to customer $4, as payment_post applies. Returns what it applied. Raises data_exception on
-- anything finance must correct.
CREATE FUNCTION payment_apply(bank_ref text, bank_account text, invoices text[],
                              customer_code text, actor text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c bank_credit%ROWTYPE;
    n integer;
    cust bigint;
    other text;
BEGIN
    SELECT count(*) INTO n FROM bank_credit b WHERE b.bank_ref = $1
        AND ($2 IS NULL OR b.bank_account = $2);
    IF n = 0 THEN
        RAISE EXCEPTION 'no bank credit with reference "%"', $1 USING ERRCODE = 'data_exception';
    ELSIF n > 1 THEN
        RAISE EXCEPTION 'bank reference "%" is on % accounts: name one with --account', $1, n
            USING ERRCODE = 'data_exception';
    END IF;
    SELECT * INTO c FROM bank_credit b WHERE b.bank_ref = $1 AND ($2 IS NULL OR b.bank_account = $2)
        FOR UPDATE;
    IF c.status <> 'unapplied' THEN
        RAISE EXCEPTION 'bank credit "%" is already % (to customer %): nothing to apply', $1,
            c.status, (SELECT code FROM customer WHERE id = c.customer_id)
            USING ERRCODE = 'data_exception';
    END IF;
    IF $4 IS NOT NULL THEN
        cust := payment_customer($4);
    ELSE
        cust := payment_invoice_customer($3[1]);
        SELECT x INTO other FROM unnest($3) x
        WHERE payment_invoice_customer(x) IS DISTINCT FROM cust LIMIT 1;
        IF cust IS NULL OR other IS NOT NULL THEN
            RAISE EXCEPTION 'no issued invoice "%" of the customer of "%"',
                coalesce(other, $3[1]), $3[1] USING ERRCODE = 'data_exception';
        END IF;
        SELECT x INTO other FROM unnest($3) x JOIN invoice i ON i.number = x
        WHERE i.currency <> c.currency LIMIT 1;
        IF other IS NOT NULL THEN
            RAISE EXCEPTION 'invoice % is not in %, the credit''s currency', other, c.currency
                USING ERRCODE = 'data_exception';
        END IF;
    END IF;
    IF NOT payment_currency_billed(cust, c.currency) THEN
        RAISE EXCEPTION 'a credit in % for customer %, which is not billed in %', c.currency,
            (SELECT code FROM customer WHERE id = cust), c.currency
            USING ERRCODE = 'data_exception';
    END IF;
    UPDATE bank_credit SET customer_id = cust, matched_by = 'manual', status = 'credited',
                           posted_at = now(), actor = $5
    WHERE id = c.id;
    RETURN payment_post(c.id, coalesce($3, '{}'), $5);
END $$;

-- `payment record`: a payment finance enters by hand (a cheque, an
-- offset, a transfer outside the statements), idempotent by reference:
-- the same reference again with the same customer, amount and currency
-- posts nothing (returns NULL); with others it is refused.
CREATE FUNCTION payment_record(customer_code text, currency text, amount_minor bigint,
                               reference text, invoices text[], paid_on date, method text,
                               actor text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cust bigint;
    prior bank_credit%ROWTYPE;
    stmt bigint;
    id_ bigint;
    other text;
BEGIN
    cust := payment_customer($1);
    SELECT * INTO prior FROM bank_credit b WHERE b.bank_account = 'manual' AND b.bank_ref = $4;
    IF FOUND THEN
        IF prior.customer_id = cust AND prior.amount_minor = $3 AND prior.currency = $2 THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'payment reference "%" was recorded before with another customer, amount or currency', $4
            USING ERRCODE = 'data_exception';
    END IF;
    IF NOT payment_currency_billed(cust, $2) THEN
        RAISE EXCEPTION 'a payment in % for customer %, which is not billed in %', $2, $1, $2
            USING ERRCODE = 'data_exception';
    END IF;
    SELECT x INTO other FROM unnest($5) x
    WHERE NOT EXISTS (SELECT 1 FROM invoice i WHERE i.number = x AND i.customer_id = cust
                      AND i.currency = $2 AND i.kind = 'invoice') LIMIT 1;
    IF other IS NOT NULL THEN
        RAISE EXCEPTION 'no issued invoice "%" of customer % in %', other, $1, $2
            USING ERRCODE = 'data_exception';
    END IF;
    INSERT INTO bank_statement (format, account, statement_id, actor)
    VALUES ('manual', 'manual', $4, $8) RETURNING id INTO stmt;
    INSERT INTO bank_credit (statement_id, bank_account, bank_ref, booked_on, amount_minor,
                             currency, method, status, matched_by, customer_id, posted_at, actor)
    VALUES (stmt, 'manual', $4, coalesce($6, current_date), $3, $2, $7, 'credited', 'manual', cust,
            now(), $8)
    ON CONFLICT ON CONSTRAINT bank_credit_bank_account_bank_ref_key DO NOTHING
    RETURNING id INTO id_;
    IF id_ IS NULL THEN -- a concurrent record of the same reference won
        RETURN NULL;
    END IF;
    RETURN payment_post(id_, coalesce($5, '{}'), $8);
END $$;

-- `payment refund`: pays back part or all of a customer's credit balance
-- (customer_credit debit, cash credit), never more than it holds;
-- idempotent by reference (false when it was refunded before).
CREATE FUNCTION payment_refund(customer_code text, currency text, amount_minor bigint,
                               reference text, actor text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cust bigint;
    held bigint;
BEGIN
    cust := payment_customer($1);
    PERFORM 1 FROM customer WHERE id = cust FOR NO KEY UPDATE;
    IF EXISTS (SELECT 1 FROM ledger_txn t WHERE t.kind = 'refund' AND t.reference = $4) THEN
        RETURN false;
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

-- `invoice write-off`: what is open of an issued invoice goes to the
-- write_off expense (write_off debit, receivable credit), with the
-- reason on its audit row. Returns the amount written off.
CREATE FUNCTION invoice_write_off(number text, reason text, actor text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    inv invoice%ROWTYPE;
    open_ bigint;
BEGIN
    SELECT * INTO inv FROM invoice i WHERE i.number = $1 AND i.kind = 'invoice';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no issued invoice numbered "%"', $1 USING ERRCODE = 'data_exception';
    END IF;
    PERFORM 1 FROM customer WHERE id = inv.customer_id FOR NO KEY UPDATE;
    SELECT o.open INTO open_ FROM invoice_open o WHERE o.number = $1;
    IF coalesce(open_, 0) <= 0 THEN
        RAISE EXCEPTION '% has nothing open to write off', $1 USING ERRCODE = 'data_exception';
    END IF;
    PERFORM ledger_post(inv.customer_id, inv.currency, 'write_off', $1, $3, now(),
                        jsonb_build_array(
                            jsonb_build_object('account', 'write_off', 'amount_minor', open_),
                            jsonb_build_object('account', 'receivable', 'amount_minor', -open_,
                                               'invoice_id', inv.id)));
    INSERT INTO audit_log (actor, object, key, action, before, after)
    VALUES ($3, 'invoice', $1, 'write_off', jsonb_build_object('open_minor', open_),
            jsonb_build_object('reason', $2, 'written_off_minor', open_, 'currency', inv.currency));
    RETURN open_;
END $$;

-- The customer's credit balance in the invoice's currency, applied to it
-- as it is issued (after ledger_post_invoice, which posted it).
CREATE FUNCTION ledger_post_invoice_credit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    held bigint;
    take bigint;
BEGIN
    PERFORM 1 FROM customer WHERE id = NEW.customer_id FOR NO KEY UPDATE;
    SELECT coalesce(max(b.credit), 0) INTO held FROM customer_balance b
    WHERE b.customer_id = NEW.customer_id AND b.currency = NEW.currency;
    take := least(held, NEW.total);
    IF take > 0 THEN
        PERFORM ledger_post(NEW.customer_id, NEW.currency, 'application', NEW.number,
                            session_user::text, now(), jsonb_build_array(
                                jsonb_build_object('account', 'customer_credit', 'amount_minor', take),
                                jsonb_build_object('account', 'receivable', 'amount_minor', -take,
                                                   'invoice_id', NEW.id)));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_post_invoice_credit AFTER UPDATE ON invoice FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'issued' AND NEW.kind = 'invoice')
    EXECUTE FUNCTION ledger_post_invoice_credit();

-- `payment reference`: finance sets a reference of customer $1 (true when
-- added, false when it was already the customer's); one of another
-- customer is refused. Audited.
CREATE FUNCTION payment_reference_add(customer_code text, reference text, actor text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cust bigint;
    owner_ text;
BEGIN
    cust := payment_customer($1);
    SELECT c.code INTO owner_ FROM payment_reference r JOIN customer c ON c.id = r.customer_id
    WHERE lower(r.reference) = lower($2);
    IF owner_ = $1 THEN
        RETURN false;
    ELSIF owner_ IS NOT NULL THEN
        RAISE EXCEPTION 'payment reference "%" is customer %''s', $2, owner_
            USING ERRCODE = 'data_exception';
    END IF;
    INSERT INTO payment_reference (reference, customer_id, actor) VALUES ($2, cust, $3);
    INSERT INTO audit_log (actor, object, key, action, after)
    VALUES ($3, 'customer', $1, 'add', jsonb_build_object('payment_reference', $2));
    RETURN true;
END $$;
