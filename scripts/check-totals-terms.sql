-- Included by check-totals.sql: prices the customers named in :terms from
-- their rated hourly usage (whose quantities section 1 has checked), with
-- arithmetic written again here, independent of gpumeter's C code:
-- - the month is the customer's local month (terms.time_zone);
-- - usage is the accounts' jobs under terms.job_prefix;
-- - under the tokens basis a training job is one that reports tokens in
--   that local month; its GPU time and energy are not billed;
-- - a line is quantity x unit price x PUE, rounded once to the fen (GPU
--   time first rounded up to whole seconds), per meter, model (and site for
--   energy); tax per line, each line (a pre-tax voucher's discount line too)
--   x rate rounded once to the fen, summed;
-- - vouchers in priority order, each on what its lines still cost after
--   every discount and claim before it (one subsidy per charge); each claims
--   min(coverage x base, owed) rounded once, the base after tax being that
--   cost x (1 + rate) exactly; a domestic-only voucher covers GPU and energy
--   lines of domestic accelerators and a token line by the share of its
--   training jobs' GPU time on them. Face values and yearly caps are not
--   modelled: keep the cases below them;
-- - optional energy subsidies (CSV subsidy,rate_per_kwh,domestic_only,
--   cap_per_period: per kWh programs on every site, any vendor), in code
--   order before the vouchers, on every customer in :terms: each pays
--   rate x the facility kWh of its energy lines (domestic accelerators
--   only, if so) rounded once, at most what those lines still cost and its
--   cap, as one credit line taxed like the others.
-- Problems go to `problems`, invoices to `want`.
CREATE TEMP TABLE prices (customer text, meter text, model text, unit_price numeric,
                          pue numeric);
CREATE TEMP TABLE vouchers (customer text, voucher text, priority int, pre_tax boolean,
                            coverage numeric, meters text, domestic_only boolean);
CREATE TEMP TABLE subsidies (subsidy text, rate_per_kwh numeric, domestic_only boolean,
                             cap_per_period numeric);
\if :{?prices}
\set copy '\\copy prices FROM ' :'prices' ' CSV HEADER'
:copy
\endif
\if :{?vouchers}
\set copy '\\copy vouchers FROM ' :'vouchers' ' CSV HEADER'
:copy
\endif
\if :{?subsidies}
\set copy '\\copy subsidies FROM ' :'subsidies' ' CSV HEADER'
:copy
\endif
UPDATE prices SET model = '' WHERE model IS NULL;
UPDATE vouchers SET meters = '' WHERE meters IS NULL;

-- The domestic accelerators (the catalogue's, written again).
CREATE TEMP TABLE domestic (model text PRIMARY KEY);
INSERT INTO domestic VALUES ('Ascend910B'), ('Ascend910C'), ('Ascend310P'), ('MLU370'),
    ('MLU590'), ('KunlunR300'), ('DCUZ100'), ('DCUK100'), ('DCUK100AI');

CREATE TEMP TABLE local_rows AS
SELECT t.customer, t.basis, h.job, h.meter, h.model, h.site, h.quantity
FROM terms t
JOIN customer c ON c.code = t.customer
JOIN (SELECT DISTINCT customer_id, account FROM account) a ON a.customer_id = c.id
JOIN usage_hourly h ON h.account = a.account AND starts_with(h.job, t.job_prefix)
 AND h.hour >= (:'period' || '-01')::date::timestamp AT TIME ZONE t.time_zone
 AND h.hour < ((:'period' || '-01')::date + interval '1 month')::timestamp AT TIME ZONE t.time_zone;
CREATE TEMP TABLE training AS
SELECT DISTINCT customer, job FROM local_rows
WHERE basis <> 'gpu_hours' AND meter = 'tokens' AND job <> '';

CREATE TEMP TABLE term_line AS
SELECT r.customer, r.meter, r.model, CASE r.meter WHEN 'energy_mj' THEN r.site ELSE '' END AS site,
       round(CASE r.meter WHEN 'gpu_ms' THEN ceil(sum(r.quantity) / 1000.0) * 1000
             ELSE sum(r.quantity) END * p.unit_price * p.pue / m.units_per_price, 2) AS amount,
       CASE r.meter WHEN 'energy_mj' THEN sum(r.quantity) * p.pue END AS facility_mj,
       CASE WHEN r.meter = 'tokens' THEN NULL
            WHEN r.model IN (SELECT model FROM domestic) THEN 1 ELSE 0 END::numeric AS dshare
FROM local_rows r
JOIN meter m ON m.code = r.meter
LEFT JOIN prices p ON p.customer = r.customer AND p.meter = r.meter
 AND p.model = CASE r.meter WHEN 'tokens' THEN '' ELSE r.model END
WHERE CASE r.basis WHEN 'gpu_hours' THEN r.meter <> 'tokens'
      ELSE r.meter = 'tokens' OR (r.customer, r.job) NOT IN (SELECT customer, job FROM training) END
GROUP BY 1, 2, 3, 4, p.unit_price, p.pue, m.units_per_price;
INSERT INTO problems
SELECT format('no price for customer %s %s %s', customer, meter, model)
FROM term_line WHERE amount IS NULL;
-- A token line's domestic share: its training jobs' GPU time on domestic
-- accelerators over all their GPU time.
UPDATE term_line l SET dshare = s.share
FROM (SELECT r.customer, sum(r.quantity) FILTER (WHERE r.model IN (SELECT model FROM domestic))
                         ::numeric / sum(r.quantity) AS share
      FROM local_rows r JOIN training t USING (customer, job)
      WHERE r.meter = 'gpu_ms' GROUP BY 1) s
WHERE l.meter = 'tokens' AND s.customer = l.customer;
UPDATE term_line SET dshare = 0 WHERE dshare IS NULL;

INSERT INTO problems
SELECT format('line of customer %s %s %s: expected %s, got %s', coalesce(w.customer, g.customer),
              coalesce(w.meter, g.meter), coalesce(w.model, g.model), w.amount, g.amount)
FROM (SELECT customer, meter, model, sum(amount) AS amount FROM term_line GROUP BY 1, 2, 3) w
FULL JOIN (SELECT c.code AS customer, l.meter,
                  CASE l.meter WHEN 'tokens' THEN '' ELSE l.model END AS model, -- brackets
                  (sum(l.amount) / 100.0)::numeric(20, 2) AS amount
           FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
           JOIN customer c ON c.id = i.customer_id
           WHERE i.period = (:'period' || '-01')::date AND l.kind = 'usage'
             AND c.code IN (SELECT customer FROM terms)
           GROUP BY 1, 2, 3) g USING (customer, meter, model)
WHERE w.amount IS DISTINCT FROM g.amount;

-- Settlement, voucher by voucher on what each line still costs (rest).
CREATE FUNCTION pg_temp.settle_terms(who text, OUT subtotal numeric, OUT tax numeric,
                                     OUT claimed numeric)
LANGUAGE plpgsql AS $$
DECLARE
    rate numeric := (SELECT t.tax FROM terms t WHERE t.customer = who);
    v record;
    base numeric;
    gross numeric;
    claim numeric;
    paid numeric;
    owed numeric;
    line_tax numeric; -- the tax of the lines so far: usage, then discounts
BEGIN
    CREATE TEMP TABLE rest AS
    SELECT l.meter, l.model, l.dshare, l.amount AS cost, 0::numeric AS eligible, l.facility_mj
    FROM term_line l WHERE l.customer = who;
    subtotal := (SELECT coalesce(sum(cost), 0) FROM rest);
    line_tax := (SELECT coalesce(sum(round(cost * rate, 2)), 0) FROM rest);
    FOR v IN SELECT * FROM subsidies ORDER BY subsidy LOOP
        UPDATE rest SET eligible = CASE WHEN meter = 'energy_mj'
                                         AND (NOT v.domestic_only OR dshare = 1) THEN cost ELSE 0 END;
        base := (SELECT sum(eligible) FROM rest);
        claim := least(round((SELECT sum(facility_mj) FROM rest WHERE meter = 'energy_mj'
                                AND (NOT v.domestic_only OR dshare = 1))
                             * v.rate_per_kwh / 3600000000, 2), base, v.cap_per_period);
        CONTINUE WHEN claim IS NULL OR claim <= 0;
        UPDATE rest SET cost = cost - claim * eligible / base WHERE eligible > 0;
        subtotal := subtotal - claim;
        line_tax := line_tax + round(-claim * rate, 2);
    END LOOP;
    owed := subtotal;
    claimed := 0;
    FOR v IN SELECT * FROM vouchers WHERE customer = who
             ORDER BY NOT pre_tax, priority, voucher LOOP
        IF NOT v.pre_tax AND tax IS NULL THEN
            tax := line_tax;
            owed := subtotal + tax;
        END IF;
        UPDATE rest SET eligible =
            CASE WHEN v.meters <> '' AND NOT meter = ANY (string_to_array(v.meters, ' ')) THEN 0
                 WHEN v.domestic_only THEN round(cost * dshare, 2) ELSE cost END;
        base := (SELECT sum(eligible) FROM rest);
        gross := CASE WHEN v.pre_tax THEN base ELSE base * (1 + rate) END;
        claim := least(round(gross * v.coverage, 2), owed);
        CONTINUE WHEN claim <= 0;
        paid := CASE WHEN v.pre_tax THEN claim ELSE claim / (1 + rate) END;
        UPDATE rest SET cost = cost - paid * eligible / base WHERE eligible > 0;
        owed := owed - claim;
        IF v.pre_tax THEN
            subtotal := subtotal - claim;
            line_tax := line_tax + round(-claim * rate, 2);
        ELSE
            claimed := claimed + claim;
        END IF;
    END LOOP;
    tax := line_tax;
    DROP TABLE rest;
END $$;

INSERT INTO want
SELECT t.customer, s.subtotal, s.tax, s.claimed
FROM terms t CROSS JOIN LATERAL pg_temp.settle_terms(t.customer) s
WHERE EXISTS (SELECT 1 FROM term_line l WHERE l.customer = t.customer);
