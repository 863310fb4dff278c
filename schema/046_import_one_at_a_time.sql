-- 046_import_one_at_a_time: bank statement imports run one after another
-- (docs/payments.md, "Never more than is open").
--
-- An import posts each credit under its customer's row lock (033) and
-- holds those locks to its COMMIT, so two imports at once that pay the
-- same customers in opposite orders waited on each other, and PostgreSQL
-- broke the deadlock by failing one of them (exit 1): with overlapping
-- statements of two customers, in about half the tries. payment_statement,
-- the first thing an import does in its transaction, now takes one
-- advisory lock for the transaction, so a second import waits for the
-- first to commit, then finds its credits imported before. Nothing else
-- takes that lock, and an import takes it before any customer's, so it
-- adds no wait of its own to any other path.
CREATE OR REPLACE FUNCTION payment_statement(format text, account text, statement_id text,
                                             sha256 text, actor text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    id_ bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('payment import'));
    INSERT INTO bank_statement (format, account, statement_id, sha256, actor)
    VALUES ($1, $2, $3, $4, $5) RETURNING id INTO id_;
    RETURN id_;
END $$;
