-- Invoice lines priced by a plan document carry the time-of-use band and
-- the multiplier they were priced at ("" and 1000000 otherwise).
ALTER TABLE invoice_line
    ADD COLUMN band text NOT NULL DEFAULT '',
    ADD COLUMN multiplier_ppm bigint NOT NULL DEFAULT 1000000;
