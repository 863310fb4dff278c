-- make bench: :customers customers, each with a contract on one account and
-- hourly H800, A800, H20, Ascend910B and L20 usage, one model per hour in
-- turn, from :'first' to :'last' (UTC hours; October 2026 in Asia/Shanghai
-- for the invoice batch, a year for the statements API). Documents
-- and accounts are written directly (the CLI would take minutes for 10,000
-- contracts); they are exactly what `contract apply` writes.
\set ON_ERROR_STOP 1
INSERT INTO document (kind, code, effective_from, document, sha256, applied_by)
VALUES ('plan', 'bench', '2026-01-01', '{"plan": "bench", "name": "Bench", "currency": "CNY",
  "effective_from": "2026-01-01", "gpu_hours": {"prices": [
  {"model": "H800", "unit_price": "16.80"}, {"model": "A800", "unit_price": "9.50"},
  {"model": "H20", "unit_price": "7.25"}, {"model": "Ascend910B", "unit_price": "8.333333"},
  {"model": "L20", "unit_price": "5.00"}]}}', 'bench', 'bench');
INSERT INTO customer (code, name)
SELECT 'b' || lpad(g::text, 6, '0'), 'Bench customer ' || g FROM generate_series(1, :customers) g;
INSERT INTO document (kind, code, effective_from, customer, document, sha256, applied_by)
SELECT 'contract', c.code, '2026-01-01', c.code,
       jsonb_build_object('contract', c.code, 'customer', c.code, 'effective_from', '2026-01-01',
                          'plan', 'bench', 'currency', 'CNY', 'tax_rate', '0.06',
                          'accounts', jsonb_build_array(jsonb_build_object('account', 'ns-' || c.code))),
       'bench', 'bench'
FROM customer c WHERE c.code LIKE 'b%';
INSERT INTO account (account, customer_id, valid_from, contract)
SELECT 'ns-' || code, id, '2026-01-01', code FROM customer WHERE code LIKE 'b%';
\ir usage-rows.sql
