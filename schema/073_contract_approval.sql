-- 073: a contract version approved, or applied at once with the seller's
-- approval off, through the API as a plan is (issue 39; docs/plans.md
-- "Proposals and approval"). Schema 069 stored only plans for the API,
-- because a contract's account rows were rewritten in C by the CLI's
-- role alone. Here:
--  - the account rows a customer's contracts define are rewritten by one
--    function, contract_accounts_rewrite, which `contract apply`,
--    `contract approve` and the API's approval all reach through the
--    contract's stored hook (terms/contract.c);
--  - the API's store of an approved or at-once version is one function
--    for both kinds, document_version_store (069's plan_version_store
--    with the kind and customer); proposal_apply and the seven-argument
--    proposal_apply_at_once replace proposal_apply_plan and the plan-only
--    proposal_apply_at_once.

-- The account rows of a customer's contracts, from every stored version:
-- each version holds from its effective day to the day before the
-- customer's next version or its until, whichever is first; an account
-- from its own from (default the version's) to its own until (default
-- the contract's) within that; a terminated contract's accounts end on
-- its last day (schema 036) and none starts after it. Rows of accounts
-- not from a contract (contract IS NULL) stay.
CREATE FUNCTION contract_accounts_rewrite(v_customer text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM account a USING customer c
    WHERE c.id = a.customer_id AND c.code = v_customer AND a.contract IS NOT NULL;
    INSERT INTO account (account, customer_id, job_prefix, valid_from, valid_until, contract)
    SELECT r.account, c.id, r.job_prefix, r.f, least(r.t, t.ends_on), r.code
    FROM customer c
    CROSS JOIN (
        SELECT v.code, x.a->>'account' AS account, coalesce(x.a->>'job_prefix', '') AS job_prefix,
               greatest(coalesce((x.a->>'from')::date, v.lo), v.lo) AS f,
               least(coalesce((x.a->>'until')::date, v.until), v.hi) AS t
        FROM (SELECT d.code, d.effective_from AS lo, (d.document->>'until')::date AS until,
                     least((d.document->>'until')::date,
                           lead(d.effective_from) OVER (ORDER BY d.effective_from, d.code) - 1)
                         AS hi,
                     d.document
              FROM document d WHERE d.kind = 'contract' AND d.customer = v_customer) v
        CROSS JOIN LATERAL jsonb_array_elements(v.document->'accounts') x(a)) r
    LEFT JOIN contract_termination t ON t.contract = r.code
    WHERE c.code = v_customer AND (r.t IS NULL OR r.t >= r.f)
      AND (t.ends_on IS NULL OR r.f <= t.ends_on);
END $$;

-- A plan or contract version stored as the owner, with its audit row (by
-- actor, via): the API's one store (the CLI's is docstore_put, with its
-- own rights). 'created', 'replaced' or 'unchanged'. Granted to nobody.
CREATE FUNCTION document_version_store(v_kind text, v_code text, v_from date, v_customer text,
                                       v_doc jsonb, v_sha256 text, v_actor text, v_via text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    prior jsonb;
BEGIN
    IF v_kind NOT IN ('plan', 'contract') THEN
        RAISE EXCEPTION 'only plan and contract versions are proposed (not %)', v_kind
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT d.document INTO prior FROM document d
    WHERE d.kind = v_kind AND d.code = v_code AND d.effective_from = v_from FOR UPDATE;
    IF prior = v_doc THEN
        RETURN 'unchanged';
    END IF;
    INSERT INTO document (kind, code, effective_from, customer, document, sha256, applied_by)
    VALUES (v_kind, v_code, v_from, v_customer, v_doc, v_sha256, v_actor)
    ON CONFLICT (kind, code, effective_from) DO UPDATE SET
        customer = excluded.customer, document = excluded.document, sha256 = excluded.sha256,
        applied_at = now(), applied_by = excluded.applied_by;
    INSERT INTO audit_log (actor, object, key, action, before, after, via)
    VALUES (v_actor, v_kind, v_code || '@' || to_char(v_from, 'YYYY-MM-DD'),
            CASE WHEN prior IS NULL THEN 'create' ELSE 'replace' END, prior, v_doc, v_via);
    RETURN CASE WHEN prior IS NULL THEN 'created' ELSE 'replaced' END;
END $$;

DROP FUNCTION proposal_apply_plan(bigint);
DROP FUNCTION proposal_apply_at_once(text, date, jsonb, text, text);
DROP FUNCTION plan_version_store(text, date, jsonb, text, text, text);

-- The API's approval (the console's finance button): only the version
-- proposal_decide approved in this transaction is stored, as the owner.
-- The caller has run the checks apply runs before (validators, issued
-- months) and runs the kind's stored checks after (a contract's accounts),
-- rolling back on a problem.
CREATE FUNCTION proposal_apply(proposal_id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    p proposal;
BEGIN
    SELECT * INTO p FROM proposal WHERE id = proposal_id;
    IF NOT FOUND OR p.status <> 'approved' OR p.decided_at <> now() THEN
        RAISE EXCEPTION 'proposal % is not a proposal approved in this transaction',
            proposal_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN document_version_store(p.kind, p.code, p.effective_from, p.customer, p.document,
                                  p.sha256, p.decided_by,
                                  'proposal ' || p.id || ' approved by ' || p.decided_by
                                  || ' (proposed by ' || p.proposed_by || ')');
END $$;

-- A plan or contract proposed through the API while the seller has
-- approval off: in effect at once, audited as such; refused while
-- approval is on.
CREATE FUNCTION proposal_apply_at_once(v_kind text, v_code text, v_from date, v_customer text,
                                       v_doc jsonb, v_sha256 text, v_proposer text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF coalesce((SELECT required FROM approval_policy), true) THEN
        RAISE EXCEPTION 'approval is on: a % version takes effect only when approved', v_kind
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN document_version_store(v_kind, v_code, v_from, v_customer, v_doc, v_sha256,
                                  v_proposer, 'applied at once by its proposer (approval off)');
END $$;
