-- make bench: hourly H800, A800, H20, Ascend910B and L20 usage of every
-- bench customer, one model per hour in turn, from :'first' to :'last'
-- (UTC hours), ingested when it happened. Included by usage-data.sql; run
-- alone for November's usage of the late-usage bench.
\set ON_ERROR_STOP 1
\o /dev/null
SELECT usage_hourly_partitions(:'first', :'last'::timestamptz + interval '1 hour');
\o
INSERT INTO usage_hourly (account, hour, meter, model, vendor, site, cluster, job, quantity,
                          events, first_ingest, last_ingest)
SELECT 'ns-' || c.code, h, 'gpu_ms',
       (ARRAY['H800', 'A800', 'H20', 'Ascend910B', 'L20'])[1 + (extract(epoch FROM h)::bigint / 3600 + c.id) % 5],
       'v', 's1', 'c1', '', 3600000 * (1 + c.id % 8), 120, h, h
FROM customer c,
     generate_series(:'first'::timestamptz, :'last'::timestamptz, interval '1 hour') h
WHERE c.code LIKE 'b%';
ANALYZE;
