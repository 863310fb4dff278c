-- 045_termination_guard: a termination row is a true one (docs/contracts.md,
-- "Early termination"; issue 34, deliverable 7).
--
-- Billing inserts contract_termination (the `contract terminate`
-- command's statement), and nothing held what it inserted: a billing
-- session could record the termination of no contract, or of another
-- customer's contract, or under terms the contract does not state, with
-- no audit row nor notification; ledger_post_invoice_termination trusts
-- the row's customer and terms, so a forged '{"deposit": "apply"}' would
-- apply a deposit the contract says to refund. Whoever inserts, the row
-- must now name a contract, its own customer, and the termination clause
-- of the version in effect for the month of its last day, as the command
-- reads them (terms/termination.c).
CREATE FUNCTION contract_termination_valid() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    SELECT c.id AS customer_id, c.code AS customer,
           coalesce(d.document->'termination', '{}') AS terms INTO v
    FROM document d JOIN customer c ON c.code = d.customer
    WHERE d.kind = 'contract' AND d.code = NEW.contract
      AND d.effective_from <= date_trunc('month', NEW.ends_on)
    ORDER BY d.effective_from DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'termination refused: no contract "%" in effect by %', NEW.contract,
            NEW.ends_on USING ERRCODE = 'check_violation';
    ELSIF v.customer_id <> NEW.customer_id THEN
        RAISE EXCEPTION 'termination refused: contract % is customer %''s', NEW.contract,
            v.customer USING ERRCODE = 'check_violation';
    ELSIF v.terms <> NEW.terms THEN
        RAISE EXCEPTION 'termination refused: % is not the termination clause of contract % (%)',
            NEW.terms, NEW.contract, v.terms USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER contract_termination_valid BEFORE INSERT ON contract_termination
    FOR EACH ROW EXECUTE FUNCTION contract_termination_valid();
