-- Price plan documents, versioned by the date they take effect, and the
-- audit trail of every change sales makes.
CREATE TABLE plan_version (
    plan           text NOT NULL,
    effective_from date NOT NULL,
    name           text NOT NULL,
    currency       text NOT NULL REFERENCES currency (code),
    document       jsonb NOT NULL,
    sha256         text NOT NULL,
    applied_at     timestamptz NOT NULL DEFAULT now(),
    applied_by     text NOT NULL,
    PRIMARY KEY (plan, effective_from)
);

CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    object     text NOT NULL,  -- 'plan', later 'contract', 'voucher', ...
    key        text NOT NULL,  -- e.g. 'gpu-2027@2027-01-01'
    action     text NOT NULL CHECK (action IN ('create', 'replace')),
    before     jsonb,
    after      jsonb NOT NULL
);
CREATE INDEX audit_log_key ON audit_log (object, key);
