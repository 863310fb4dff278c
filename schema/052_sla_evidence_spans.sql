-- 052_sla_evidence_spans: the windows behind an invoice's SLA credit
-- (issue 36, deliverable 4: the evidence attached to the invoice names the
-- devices, the windows and the reasons, not only sums).
--
-- invoice_sla_span: beside invoice_sla_evidence (050), the time the
-- reserved devices were not up in the month measured, as sla_windows (049)
-- classed it when the invoice was last refreshed, each run of consecutive
-- windows of one device with the same state, reasons and class merged into
-- one span (a node down for a day at 30 s scrapes is one span per device,
-- not 2,880 rows): start, end, its milliseconds (the sum of its windows'),
-- state, reasons, and class (maintenance or customer: excluded;
-- downtime). Written with the draft, frozen once issued by the guard of
-- invoice lines, like the evidence rows; the PDF's evidence pages list
-- them. The spans of class downtime sum to the evidence's downtime_ms
-- (billing/sla_evidence.c checks it when writing).
CREATE TABLE invoice_sla_span (
    invoice_id bigint NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    site       text NOT NULL,
    node       text NOT NULL,
    device     text NOT NULL,
    model      text NOT NULL,
    start_at   timestamptz NOT NULL,
    end_at     timestamptz NOT NULL,
    span_ms    bigint NOT NULL CHECK (span_ms > 0),
    state      text NOT NULL CHECK (state IN ('degraded', 'down')),
    reasons    text[] NOT NULL,
    class      text NOT NULL CHECK (class IN ('maintenance', 'customer', 'downtime')),
    PRIMARY KEY (invoice_id, month, site, node, device, start_at),
    CHECK (end_at > start_at)
);
CREATE TRIGGER invoice_sla_span_guard BEFORE INSERT OR UPDATE OR DELETE ON invoice_sla_span
    FOR EACH ROW EXECUTE FUNCTION invoice_line_guard();
CREATE TRIGGER invoice_sla_span_no_truncate BEFORE TRUNCATE ON invoice_sla_span
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

-- The spans of a customer's month: sla_windows' windows, a run of one
-- device's windows that follow each other (each starting where the last
-- ended) with the same state, reasons and class as one span; only those
-- not up. One definition for the invoice's stored spans.
CREATE FUNCTION sla_spans(customer_id bigint, month date, customer_caused text[])
RETURNS TABLE (site text, node text, device text, model text, start_at timestamptz,
               end_at timestamptz, span_ms bigint, state text, reasons text[], class text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH w AS (
        SELECT w.*, CASE WHEN lag(w.end_at) OVER d = w.start_at AND lag(w.state) OVER d = w.state
                              AND lag(w.reasons) OVER d = w.reasons
                              AND lag(w.class) OVER d = w.class THEN 0 ELSE 1 END AS brk
        FROM sla_windows($1, $2, $3) w
        WINDOW d AS (PARTITION BY w.site, w.node, w.device ORDER BY w.start_at, w.end_at)),
    g AS (
        SELECT w.*, sum(w.brk) OVER (PARTITION BY w.site, w.node, w.device
                                     ORDER BY w.start_at, w.end_at) AS grp
        FROM w)
    SELECT g.site, g.node, g.device, min(g.model), min(g.start_at), max(g.end_at),
           sum(g.window_ms)::bigint, g.state, g.reasons, g.class
    FROM g WHERE g.class <> 'up'
    GROUP BY g.site, g.node, g.device, g.grp, g.state, g.reasons, g.class
$$;
