-- Checks a rated, invoiced month against the generator's exact totals with
-- arithmetic independent of gpumeter's C code (PostgreSQL numeric, whose
-- round() is half away from zero like money_div_round).
-- Variables: totals (CSV path), period (YYYY-MM). Prints one line per
-- problem, then "money expected X got Y" (all invoices of the period, in
-- currency units), then "mismatches N".
--
-- Optional, to price customers other than the demo's (section 3): terms
-- (CSV customer,time_zone,basis,tax,job_prefix), prices (CSV
-- customer,meter,model,unit_price,pue) and vouchers (CSV
-- customer,voucher,priority,pre_tax,coverage,meters,domestic_only); with
-- vouchers a line "claims expected X got Y" comes before the last one.
\set ON_ERROR_STOP 1
CREATE TEMP TABLE expected (account text, meter text, model text, quantity bigint);
\set copy '\\copy expected FROM ' :'totals' ' CSV HEADER'
:copy
UPDATE expected SET model = '' WHERE model IS NULL;

CREATE TEMP VIEW period_bounds AS
SELECT (:'period' || '-01')::date::timestamp AT TIME ZONE 'Asia/Shanghai' AS lo,
       ((:'period' || '-01')::date + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai' AS hi;

-- 1. Rated (or parked) quantities equal generated quantities, per account,
--    meter, model.
CREATE TEMP TABLE problems AS
SELECT format('quantity %s %s %s: expected %s, rated %s', coalesce(e.account, r.account),
              coalesce(e.meter, r.meter), coalesce(e.model, r.model), e.quantity, r.quantity) AS problem
FROM expected e
FULL JOIN (SELECT account, meter, model, sum(quantity)::bigint AS quantity
           FROM (SELECT account, meter, model, quantity
                 FROM usage_hourly, period_bounds WHERE hour >= lo AND hour < hi
                 UNION ALL -- parked events: accepted, waiting for a customer
                 SELECT e->>'account', m.meter,
                        CASE m.meter WHEN 'tokens' THEN '' ELSE e->>'model' END,
                        (e->>m.meter)::bigint
                 FROM parked_event p
                 CROSS JOIN LATERAL (SELECT convert_from(p.payload, 'UTF8')::jsonb) AS j(e)
                 CROSS JOIN (VALUES ('gpu_ms'), ('tokens'), ('energy_mj')) AS m(meter)
                 CROSS JOIN period_bounds
                 WHERE e ? m.meter AND (e->>'start')::timestamptz >= lo
                   AND (e->>'start')::timestamptz < hi) u
           GROUP BY 1, 2, 3) r USING (account, meter, model)
WHERE e.quantity IS DISTINCT FROM r.quantity;

-- 2. Invoices equal generated quantities times the prices of the demo's
--    plans (scripts/seed/, written again here so that the check does not
--    read them through gpumeter), rounded once per line to the fen, tax per
--    line as the tax system computes it (each line x rate rounded once to
--    the fen, summed: docs/money.md). GPU time is billed in whole seconds (the plans'
--    default increment), rounded up once per line. Alpha and beta are
--    billed by GPU-hour; gamma by token.
CREATE TEMP TABLE price (customer text, meter text, model text, unit_price bigint);
INSERT INTO price VALUES
    ('alpha', 'gpu_ms', 'H800', 16800000), ('alpha', 'gpu_ms', 'A800', 9500000),
    ('alpha', 'gpu_ms', 'H20', 7250000), ('alpha', 'gpu_ms', 'Ascend910B', 8333333),
    ('alpha', 'gpu_ms', 'DCUK100AI', 6500000),
    ('beta', 'gpu_ms', 'H800', 16800000), ('beta', 'gpu_ms', 'A800', 9500000),
    ('beta', 'gpu_ms', 'H20', 7250000), ('beta', 'gpu_ms', 'Ascend910B', 8333333),
    ('beta', 'gpu_ms', 'DCUK100AI', 6500000),
    ('gamma', 'tokens', '', 3000000);
CREATE TEMP TABLE terms (customer text, time_zone text, basis text, tax numeric,
                         job_prefix text);
\if :{?terms}
\set copy '\\copy terms FROM ' :'terms' ' CSV HEADER'
:copy
UPDATE terms SET job_prefix = '' WHERE job_prefix IS NULL;
\endif
CREATE TEMP TABLE want AS
WITH line AS (
    SELECT c.code AS customer,
           round(CASE e.meter WHEN 'gpu_ms' THEN ceil(sum(e.quantity) / 1000.0) * 1000
                 ELSE sum(e.quantity) END * pp.unit_price
                 / (m.units_per_price * 1000000), 2) AS amount
    FROM expected e
    JOIN account a ON a.account = e.account
    JOIN customer c ON c.id = a.customer_id
    JOIN price pp ON pp.customer = c.code AND pp.meter = e.meter AND pp.model = e.model
    JOIN meter m ON m.code = e.meter
    WHERE c.code NOT IN (SELECT customer FROM terms)
    GROUP BY c.code, e.meter, e.model, pp.unit_price, m.units_per_price)
SELECT l.customer, sum(l.amount) AS subtotal, sum(round(l.amount * 0.06, 2)) AS tax,
       0::numeric AS claimed
FROM line l GROUP BY l.customer;
\ir check-totals-terms.sql
CREATE TEMP TABLE got AS
SELECT c.code AS customer, i.subtotal / 100.0 AS subtotal, i.tax / 100.0 AS tax,
       i.total / 100.0 AS total, i.claimed / 100.0 AS claimed
FROM invoice i JOIN customer c ON c.id = i.customer_id
WHERE i.period = (:'period' || '-01')::date;
INSERT INTO problems
SELECT format('invoice of customer %s: expected %s + %s, got %s + %s = %s',
              coalesce(w.customer, g.customer), w.subtotal, w.tax, g.subtotal, g.tax, g.total)
FROM want w FULL JOIN got g USING (customer)
WHERE w.subtotal IS DISTINCT FROM g.subtotal OR w.tax IS DISTINCT FROM g.tax
   OR g.total IS DISTINCT FROM w.subtotal + w.tax
   OR coalesce(w.claimed, 0) IS DISTINCT FROM coalesce(g.claimed, 0);

SELECT problem FROM problems;
SELECT format('money expected %s got %s',
              (SELECT coalesce(sum(subtotal + tax), 0)::numeric(20, 2) FROM want),
              (SELECT coalesce(sum(total), 0)::numeric(20, 2) FROM got));
\if :{?vouchers}
SELECT format('claims expected %s got %s',
              (SELECT coalesce(sum(claimed), 0)::numeric(20, 2) FROM want),
              (SELECT coalesce(sum(claimed), 0)::numeric(20, 2) FROM got));
\endif
SELECT 'mismatches ' || count(*) FROM problems;
