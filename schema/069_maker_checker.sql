-- 069: maker-checker for prices (issue 39, docs/plans.md "Proposals and
-- approval"). A plan or contract version is proposed (sales, in the console
-- or `plan propose`), validated whole, and stored here as pending; it takes
-- effect only when someone else approves it (finance), unless the seller
-- turned approval off. Both names and times stay in the proposal and in
-- audit_log. What makes a decision valid is defined here, once:
--  - the approver is not the proposer: a CHECK on the row itself, so no
--    role, the owner included, can store a self-approval;
--  - a proposal is decided once (pending -> approved or rejected, and
--    never changed again or deleted: append-only trigger);
--  - an approval is refused when the versions of the proposal's code
--    changed since it was proposed (its base, document_state): the
--    approver would be approving a change against prices nobody sees any
--    more.
-- The API's role reaches the table only through proposal_submit and
-- proposal_decide (security definers); it cannot insert, update or delete
-- a row, nor write a document.

-- The seller's setting (one row: this database bills for one seller, the
-- invoice.seller of its configuration). On by default.
CREATE TABLE approval_policy (
    one_row    boolean PRIMARY KEY DEFAULT true CHECK (one_row),
    required   boolean NOT NULL DEFAULT true,
    changed_by text NOT NULL DEFAULT 'schema 069',
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO approval_policy DEFAULT VALUES;

-- Which versions a code has, as one text: the effective dates and digests
-- of its versions in order. A proposal's base is this at proposal time.
CREATE FUNCTION document_state(kind text, code text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(to_char(d.effective_from, 'YYYY-MM-DD') || ':' || d.sha256, ','
                               ORDER BY d.effective_from), '')
    FROM document d WHERE d.kind = $1 AND d.code = $2
$$;

CREATE TABLE proposal (
    id             bigserial PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('plan', 'contract')),
    code           text NOT NULL,
    effective_from date NOT NULL,
    customer       text,
    document       jsonb NOT NULL,
    sha256         text NOT NULL,
    base           text NOT NULL, -- document_state(kind, code) when proposed
    proposed_by    text NOT NULL CHECK (proposed_by <> ''),
    proposed_at    timestamptz NOT NULL DEFAULT now(),
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by     text,
    decided_at     timestamptz,
    reason         text,
    CHECK ((status = 'pending') = (decided_by IS NULL) AND
           (decided_by IS NULL) = (decided_at IS NULL)),
    CHECK (decided_by IS NULL OR decided_by <> proposed_by),
    CHECK (status <> 'rejected' OR coalesce(reason, '') <> '')
);
CREATE INDEX proposal_pending ON proposal (kind, code) WHERE status = 'pending';

-- Decided once: only a pending row changes, and only its decision.
CREATE FUNCTION proposal_decided_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR OLD.status <> 'pending' OR NEW.status = 'pending'
       OR (NEW.kind, NEW.code, NEW.effective_from, NEW.customer, NEW.document, NEW.sha256,
           NEW.base, NEW.proposed_by, NEW.proposed_at)
          IS DISTINCT FROM (OLD.kind, OLD.code, OLD.effective_from, OLD.customer, OLD.document,
                            OLD.sha256, OLD.base, OLD.proposed_by, OLD.proposed_at) THEN
        RAISE EXCEPTION 'proposal %: a proposal is decided once and never changed or removed',
            OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER proposal_decided_once BEFORE UPDATE OR DELETE ON proposal
    FOR EACH ROW EXECUTE FUNCTION proposal_decided_once();
CREATE TRIGGER proposal_no_truncate BEFORE TRUNCATE ON proposal
    FOR EACH STATEMENT EXECUTE FUNCTION proposal_decided_once();

-- Audit: what the proposal steps write, and how a version came to be.
-- Added to whatever the actions are by now, as 034 does (a fixed list
-- would drop what other migrations added).
DO $$
DECLARE
    acts text[];
BEGIN
    -- the words of the check as 034 left it ('{a,b}'::text[]) or as a
    -- list of quoted words (ARRAY['a'::text, ...])
    SELECT array_agg(DISTINCT w) INTO acts
    FROM pg_constraint c, pg_get_constraintdef(c.oid) def,
         LATERAL (SELECT m[1] AS w FROM regexp_matches(def, '''([a-z_]+)''', 'g') m
                  UNION
                  SELECT unnest(string_to_array(substring(def FROM '\{([^}]*)\}'), ','))) x
    WHERE c.conrelid = 'audit_log'::regclass AND c.conname = 'audit_log_action_check';
    IF acts IS NULL OR NOT acts @> ARRAY['create', 'issue', 'receive'] THEN
        RAISE EXCEPTION 'schema 069: could not read audit_log''s actions (%)', acts;
    END IF;
    acts := acts || ARRAY['propose', 'approve', 'reject'];
    ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
    EXECUTE format('ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check '
                   'CHECK (action = ANY (%L::text[]))',
                   (SELECT array_agg(DISTINCT a ORDER BY a) FROM unnest(acts) a));
END $$;
-- A plan or contract version's create/replace row says how it was applied:
-- 'direct apply by administrator', 'proposal N approved by A (proposed by
-- P)' or 'proposal N applied at once (approval off)'. NULL before 069.
ALTER TABLE audit_log ADD COLUMN via text;

-- A proposal stored (validated by the caller with the same validators as
-- apply), with its base and the audit row 'propose'. Its id.
CREATE FUNCTION proposal_submit(kind text, code text, effective_from date, customer text,
                                document jsonb, sha256 text, proposer text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO proposal (kind, code, effective_from, customer, document, sha256, base,
                          proposed_by)
    VALUES (kind, code, effective_from, customer, document, sha256,
            document_state(kind, code), proposer)
    RETURNING id INTO new_id;
    INSERT INTO audit_log (actor, object, key, action, before, after, via)
    VALUES (proposer, kind, code || '@' || to_char(effective_from, 'YYYY-MM-DD'), 'propose',
            NULL, document, 'proposal ' || new_id);
    RETURN new_id;
END $$;

-- A decision on a pending proposal, by decider: approve, or reject with a
-- reason. Refused (check_violation, the message says why) when the
-- proposal is unknown or decided, when the decider proposed it, and for an
-- approval, when its code's versions changed since (stale). Writes the
-- audit row 'approve' or 'reject'. The caller applies an approved
-- document in the same transaction.
CREATE FUNCTION proposal_decide(proposal_id bigint, decider text, approve boolean,
                                why text) RETURNS proposal
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    p proposal;
BEGIN
    SELECT * INTO p FROM proposal WHERE id = proposal_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no proposal %', proposal_id USING ERRCODE = 'no_data_found';
    END IF;
    IF p.status <> 'pending' THEN
        RAISE EXCEPTION 'proposal % is already %, by % at %', p.id, p.status, p.decided_by,
            to_char(p.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            USING ERRCODE = 'check_violation';
    END IF;
    IF coalesce(decider, '') = '' THEN
        RAISE EXCEPTION 'a decision on proposal % needs the name of who decides', p.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF decider = p.proposed_by THEN
        RAISE EXCEPTION 'proposal % was proposed by %: someone else must decide it '
                        '(maker-checker)', p.id, p.proposed_by
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT approve AND coalesce(why, '') = '' THEN
        RAISE EXCEPTION 'rejecting proposal % needs a reason', p.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF approve AND document_state(p.kind, p.code) <> p.base THEN
        RAISE EXCEPTION 'proposal % is stale: the versions of % % changed since it was '
                        'proposed; propose it again on the current versions', p.id, p.kind,
                        p.code
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE proposal SET status = CASE WHEN approve THEN 'approved' ELSE 'rejected' END,
                        decided_by = decider, decided_at = now(), reason = nullif(why, '')
    WHERE id = p.id RETURNING * INTO p;
    INSERT INTO audit_log (actor, object, key, action, before, after, via)
    VALUES (decider, p.kind, p.code || '@' || to_char(p.effective_from, 'YYYY-MM-DD'),
            CASE WHEN approve THEN 'approve' ELSE 'reject' END, NULL,
            jsonb_build_object('proposal', p.id, 'proposed_by', p.proposed_by,
                               'proposed_at', p.proposed_at, 'decided_by', p.decided_by,
                               'decided_at', p.decided_at, 'reason', p.reason),
            'proposal ' || p.id);
    RETURN p;
END $$;

-- A plan version stored as the owner, with its audit row (by actor, via):
-- the one store of the two ways the API's role applies a plan below; it
-- is granted to nobody. 'created', 'replaced' or 'unchanged'.
CREATE FUNCTION plan_version_store(v_code text, v_from date, v_doc jsonb, v_sha256 text,
                                   v_actor text, v_via text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    prior jsonb;
BEGIN
    SELECT d.document INTO prior FROM document d
    WHERE d.kind = 'plan' AND d.code = v_code AND d.effective_from = v_from FOR UPDATE;
    IF prior = v_doc THEN
        RETURN 'unchanged';
    END IF;
    INSERT INTO document (kind, code, effective_from, customer, document, sha256, applied_by)
    VALUES ('plan', v_code, v_from, NULL, v_doc, v_sha256, v_actor)
    ON CONFLICT (kind, code, effective_from) DO UPDATE SET
        document = excluded.document, sha256 = excluded.sha256, applied_at = now(),
        applied_by = excluded.applied_by;
    INSERT INTO audit_log (actor, object, key, action, before, after, via)
    VALUES (v_actor, 'plan', v_code || '@' || to_char(v_from, 'YYYY-MM-DD'),
            CASE WHEN prior IS NULL THEN 'create' ELSE 'replace' END, prior, v_doc, v_via);
    RETURN CASE WHEN prior IS NULL THEN 'created' ELSE 'replaced' END;
END $$;

-- The API's approval of a plan proposal (the console's finance button): the
-- API's role writes no document, so the version approved in this
-- transaction by proposal_decide is stored here, as the owner; nothing
-- else can be stored through it. A contract's approval rewrites its
-- accounts in C, so contracts are approved with the CLI. The caller has
-- checked the version against issued months (docstore_frozen_months, read
-- with its own rights).
CREATE FUNCTION proposal_apply_plan(proposal_id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    p proposal;
BEGIN
    SELECT * INTO p FROM proposal WHERE id = proposal_id;
    IF NOT FOUND OR p.kind <> 'plan' OR p.status <> 'approved' OR p.decided_at <> now() THEN
        RAISE EXCEPTION 'proposal % is not a plan proposal approved in this transaction',
            proposal_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN plan_version_store(p.code, p.effective_from, p.document, p.sha256, p.decided_by,
                              'proposal ' || p.id || ' approved by ' || p.decided_by
                              || ' (proposed by ' || p.proposed_by || ')');
END $$;

-- A plan proposed through the API while the seller has approval off: in
-- effect at once, audited as such; refused while approval is on.
CREATE FUNCTION proposal_apply_at_once(v_code text, v_from date, v_doc jsonb, v_sha256 text,
                                       v_proposer text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF coalesce((SELECT required FROM approval_policy), true) THEN
        RAISE EXCEPTION 'approval is on: a plan version takes effect only when approved'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN plan_version_store(v_code, v_from, v_doc, v_sha256, v_proposer,
                              'applied at once by its proposer (approval off)');
END $$;
