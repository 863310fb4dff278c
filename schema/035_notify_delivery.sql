-- 035_notify_delivery: delivering the outbox (schema 031) as webhooks
-- (docs/notifications.md).
--
-- What happened (outbox) stays apart from whether it has been delivered:
-- notify_delivery holds, per outbox event and endpoint, the attempts made,
-- when the next is due, the last answer, and when it was delivered or
-- given up (dead). `gpumeter notify` (billing's role) adds a row for each
-- event its endpoint takes, claims due rows with FOR UPDATE SKIP LOCKED
-- and commits the claim (attempts + 1, next_attempt_at pushed past the
-- request's timeout: a lease) before it sends, so no row lock is held
-- across a network request; a deliverer killed mid-request leaves the
-- row to be claimed again when the lease runs out (at least once: the
-- receiver deduplicates by event id).
CREATE TABLE notify_delivery (
    outbox_id       bigint NOT NULL REFERENCES outbox (id),
    -- the endpoint's name (notify.endpoint, "default")
    endpoint        text NOT NULL CHECK (endpoint ~ '^[a-z0-9_-]{1,64}$'),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- the HTTP status of the last attempt (NULL: no answer, see last_error)
    last_status     integer,
    last_error      text,
    last_attempt_at timestamptz,
    delivered_at    timestamptz,
    dead_at         timestamptz,
    PRIMARY KEY (outbox_id, endpoint),
    CHECK (delivered_at IS NULL OR dead_at IS NULL)
);
-- The deliverer's claim: due rows still pending, oldest first.
CREATE INDEX notify_delivery_due ON notify_delivery (endpoint, next_attempt_at)
    WHERE delivered_at IS NULL AND dead_at IS NULL;

-- Each event with its delivery, as `notify list` and the finance API show
-- it: status pending (an event no deliverer has picked up yet too, with 0
-- attempts), delivered or dead.
CREATE VIEW notification AS
    SELECT o.id AS outbox_id, o.event_id, o.kind, o.subject, o.customer_id,
           c.code AS customer, o.created_at, d.endpoint,
           CASE WHEN d.delivered_at IS NOT NULL THEN 'delivered'
                WHEN d.dead_at IS NOT NULL THEN 'dead'
                ELSE 'pending' END AS status,
           coalesce(d.attempts, 0) AS attempts, d.next_attempt_at, d.last_status, d.last_error, d.last_attempt_at,
           d.delivered_at, d.dead_at
    FROM outbox o
    LEFT JOIN notify_delivery d ON d.outbox_id = o.id
    LEFT JOIN customer c ON c.id = o.customer_id;
