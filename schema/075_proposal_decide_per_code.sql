-- 075: approvals on one code are decided one at a time (issue 39 review).
--
-- proposal_decide (069) refuses a stale approval by comparing the code's
-- versions with the proposal's base, but it locked only the proposal's
-- own row. Two proposals on the same code, approved at the same moment
-- in two transactions (two finance users, the console and the CLI), each
-- read the versions before the other committed: both passed the stale
-- check and the second's version was stored over the first's, its
-- approver having approved it against prices that were no longer there.
-- The decision now first takes a transaction-scoped advisory lock on the
-- proposal's kind and code (PostgreSQL's "Advisory Locks", explicit
-- locking chapter): the second decision waits for the first to commit,
-- and under Read Committed its stale check, a later statement, sees the
-- first's version and refuses. A hash collision between two codes only
-- makes their decisions wait for each other. The function is otherwise
-- 069's, unchanged (its grants stay, CREATE OR REPLACE keeps them).

CREATE OR REPLACE FUNCTION proposal_decide(proposal_id bigint, decider text, approve boolean,
                                why text) RETURNS proposal
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    p proposal;
BEGIN
    -- one decision at a time per code, taken before the row's lock (every
    -- decision takes the two in this order): a second approval on the
    -- same code waits here, and its stale check below, a new statement,
    -- reads the versions the first committed
    PERFORM pg_advisory_xact_lock(hashtext('proposal ' || x.kind || ' ' || x.code))
    FROM proposal x WHERE x.id = proposal_id;
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
