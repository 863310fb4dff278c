-- 058_index_series: the realised compute price index's other series and
-- its net basis (issue 37, deliverable 3; docs/investor.md, "The realised
-- compute price index").
--
-- price_index_publication (055) held the GPU-hour series, gross of
-- vouchers and subsidies. Each publication now names its series and
-- basis:
-- - series 'gpu_hours' (price per GPU-hour, key the accelerator model),
--   'tokens' (price per million training tokens, key the token class: the
--   plan's bracket the token line was priced in) or 'commitments' (price
--   per GPU-hour used under a take-or-pay commitment, its shortfall and
--   make-up money included, key '*': a shortfall has no model);
-- - basis 'gross' (the lines as invoiced) or 'net' (less the pre-tax
--   vouchers of the same invoice, shared over its usage lines).
-- The rows already stored keep their meaning: the GPU-hour series, gross
-- (the defaults). The column gpu_ms holds the series' quantity in its
-- meter's base unit: GPU-ms for gpu_hours and commitments, tokens for
-- tokens (its name kept: the rows of 055 and their readers stay as they
-- are). Revisions count per month, series, basis, model and currency.
ALTER TABLE price_index_publication
    ADD COLUMN series text NOT NULL DEFAULT 'gpu_hours'
        CHECK (series IN ('gpu_hours', 'tokens', 'commitments')),
    ADD COLUMN basis text NOT NULL DEFAULT 'gross' CHECK (basis IN ('gross', 'net'));
ALTER TABLE price_index_publication DROP CONSTRAINT price_index_publication_pkey;
ALTER TABLE price_index_publication
    ADD PRIMARY KEY (month, series, basis, model, currency, revision);

-- The index value in force stays the GPU-hour series, gross: the one an
-- index-linked plan price and a fixed-for-floating settlement read (056).
CREATE OR REPLACE FUNCTION price_index_latest(p_month date, p_model text, p_currency text)
RETURNS TABLE (revision integer, published_at timestamptz, price_micro bigint, status text)
LANGUAGE sql STABLE AS $$
    SELECT p.revision, p.published_at, p.price_micro, p.status
      FROM price_index_publication p
     WHERE p.month = p_month AND p.series = 'gpu_hours' AND p.basis = 'gross'
       AND p.model = p_model AND p.currency = p_currency
     ORDER BY p.revision DESC
     LIMIT 1
$$;
