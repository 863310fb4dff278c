#!/bin/bash
# Money corners that finance must be able to defend, hand-computed before
# running anything and produced through the real path (events into Kafka,
# rate, invoice run, invoice issue), March 2026:
# - a real fleet's month on one line (704,000 H800-hours; 17,000 kWh at
#   PUE 1.25) is exact, and a customer whose line cannot be an amount, or
#   who has usage and no contract, is reported while everyone else is
#   invoiced;
# - a pre-tax and two after-tax vouchers on the same lines: one subsidy per
#   charge;
# - a domestic-only voucher covers tokens by the GPU time of their training
#   jobs on domestic accelerators;
# - training detection and the uncovered-usage warning use the contract's
#   local month (first and last local day);
# - half-hour and 45-minute zones are refused at contract apply.
# Then scripts/check-totals.sql prices the same month independently.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
for c in big huge vouch dom local early over over2; do "$GM" customer add "$c" --name "Customer $c" >/dev/null; done
cat >"$TMP/site.json" <<'JSON'
{"site": "sz1", "name": "Shenzhen 1", "effective_from": "2026-01-01", "pue": "1.25"}
JSON
cat >"$TMP/plan.json" <<'JSON'
{"plan": "corners", "name": "Corners 2026", "currency": "CNY", "effective_from": "2026-01-01",
 "gpu_hours": {"prices": [{"model": "H800", "unit_price": "16.80"},
                          {"model": "Ascend910B", "unit_price": "8.50"}]},
 "tokens": {"brackets": [{"unit_price": "3.00"}]},
 "energy_kwh": {"unit_price": "0.55"}}
JSON
"$GM" site apply "$TMP/site.json" >/dev/null && "$GM" plan apply "$TMP/plan.json" >/dev/null
check_eq "site and plan are applied" 0 "$?"
contract() { # customer basis extra-json
    printf '{"contract": "%s-2026", "customer": "%s", "effective_from": "%s", "plan": "corners",
 "currency": "CNY", "tax_rate": "0.06", "billing_basis": "%s", "accounts": [{"account": "ns-%s"%s}]%s}\n' \
        "$1" "$1" "${4:-2026-01-01}" "$2" "$1" "${5:-}" "${3:-}" >"$TMP/k-$1.json"
    "$GM" contract apply "$TMP/k-$1.json" >/dev/null || fail "contract $1 applies: expected exit 0 from contract apply, got a failure"
}
contract big gpu_hours
contract huge gpu_hours ', "overrides": [{"meter": "gpu_hours", "model": "H800", "unit_price": "900000000000.00"}]'
contract vouch gpu_hours
contract dom tokens
contract local tokens '' 2026-01-01 ', "job_prefix": "j-"'
contract early gpu_hours '' 2026-04-01
contract over tokens
contract over2 tokens

# Half-hour and 45-minute zones are refused, with the reason (docs/rating.md).
for tz in Asia/Kolkata Asia/Kathmandu; do
    sed "s|\"tax_rate\": \"0.06\"|\"tax_rate\": \"0.06\", \"time_zone\": \"$tz\"|" "$TMP/k-local.json" \
        >"$TMP/tz.json"
    err=$("$GM" contract apply "$TMP/tz.json" 2>&1 >/dev/null)
    check_eq "a contract in $tz exits 2" 2 "$?"
    check_match "naming the offset" \
        "^\\\$.time_zone: time zone \"$tz\" is not a whole number of hours from UTC \\(on 2026-01-01, UTC\\+05:(30|45)\\)" \
        "$err"
done

cat >"$TMP/v.json" <<'JSON'
[{"voucher": "p-1", "program": "pre-gpu", "customer": "vouch", "coverage": "0.20",
  "applies": "pre_tax", "priority": 1, "eligible": {"meters": ["gpu_hours"]}},
 {"voucher": "a-1", "program": "after-gpu", "customer": "vouch", "coverage": "0.30",
  "priority": 2, "eligible": {"meters": ["gpu_hours"]}},
 {"voucher": "b-1", "program": "after-all", "customer": "vouch", "coverage": "0.10", "priority": 3},
 {"voucher": "d-1", "program": "domestic", "customer": "dom", "coverage": "0.30",
  "eligible": {"meters": ["tokens"], "domestic_only": true}}]
JSON
for i in 0 1 2 3; do
    jq ".[$i] + {currency: \"CNY\", face_value: \"100000.00\", valid_from: \"2026-01-01\",
                 valid_until: \"2026-12-31\"}" "$TMP/v.json" >"$TMP/v$i.json"
    "$GM" voucher issue "$TMP/v$i.json" >/dev/null || fail "voucher $i is issued: expected exit 0 from voucher issue, got a failure"
done

H=3600000
KWH=3600000000 # mJ
seq=0
ev() { # account start end fields
    seq=$((seq + 1))
    printf 'x\t{"v":1,"source":"x","seq":%d,"account":"ns-%s","cluster":"c","start":"%s","end":"%s",%s}\n' \
        "$seq" "$1" "$2" "$3" "$4"
}
H800='"model":"H800","vendor":"nvidia"'
ASC='"model":"Ascend910B","vendor":"huawei"'
{
    # big: 704,000 H800-hours over 22 days, and 17,000 kWh of Ascend energy.
    ev big 2026-03-02T00:00:00Z 2026-03-24T00:00:00Z "$H800,\"site\":\"sz1\",\"gpu_ms\":$((704000 * H))"
    ev big 2026-03-02T00:00:00Z 2026-03-24T00:00:00Z "$ASC,\"site\":\"sz1\",\"energy_mj\":$((17000 * KWH))"
    # huge: 1,000,000 H800-hours at 900,000,000,000.00 an hour.
    ev huge 2026-03-02T00:00:00Z 2026-03-30T00:00:00Z "$H800,\"site\":\"sz1\",\"gpu_ms\":$((1000000 * H))"
    # early: usage in March, its contract starts in April.
    ev early 2026-03-10T00:00:00Z 2026-03-10T01:00:00Z "$H800,\"site\":\"sz1\",\"gpu_ms\":$H"
    # vouch: 625 H800-hours, 1,000 kWh at a site without a document (PUE 1).
    ev vouch 2026-03-10T00:00:00Z 2026-03-11T00:00:00Z "$H800,\"site\":\"s0\",\"gpu_ms\":$((625 * H))"
    ev vouch 2026-03-10T00:00:00Z 2026-03-11T00:00:00Z "$H800,\"site\":\"s0\",\"energy_mj\":$((1000 * KWH))"
    # dom: job t1 trains 300 h on Ascend910B, t2 100 h on H800; 2,000 M tokens.
    ev dom 2026-03-10T00:00:00Z 2026-03-11T00:00:00Z "$ASC,\"site\":\"sz1\",\"job\":\"t1\",\"gpu_ms\":$((300 * H))"
    ev dom 2026-03-10T00:00:00Z 2026-03-11T00:00:00Z "$H800,\"site\":\"sz1\",\"job\":\"t2\",\"gpu_ms\":$((100 * H))"
    ev dom 2026-03-10T00:00:00Z 2026-03-10T01:00:00Z "\"site\":\"sz1\",\"job\":\"t1\",\"tokens\":1500000000"
    ev dom 2026-03-10T00:00:00Z 2026-03-10T01:00:00Z "\"site\":\"sz1\",\"job\":\"t2\",\"tokens\":500000000"
    # local (Asia/Shanghai, UTC+8). j-late reported tokens on the last day of
    # February only, j-next on the first day of April only: their March GPU
    # time is not training, 10 h + 2 h are billed. j-first and j-last report
    # tokens on March's first and last local day (UTC February 28 and March
    # 31): training, their GPU time is paid by their tokens.
    ev local 2026-02-28T10:00:00Z 2026-02-28T10:15:00Z "\"site\":\"sz1\",\"job\":\"j-late\",\"tokens\":1000000"
    ev local 2026-03-10T00:00:00Z 2026-03-10T01:00:00Z "$H800,\"site\":\"sz1\",\"job\":\"j-late\",\"gpu_ms\":$((10 * H))"
    ev local 2026-03-31T16:30:00Z 2026-03-31T16:45:00Z "\"site\":\"sz1\",\"job\":\"j-next\",\"tokens\":1000000"
    ev local 2026-03-25T00:00:00Z 2026-03-25T01:00:00Z "$H800,\"site\":\"sz1\",\"job\":\"j-next\",\"gpu_ms\":$((2 * H))"
    ev local 2026-02-28T16:30:00Z 2026-02-28T16:45:00Z "\"site\":\"sz1\",\"job\":\"j-first\",\"tokens\":100000000"
    ev local 2026-03-05T00:00:00Z 2026-03-05T01:00:00Z "$H800,\"site\":\"sz1\",\"job\":\"j-first\",\"gpu_ms\":$((5 * H))"
    ev local 2026-03-31T15:30:00Z 2026-03-31T15:45:00Z "\"site\":\"sz1\",\"job\":\"j-last\",\"tokens\":100000000"
    ev local 2026-03-20T00:00:00Z 2026-03-20T01:00:00Z "$H800,\"site\":\"sz1\",\"job\":\"j-last\",\"gpu_ms\":$((5 * H))"
    # Jobs outside the contract's prefix: one on March's first local day, one
    # on April's.
    ev local 2026-02-28T18:00:00Z 2026-02-28T19:00:00Z "$H800,\"site\":\"sz1\",\"job\":\"o-first\",\"gpu_ms\":$H"
    ev local 2026-03-31T18:00:00Z 2026-03-31T19:00:00Z "$H800,\"site\":\"sz1\",\"job\":\"o-april\",\"gpu_ms\":$H"
} >"$TMP/events.tsv"
kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t' <"$TMP/events.tsv"
"$GM" rate --until-idle 2>/dev/null
check_counters "the rater rated every event" "$seq $seq 0 0"
run_march() { GPUMETER_GRACE_DAYS=0 "$GM" invoice run --period 2026-03 >"$TMP/run.out" 2>"$TMP/run.err"; }

run_march
check_eq "a run with customers that cannot be priced exits 1" 1 "$?"
check_eq "after writing everyone else's draft" \
    "big draft dom draft early failed huge failed local draft vouch draft" \
    "$(awk '{print $1, $3}' "$TMP/run.out" | grep -v '^\(alpha\|beta\|gamma\) ' | sort | xargs)"
check_match "the line beyond the largest amount is named" \
    'customer "huge" not invoiced: .*comes to more than the largest amount, 9223372036854775807 minor units' \
    "$(cat "$TMP/run.err")"
check_match "and the usage without a contract" \
    'customer "early" not invoiced: usage in 2026-03 but no contract in effect' "$(cat "$TMP/run.err")"
check_eq "both are recorded for finance" "early|usage huge|the" \
    "$(q "SELECT string_agg(c.code || '|' || split_part(p.reason, ' ', 1), ' ' ORDER BY c.code)
          FROM invoice_problem p JOIN customer c ON c.id = p.customer_id")"
check_match "the uncovered usage of March's first local day is named in March" \
    'account "ns-local" has 1 hourly usage rows in 2026-03 that no contract covers \(jobs: o-first\)' \
    "$(cat "$TMP/run.err")"

inv() { # customer -> "subtotal tax total claimed due"
    q "SELECT subtotal || ' ' || tax || ' ' || total || ' ' || claimed || ' ' || due FROM invoice i
       JOIN customer c ON c.id = i.customer_id WHERE c.code = '$1' AND i.period = '2026-03-01'"
}
lines() { # customer -> "kind:meter:model:amount ..." in line order
    q "SELECT string_agg(l.kind || ':' || l.meter || ':' || l.model || ':' || l.amount, ' '
                         ORDER BY l.line_no)
       FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
       JOIN customer c ON c.id = i.customer_id WHERE c.code = '$1' AND i.period = '2026-03-01'"
}
claims() { # customer -> "voucher:amount ..."
    q "SELECT string_agg(r.voucher || ':' || r.amount, ' ' ORDER BY r.voucher)
       FROM voucher_redemption r JOIN customer c ON c.id = r.customer_id
       WHERE c.code = '$1' AND r.period = '2026-03-01'"
}
# 704,000 h x 16.80 = 11,827,200.00; 17,000 kWh x 1.25 x 0.55 = 11,687.50;
# tax 6% of 11,838,887.50 = 710,333.25.
check_eq "a fleet's month on one line, to the fen" \
    "usage:energy_mj:Ascend910B:1168750 usage:gpu_ms:H800:1182720000" "$(lines big)"
check_fields "and its invoice" "$INVOICE_FIELDS" "1183888750 71033325 1254922075 0 1254922075" "$(inv big)"
# GPU 625 h = 10,500.00, energy 1,000 kWh = 550.00. P (pre-tax, 20% of
# GPU) -2,100.00: subtotal 8,950.00, tax 537.00, total 9,487.00. A (after
# tax, 30% of GPU) takes what GPU still costs: 8,400.00 + 6% = 8,904.00,
# 30% = 2,671.20, of which 2,520.00 pays the charge itself. B (10% of all)
# takes GPU 5,880.00 + energy 550.00 = 6,430.00 + 6% = 6,815.80: 681.58.
check_eq "a pre-tax voucher is one discount line" "-210000" \
    "$(q "SELECT l.amount FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
          JOIN customer c ON c.id = i.customer_id WHERE c.code = 'vouch' AND l.kind = 'voucher_discount'")"
check_eq "after-tax vouchers take what each charge still costs" "a-1:267120 b-1:68158 p-1:210000" \
    "$(claims vouch)"
check_fields "one subsidy per charge: claimed 3,352.78, due 6,134.22" "$INVOICE_FIELDS" "895000 53700 948700 335278 613422" \
    "$(inv vouch)"
# 2,000 M tokens = 6,000.00; training on Ascend910B is 300 of 400 GPU
# hours: 4,500.00 eligible, with tax 4,770.00, 30% = 1,431.00.
check_eq "a domestic-only voucher covers tokens trained on domestic accelerators" "d-1:143100" \
    "$(claims dom)"
check_fields "and the token invoice" "$INVOICE_FIELDS" "600000 36000 636000 143100 492900" "$(inv dom)"
# GPU time of j-late and j-next: 12 h x 16.80 = 201.60; tokens of j-first
# and j-last: 200 M x 3.00 = 600.00. Tax 6% of 801.60 = 48.10.
check_eq "training is what reports tokens in the local month" \
    "usage:gpu_ms:H800:20160 usage:tokens:any size:60000" "$(lines local)"
check_fields "and its invoice" "$INVOICE_FIELDS" "80160 4810 84970 0 84970" "$(inv local)"

GPUMETER_GRACE_DAYS=0 "$GM" invoice issue --period 2026-03 >/dev/null 2>"$TMP/issue.err"
check_eq "the rest are issued" "big dom local vouch" \
    "$(q "SELECT string_agg(c.code, ' ' ORDER BY c.code) FROM invoice i
          JOIN customer c ON c.id = i.customer_id WHERE i.status = 'issued'")"
check_match "naming who was not invoiced" 'customer "huge" has no invoice for 2026-03: the last invoice run could not price it' "$(cat "$TMP/issue.err")"

# The same month priced by arithmetic independent of gpumeter's C.
cat >"$TMP/expected.csv" <<CSV
account,meter,model,quantity
ns-big,gpu_ms,H800,$((704000 * H))
ns-big,energy_mj,Ascend910B,$((17000 * KWH))
ns-vouch,gpu_ms,H800,$((625 * H))
ns-vouch,energy_mj,H800,$((1000 * KWH))
ns-dom,gpu_ms,Ascend910B,$((300 * H))
ns-dom,gpu_ms,H800,$((100 * H))
ns-dom,tokens,,2000000000
ns-local,gpu_ms,H800,$((23 * H))
ns-local,tokens,,200000000
ns-huge,gpu_ms,H800,$((1000000 * H))
ns-early,gpu_ms,H800,$H
CSV
cat >"$TMP/terms.csv" <<'CSV'
customer,time_zone,basis,tax,job_prefix
big,Asia/Shanghai,gpu_hours,0.06,
vouch,Asia/Shanghai,gpu_hours,0.06,
dom,Asia/Shanghai,tokens,0.06,
local,Asia/Shanghai,tokens,0.06,j-
CSV
cat >"$TMP/prices.csv" <<'CSV'
customer,meter,model,unit_price,pue
big,gpu_ms,H800,16.80,1
big,energy_mj,Ascend910B,0.55,1.25
vouch,gpu_ms,H800,16.80,1
vouch,energy_mj,H800,0.55,1
dom,tokens,,3.00,1
local,gpu_ms,H800,16.80,1
local,tokens,,3.00,1
CSV
cat >"$TMP/vouchers.csv" <<'CSV'
customer,voucher,priority,pre_tax,coverage,meters,domestic_only
vouch,p-1,1,true,0.20,gpu_ms,false
vouch,a-1,2,false,0.30,gpu_ms,false
vouch,b-1,3,false,0.10,,false
dom,d-1,100,false,0.30,tokens,true
CSV
out=$(pg -tA -v totals="$TMP/expected.csv" -v period=2026-03 -v terms="$TMP/terms.csv" \
    -v prices="$TMP/prices.csv" -v vouchers="$TMP/vouchers.csv" -f "$ROOT/scripts/check-totals.sql" 2>&1)
check_eq "check-totals prices the month the same, independently" \
    "money expected 12565917.45 got 12565917.45
claims expected 4783.78 got 4783.78
mismatches 0" "$(echo "$out" | tail -n 3)"
sed 's/^local,Asia\/Shanghai,tokens/local,Asia\/Shanghai,gpu_hours/' "$TMP/terms.csv" >"$TMP/wrong.csv"
check_match "and it can tell when they differ" "line of customer local gpu_ms H800: expected 369.60, got 201.60" \
    "$(pg -tA -v totals="$TMP/expected.csv" -v period=2026-03 -v terms="$TMP/wrong.csv" \
        -v prices="$TMP/prices.csv" -f "$ROOT/scripts/check-totals.sql" 2>&1)"

# Usage beyond the amount type's range in a month, as an insider could
# write it: two hours of 6 x 10^18 tokens (their sum is beyond int64 in
# SQL), and two model sizes in one bracket (beyond it when the line adds
# them). Each is that customer's error; the month goes on.
q "SELECT usage_hourly_partitions('2026-03-01Z', '2026-04-01Z')" >/dev/null
q "INSERT INTO usage_hourly (account, hour, meter, model, vendor, site, cluster, job, quantity,
                             events, first_ingest, last_ingest, model_params)
   SELECT a, h, 'tokens', '', '', 's', 'c', 'j', 6000000000000000000, 1, now(), now(), p
   FROM (VALUES ('ns-over', '2026-03-05T00:00:00Z'::timestamptz, 7000000000),
                ('ns-over', '2026-03-05T01:00:00Z', 7000000000),
                ('ns-over2', '2026-03-05T00:00:00Z', 7000000000),
                ('ns-over2', '2026-03-05T00:00:00Z', 8000000000)) v(a, h, p)" >/dev/null
run_march
check_eq "a month's usage beyond int64 fails that customer only" "1 over failed over2 failed" \
    "$? $(awk '$1 ~ /^over/ {print $1, $3}' "$TMP/run.out" | sort | xargs)"
check_match "named in SQL's sum" \
    'customer "over" not invoiced: the tokens usage of  in 2026-03 is more than 9223372036854775807 base units' \
    "$(cat "$TMP/run.err")"
check_match "and in the line's" \
    'customer "over2" not invoiced: the tokens usage of any size in the month is more than 9223372036854775807 base units' \
    "$(cat "$TMP/run.err")"
check_eq "the issued invoices are left alone" "4" \
    "$(grep -c ' issued ' "$TMP/run.out")"
# The month's hand-offs read every issued invoice at once (vouchers, a
# 10^15 amount, domestic-only claims) and keep each to the fen.
"$GM" export focus --period 2026-03 --output "$TMP/focus.csv"
check_eq "FOCUS sums to every issued invoice, read in one pass" "$(invoice_sums 2026-03-01)" \
    "$(focus_sums "$TMP/focus.csv")"
check_match "and passes focus-validator 1.0" "Validation succeeded" "$(focus_validate "$TMP/focus.csv")"
finish
