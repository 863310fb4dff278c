-- 032_payment_terms: payment terms, due dates, invoice states, aging and
-- dunning (issue 34, deliverables 2 and 4; docs/receivables.md).
--
-- - payment_terms_due(terms, issued_on): the one rule for the day an
--   invoice is due, from its contract's "payment_terms" (validated by
--   terms/contract_doc.c): {"net_days": N} is N days after the local
--   issue day; {"day_of_month": D} is day D of the month after the month
--   of the local issue day ("15th prox."), the month's last day when it
--   has no day D (31 in February: the 28th or 29th); no terms: the issue
--   day itself (due on receipt, as 031's invoice_due_on).
-- - invoice_set_due_date: sets invoice.due_date in the draft -> issued
--   UPDATE itself, from the contract in effect for the invoice's month,
--   so no issue path can forget it.
-- - invoice_state_at(at): each issued invoice's state as the ledger stood
--   at `at` (never stored): open, partially_paid, paid, credited,
--   written_off or void, and overdue (past due with something open) beside
--   it, since an invoice can be both partly paid and overdue.
-- - receivables_day_end(day, tz): the last moment of a local day, so "as
--   of a date" is the ledger as it stood at the end of that day.
-- - receivables_aging(as_of, customer): open amounts per customer and
--   currency in the buckets current, 1-30, 31-60, 61-90 and over 90 days
--   past due, the credit sales of the 90 days to as_of and DSO.
-- - dunning_reminder and dunning_run: each reminder step an overdue
--   invoice reaches, sent once as an invoice.overdue notification
--   (subject "<number>/<step>") and recorded on the invoice.

CREATE FUNCTION payment_terms_due(terms jsonb, issued_on date) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN $1 ? 'net_days' THEN $2 + ($1->>'net_days')::integer
        WHEN $1 ? 'day_of_month' THEN
            (date_trunc('month', $2) + interval '1 month')::date
            + least(($1->>'day_of_month')::integer,
                    extract(day FROM date_trunc('month', $2) + interval '2 month'
                                     - interval '1 day')::integer) - 1
        ELSE $2
    END
$$;

-- The due day, set as the invoice is issued (BEFORE the row is written, so
-- the issue posting, the invoice.issued notification and every reader see
-- it). A security definer: it reads the contract whoever issues.
CREATE FUNCTION invoice_set_due_date() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    NEW.due_date := payment_terms_due(
        (SELECT k.document->'payment_terms' FROM contract_in_effect(NEW.period) k
         WHERE k.customer_id = NEW.customer_id),
        (NEW.issued_at AT TIME ZONE customer_time_zone(NEW.customer_id, NEW.period))::date);
    RETURN NEW;
END $$;
CREATE TRIGGER invoice_set_due_date BEFORE UPDATE ON invoice FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'issued' AND NEW.kind = 'invoice')
    EXECUTE FUNCTION invoice_set_due_date();

-- The last moment of local day `day` in time zone tz: the ledger "as of a
-- date" is the ledger as it stood then (a posting later that night counts,
-- one the next morning does not).
CREATE FUNCTION receivables_day_end(day date, tz text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT (($1 + 1)::timestamp AT TIME ZONE $2) - interval '1 microsecond'
$$;

-- Each invoice issued by `at` with its state then (docs/receivables.md
-- "Invoice states"): void once voided; else, with something open,
-- partially_paid when payments took part of it, open when not; with
-- nothing open, written_off when a write-off closed it, credited when
-- only credit notes did, else paid. overdue: past its due day with
-- something open (whatever was paid). Read-only, a security definer like
-- invoice_open_at, which it reads.
CREATE FUNCTION invoice_state_at(at timestamptz)
RETURNS TABLE (invoice_id bigint, number text, customer_id bigint, currency text,
               period date, issued_at timestamptz, due_on date, total bigint, credited bigint,
               paid bigint, written_off bigint, open bigint, days_past_due integer,
               state text, overdue boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT o.*,
           CASE WHEN i.voided_at <= $1 THEN 'void'
                WHEN o.open > 0 AND o.paid > 0 THEN 'partially_paid'
                WHEN o.open > 0 THEN 'open'
                WHEN o.written_off > 0 THEN 'written_off'
                WHEN o.paid = 0 AND o.credited > 0 THEN 'credited'
                ELSE 'paid' END,
           (i.voided_at IS NULL OR i.voided_at > $1) AND o.open > 0 AND o.days_past_due > 0
    FROM invoice_open_at($1) o JOIN invoice i ON i.id = o.invoice_id
$$;

-- Aging as of the end of local day as_of (each customer's time zone for
-- that month), per customer and currency (customer NULL: all): what is
-- open in each bucket of days past due, in total, the net credit sales
-- (invoices less credit notes, tax included, as receivables are) posted
-- in the 90 local days to as_of, and DSO by the standard method:
-- open / sales x 90, one decimal (NULL without sales). The row with
-- customer NULL is the currency's total (over every customer's open and
-- sales, not an average of their DSOs). Customers with nothing open have
-- no row of their own but count in the total's sales.
CREATE FUNCTION receivables_aging(as_of date, customer text)
RETURNS TABLE (customer text, currency text, current_minor bigint, d1_30_minor bigint,
               d31_60_minor bigint, d61_90_minor bigint, over_90_minor bigint,
               open_minor bigint, invoices bigint, sales_90d_minor bigint, dso numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH c AS (
        SELECT c.id, c.code, z.tz, receivables_day_end($1, z.tz) AS at
        FROM customer c
        CROSS JOIN LATERAL (SELECT customer_time_zone(c.id, date_trunc('month', $1)::date)
                            AS tz) z
        WHERE $2 IS NULL OR c.code = $2),
    ats AS (SELECT DISTINCT at FROM c),
    o AS (
        SELECT c.code, x.currency,
               sum(x.open) FILTER (WHERE x.days_past_due = 0) AS b0,
               sum(x.open) FILTER (WHERE x.days_past_due BETWEEN 1 AND 30) AS b1,
               sum(x.open) FILTER (WHERE x.days_past_due BETWEEN 31 AND 60) AS b2,
               sum(x.open) FILTER (WHERE x.days_past_due BETWEEN 61 AND 90) AS b3,
               sum(x.open) FILTER (WHERE x.days_past_due > 90) AS b4,
               sum(x.open) AS open, count(*) AS n
        FROM ats CROSS JOIN LATERAL invoice_open_at(ats.at) x
        JOIN c ON c.id = x.customer_id AND c.at = ats.at
        WHERE x.open <> 0
        GROUP BY c.code, x.currency),
    s AS (
        SELECT c.code, t.currency, sum(e.amount_minor) AS sales
        FROM c JOIN ledger_txn t ON t.customer_id = c.id
        JOIN ledger_entry e ON e.txn_id = t.id AND e.account = 'receivable'
        WHERE t.kind IN ('invoice', 'credit_note', 'voucher_claim')
          AND t.at > receivables_day_end($1 - 90, c.tz) AND t.at <= c.at
        GROUP BY c.code, t.currency),
    a AS (
        SELECT coalesce(o.code, s.code) AS code, coalesce(o.currency, s.currency) AS currency,
               coalesce(o.b0, 0) AS b0, coalesce(o.b1, 0) AS b1, coalesce(o.b2, 0) AS b2,
               coalesce(o.b3, 0) AS b3, coalesce(o.b4, 0) AS b4, coalesce(o.open, 0) AS open,
               coalesce(o.n, 0) AS n, coalesce(s.sales, 0) AS sales
        FROM o FULL JOIN s ON s.code = o.code AND s.currency = o.currency),
    r AS (
        SELECT a.code, a.currency, a.b0, a.b1, a.b2, a.b3, a.b4, a.open, a.n, a.sales
        FROM a WHERE a.open <> 0
        UNION ALL
        SELECT NULL, a.currency, sum(a.b0), sum(a.b1), sum(a.b2), sum(a.b3), sum(a.b4),
               sum(a.open), sum(a.n), sum(a.sales)
        FROM a GROUP BY a.currency
        -- a currency in which nothing is open has no total row either: a
        -- customer who owes nothing has an empty report
        HAVING bool_or(a.open <> 0))
    SELECT r.code, r.currency, r.b0::bigint, r.b1::bigint, r.b2::bigint, r.b3::bigint,
           r.b4::bigint, r.open::bigint, r.n::bigint, r.sales::bigint,
           CASE WHEN r.sales > 0 THEN round(r.open::numeric * 90 / r.sales, 1) END
    FROM r
    ORDER BY r.currency, r.code IS NULL, r.code COLLATE "C"
$$;

-- The reminders sent: one row per invoice and step, written with its
-- invoice.overdue notification (the outbox event) by dunning_run only.
CREATE TABLE dunning_reminder (
    invoice_id    bigint NOT NULL REFERENCES invoice (id),
    step          integer NOT NULL CHECK (step > 0),
    -- the moment the invoice was judged at (the run's --as-of day's end,
    -- or the run's time), its days past due and what was open then
    as_of         timestamptz NOT NULL,
    days_past_due integer NOT NULL CHECK (days_past_due >= step),
    open_minor    bigint NOT NULL CHECK (open_minor > 0),
    actor         text NOT NULL,
    sent_at       timestamptz NOT NULL DEFAULT now(),
    event_id      uuid NOT NULL UNIQUE REFERENCES outbox (event_id),
    PRIMARY KEY (invoice_id, step)
);
CREATE TRIGGER dunning_reminder_append_only BEFORE UPDATE OR DELETE ON dunning_reminder
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER dunning_reminder_no_truncate BEFORE TRUNCATE ON dunning_reminder
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- One dunning run: for each open, overdue invoice (as of the end of local
-- day as_of in its customer's time zone, or now when as_of is NULL), the
-- highest of `steps` (days past due) it has reached is sent, unless that
-- step or a later one was sent before: a run that finds an invoice 40
-- days late with nothing sent sends step 30, not 1, 15 and 30 at once,
-- and the steps it skipped are never sent late. Each sent step emits
-- invoice.overdue "<number>/<step>" through notify_emit (once, however
-- often or concurrently it runs) and records the reminder; returns what
-- this run sent.
CREATE FUNCTION dunning_run(as_of date, steps integer[], actor text)
RETURNS TABLE (number text, customer text, step integer, days_past_due integer,
               open_minor bigint, event_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    r record;
    ev uuid;
BEGIN
    ASSERT $2 IS NOT NULL AND cardinality($2) > 0 AND 0 < ALL ($2),
        'dunning steps are days past due, each at least 1';
    FOR r IN
        WITH c AS (
            SELECT cu.id, cu.code,
                   CASE WHEN $1 IS NULL THEN now()
                        ELSE receivables_day_end($1, customer_time_zone(
                                 cu.id, date_trunc('month', $1)::date)) END AS at
            FROM customer cu),
        ats AS (SELECT DISTINCT c.at FROM c)
        SELECT s.invoice_id, s.number, c.code, s.customer_id, s.currency, s.due_on,
               s.open, s.days_past_due, ats.at,
               (SELECT max(x) FROM unnest($2) x WHERE x <= s.days_past_due) AS reached
        FROM ats CROSS JOIN LATERAL invoice_state_at(ats.at) s
        JOIN c ON c.id = s.customer_id AND c.at = ats.at
        WHERE s.overdue
        ORDER BY s.number
    LOOP
        CONTINUE WHEN r.reached IS NULL OR EXISTS (
            SELECT 1 FROM dunning_reminder d WHERE d.invoice_id = r.invoice_id
                                               AND d.step >= r.reached);
        CONTINUE WHEN NOT notify_emit('invoice.overdue', r.customer_id,
                                      r.number || '/' || r.reached,
                                      jsonb_build_object('number', r.number,
                                                         'customer', r.code,
                                                         'currency', r.currency,
                                                         'due_on', r.due_on,
                                                         'days_past_due', r.days_past_due,
                                                         'step', r.reached,
                                                         'open_minor', r.open));
        SELECT o.event_id INTO ev FROM outbox o
        WHERE o.kind = 'invoice.overdue' AND o.subject = r.number || '/' || r.reached;
        INSERT INTO dunning_reminder (invoice_id, step, as_of, days_past_due, open_minor,
                                      actor, event_id)
        VALUES (r.invoice_id, r.reached, r.at, r.days_past_due, r.open, $3, ev);
        number := r.number; customer := r.code; step := r.reached;
        days_past_due := r.days_past_due; open_minor := r.open; event_id := ev;
        RETURN NEXT;
    END LOOP;
END $$;
