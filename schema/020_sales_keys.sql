-- 020_sales_keys: a third kind of API key, for sales (docs/console.md#keys).
--
-- A sales key reads the price plans, the customer list and plan
-- simulations (a customer's real month priced under a proposed plan,
-- nothing stored); it reads no invoice, usage, FOCUS or operator report.
-- Like a finance key it belongs to no customer.
ALTER TABLE api_key DROP CONSTRAINT api_key_role_check;
ALTER TABLE api_key ADD CONSTRAINT api_key_role_check
    CHECK (role IN ('customer', 'finance', 'sales'));
ALTER TABLE api_key DROP CONSTRAINT api_key_check;
ALTER TABLE api_key ADD CONSTRAINT api_key_check CHECK ((role = 'customer') = (customer_id IS NOT NULL));
