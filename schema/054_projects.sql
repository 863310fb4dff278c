-- 054_projects: an operator's financed project (an SPV) as a document
-- (issue 37, docs/investor.md, "Projects"; terms/project_doc.h): kind
-- 'project', versioned by effective_from like every document.
--
-- A version of a project is in effect from its effective_from up to the
-- next version of its code (project_until). An asset (site x model) or a
-- contract belongs to at most one project at a time: project_claims is the
-- one definition of that rule, the versions of other projects whose span
-- meets the given span and that claim one of the given assets or
-- contracts. `project apply` refuses a document it finds any for.
ALTER TABLE document DROP CONSTRAINT document_kind_check;
ALTER TABLE document ADD CONSTRAINT document_kind_check
    CHECK (kind IN ('plan', 'contract', 'site', 'voucher', 'subsidy', 'tariff', 'asset',
                    'maintenance', 'project'));

-- The first day a version of project `code` effective `effective_from` is
-- no longer in effect: the next version's, or 'infinity'.
CREATE FUNCTION project_until(code text, effective_from date) RETURNS date
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(min(d.effective_from), 'infinity'::date)
      FROM document d
     WHERE d.kind = 'project' AND d.code = $1 AND d.effective_from > $2
$$;

-- The other projects' versions that claim an asset ("site/model") of
-- `assets` or a contract of `contracts` while the version of `code`
-- effective `effective_from` (stored or about to be) is in effect: what,
-- which, the other project, and its version's span [other_from,
-- other_until) ('infinity' when open).
CREATE FUNCTION project_claims(code text, effective_from date, assets text[], contracts text[])
    RETURNS TABLE (member_kind text, member text, other text, other_from date, other_until date)
    LANGUAGE sql STABLE AS $$
    WITH span AS (SELECT daterange($2, project_until($1, $2)) AS r),
    others AS (
        SELECT d.code, d.effective_from, project_until(d.code, d.effective_from) AS until,
               d.document
          FROM document d
         WHERE d.kind = 'project' AND d.code <> $1
    ),
    claimed AS (
        SELECT 'asset' AS member_kind, (a ->> 'site') || '/' || (a ->> 'model') AS member, o.*
          FROM others o CROSS JOIN LATERAL jsonb_array_elements(o.document -> 'assets') a
        UNION ALL
        SELECT 'contract', c, o.*
          FROM others o CROSS JOIN LATERAL jsonb_array_elements_text(o.document -> 'contracts') c
    )
    SELECT c.member_kind, c.member, c.code, c.effective_from, c.until
      FROM claimed c, span s
     WHERE daterange(c.effective_from, c.until) && s.r
       AND ((c.member_kind = 'asset' AND c.member = ANY ($3))
            OR (c.member_kind = 'contract' AND c.member = ANY ($4)))
     ORDER BY 1, 2, 3, 4
$$;
