-- 012_one_definition: the business rules every caller shares, defined once
-- here and called by the invoice batch, statements, reports and the API
-- alike (no C string restates them).
--
-- The default time zone of a contract that names none.
CREATE FUNCTION default_time_zone() RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 'Asia/Shanghai'::text $$;

-- The version of each document of a kind in effect on a day: the latest
-- effective_from not after it.
CREATE FUNCTION document_in_effect(doc_kind text, day date)
    RETURNS SETOF document LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (d.code) d.* FROM document d
    WHERE d.kind = doc_kind AND d.effective_from <= day
    ORDER BY d.code, d.effective_from DESC
$$;

-- The contract in effect for each customer in the month that starts on
-- `month`: the customer's contract version with the latest effective_from
-- not after the month's first day, unless it ended ("until") before it;
-- with its time zone and the version of its plan in effect that day.
-- SQL functions of one SELECT are inlined, so a filter on the customer is
-- planned into it.
CREATE FUNCTION contract_in_effect(month date)
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
    WHERE d.document->>'until' IS NULL OR (d.document->>'until')::date >= month
$$;

-- The time zone a customer's month is local to: its contract's in effect
-- for the month; without one (usage no contract covers), its latest
-- contract's; without any, the default.
CREATE FUNCTION customer_time_zone(customer_id bigint, month date) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT k.time_zone FROM contract_in_effect(month) k WHERE k.customer_id = $1),
        (SELECT d.document->>'time_zone' FROM document d JOIN customer c ON c.code = d.customer
         WHERE d.kind = 'contract' AND c.id = $1 ORDER BY d.effective_from DESC LIMIT 1),
        default_time_zone())
$$;

-- The ledgers with their signs: what each row adds to the make-up bank
-- (shortfalls and carried over-use add; draws, carry uses and expiries
-- take), and what each redemption paid; reversal rows of void invoices
-- count negative.
CREATE VIEW commitment_ledger_signed AS
SELECT l.*,
       CASE WHEN l.reversal THEN -1 ELSE 1 END
       * CASE WHEN l.kind IN ('shortfall', 'carry') THEN 1 ELSE -1 END * l.units AS signed_units,
       CASE WHEN l.reversal THEN -1 ELSE 1 END
       * CASE WHEN l.kind IN ('shortfall', 'carry') THEN 1 ELSE -1 END * l.value AS signed_value
FROM commitment_ledger l;

CREATE VIEW voucher_redemption_signed AS
SELECT r.*, CASE WHEN r.reversal THEN -r.amount ELSE r.amount END AS signed_amount
FROM voucher_redemption r;
