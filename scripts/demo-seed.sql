-- Demo customers and price plans (until `gpumeter plan|contract apply` exist).
-- Prices are micro-CNY per price unit: 16800000 = 16.80 CNY per GPU-hour.
INSERT INTO price_plan (code, name, currency) VALUES
    ('gpu-standard', 'GPU-hour standard 2026', 'CNY'),
    ('token-training', 'Training by token 2026', 'CNY');
INSERT INTO plan_price (plan_id, meter, model, unit_price)
SELECT p.id, 'gpu_ms', v.model, v.price
FROM price_plan p,
     (VALUES ('H800', 16800000), ('A800', 9500000), ('H20', 7250000), ('Ascend910B', 8333333))
         AS v (model, price)
WHERE p.code = 'gpu-standard';
INSERT INTO plan_price (plan_id, meter, model, unit_price)
SELECT id, 'tokens', '', 3000000 FROM price_plan WHERE code = 'token-training';

INSERT INTO customer (code, name, plan_id, tax_rate_ppm)
SELECT v.code, v.name, p.id, 60000
FROM (VALUES ('alpha', 'Alpha AI Ltd', 'gpu-standard'),
             ('beta', 'Beta Robotics Co', 'gpu-standard'),
             ('gamma', 'Gamma LLM Lab', 'token-training')) AS v (code, name, plan)
JOIN price_plan p ON p.code = v.plan;

-- ns-delta has no customer at first: the rater parks its events until the
-- demo maps it (to beta), then rates them.
INSERT INTO account (account, customer_id)
SELECT v.account, c.id
FROM (VALUES ('ns-alpha', 'alpha'), ('ns-beta', 'beta'),
             ('slurm-gamma', 'gamma'), ('ns-gamma-ft', 'gamma')) AS v (account, customer)
JOIN customer c ON c.code = v.customer;
