-- make bench: October 2026 of a 10,000-GPU fleet for the operator's
-- reports: :nodes nodes of 8 GPUs at site s1, the 5 bench models in turn,
-- each busy 0 to 8 GPUs an hour in a fixed pattern (0: the node idles
-- whole, else its idle GPUs are stranded), idle GPUs drawing 50 W; the
-- site's PUE, tariff and assets. Written directly, as the rater and
-- `site|tariff|asset apply` write them.
\set ON_ERROR_STOP 1
INSERT INTO capacity_hourly (hour, site, cluster, node, model, vendor, installed_ms, allocated_ms,
                             idle_whole_ms, idle_stranded_ms, idle_energy_mj, energy_ms, events,
                             first_ingest, last_ingest)
SELECT h, 's1', 'c1', 'n' || lpad(n::text, 5, '0'),
       (ARRAY['H800', 'A800', 'H20', 'Ascend910B', 'L20'])[1 + n % 5], 'v', 28800000,
       busy * 3600000, CASE WHEN busy = 0 THEN 28800000 ELSE 0 END,
       CASE WHEN busy = 0 THEN 0 ELSE (8 - busy) * 3600000 END, (8 - busy) * 3600000 * 50,
       28800000, 120, h, h
FROM generate_series(1, :nodes) n,
     generate_series('2026-09-30 16:00+00'::timestamptz, '2026-10-31 15:00+00', interval '1 hour') h,
     LATERAL (SELECT (n * 7 + extract(epoch FROM h)::bigint / 3600) % 9 AS busy) b;
INSERT INTO document (kind, code, effective_from, document, sha256, applied_by) VALUES
  ('site', 's1', '2026-01-01', '{"site": "s1", "name": "Bench site", "effective_from": "2026-01-01", "pue": "1.3"}', 'bench', 'bench'),
  ('tariff', 's1', '2026-01-01', '{"site": "s1", "effective_from": "2026-01-01", "currency": "CNY", "price_per_kwh": "0.60", "time_of_use": [{"band": "peak", "from": 8, "to": 22, "multiplier": "1.4"}]}', 'bench', 'bench');
INSERT INTO document (kind, code, effective_from, document, sha256, applied_by)
SELECT 'asset', 's1/' || m, '2026-01-01',
       jsonb_build_object('site', 's1', 'model', m, 'effective_from', '2026-01-01', 'currency', 'CNY',
                          'devices', :nodes / 5 * 8, 'cost_per_device', '200000.00', 'life_months', 60),
       'bench', 'bench'
FROM unnest(ARRAY['H800', 'A800', 'H20', 'Ascend910B', 'L20']) m;
ANALYZE;
