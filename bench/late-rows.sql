-- make bench, late usage: :late customers get two more H800 hours in
-- October, ingested now (after October's invoices were issued).
\set ON_ERROR_STOP 1
INSERT INTO usage_hourly (account, hour, meter, model, vendor, site, cluster, job, quantity,
                          events, first_ingest, last_ingest)
SELECT 'ns-' || c.code, '2026-10-15 04:00+00', 'gpu_ms', 'H800', 'v', 's1', 'c1', 'late',
       7200000, 2, now(), now()
FROM customer c WHERE c.code LIKE 'b%' AND c.id % (SELECT count(*) / :late FROM customer) = 0;
