-- 001_foundation: customers, price plans, hourly usage, rating state, invoices.
--
-- Money columns are bigint: amounts in the currency's minor unit (fen for
-- CNY), unit prices in micro-units (10^-6 of the major unit) per pricing
-- unit. Quantities are bigint base units (GPU-ms, tokens, mJ). See
-- docs/money.md and docs/schema.md.

CREATE TABLE currency (
    code         text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    minor_digits smallint NOT NULL CHECK (minor_digits BETWEEN 0 AND 6)
);
INSERT INTO currency (code, minor_digits) VALUES
    ('CNY', 2), ('USD', 2), ('EUR', 2), ('HKD', 2), ('JPY', 0);

-- A meter is what usage is counted in; price_unit says how many base units a
-- unit price covers (3,600,000 GPU-ms = one GPU-hour).
CREATE TABLE meter (
    code       text PRIMARY KEY,
    base_unit  text NOT NULL,
    price_unit text NOT NULL,
    units_per_price bigint NOT NULL CHECK (units_per_price > 0)
);
INSERT INTO meter (code, base_unit, price_unit, units_per_price) VALUES
    ('gpu_ms',    'GPU-ms', 'GPU-hour',       3600000),
    ('tokens',    'token',  'million tokens', 1000000),
    ('energy_mj', 'mJ',     'kWh',            3600000000);

CREATE TABLE price_plan (
    id         bigserial PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    name       text NOT NULL,
    currency   text NOT NULL REFERENCES currency (code),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A plan bills exactly the meters it has prices for. For gpu_ms and
-- energy_mj, model is the accelerator model; tokens use model ''.
CREATE TABLE plan_price (
    plan_id    bigint NOT NULL REFERENCES price_plan (id),
    meter      text NOT NULL REFERENCES meter (code),
    model      text NOT NULL DEFAULT '',
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (plan_id, meter, model)
);

CREATE TABLE customer (
    id           bigserial PRIMARY KEY,
    code         text NOT NULL UNIQUE,
    name         text NOT NULL,
    plan_id      bigint NOT NULL REFERENCES price_plan (id),
    time_zone    text NOT NULL DEFAULT 'Asia/Shanghai',
    tax_rate_ppm bigint NOT NULL DEFAULT 0 CHECK (tax_rate_ppm BETWEEN 0 AND 1000000),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The attribution key events carry (Kubernetes namespace, Slurm account).
CREATE TABLE account (
    account     text PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customer (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Rated quantities, the source of truth for every charge. Keyed by account,
-- not customer, so usage of an account mapped later is never lost.
CREATE TABLE usage_hourly (
    account      text NOT NULL,
    hour         timestamptz NOT NULL CHECK (date_trunc('hour', hour) = hour),
    meter        text NOT NULL REFERENCES meter (code),
    model        text NOT NULL,
    vendor       text NOT NULL,
    site         text NOT NULL,
    cluster      text NOT NULL,
    job          text NOT NULL,
    quantity     bigint NOT NULL CHECK (quantity >= 0),
    events       bigint NOT NULL CHECK (events >= 0),
    first_ingest timestamptz NOT NULL,
    last_ingest  timestamptz NOT NULL,
    PRIMARY KEY (account, hour, meter, model, vendor, site, cluster, job)
);

-- Rating state, written in the same transaction as the usage it guards.
CREATE TABLE consumer_offset (
    topic       text NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint NOT NULL CHECK (next_offset >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);

CREATE TABLE source_seq (
    source     text PRIMARY KEY,
    max_seq    bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rating_counter (
    topic      text NOT NULL,
    partition  integer NOT NULL,
    consumed   bigint NOT NULL DEFAULT 0,
    rated      bigint NOT NULL DEFAULT 0,
    duplicates bigint NOT NULL DEFAULT 0,
    rejected   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, partition),
    CHECK (consumed = rated + duplicates + rejected)
);

CREATE TABLE rejected_event (
    topic       text NOT NULL,
    partition   integer NOT NULL,
    kafka_offset bigint NOT NULL,
    reason_code text NOT NULL,
    reason      text NOT NULL,
    payload     bytea NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, kafka_offset)
);

CREATE TABLE invoice (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customer (id),
    period      date NOT NULL CHECK (extract(day FROM period) = 1),
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft')),
    currency    text NOT NULL REFERENCES currency (code),
    tax_rate_ppm bigint NOT NULL,
    subtotal    bigint NOT NULL,
    tax         bigint NOT NULL,
    total       bigint NOT NULL CHECK (total = subtotal + tax),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, period)
);

CREATE TABLE invoice_line (
    invoice_id bigint NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
    line_no    integer NOT NULL,
    meter      text NOT NULL REFERENCES meter (code),
    model      text NOT NULL,
    quantity   bigint NOT NULL,
    unit_price bigint NOT NULL,
    amount     bigint NOT NULL,
    PRIMARY KEY (invoice_id, line_no)
);
