-- 037_default_deposit: a deposit held "on_default" is applied when its
-- customer enters default (issue 34, deliverables 5 and 7;
-- docs/receivables.md "Default").
--
-- default_apply_deposit(customer, invoices, actor): when the contract in
-- effect this month (else the customer's latest version) says
-- "deposit": {"apply": "on_default"}, the deposit held pays the invoices
-- in default, oldest first, each as far as it and the deposit go,
-- through the one deposit posting (ledger_apply_deposit, 034). Returns
-- what it applied (0 when the contract says otherwise or nothing is
-- held). `receivables check` calls it once per spell of default, when it
-- first finds the spell (the same statement that emits customer.default).
CREATE FUNCTION default_apply_deposit(customer_id bigint, invoices text[], actor text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    apply text;
    inv record;
    total bigint := 0;
BEGIN
    SELECT coalesce(
        (SELECT k.document->'deposit'->>'apply'
         FROM contract_in_effect(date_trunc('month', now())::date) k WHERE k.customer_id = $1),
        (SELECT d.document->'deposit'->>'apply' FROM document d JOIN customer c ON c.code = d.customer
         WHERE d.kind = 'contract' AND c.id = $1 ORDER BY d.effective_from DESC LIMIT 1))
    INTO apply;
    IF apply IS DISTINCT FROM 'on_default' THEN
        RETURN 0;
    END IF;
    FOR inv IN SELECT i.id FROM unnest($2) WITH ORDINALITY n (number, k)
               JOIN invoice i ON i.number = n.number AND i.customer_id = $1 ORDER BY n.k LOOP
        total := total + ledger_apply_deposit($1, inv.id, NULL, $3);
    END LOOP;
    RETURN total;
END $$;
