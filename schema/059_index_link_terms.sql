-- 059_index_link_terms: the terms an index-linked usage line was priced
-- with, frozen beside the publication it used (invoice_index_use, schema
-- 056; docs/investor.md, "Prices linked to the index"). The plan is
-- versioned, so the issued invoice keeps the lag, spread, floor and cap it
-- applied rather than reading a later version: it shows them, and an
-- index revision after issue reprices the line with them.
--
-- NULL on a row that is not an index-linked price (a fixed-for-floating
-- settlement's); floor_micro and cap_micro NULL when the plan has none.
ALTER TABLE invoice_index_use
    ADD COLUMN lag_months integer CHECK (lag_months BETWEEN 1 AND 12),
    ADD COLUMN spread_micro bigint,
    ADD COLUMN floor_micro bigint CHECK (floor_micro >= 0),
    ADD COLUMN cap_micro bigint CHECK (cap_micro >= 0),
    ADD CHECK (floor_micro IS NULL OR cap_micro IS NULL OR floor_micro <= cap_micro),
    ADD CHECK ((lag_months IS NULL) = (spread_micro IS NULL));
