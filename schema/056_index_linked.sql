-- 056_index_linked: what prices linked to the realised compute price
-- index need in common (issue 37, deliverable 4; docs/investor.md,
-- "Prices linked to the index"). The plan's index-linked price and the
-- contract's fixed-for-floating settlement both read the index through
-- price_index_latest and record, per invoice line, the publication they
-- used, so the invoice shows the index value and its publication date and
-- a later revision can be found and settled (the late-usage rule).
--
-- - invoice_line kinds:
--   'index_swap': a contract's fixed-for-floating settlement for a month
--     (notional GPU-hours x (fixed - index), either sign: the customer pays fixed);
--   'index_revision': the difference an index revision published after an
--     invoice was issued makes to that invoice's index-priced lines,
--     carried by the customer's next invoice (`adjusts` names the month,
--     as prior_period lines do).
-- - price_index_latest(month, model, currency): the newest publication of
--   the GPU-hour series (price_index_publication, schema 055) of that
--   month, model and currency, or no row when none was published.
--   price_micro is NULL when the newest publication withheld the value
--   (fewer contributing contracts than the minimum): the caller refuses to
--   price at it. The one definition of "the index value in force".
-- - invoice_index_use: per invoice line priced at the index (or settled
--   against it), the publication used. Frozen with the invoice's lines
--   (invoice_line_guard): the issued document keeps the value it showed.
ALTER TABLE invoice_line DROP CONSTRAINT invoice_line_kind_check;
ALTER TABLE invoice_line
    ADD CHECK (kind IN ('usage', 'gpu_floor', 'shortfall', 'carry_forward', 'makeup_draw',
                        'subsidy', 'voucher_discount', 'prior_period', 'termination_fee',
                        'makeup_settlement', 'sla_credit', 'index_swap', 'index_revision'));

CREATE FUNCTION price_index_latest(p_month date, p_model text, p_currency text)
RETURNS TABLE (revision integer, published_at timestamptz, price_micro bigint, status text)
LANGUAGE sql STABLE AS $$
    SELECT p.revision, p.published_at, p.price_micro, p.status
      FROM price_index_publication p
     WHERE p.month = p_month AND p.model = p_model AND p.currency = p_currency
     ORDER BY p.revision DESC
     LIMIT 1
$$;

CREATE TABLE invoice_index_use (
    invoice_id   bigint NOT NULL,
    line_no      integer NOT NULL,
    index_month  date NOT NULL CHECK (extract(day FROM index_month) = 1),
    model        text NOT NULL,
    currency     text NOT NULL REFERENCES currency (code),
    revision     integer NOT NULL CHECK (revision >= 0),
    published_at timestamptz NOT NULL,
    price_micro  bigint NOT NULL CHECK (price_micro >= 0),
    PRIMARY KEY (invoice_id, line_no),
    FOREIGN KEY (invoice_id, line_no) REFERENCES invoice_line (invoice_id, line_no) ON DELETE CASCADE
);
CREATE TRIGGER invoice_index_use_guard BEFORE INSERT OR UPDATE OR DELETE ON invoice_index_use
    FOR EACH ROW EXECUTE FUNCTION invoice_line_guard();
CREATE TRIGGER invoice_index_use_no_truncate BEFORE TRUNCATE ON invoice_index_use
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
