-- 050_sla_credit: what an invoice says of a month's service level
-- (issue 36, deliverable 4; docs/availability.md, "Credits").
--
-- - invoice_line kind 'sla_credit': the credit a month's availability
--   earns under the contract's SLA terms (negative), on the month's own
--   invoice or, for health that arrives after that invoice was issued, as
--   the difference on the customer's next invoice (`adjusts` names the
--   month, as prior_period lines do).
-- - invoice_sla_evidence: the availability the invoice's credit (or its
--   adjustment) was computed from, per local day and reserved device, as
--   sla_device_days (049) returned it when the invoice was last refreshed.
--   It is the evidence attached to the invoice: it never changes once the
--   invoice is issued (the guard of invoice lines), so the issued
--   document, its PDF and its evidence keep agreeing whatever health
--   arrives later; the live report (`report availability --customer`)
--   reads sla_device_days now. `month` is the month measured: the
--   invoice's period, or the month a late adjustment corrects.
ALTER TABLE invoice_line DROP CONSTRAINT invoice_line_kind_check;
ALTER TABLE invoice_line
    ADD CHECK (kind IN ('usage', 'gpu_floor', 'shortfall', 'carry_forward', 'makeup_draw',
                        'subsidy', 'voucher_discount', 'prior_period', 'termination_fee',
                        'makeup_settlement', 'sla_credit'));

CREATE TABLE invoice_sla_evidence (
    invoice_id     bigint NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
    month          date NOT NULL CHECK (extract(day FROM month) = 1),
    day            date NOT NULL,
    site           text NOT NULL,
    node           text NOT NULL,
    device         text NOT NULL,
    model          text NOT NULL,
    metered_ms     bigint NOT NULL CHECK (metered_ms >= 0),
    up_ms          bigint NOT NULL CHECK (up_ms >= 0),
    degraded_ms    bigint NOT NULL CHECK (degraded_ms >= 0),
    down_ms        bigint NOT NULL CHECK (down_ms >= 0),
    maintenance_ms bigint NOT NULL CHECK (maintenance_ms >= 0),
    customer_ms    bigint NOT NULL CHECK (customer_ms >= 0),
    downtime_ms    bigint NOT NULL CHECK (downtime_ms >= 0),
    PRIMARY KEY (invoice_id, month, day, site, node, device),
    CHECK (up_ms + degraded_ms + down_ms = metered_ms),
    CHECK (maintenance_ms + customer_ms + downtime_ms = degraded_ms + down_ms)
);
CREATE TRIGGER invoice_sla_evidence_guard BEFORE INSERT OR UPDATE OR DELETE ON invoice_sla_evidence
    FOR EACH ROW EXECUTE FUNCTION invoice_line_guard();
CREATE TRIGGER invoice_sla_evidence_no_truncate BEFORE TRUNCATE ON invoice_sla_evidence
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
