-- 006_contracts: what sales configures, as versioned documents.
--
-- Plans, contracts, sites, vouchers and subsidy programs are JSON documents
-- (docs/contracts.md), one row per version: the document in effect on a day
-- is the one of its kind and code with the latest effective_from not after
-- it. Contracts and vouchers name their customer, kept in a column so that
-- billing finds them by customer. The flat price tables of 001 are retired:
-- every price now comes from a plan document through a contract.
CREATE TABLE document (
    kind           text NOT NULL CHECK (kind IN ('plan', 'contract', 'site', 'voucher', 'subsidy')),
    code           text NOT NULL,
    effective_from date NOT NULL,
    customer       text,
    document       jsonb NOT NULL,
    sha256         text NOT NULL,
    applied_at     timestamptz NOT NULL DEFAULT now(),
    applied_by     text NOT NULL,
    PRIMARY KEY (kind, code, effective_from),
    CHECK ((customer IS NOT NULL) = (kind IN ('contract', 'voucher')))
);
CREATE INDEX document_customer ON document (customer, kind, effective_from);
INSERT INTO document (kind, code, effective_from, document, sha256, applied_at, applied_by)
SELECT 'plan', plan, effective_from, document, sha256, applied_at, applied_by FROM plan_version;
DROP TABLE plan_version;

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CHECK (action IN ('create', 'replace', 'add'));

-- Customers are names; what they pay is in their contracts.
ALTER TABLE customer DROP COLUMN plan_id, DROP COLUMN time_zone, DROP COLUMN tax_rate_ppm;
ALTER TABLE customer ADD CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,63}$');
DROP TABLE plan_price;
DROP TABLE price_plan;

-- Which customer owns usage: an account (Kubernetes namespace, Slurm
-- account), or the jobs in it whose name starts with job_prefix, on local
-- days [valid_from, valid_until]. Rows written by `contract apply` carry
-- the contract; no two rows may claim the same usage (checked on apply).
ALTER TABLE account DROP CONSTRAINT account_pkey;
ALTER TABLE account
    ADD COLUMN job_prefix text NOT NULL DEFAULT '',
    ADD COLUMN valid_from date NOT NULL DEFAULT '1970-01-01',
    ADD COLUMN valid_until date,
    ADD COLUMN contract text,
    ADD CHECK (valid_until IS NULL OR valid_until >= valid_from);
ALTER TABLE account ADD PRIMARY KEY (account, job_prefix, valid_from, customer_id);
CREATE INDEX account_customer ON account (customer_id);
-- (customer_id is in the key only so that a conflicting contract can be
-- written, found by the overlap check and rolled back with its JSON path.)

-- An invoice records the contract and plan it was priced under, the
-- amount third-party programs (vouchers) pay, and what the customer owes.
ALTER TABLE invoice
    ADD COLUMN contract text NOT NULL DEFAULT '',
    ADD COLUMN plan text NOT NULL DEFAULT '',
    ADD COLUMN claimed bigint NOT NULL DEFAULT 0 CHECK (claimed >= 0),
    ADD COLUMN due bigint;
UPDATE invoice SET due = total;
ALTER TABLE invoice ALTER COLUMN due SET NOT NULL, ADD CHECK (total = claimed + due);

-- Lines: usage (meter, model, band, site), then the contract's adjustments
-- (kind) in the calculation order of docs/contracts.md. A usage amount is
-- quantity x unit price x multiplier_ppm x pue_ppm x override_ppm, rounded
-- once; adjustment lines carry their amount and a detail.
ALTER TABLE invoice_line
    ADD COLUMN kind text NOT NULL DEFAULT 'usage' CHECK (kind IN (
        'usage', 'gpu_floor', 'shortfall', 'carry_forward', 'makeup_draw', 'subsidy',
        'voucher_discount')),
    ADD COLUMN site text NOT NULL DEFAULT '',
    ADD COLUMN pue_ppm bigint NOT NULL DEFAULT 1000000,
    ADD COLUMN override_ppm bigint NOT NULL DEFAULT 1000000,
    ADD COLUMN detail text NOT NULL DEFAULT '';
ALTER TABLE invoice_line ALTER COLUMN meter DROP NOT NULL;

-- The take-or-pay bank of a customer's commitment: per invoice period, the
-- entries it made (shortfall paid, over-use carried) and what it took from
-- earlier entries (makeup_draw, carry_use, expiry). units are minor units
-- of money or GPU-ms, as the commitment counts; value is money. A draft
-- invoice rewrites its own period's rows.
CREATE TABLE commitment_ledger (
    customer_id  bigint NOT NULL REFERENCES customer (id),
    period       date NOT NULL,
    entry_period date NOT NULL,
    kind         text NOT NULL CHECK (kind IN (
        'shortfall', 'carry', 'makeup_draw', 'carry_use', 'expiry')),
    units        bigint NOT NULL CHECK (units >= 0),
    value        bigint NOT NULL CHECK (value >= 0),
    PRIMARY KEY (customer_id, period, entry_period, kind)
);

-- What each voucher paid on each invoice (after-tax claims and pre-tax
-- discounts alike); balances and yearly caps are computed from it.
CREATE TABLE voucher_redemption (
    voucher     text NOT NULL,
    program     text NOT NULL,
    customer_id bigint NOT NULL REFERENCES customer (id),
    period      date NOT NULL,
    amount      bigint NOT NULL CHECK (amount > 0),
    PRIMARY KEY (voucher, period)
);
CREATE INDEX voucher_redemption_program ON voucher_redemption (program, customer_id, period);
