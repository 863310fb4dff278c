-- 048_maintenance: the operator's announced maintenance windows (issue 36,
-- deliverable 2; docs/availability.md, "Maintenance").
--
-- A maintenance document (kind 'maintenance', terms/maintenance_doc.h) is
-- stored, versioned and audited in `document` like every other kind; its
-- windows are also kept as rows here, written only by maintenance_store
-- (a security definer granted to billing, called in the applying
-- transaction), so the availability computation reads one definition:
-- maintenance_excludes.
ALTER TABLE document DROP CONSTRAINT document_kind_check;
ALTER TABLE document ADD CONSTRAINT document_kind_check
    CHECK (kind IN ('plan', 'contract', 'site', 'voucher', 'subsidy', 'tariff', 'asset',
                    'maintenance'));

CREATE TABLE maintenance_window (
    kind           text NOT NULL DEFAULT 'maintenance' CHECK (kind = 'maintenance'),
    code           text NOT NULL,   -- the document's code
    effective_from date NOT NULL,   -- its version
    idx            integer NOT NULL CHECK (idx >= 0), -- $.windows[idx]
    site           text NOT NULL,
    node           text,            -- NULL: the whole site
    device         text,            -- NULL: the whole node (or site)
    starts         timestamptz NOT NULL,
    ends           timestamptz NOT NULL,
    announced_at   timestamptz NOT NULL,
    -- when gpumeter first held this window (the same scope, start and end)
    -- in any version of the code: an announcement counts from no earlier
    recorded_at    timestamptz NOT NULL,
    notice         interval NOT NULL, -- maintenance.notice_hours when applied
    reason         text NOT NULL,
    PRIMARY KEY (code, effective_from, idx),
    FOREIGN KEY (kind, code, effective_from) REFERENCES document (kind, code, effective_from)
        ON DELETE CASCADE,
    CHECK (ends > starts),
    CHECK (device IS NULL OR node IS NOT NULL)
);
CREATE INDEX maintenance_window_at ON maintenance_window (site, starts);

-- The one definition of an announced window: announced at least its notice
-- before it starts, counting the announcement from when gpumeter first held
-- the window (an announced_at written after the fact does not back-date
-- it). A window that is not announced is an unannounced outage: it excludes
-- nothing.
CREATE FUNCTION maintenance_announced(w maintenance_window) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT greatest(w.announced_at, w.recorded_at) <= w.starts - w.notice
$$;

-- Whether device `device` of node `node` at site `site` is in an announced
-- maintenance window at instant `at`: a window of the version of its code
-- in effect on at's UTC day (the latest effective_from on or before it)
-- whose scope holds the device (a site window every node and device of
-- the site, a node window every device of the node), starts <= at < ends.
-- The availability computation excludes such moments from downtime.
CREATE FUNCTION maintenance_excludes(site text, node text, device text, at timestamptz)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM maintenance_window m
        WHERE m.site = $1 AND (m.node IS NULL OR m.node = $2)
          AND (m.device IS NULL OR m.device = $3)
          AND m.starts <= $4 AND $4 < m.ends
          AND maintenance_announced(m)
          AND m.effective_from = (
              SELECT max(d.effective_from) FROM document d
              WHERE d.kind = 'maintenance' AND d.code = m.code
                AND d.effective_from <= ($4 AT TIME ZONE 'UTC')::date))
$$;

-- Rewrites the window rows of maintenance document `code` version
-- `effective_from` from the stored document itself (so the rows are the
-- document's), under notice `notice_hours`; called by `maintenance apply`
-- in its transaction, after the document row is written. A security
-- definer: no application role writes maintenance_window directly.
CREATE FUNCTION maintenance_store(code text, effective_from date, notice_hours integer)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    doc jsonb;
    recorded timestamptz[];
    n integer;
BEGIN
    IF notice_hours IS NULL OR notice_hours < 0 THEN
        RAISE EXCEPTION 'maintenance notice must be 0 hours or more' USING ERRCODE = 'check_violation';
    END IF;
    SELECT d.document INTO doc FROM document d
    WHERE d.kind = 'maintenance' AND d.code = $1 AND d.effective_from = $2;
    IF doc IS NULL THEN
        RAISE EXCEPTION 'no maintenance document % version %', $1, $2
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- before this version's rows go: a window held before keeps its time
    recorded := ARRAY(
        SELECT coalesce((SELECT min(m.recorded_at) FROM maintenance_window m
                         WHERE m.code = $1 AND m.site = w->>'site'
                           AND m.node IS NOT DISTINCT FROM w->>'node'
                           AND m.device IS NOT DISTINCT FROM w->>'device'
                           AND m.starts = (w->>'start')::timestamptz
                           AND m.ends = (w->>'end')::timestamptz), now())
        FROM jsonb_array_elements(doc->'windows') WITH ORDINALITY e(w, i) ORDER BY i);
    DELETE FROM maintenance_window m WHERE m.code = $1 AND m.effective_from = $2;
    INSERT INTO maintenance_window (code, effective_from, idx, site, node, device, starts, ends,
                                    announced_at, recorded_at, notice, reason)
    SELECT $1, $2, (i - 1)::integer, w->>'site', w->>'node', w->>'device',
           (w->>'start')::timestamptz, (w->>'end')::timestamptz,
           (w->>'announced_at')::timestamptz, recorded[i], make_interval(hours => $3),
           w->>'reason'
    FROM jsonb_array_elements(doc->'windows') WITH ORDINALITY e(w, i);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
