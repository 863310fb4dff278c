-- 054_sla_termination: a terminated contract's availability ends with it.
-- sla_windows (049) took every window that starts in the month, also
-- after the last day of a contract terminated mid-month (contract_in_effect
-- keeps the month of ends_on): the devices' health after the customer had
-- left (a reclaimed node reported device_gone, say) shrank the final
-- month's pro-rated commitment again and earned a credit for capacity
-- the contract no longer bought. Now a month's windows end at the end of
-- the contract's last local day (contract_termination.ends_on), so the
-- shrink and the credit measure the days the contract served, as the
-- pro rata does (docs/availability.md, "Credits", step 3). Otherwise 049
-- unchanged: sla_device_days and every caller read it.
CREATE OR REPLACE FUNCTION sla_windows(customer_id bigint, month date, customer_caused text[])
RETURNS TABLE (day date, site text, node text, device text, model text,
               start_at timestamptz, end_at timestamptz, window_ms bigint, state text,
               reasons text[], class text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH k AS (
        SELECT c.document->'sla' AS sla, c.time_zone AS tz,
               $2::timestamp AT TIME ZONE c.time_zone AS lo,
               least(($2 + interval '1 month')::timestamp,
                     (SELECT (t.ends_on + 1)::timestamp FROM contract_termination t
                      WHERE t.contract = c.contract)) AT TIME ZONE c.time_zone AS hi,
               coalesce(c.document->'sla'->'excludes', '[]') ? 'maintenance' AS ex_maintenance,
               coalesce(c.document->'sla'->'excludes', '[]') ? 'customer_caused' AS ex_customer
        FROM contract_in_effect($2) c
        WHERE c.customer_id = $1 AND c.document ? 'sla'),
    -- the reserved devices' windows of the month, each once however many
    -- entries of "reserved" name it (a node and one of its devices)
    h AS (
        SELECT DISTINCT ON (h.source, h.seq) h.*, k.tz, k.ex_maintenance, k.ex_customer
        FROM k CROSS JOIN LATERAL jsonb_array_elements(k.sla->'reserved') r
        JOIN device_health h ON h.site = r->>'site'
                            AND (r->>'node' IS NULL OR h.node = r->>'node')
                            AND (r->>'device' IS NULL OR h.device = r->>'device')
                            AND h.start_at >= k.lo AND h.start_at < k.hi
        ORDER BY h.source, h.seq)
    SELECT (h.start_at AT TIME ZONE h.tz)::date, h.site, h.node, h.device, h.model,
           h.start_at, h.end_at, h.window_ms::bigint, h.state::text, h.reasons,
           CASE WHEN h.state = 'up' THEN 'up'
                WHEN h.ex_maintenance
                     AND maintenance_excludes(h.site, h.node, h.device, h.start_at)
                    THEN 'maintenance'
                WHEN h.ex_customer AND h.reasons <@ $3 THEN 'customer'
                ELSE 'downtime' END
    FROM h
$$;
