-- 067_invoice_refresh: when `invoice run` last refreshed a month's drafts,
-- so that a refresh where nothing changed writes no draft.
--
-- A draft's updated_at moved with every run (the header upsert set it),
-- and late usage (billing/late.c) and late health (billing/sla_late.c)
-- read it as the time an issued invoice was last computed: usage or health
-- ingested after it is late. The run now leaves a draft whose header,
-- lines, ledger rows and claims are unchanged alone (billing/store.c: at
-- 100,000 customers upserting every header was a quarter of a refresh),
-- so its updated_at is when its content last changed, and the run records
-- here instead, once, that it computed the month: every draft of the
-- period (customer_id NULL), or one customer's (`invoice run --customer`).
-- One row per run, appended (a few a month).
CREATE TABLE invoice_refresh (
    period       date NOT NULL CHECK (extract(day FROM period) = 1),
    customer_id  bigint REFERENCES customer (id),
    refreshed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_refresh_period ON invoice_refresh (period, refreshed_at);

-- The last time the batch computed invoice i from usage and health: its
-- own updated_at (the last run that changed it), or a later run of its
-- month that covered it while it was still a draft (refreshed_at up to
-- its issue: the run's now(), like updated_at; an invoice issued before a
-- run began was not computed by it). One definition, read by late.c and
-- sla_late.c; NULL never (updated_at is NOT NULL).
CREATE FUNCTION invoice_refreshed_at(i invoice) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT greatest(i.updated_at,
                    (SELECT max(r.refreshed_at) FROM invoice_refresh r
                     WHERE r.period = i.period AND r.refreshed_at <= i.issued_at
                       AND (r.customer_id IS NULL OR r.customer_id = i.customer_id)))
$$;
