#!/bin/bash
# Issue 36: health that arrives after a month's invoice was issued follows
# the late-usage rule (docs/availability.md, "Late health"): the difference
# to the month's SLA credit is one sla_credit line on the next invoice,
# adjusts naming the month, with that month's new evidence; the issued
# invoice and its evidence never change. Hand-computed to the fen.
. "$(dirname "$0")/lib.sh"

INV="(SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id
       WHERE c.code = 'alpha' AND i.kind = 'invoice' AND i.status <> 'void' AND i.period ="
lines() { # period: kind|adjusts|detail|amount|tax of alpha's invoice's lines
    q "SELECT string_agg(kind || '|' || coalesce(to_char(adjusts, 'YYYY-MM'), '') || '|' || detail
                         || '|' || amount || '|' || tax, E'\n' ORDER BY line_no)
       FROM invoice_line WHERE invoice_id = $INV '$1-01')"
}
totals() { q "SELECT subtotal || '|' || tax || '|' || total FROM invoice WHERE id = $INV '$1-01')"; }
evidence() { # invoice-period month: rows|metered|downtime of that month's evidence on the invoice
    q "SELECT count(*) || '|' || coalesce(sum(metered_ms), 0) || '|' || coalesce(sum(downtime_ms), 0)
       FROM invoice_sla_evidence WHERE invoice_id = $INV '$1-01') AND month = '$2-01'"
}
frozen() { # period: a hash of the invoice's total, lines and evidence
    q "SELECT md5(i.total || '/' ||
              (SELECT string_agg(l::text, ',' ORDER BY l.line_no) FROM invoice_line l
               WHERE l.invoice_id = i.id) || '/' ||
              coalesce((SELECT string_agg(e::text, ',' ORDER BY e.month, e.day, e.device)
               FROM invoice_sla_evidence e WHERE e.invoice_id = i.id), ''))
       FROM invoice i WHERE i.id = $INV '$1-01')"
}
health() { # seq start minutes state reasons: a window of gpu-node-07's GPU-x
    q "INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                                  end_at, window_ms, state, reasons)
       VALUES ('t', $1, 'sh-b', 'sh-lingang', 'gpu-node-07', 'GPU-x', 'H800', 'nvidia', '$2',
               '$2'::timestamptz + interval '$3 minutes', $3 * 60000, '$4', '$5')" >/dev/null
}
run() { "$GM" invoice run --period "$1" >/dev/null 2>&1 || fail "invoice run $1"; }
issue() { "$GM" invoice issue --period "$1" --customer alpha >/dev/null 2>&1 || fail "issue $1"; }

fresh || { fail "set up database and topic"; finish; }
printf '%s\n' 'invoice.seller = 上海临港算力科技有限公司' 'invoice.seller_tax_id = 91310000MA1FL6TEST' \
    'fapiao.tax_code = 3040203000000000000' >>"$GPUMETER_CONFIG"
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null || fail "apply the site"
# below 99.5: 10%, below 95: 30%, at most 20%; no commitment
SLA='"time_zone": "Asia/Shanghai", "sla": {"measured": "reserved", "reserved": [{"site": "sh-lingang", "node": "gpu-node-07"}], "target": "99.5", "tiers": [{"below": "99.5", "credit": "10"}, {"below": "95", "credit": "30"}], "cap": "20", "excludes": ["maintenance", "customer_caused"]}'
out=$(seed_contract_with alpha "$SLA")
check_match "alpha's contract reserves gpu-node-07" "alpha-2026 version 2026-01-01" "$out"

# October: H800 100 h = 1,680.00; GPU-x up 990 min (5th), down 10 min
# (6th): 990 / 1,000 = 99.0000%: under 99.5, 10% x 1,680.00 = 168.00.
h800_hours ns-alpha 2026-10-10T02:00:00Z 100
h800_hours ns-alpha 2026-11-10T02:00:00Z 20
h800_hours ns-alpha 2026-12-02T02:00:00Z 10
"$GM" rate --until-idle >/dev/null 2>&1
health 1 2026-10-05T00:00:00Z 990 up '{}'
health 2 2026-10-06T00:00:00Z 10 down '{xid:79}'
run 2026-10
check_eq "October: usage, its credit" \
"usage|||168000|10080
sla_credit||99.0000% < 99.5%: 10% x 1680.00|-16800|-1008" "$(lines 2026-10)"
issue 2026-10
october=$(frozen 2026-10)

# Late health for October, rated in November: 100 min down on the 20th.
# October now: 990 / 1,100 = 90.0000%: under 95, 30%, capped at 20%:
# 336.00. Credited before 168.00: November adjusts October by -168.00,
# tax -10.08. November itself: 20 h = 336.00, GPU-x up 60 min (100%: no
# credit). Subtotal 336.00 - 168.00 = 168.00, tax 20.16 - 10.08 = 10.08.
health 3 2026-10-20T00:00:00Z 100 down '{xid:79}'
health 4 2026-11-05T00:00:00Z 60 up '{}'
run 2026-11
check_eq "November carries October's adjustment: exact amount, tax, detail" \
"usage|||33600|2016
sla_credit|2026-10|2026-10: 90.0000% < 95%: 20% (上限 cap) x 1680.00 = 336.00 - 168.00|-16800|-1008" \
    "$(lines 2026-11)"
check_eq "November's totals" "16800|1008|17808" "$(totals 2026-11)"
check_eq "November's draft carries October's new evidence: 3 days, metered, downtime" \
    "3|66000000|6600000" "$(evidence 2026-11 2026-10)"
check_eq "and its own month's" "1|3600000|0" "$(evidence 2026-11 2026-11)"
check_eq "the issued October is unchanged (lines, evidence)" "$october" "$(frozen 2026-10)"
check_eq "October's own evidence is still the issued one" "2|60000000|600000" \
    "$(evidence 2026-10 2026-10)"
november=$(frozen 2026-11)
run 2026-11
check_eq "a rerun of November changes nothing" "$november" "$(frozen 2026-11)"
# October's health rated while November is invoiced (a trigger on the
# draft's evidence being cleared, between pricing and the evidence: the
# rerun leaves the unchanged header alone, schema 067): the check covers
# the late month's evidence too, so the run fails and writes nothing.
q "CREATE FUNCTION late_health() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS \$\$ BEGIN
     INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                                end_at, window_ms, state, reasons)
     VALUES ('t', 99, 'sh-b', 'sh-lingang', 'gpu-node-07', 'GPU-x', 'H800', 'nvidia',
             '2026-10-21T00:00:00Z', '2026-10-21T01:00:00Z', 3600000, 'down', '{xid:79}')
     ON CONFLICT DO NOTHING;
     RETURN NULL; END \$\$;
   CREATE TRIGGER late_health AFTER DELETE ON invoice_sla_evidence
     FOR EACH STATEMENT EXECUTE FUNCTION late_health()" >/dev/null
run_gm 1 "October's health rated during November's run fails it" invoice run --period 2026-11
check_match "saying why" 'customer "alpha": health arrived while the month was invoiced' "$out"
q "DROP TRIGGER late_health ON invoice_sla_evidence; DROP FUNCTION late_health()" >/dev/null
check_eq "and nothing was written" "$november 0" \
    "$(frozen 2026-11) $(q "SELECT count(*) FROM device_health WHERE seq = 99")"

# November issued: its documents show the adjustment.
issue 2026-11
number=$(q "SELECT number FROM invoice WHERE id = $INV '2026-11-01')")
"$GM" invoice show "$number" --format pdf --output "$TMP/nov.pdf" >/dev/null 2>&1
pdftotext "$TMP/nov.pdf" "$TMP/nov.txt" 2>/dev/null
nov_text=$(tr -s ' \n' ' ' <"$TMP/nov.txt")
check_match "the PDF carries the adjustment's detail" \
    "2026-10: 90.0000% < 95%: 20% \(上限 cap\) x 1680.00 = 336.00 - 168.00" "$nov_text"
check_match "and October's evidence pages: the month at 90.0000%" \
    "Month measured, availability 2026-10 90\.0000%" "$nov_text"
check_match "with its late day, 1.667 GPU-hours down" "2026-10-20 1\.667 0\.000 0\.000 1\.667 0\.0000%" \
    "$nov_text"
check_match "beside November's own" "Month measured, availability 2026-11 100\.0000%" "$nov_text"
"$GM" export focus --period 2026-11 --customer alpha --output "$TMP/focus.csv" >/dev/null 2>&1
check_eq "FOCUS sums to November's invoice" "$(invoice_sums 2026-11-01 alpha)" \
    "$(focus_sums "$TMP/focus.csv")"
check_eq "FOCUS carries the adjustment as a service level credit" "1" \
    "$(grep -c 'Service level credit.*-168' "$TMP/focus.csv")"
"$GM" export etax --period 2026-11 --output "$TMP/nov.xlsx" >/dev/null 2>"$TMP/etax.err"
check_eq "the fapiao export succeeds" "0 " "$? $(cat "$TMP/etax.err")"
python3 "$ROOT/tests/tools/xlsx_cells.py" "$TMP/nov.xlsx" >"$TMP/nov-cells.txt"
check_eq "the fapiao carries the adjustment as a negative line at the invoice's rate" "1" \
    "$(grep -c $'\tB=服务等级(SLA)赔付 · 2026-10: 90.0000% < 95%: 20% (上限 cap) x 1680.00 = 336.00 - 168.00\t.*\tH=-168.00\tI=0.06$' "$TMP/nov-cells.txt")"
st=$("$GM" statement --customer alpha --period 2026-11 --format json 2>&1)
check_match "the statement shows the line, adjusting October" \
    '"kind":"sla_credit"[^}]*"adjusts":"2026-10"' "$st"
check_match "and equals the invoice" '"due_minor":17808' "$st"

# December finds nothing more for October.
run 2026-12
check_eq "December: its usage only (no health of December: nothing measured, no line)" \
    "usage|||16800|1008" "$(lines 2026-12)"
check_eq "December carries no October evidence" "0|0|0" "$(evidence 2026-12 2026-10)"

# A late up window that moves October's availability but not its tier:
# 1,090 / 1,200 = 90.8333%: still 20% (cap) of 1,680.00 = 336.00, what
# was credited (168.00 + 168.00): no line, no evidence.
health 5 2026-10-25T00:00:00Z 100 up '{}'
run 2026-12
check_eq "a late window that changes no tier: December unchanged" \
    "usage|||16800|1008" "$(lines 2026-12)"
check_eq "and no evidence of October on it" "0|0|0" "$(evidence 2026-12 2026-10)"

# Late up time that lifts October over a tier: 6,090 / 6,200 = 98.2258%:
# 10% x 1,680.00 = 168.00 against 336.00 credited: December claws back
# +168.00 (tax +10.08).
health 6 2026-10-26T00:00:00Z 5000 up '{}'
run 2026-12
check_eq "late up time claws back what was credited too much" \
"usage|||16800|1008
sla_credit|2026-10|2026-10: 98.2258% < 99.5%: 10% x 1680.00 = 168.00 - 336.00|16800|1008" \
    "$(lines 2026-12)"
check_eq "with October's evidence as it is now" "5|372000000|6600000" "$(evidence 2026-12 2026-10)"
check_eq "the issued October and November never changed" "$october $november" \
    "$(frozen 2026-10) $(frozen 2026-11)"

# Maintenance versions governing a credited month are refused, as plans
# and contracts are for issued months: October's evidence stands on the
# October and November invoices, November's on November's.
oct_no=$(q "SELECT number FROM invoice WHERE id = $INV '2026-10-01')")
maint() { # effective_from window-start
    printf '{"maintenance": "lingang", "effective_from": "%s", "windows": [{"site": "sh-lingang",
      "start": "%s", "end": "2027-01-01T00:00:00Z", "announced_at": "2026-09-01T00:00:00Z",
      "reason": "UPS"}]}' "$1" "$2" >"$TMP/maint.json"
}
maint 2026-10-01 2026-10-02T00:00:00Z
run_gm 2 "a maintenance version from October is refused" maintenance apply "$TMP/maint.json"
check_eq "naming each credited month and the invoice carrying its evidence" \
"gpumeter: error: maintenance lingang version 2026-10-01 would govern the SLA evidence of 3 issued months
customer alpha 2026-10: invoice $oct_no
customer alpha 2026-10: invoice $number
customer alpha 2026-11: invoice $number" "$(grep -v '^DETAIL\|^HINT' <<<"$out")"
check_eq "nothing stored" "0" "$(q "SELECT count(*) FROM document WHERE kind = 'maintenance'")"
maint 2026-11-15 2026-11-16T00:00:00Z
run_gm 2 "one from mid-November is refused for November" maintenance apply "$TMP/maint.json" --dry-run
check_match "naming November only" "would govern the SLA evidence of 1 issued month
customer alpha 2026-11: invoice $number" "$out"
maint 2026-12-01 2026-12-02T00:00:00Z
run_gm 0 "one from December (a draft month) is stored" maintenance apply "$TMP/maint.json"

# October voided and invoiced again: its new invoice credits October as
# its health is now (98.2258%: 10% x 1,680.00 = 168.00) and deducts what
# November already credited of it (+168.00, naming November's invoice),
# so October is credited 168.00 in all; December's claw-back of October
# is gone (October has no standing invoice until the new one is issued).
"$GM" invoice void "$oct_no" --reason "SLA re-issue test" >/dev/null 2>&1 || fail "void October"
run 2026-10
check_eq "the new October: its credit now, less what November credited" \
"usage|||168000|10080
sla_credit|2026-10|2026-10: $number|16800|1008
sla_credit||98.2258% < 99.5%: 10% x 1680.00|-16800|-1008" "$(lines 2026-10)"
check_eq "its evidence is October's own, once" "5|372000000|6600000" "$(evidence 2026-10 2026-10)"
run 2026-12
check_eq "December: no adjustment of a month with no standing invoice" \
    "usage|||16800|1008" "$(lines 2026-12)"
issue 2026-10
run 2026-12
check_eq "the new October issued: credited -168.00 + 168.00 - 168.00 = 168.00, as owed: nothing" \
    "usage|||16800|1008" "$(lines 2026-12)"
finish
