-- 008_api_keys: keys for the statements API (gpumeter serve).
--
-- A key is shown once when created: "gmk_" + its public id + "_" + a random
-- secret. Only the SHA-256 of the whole key is kept; the server finds the
-- row by the public id and compares the hashes in constant time. A customer
-- key reads its own customer's data; a finance key (customer_id NULL) reads
-- every customer's. Revocation takes effect on the next request.
CREATE TABLE api_key (
    id          text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{12}$'),
    customer_id bigint REFERENCES customer (id),
    role        text NOT NULL CHECK (role IN ('customer', 'finance')),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    label       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    revoked_at  timestamptz,
    CHECK ((role = 'finance') = (customer_id IS NULL))
);
