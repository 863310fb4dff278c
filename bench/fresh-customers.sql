-- make bench, freshness (bench/freshness.sh): :probes probe customers pNNNN,
-- each alone on its account probe-NNNN (one GPU of the fleet), and 100
-- fleet customers fNN on the accounts fleet-NN that every other GPU of the
-- fleet runs for. Written directly, as usage-data.sql does: exactly what
-- `contract apply` writes.
\set ON_ERROR_STOP 1
INSERT INTO document (kind, code, effective_from, document, sha256, applied_by)
VALUES ('plan', 'bench', '2026-01-01', '{"plan": "bench", "name": "Bench", "currency": "CNY",
  "effective_from": "2026-01-01", "gpu_hours": {"prices": [
  {"model": "NVIDIA H800", "unit_price": "16.80"}]}}', 'bench', 'bench');
INSERT INTO customer (code, name)
SELECT 'p' || lpad(g::text, 4, '0'), 'Probe customer ' || g FROM generate_series(1, :probes) g
UNION ALL
SELECT 'f' || lpad(g::text, 2, '0'), 'Fleet customer ' || g FROM generate_series(0, 99) g;
INSERT INTO document (kind, code, effective_from, customer, document, sha256, applied_by)
SELECT 'contract', c.code, '2026-01-01', c.code,
       jsonb_build_object('contract', c.code, 'customer', c.code, 'effective_from', '2026-01-01',
                          'plan', 'bench', 'currency', 'CNY', 'tax_rate', '0.06',
                          'accounts', jsonb_build_array(jsonb_build_object('account',
                              CASE WHEN c.code LIKE 'p%' THEN 'probe-' ELSE 'fleet-' END || substr(c.code, 2)))),
       'bench', 'bench'
FROM customer c WHERE c.code ~ '^[pf][0-9]+$';
INSERT INTO account (account, customer_id, valid_from, contract)
SELECT CASE WHEN code LIKE 'p%' THEN 'probe-' ELSE 'fleet-' END || substr(code, 2), id, '2026-01-01', code
FROM customer WHERE code ~ '^[pf][0-9]+$';
