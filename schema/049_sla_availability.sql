-- 049_sla_availability: a customer's availability under its contract's
-- service level (issue 36, deliverable 4; docs/availability.md, "A
-- customer's availability"), defined once: the invoice's SLA credit, the
-- customer's availability report (CLI, API, console, the invoice's
-- evidence) and the operator's view of what credits cost all read it.
--
-- sla_device_days(customer_id, month, customer_caused): for the contract
-- in effect for the customer in `month` (contract_in_effect) when it has
-- an `sla`, each device its `sla.reserved` names (a site's every device,
-- a node's, or one device of a node), per local day of the month in the
-- contract's time zone, the device's health windows (device_health) that
-- start in that day, as milliseconds:
--   metered_ms      every window's length
--   up_ms, degraded_ms, down_ms   by state; they sum to metered_ms
--   maintenance_ms  not up, but in an announced maintenance window at the
--                   window's start (maintenance_excludes), when the terms
--                   exclude "maintenance"
--   customer_ms     not up, not maintenance, and every reason one the
--                   vendor attributes to the customer's application (the
--                   codes the caller passes: core/health_reasons.h, the one
--                   table of them), when the terms exclude
--                   "customer_caused"
--   downtime_ms     the rest of what is not up: degraded_ms + down_ms -
--                   maintenance_ms - customer_ms
-- Availability is (metered_ms - downtime_ms) / metered_ms: excluded time
-- counts as delivered (docs/contracts.md, "SLA"). A window counts whole,
-- in the day and under the exclusions of its start. The month ends with
-- the last day of a contract terminated in it. A device two sources
-- report is metered by one: the source that metered it longest in the
-- month. No row: no sla, no reserved device metered in the month.
--
-- sla_windows(customer_id, month, customer_caused): the same windows one
-- by one, each with its local day and its class: 'up', 'maintenance',
-- 'customer' (excluded as customer-caused) or 'downtime', the one place
-- the exclusions are decided. sla_device_days sums them; the customer's
-- availability report lists the windows not up from it.
--
-- Both are security definers that only read: the API role (which may not
-- read device_health, the whole fleet's) sees through them the devices
-- reserved to one customer, the one its key names.
CREATE FUNCTION sla_windows(customer_id bigint, month date, customer_caused text[])
RETURNS TABLE (day date, site text, node text, device text, model text,
               start_at timestamptz, end_at timestamptz, window_ms bigint, state text,
               reasons text[], class text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH k AS MATERIALIZED (
        -- the month, local to the contract's zone; it ends with the last
        -- day of a contract terminated in it, so the health of devices
        -- the customer has left neither shrinks its pro-rated minimum nor
        -- earns a credit
        SELECT c.document->'sla' AS sla, c.time_zone AS tz,
               $2::timestamp AT TIME ZONE c.time_zone AS lo,
               least(($2 + interval '1 month')::timestamp,
                     (SELECT (min(t.ends_on) + 1)::timestamp FROM contract_termination t
                      WHERE t.contract = c.contract)) AT TIME ZONE c.time_zone AS hi,
               coalesce(c.document->'sla'->'excludes', '[]') ? 'maintenance' AS ex_maintenance,
               coalesce(c.document->'sla'->'excludes', '[]') ? 'customer_caused' AS ex_customer
        FROM contract_in_effect($2) c
        WHERE c.customer_id = $1 AND c.document ? 'sla'),
    -- the reserved entries as columns: a whole site, a node, one device;
    -- each kept once and only where no wider entry holds it (a node of a
    -- reserved site, a device of a reserved node), so that the three
    -- lookups below find each window at most once
    r AS MATERIALIZED (
        SELECT DISTINCT e->>'site' AS site, e->>'node' AS node, e->>'device' AS device
        FROM k CROSS JOIN LATERAL jsonb_array_elements(k.sla->'reserved') e),
    sites AS (SELECT r.site FROM r WHERE r.node IS NULL),
    nodes AS (SELECT r.site, r.node FROM r WHERE r.node IS NOT NULL AND r.device IS NULL
                AND r.site NOT IN (SELECT site FROM sites)),
    devices AS (SELECT r.site, r.node, r.device FROM r WHERE r.device IS NOT NULL
                  AND r.site NOT IN (SELECT site FROM sites)
                  AND (r.site, r.node) NOT IN (SELECT site, node FROM nodes)),
    -- the reserved devices' windows of the month, each once: looked up by
    -- place and time (device_health_place), so a customer reserving a
    -- node reads that node's month, not the fleet's (docs/availability.md,
    -- "Scale")
    h AS (
        SELECT h.*, k.tz, k.ex_maintenance, k.ex_customer
        FROM k, sites s JOIN device_health h ON h.site = s.site
        WHERE h.start_at >= k.lo AND h.start_at < k.hi
        UNION ALL
        SELECT h.*, k.tz, k.ex_maintenance, k.ex_customer
        FROM k, nodes n JOIN device_health h ON h.site = n.site AND h.node = n.node
        WHERE h.start_at >= k.lo AND h.start_at < k.hi
        UNION ALL
        SELECT h.*, k.tz, k.ex_maintenance, k.ex_customer
        FROM k, devices d JOIN device_health h
             ON h.site = d.site AND h.node = d.node AND h.device = d.device
        WHERE h.start_at >= k.lo AND h.start_at < k.hi),
    -- one source per device and month: two collectors reporting one
    -- device's health (dcgm and nvidia-smi on one node, a collector
    -- redeployed under a new name) would meter its time twice; the source
    -- that metered it longest counts (ties: the first by name), the
    -- other's windows are not this month's evidence
    one AS (
        SELECT DISTINCT ON (x.site, x.node, x.device) x.site, x.node, x.device, x.source
        FROM (SELECT h.site, h.node, h.device, h.source, sum(h.window_ms) AS ms
              FROM h GROUP BY h.site, h.node, h.device, h.source) x
        ORDER BY x.site, x.node, x.device, x.ms DESC, x.source COLLATE "C")
    SELECT (h.start_at AT TIME ZONE h.tz)::date, h.site, h.node, h.device, h.model,
           h.start_at, h.end_at, h.window_ms::bigint, h.state::text, h.reasons,
           CASE WHEN h.state = 'up' THEN 'up'
                WHEN h.ex_maintenance
                     AND maintenance_excludes(h.site, h.node, h.device, h.start_at)
                    THEN 'maintenance'
                WHEN h.ex_customer AND h.reasons <@ $3 THEN 'customer'
                ELSE 'downtime' END
    FROM h JOIN one USING (site, node, device, source)
$$;

CREATE FUNCTION sla_device_days(customer_id bigint, month date, customer_caused text[])
RETURNS TABLE (day date, site text, node text, device text, model text,
               metered_ms bigint, up_ms bigint, degraded_ms bigint, down_ms bigint,
               maintenance_ms bigint, customer_ms bigint, downtime_ms bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT w.day, w.site, w.node, w.device, w.model,
           sum(w.window_ms)::bigint,
           coalesce(sum(w.window_ms) FILTER (WHERE w.state = 'up'), 0)::bigint,
           coalesce(sum(w.window_ms) FILTER (WHERE w.state = 'degraded'), 0)::bigint,
           coalesce(sum(w.window_ms) FILTER (WHERE w.state = 'down'), 0)::bigint,
           coalesce(sum(w.window_ms) FILTER (WHERE w.class = 'maintenance'), 0)::bigint,
           coalesce(sum(w.window_ms) FILTER (WHERE w.class = 'customer'), 0)::bigint,
           coalesce(sum(w.window_ms) FILTER (WHERE w.class = 'downtime'), 0)::bigint
    FROM sla_windows($1, $2, $3) w
    GROUP BY w.day, w.site, w.node, w.device, w.model
$$;

-- A reserved node's (or site's) windows of a month, found by their place
-- then their time (sla_windows).
CREATE INDEX device_health_place ON device_health (site, node, start_at);
