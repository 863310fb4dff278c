-- 015_capacity_hourly: what the fleet could have sold, beside what it sold.
-- Collectors report each node's devices per window as capacity events
-- (docs/event-contract.md); the rater splits them into UTC hours exactly as
-- it splits usage and adds them here in the batch's own transaction, so a
-- capacity event is counted once like any other. Never billed to anyone.
--   installed_ms      device-milliseconds the node had (devices x time)
--   allocated_ms      of those, allocated to some account
--   idle_whole_ms     idle while no device of the node was allocated
--   idle_stranded_ms  idle beside allocated devices of the same node
--   idle_energy_mj    accelerator energy of the idle part (IT energy)
--   energy_ms         installed_ms whose idle energy was reported
CREATE TABLE capacity_hourly (
    hour             timestamptz NOT NULL,
    site             text NOT NULL,
    cluster          text NOT NULL,
    node             text NOT NULL,
    model            text NOT NULL,
    vendor           text NOT NULL,
    installed_ms     bigint NOT NULL CHECK (installed_ms >= 0),
    allocated_ms     bigint NOT NULL CHECK (allocated_ms >= 0),
    idle_whole_ms    bigint NOT NULL CHECK (idle_whole_ms >= 0),
    idle_stranded_ms bigint NOT NULL CHECK (idle_stranded_ms >= 0),
    idle_energy_mj   bigint NOT NULL CHECK (idle_energy_mj >= 0),
    energy_ms        bigint NOT NULL CHECK (energy_ms >= 0 AND energy_ms <= installed_ms),
    events           bigint NOT NULL CHECK (events > 0),
    first_ingest     timestamptz NOT NULL,
    last_ingest      timestamptz NOT NULL,
    PRIMARY KEY (hour, site, cluster, node, model, vendor),
    CHECK (installed_ms = allocated_ms + idle_whole_ms + idle_stranded_ms)
);
CREATE INDEX capacity_hourly_model ON capacity_hourly (model, hour);
