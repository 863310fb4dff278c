-- 055_price_index_publication: every publication of the realised compute
-- price index (issue 37, deliverable 3; docs/investor.md, "Publications
-- and revisions").
--
-- `index publish --period` computes the month's index (billing/
-- price_index.h) and adds one row per model and currency whose published
-- figures differ from the newest row of that month, model and currency:
-- revision 0 the first, 1, 2, ... each later one that differs (late
-- usage, a credit note, a void and re-issue). Rows are never changed or
-- removed (append_only, schema 013; TRUNCATE too): an earlier value stays
-- beside its revision, as a benchmark administrator keeps them.
-- gpu_ms, amount and price_micro are NULL when the value was not
-- published (fewer than min_contracts contributing contracts):
-- confidential, then, even in the record. A model and currency whose
-- lines all went (every invoice voided) get a revision with 0 contracts.
CREATE TABLE price_index_publication (
    month         date NOT NULL CHECK (extract(day FROM month) = 1),
    model         text NOT NULL,
    currency      text NOT NULL REFERENCES currency (code),
    revision      integer NOT NULL CHECK (revision >= 0),
    published_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    contracts     integer NOT NULL CHECK (contracts >= 0),
    min_contracts integer NOT NULL CHECK (min_contracts >= 1),
    gpu_ms        bigint,
    amount        bigint,
    price_micro   bigint,
    status        text NOT NULL CHECK (status IN ('final', 'provisional')),
    PRIMARY KEY (month, model, currency, revision),
    CHECK ((gpu_ms IS NULL) = (amount IS NULL) AND (amount IS NULL) = (price_micro IS NULL)),
    CHECK (price_micro IS NULL OR contracts >= min_contracts)
);

CREATE TRIGGER price_index_publication_append_only BEFORE UPDATE OR DELETE
    ON price_index_publication FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER price_index_publication_no_truncate BEFORE TRUNCATE ON price_index_publication
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
