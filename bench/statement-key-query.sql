-- pgbench: the one query GET /v1/statement makes when it prices from kept
-- inputs (api/statement_inputs.h): the API key's, with the asked customer's
-- usage version (schema 009) and the statement version (schema 065), as
-- api/keys.c sends it, for a random customer of the statements benchmark.
\set c random(1, :customers)
SELECT k.sha256, k.role, coalesce(c.code, ''), coalesce((SELECT v.version
  FROM usage_version v JOIN customer u ON u.id = v.customer_id
  WHERE u.code = coalesce('b' || lpad(:c::text, 6, '0'), c.code)), 0),
  (SELECT s.version FROM statement_version s)
FROM api_key k LEFT JOIN customer c ON c.id = k.customer_id
WHERE k.id = :keyid AND k.revoked_at IS NULL;
