-- 047_device_health: each device's health, window by window, as metered.
-- Collectors report one health event per device and window (kind "health",
-- docs/event-contract.md); the rater stores each here in the batch's own
-- transaction, so a health event is counted once like usage: its
-- (source, seq) was accepted once by the rater's dedup, and the key below
-- refuses a second row even if it were not. Never billed; availability
-- (docs/availability.md) is read from it. Rows are never updated: the rater
-- may only insert.
--   state     up, degraded or down over the whole window
--   reasons   the codes of why (core/health_reasons.h), none when up
--   window_ms end_at - start_at in milliseconds, so that a device's up,
--             degraded and down time sum exactly to its metered window
CREATE TABLE device_health (
    source      text NOT NULL,
    seq         bigint NOT NULL CHECK (seq > 0),
    cluster     text NOT NULL,
    site        text NOT NULL,
    node        text NOT NULL,
    device      text NOT NULL,
    model       text NOT NULL,
    vendor      text NOT NULL,
    start_at    timestamptz NOT NULL,
    end_at      timestamptz NOT NULL,
    window_ms   bigint NOT NULL,
    state       text NOT NULL CHECK (state IN ('up', 'degraded', 'down')),
    reasons     text[] NOT NULL,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, seq),
    CONSTRAINT device_health_window_ms CHECK (end_at >= start_at
                                              AND window_ms = extract(epoch FROM end_at - start_at) * 1000),
    CONSTRAINT device_health_up_has_no_reason CHECK ((state = 'up') = (cardinality(reasons) = 0))
);
CREATE INDEX device_health_window ON device_health (start_at, site, model, node, device);
