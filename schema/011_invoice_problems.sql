-- 011_invoice_problems: a customer whose month cannot be priced does not
-- stop the month for everyone else.
--
-- `invoice run` writes every other customer's draft and records here why
-- this one could not be priced (a line beyond the largest amount, a stored
-- plan that no longer validates, ...); its draft of the month, if an
-- earlier run left one, is removed, so a stale amount can never be issued.
-- The next run that prices the customer deletes its row. `invoice issue`
-- issues the rest and names these customers.
CREATE TABLE invoice_problem (
    customer_id bigint NOT NULL REFERENCES customer (id),
    period      date NOT NULL CHECK (extract(day FROM period) = 1),
    reason      text NOT NULL,
    found_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, period)
);
