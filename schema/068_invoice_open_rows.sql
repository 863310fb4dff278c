-- 068_invoice_open_rows: issuing an invoice read the open amount of every
-- invoice ever issued to find its own: the issue trigger (038) asked
-- invoice_open_at(now()) for one invoice_id, and a SECURITY DEFINER
-- function with its own search_path is never inlined, so PostgreSQL
-- computed the whole set (the due day and the customer's time zone of
-- each invoice) and filtered it afterwards: 147 ms per issue with 8,000
-- invoices issued, so issuing a month of 10,000 customers grew with the
-- square of them (`make bench`, issuing October, over 10 minutes).
--
-- The one definition of an open amount moves, unchanged, into
-- invoice_open_rows: plain SQL, STABLE, no SECURITY DEFINER, so the
-- planner inlines it into the query that calls it and a filter on the
-- invoice (a grouping column) is pushed down to one index lookup.
-- Nobody but the owner may execute it (roles.sql revokes every function
-- from every role): the roles keep calling invoice_open_at, now its
-- SECURITY DEFINER wrapper, and the owner's triggers and functions that
-- want one invoice call invoice_open_rows.
CREATE FUNCTION invoice_open_rows(at timestamptz)
RETURNS TABLE (invoice_id bigint, number text, customer_id bigint, currency text,
               period date, issued_at timestamptz, due_on date, total bigint, credited bigint,
               paid bigint, written_off bigint, open bigint, days_past_due integer)
LANGUAGE sql STABLE AS $$
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

CREATE OR REPLACE FUNCTION invoice_open_at(at timestamptz)
RETURNS TABLE (invoice_id bigint, number text, customer_id bigint, currency text,
               period date, issued_at timestamptz, due_on date, total bigint, credited bigint,
               paid bigint, written_off bigint, open bigint, days_past_due integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM invoice_open_rows($1)
$$;

-- 038's issue trigger, reading its own invoice only.
CREATE OR REPLACE FUNCTION ledger_post_invoice_credit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    held bigint;
    open_ bigint;
    take bigint;
BEGIN
    PERFORM 1 FROM customer WHERE id = NEW.customer_id FOR NO KEY UPDATE;
    SELECT coalesce(max(b.credit), 0) INTO held FROM customer_balance b
    WHERE b.customer_id = NEW.customer_id AND b.currency = NEW.currency;
    SELECT coalesce(max(o.open), 0) INTO open_ FROM invoice_open_rows(now()) o
    WHERE o.invoice_id = NEW.id;
    take := least(held, open_);
    IF take > 0 THEN
        PERFORM ledger_post(NEW.customer_id, NEW.currency, 'application', NEW.number,
                            session_user::text, now(), jsonb_build_array(
                                jsonb_build_object('account', 'customer_credit', 'amount_minor', take),
                                jsonb_build_object('account', 'receivable', 'amount_minor', -take,
                                                   'invoice_id', NEW.id)));
    END IF;
    RETURN NULL;
END $$;
