#!/bin/bash
# Issue 36's credits on the invoice: hand-computed months to the fen under
# alpha's SLA (docs/availability.md, "Credits"): a tier, the cap biting, an
# announced maintenance window excluded, customer-caused time excluded, a
# take-or-pay shortfall month with the commitment shrunk, a month meeting
# the target (no line); the evidence rows written with the draft, a rerun
# and the same scrapes collected twice change nothing, the issued
# invoice's evidence is frozen, and every document shows the line.
. "$(dirname "$0")/lib.sh"

ALPHA="(SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id
         WHERE c.code = 'alpha' AND i.kind = 'invoice' AND i.period ="
lines() { # alpha period: kind|detail|amount|tax of its invoice's lines
    q "SELECT string_agg(kind || '|' || detail || '|' || amount || '|' || tax, E'\n' ORDER BY line_no)
       FROM invoice_line WHERE invoice_id = $ALPHA '$2-01')"
}
totals() { # alpha period: subtotal|tax|total of its invoice
    q "SELECT subtotal || '|' || tax || '|' || total FROM invoice WHERE id = $ALPHA '$2-01')"
}
evidence() { # period: rows, and sums of metered, customer-caused, maintenance and downtime ms
    q "SELECT count(*) || '|' || coalesce(sum(metered_ms), 0) || '|' || coalesce(sum(customer_ms), 0)
              || '|' || coalesce(sum(maintenance_ms), 0) || '|' || coalesce(sum(downtime_ms), 0)
       FROM invoice_sla_evidence e JOIN invoice i ON i.id = e.invoice_id
       WHERE i.period = '$1-01' AND e.month = '$1-01'"
}
snapshot() { # everything a run writes for alpha's month
    q "SELECT (SELECT string_agg(l.line_no || l.kind || l.detail || l.amount || l.tax, ',' ORDER BY l.line_no)
               FROM invoice_line l WHERE l.invoice_id = i.id) || '/' || i.total || '/' ||
              (SELECT string_agg(e::text, ',' ORDER BY e.day, e.device) FROM invoice_sla_evidence e
               WHERE e.invoice_id = i.id)
       FROM invoice i JOIN customer c ON c.id = i.customer_id
       WHERE c.code = 'alpha' AND i.period = '$1-01' AND i.kind = 'invoice'"
}
a800_hours() { # account start-iso gpu-hours
    H800_SEQ=$((H800_SEQ + 1))
    printf 'l\t{"v":1,"source":"l","seq":%d,"account":"%s","cluster":"c","site":"s","model":"A800","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
        "$H800_SEQ" "$1" $(($3 * 3600000)) "$2" "$(date -u -d "$2 + 1 hour" +%FT%TZ)" |
        kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
}
health() { # seq start minutes state reasons: a window of gpu-node-07's GPU-x
    q "INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                                  end_at, window_ms, state, reasons)
       VALUES ('t', $1, 'sh-b', 'sh-lingang', 'gpu-node-07', 'GPU-x', 'H800', 'nvidia', '$2',
               '$2'::timestamptz + interval '$3 minutes', $3 * 60000, '$4', '$5')" >/dev/null
}
collect_node() { # state-dir: the demo's five scrapes of gpu-node-07 on 2026-06-15
    local t=0 at
    for at in 00:00 02:30 06:00 09:00 12:00; do
        "$GM" collect dcgm --health --file "$ROOT/scripts/seed/health/h800-node-t$t.prom" \
            --at "2026-06-15T$at:00Z" --state-dir "$1" --cluster sh-b \
            --site sh-lingang --node gpu-node-07 --max-gap 14400 >/dev/null 2>&1 || fail "collect scrape $t"
        t=$((t + 1))
    done
}

fresh || { fail "set up database and topic"; finish; }
# the seller and tax code the fapiao export needs
printf '%s\n' 'invoice.seller = 上海临港算力科技有限公司' 'invoice.seller_tax_id = 91310000MA1FL6TEST' \
    'fapiao.tax_code = 3040203000000000000' >>"$GPUMETER_CONFIG"
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null || fail "apply the site"
"$GM" maintenance apply /dev/stdin --actor ops >/dev/null <<'JSON' || fail "apply the maintenance"
{"maintenance": "lingang-2026", "effective_from": "2026-06-01",
 "windows": [{"site": "sh-lingang", "start": "2027-01-10T02:00:00+08:00", "end": "2027-01-10T06:00:00+08:00",
   "announced_at": "2026-12-01T10:00:00+08:00", "reason": "UPS replacement"}]}
JSON
# below 99.5: 10%, below 95: 30%, at most 20%; 10,000.00 a month of GPU
# time committed, shrunk with the capacity not delivered
SLA='"time_zone": "Asia/Shanghai", "commitment": {"amount": "10000.00", "meters": ["gpu_hours"]}, "sla": {"measured": "reserved", "reserved": [{"site": "sh-lingang", "node": "gpu-node-07"}], "target": "99.5", "tiers": [{"below": "99.5", "credit": "10"}, {"below": "95", "credit": "30"}], "cap": "20", "commitment_shrink": true, "excludes": ["maintenance", "customer_caused"]}'
out=$(seed_contract_with alpha "$SLA")
check_match "alpha's contract reserves gpu-node-07" "alpha-2026 version 2026-01-01" "$out"

# June: the demo's failing node through the real collector and the
# rater (scripts/seed/health/h800-node.source): 8 GPUs x 12 h metered =
# 345,600,000 ms; GPU 3 down 3.5 h (XID 79: 12,600,000), GPU 6 degraded
# 3 h by XID 13, which NVIDIA attributes to the application: excluded
# (10,800,000). Availability 333,000,000 / 345,600,000 = 96.3541..%:
# under 99.5, not under 95: 10%. Usage: H800 1,000 h = 16,800.00 (the
# reserved model: affected), A800 100 h = 950.00 (not). Over the
# 10,000.00 commitment: no shortfall. Credit 10% x 16,800.00 = 1,680.00,
# its tax -100.80. Were XID 13 counted: 93.2291%, 20% (cap): 3,360.00.
collect_node "$TMP/dcgm"
h800_hours ns-alpha 2026-06-10T02:00:00Z 1000
a800_hours ns-alpha 2026-06-10T02:00:00Z 100
"$GM" rate --until-idle >/dev/null 2>&1
check_eq "the node's 32 windows are rated" "32|H800" \
    "$(q "SELECT count(*) || '|' || string_agg(DISTINCT model, ',') FROM device_health WHERE node = 'gpu-node-07'")"
"$GM" invoice run --period 2026-06 >/dev/null 2>&1
check_eq "June run: exit 0" 0 "$?"
check_eq "June's lines: usage, then the credit (a tier; customer-caused time excluded)" \
"usage||95000|5700
usage||1680000|100800
sla_credit|96.3541% < 99.5%: 10% x 16800.00|-168000|-10080" \
    "$(lines alpha 2026-06)"
check_eq "June's totals: 17,750.00 - 1,680.00 = 16,070.00 + tax 964.20" "1607000|96420|1703420" \
    "$(totals alpha 2026-06)"
check_eq "June's evidence: 8 device-days, metered, customer-caused, maintenance, downtime" \
    "8|345600000|10800000|0|12600000" "$(evidence 2026-06)"

before=$(snapshot 2026-06)
"$GM" invoice run --period 2026-06 >/dev/null 2>&1
check_eq "a rerun changes nothing (lines, total, evidence)" "$before" "$(snapshot 2026-06)"
collect_node "$TMP/dcgm-again"
"$GM" rate --until-idle >/dev/null 2>&1
check_eq "the same scrapes collected again are duplicates" "32" \
    "$(q "SELECT count(*) FROM device_health WHERE node = 'gpu-node-07'")"
"$GM" invoice run --period 2026-06 >/dev/null 2>&1
check_eq "and change nothing" "$before" "$(snapshot 2026-06)"

# January 2027 (ahead: a maintenance window counts only when recorded
# with notice, so it is a month to come, its health written directly and
# no usage yet): GPU-x up 2,000 min, down 60 min inside the announced
# window (excluded), down 60 min outside: 2,060 / 2,120 = 97.1698..%: 10%.
# The minimum shrinks to 10,000.00 x 2,060 / 2,120 = 9,716.981.. ->
# 9,716.98, all of it shortfall and the affected charges; credit 971.698
# -> 971.70. Tax 583.0188 -> 583.02 - 58.302 -> 58.30 = 524.72. (Were the
# window not excluded: 94.3396%, 20% (cap).)
health 1 2027-01-03T00:00:00Z 2000 up '{}'
health 2 2027-01-09T19:00:00Z 60 down '{xid:79}'
health 3 2027-01-20T00:00:00Z 60 down '{xid:79}'
"$GM" invoice run --period 2027-01 >/dev/null 2>&1
check_eq "January's lines: the shrunk shortfall, the credit of it (maintenance excluded)" \
"shortfall|SLA: 10000.00 -> 9716.98|971698|58302
sla_credit|97.1698% < 99.5%: 10% x 9716.98|-97170|-5830" \
    "$(lines alpha 2027-01)"
check_eq "January's totals" "874528|52472|927000" "$(totals alpha 2027-01)"
check_eq "January's evidence" "3|127200000|0|3600000|3600000" "$(evidence 2027-01)"

# August: up 60 min, down 60 min: 50%, under 95: 30%, capped at 20%. The
# minimum shrinks to 5,000.00; shortfall 3,320.00; credit 20% x 5,000.00
# = 1,000.00.
health 4 2026-08-03T00:00:00Z 60 up '{}'
health 5 2026-08-04T00:00:00Z 60 down '{xid:79}'
h800_hours ns-alpha 2026-08-10T02:00:00Z 100
# September: up only: the target met, no credit line, the whole minimum.
health 6 2026-09-05T00:00:00Z 60 up '{}'
h800_hours ns-alpha 2026-09-10T02:00:00Z 100
"$GM" rate --until-idle >/dev/null 2>&1
"$GM" invoice run --period 2026-08 >/dev/null 2>&1
"$GM" invoice run --period 2026-09 >/dev/null 2>&1
check_eq "August's lines: the cap bites" \
"usage||168000|10080
shortfall|SLA: 10000.00 -> 5000.00|332000|19920
sla_credit|50.0000% < 95%: 20% (上限 cap) x 5000.00|-100000|-6000" \
    "$(lines alpha 2026-08)"
check_eq "August's totals" "400000|24000|424000" "$(totals alpha 2026-08)"
check_eq "September meets the target: no credit line, the minimum whole" \
"usage||168000|10080
shortfall||832000|49920" "$(lines alpha 2026-09)"
check_eq "September's evidence is still written" "1|3600000|0|0|0" "$(evidence 2026-09)"
# Health rated while a month is being invoiced (here by a trigger on the
# draft's evidence being cleared, between pricing and the evidence: the
# rerun leaves the unchanged header alone, schema 067): the run fails and
# writes nothing, so a credit never disagrees with its evidence.
september=$(snapshot 2026-09)
q "CREATE FUNCTION late_health() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS \$\$ BEGIN
     INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                                end_at, window_ms, state, reasons)
     VALUES ('t', 99, 'sh-b', 'sh-lingang', 'gpu-node-07', 'GPU-x', 'H800', 'nvidia',
             '2026-09-06T00:00:00Z', '2026-09-06T01:00:00Z', 3600000, 'down', '{xid:79}')
     ON CONFLICT DO NOTHING;
     RETURN NULL; END \$\$;
   CREATE TRIGGER late_health AFTER DELETE ON invoice_sla_evidence
     FOR EACH STATEMENT EXECUTE FUNCTION late_health()" >/dev/null
run_gm 1 "health rated during the run fails it" invoice run --period 2026-09
check_match "saying why" 'customer "alpha": health arrived while the month was invoiced' "$out"
q "DROP TRIGGER late_health ON invoice_sla_evidence; DROP FUNCTION late_health()" >/dev/null
check_eq "and nothing was written" "$september" "$(snapshot 2026-09)"
check_eq "customers without an sla have no evidence" "0" \
    "$(q "SELECT count(*) FROM invoice_sla_evidence e JOIN invoice i ON i.id = e.invoice_id
          JOIN customer c ON c.id = i.customer_id WHERE c.code <> 'alpha'")"

# Issued, June never changes: its evidence is frozen by the guard, and
# health arriving later leaves the issued invoice alone.
"$GM" invoice issue --period 2026-06 --customer alpha >/dev/null 2>&1
check_eq "June issued" "issued" \
    "$(q "SELECT status FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'alpha' AND i.period = '2026-06-01' AND i.kind = 'invoice'")"
refused_as "billing may not update evidence at all (least privilege)" gpumeter_billing \
    "UPDATE invoice_sla_evidence SET downtime_ms = 0, customer_ms = customer_ms + downtime_ms" \
    "permission denied for table invoice_sla_evidence"
refused_as "nor delete an issued invoice's (the guard)" gpumeter_billing \
    "DELETE FROM invoice_sla_evidence WHERE month = '2026-06-01'" \
    "the lines of an invoice that is issued are immutable"
refused_as "nor add to it" gpumeter_billing \
    "INSERT INTO invoice_sla_evidence SELECT invoice_id, month, day + 1, site, node, device, model,
       metered_ms, up_ms, degraded_ms, down_ms, maintenance_ms, customer_ms, downtime_ms
     FROM invoice_sla_evidence WHERE month = '2026-06-01' AND day = '2026-06-15' LIMIT 1" \
    "the lines of an invoice that is issued are immutable"
health 7 2026-06-20T00:00:00Z 600 down '{xid:79}'
"$GM" invoice run --period 2026-06 >/dev/null 2>&1
check_eq "late health leaves the issued June as it was" "$before" "$(snapshot 2026-06)"

# Every document shows June's credit and agrees with the invoice.
number=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id
            WHERE c.code = 'alpha' AND i.period = '2026-06-01' AND i.kind = 'invoice'")
out=$("$GM" invoice show "$number" 2>&1)
check_match "the text invoice shows the credit line" "sla_credit.*-1680\.00" "$out"
"$GM" invoice show "$number" --format pdf --output "$TMP/jan.pdf" >/dev/null 2>&1
pdftotext "$TMP/jan.pdf" "$TMP/jan.txt" 2>/dev/null
check_match "the PDF names it in Chinese" "服务等级\(SLA\)赔付" "$(cat "$TMP/jan.txt")"
check_match "and in English, with its availability, tier and base" \
    "SLA credit · 96.3541% < 99.5%: 10% x 16800.00" "$(tr -s ' \n' ' ' <"$TMP/jan.txt")"
check_match "and its amount" "-1,?680\.00" "$(cat "$TMP/jan.txt")"
"$GM" export etax --period 2026-06 --output "$TMP/jan.xlsx" >/dev/null 2>"$TMP/etax.err"
check_eq "the fapiao export succeeds" "0 " "$? $(cat "$TMP/etax.err")"
python3 "$ROOT/tests/tools/xlsx_cells.py" "$TMP/jan.xlsx" >"$TMP/jan-cells.txt"
check_eq "the fapiao carries the credit as a negative line at the invoice's rate" "1" \
    "$(grep -c $'\tB=服务等级(SLA)赔付 · 96.3541% < 99.5%: 10% x 16800.00\t.*\tH=-1680.00\tI=0.06$' "$TMP/jan-cells.txt")"
check_eq "its lines and their tax (each line x rate, rounded once) are the invoice's to the fen" \
    "$(q "SELECT subtotal || ' ' || tax FROM invoice WHERE number = '$number'")" \
    "$(python3 - "$TMP/jan-cells.txt" "$number" <<'PY'
import sys
from decimal import Decimal, ROUND_HALF_UP
amount = tax = Decimal(0)
for line in open(sys.argv[1], encoding="utf-8"):
    head, *cells = line.rstrip("\n").split("\t")
    c = dict(x.split("=", 1) for x in cells)
    if head.startswith("2-发票明细信息!") and c.get("A") == sys.argv[2] and "H" in c:
        amount += Decimal(c["H"])
        tax += (Decimal(c["H"]) * Decimal(c["I"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
print(int(amount * 100), int(tax * 100))
PY
)"
"$GM" export focus --period 2026-06 --customer alpha --output "$TMP/focus.csv" >/dev/null 2>&1
check_eq "FOCUS sums to the invoice" "$(invoice_sums 2026-06-01 alpha)" "$(focus_sums "$TMP/focus.csv")"
check_eq "FOCUS calls the credit a Credit of the service level" "1" \
    "$(grep -c 'Credit.*Service level credit.*-1680' "$TMP/focus.csv")"
check_match "the statement equals the invoice" '"due_minor":1703420' \
    "$("$GM" statement --customer alpha --period 2026-06 --format json 2>&1)"
check_eq "the receivables ledger holds the invoice's total" "1703420" \
    "$(q "SELECT open FROM invoice_open_at(now()) WHERE number = '$number'")"
check_match "the draft statement of August shows its credit" '"kind":"sla_credit"' \
    "$("$GM" statement --customer alpha --period 2026-08 --format json 2>&1)"
# A contract terminated mid-month: its final month's commitment is
# pro-rated to the days it served (10,000.00 x 20/31 = 6,451.61), then
# shrunk by the availability of those days only. gpu-node-07 is up from
# 1 to 20 March (local), alpha's last day, then reclaimed: down 21 to 25
# March (device_gone), up again after. That is no longer alpha's
# capacity, so nothing is shrunk or credited (had sla_windows taken the
# month's every window counted: 83.8709%, the minimum shrunk to 5,411.03
# and credited 20%).
health 8 2027-02-28T16:00:00Z 28800 up '{}'
health 9 2027-03-20T16:00:00Z 7200 down '{device_gone}'
health 10 2027-03-25T16:00:00Z 8640 up '{}'
out=$("$GM" contract terminate alpha-2026 --date 2027-03-20 --noticed 2026-12-01 --reason test \
    --actor ops 2>&1) || fail "terminate alpha: $out"
"$GM" invoice run --period 2027-03 >/dev/null 2>&1
check_eq "the final month: the pro-rated minimum unshrunk, no credit for health after the last day" \
    "shortfall||645161" \
    "$(q "SELECT string_agg(kind || '|' || detail || '|' || amount, E'\n' ORDER BY line_no)
          FROM invoice_line WHERE invoice_id = $ALPHA '2027-03-01')
            AND kind IN ('shortfall', 'sla_credit') AND adjusts IS NULL")"
# (the June health added above after June was issued comes back here as
# June's late adjustment, the late-usage rule: 87.2641% now, under 95: 20%
# capped, 3,360.00, of which June credited 1,680.00)
check_eq "March also carries June's late adjustment" \
    "sla_credit|2026-06: 87.2641% < 95%: 20% (上限 cap) x 16800.00 = 3360.00 - 1680.00|-168000" \
    "$(q "SELECT string_agg(kind || '|' || detail || '|' || amount, E'\n' ORDER BY line_no)
          FROM invoice_line WHERE invoice_id = $ALPHA '2027-03-01') AND adjusts IS NOT NULL")"
check_eq "its evidence is the served days': one window of 20 days, up" "1|1728000000|0|0|0" \
    "$(evidence 2027-03)"
finish
