#!/bin/bash
# Contracts end to end on the real broker and database: documents rejected
# whole with their JSON paths (including what only the database knows),
# applied once, audited; then four months of one customer through the
# rater and `invoice run`, hand-computed to the fen: a take-or-pay shortfall
# month, a month drawing the make-up bank while a 30% voucher hits its
# yearly cap, a month of no usage, and a bank entry expiring unused; an
# energy subsidy for domestic accelerators at a site with PUE 1.25; and
# `plan simulate` side by side.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }

check_eq "customer add" "customer delta: added" "$("$GM" customer add delta --name 'Delta Compute')"
check_eq "customer add again is a no-op" "customer delta: unchanged" \
    "$("$GM" customer add delta --name 'Delta Compute')"
"$GM" customer add delta --name 'Someone Else' 2>/dev/null
check_eq "another name for an existing customer is refused" 1 "$?"
"$GM" customer add Delta 2>/dev/null
check_eq "a bad customer command exits 2" 2 "$?"
# 86 Chinese characters are 258 bytes, two more than a name may hold: the
# error says so, not that the code is wrong or the name missing
long=$(printf '算%.0s' $(seq 86))
out=$("$GM" customer add epsilon --name "$long" 2>&1)
check_eq "a name over 256 bytes exits 2" 2 "$?"
check_match "saying how long it is and may be" "--name is at most 256 bytes of UTF-8; this one is 258" \
    "$out"
check_eq "85 of them are a name" "customer epsilon: added" \
    "$("$GM" customer add epsilon --name "${long:1}" 2>&1)"

cat >"$TMP/site.json" <<'JSON'
{"site": "sz1", "name": "Shenzhen 1", "effective_from": "2026-01-01", "pue": "1.25"}
JSON
cat >"$TMP/plan.json" <<'JSON'
{"plan": "delta-2026", "name": "Delta 2026", "currency": "CNY", "effective_from": "2026-01-01",
 "gpu_hours": {"prices": [{"model": "H800", "unit_price": "20.00"},
                          {"model": "Ascend910B", "unit_price": "10.00"}]},
 "energy_kwh": {"unit_price": "0.80"}}
JSON
cat >"$TMP/subsidy.json" <<'JSON'
{"subsidy": "green-sz", "name": "Shenzhen green compute", "currency": "CNY",
 "effective_from": "2026-01-01", "sites": ["sz1"], "domestic_only": true,
 "rate_per_kwh": "0.20"}
JSON
cat >"$TMP/voucher.json" <<'JSON'
{"voucher": "szv-0001", "program": "sz-compute-2026", "customer": "delta", "currency": "CNY",
 "face_value": "50000.00", "coverage": "0.30", "valid_from": "2026-01-01",
 "valid_until": "2026-12-31", "yearly_cap": "2000.00", "eligible": {"meters": ["gpu_hours"]}}
JSON
cat >"$TMP/contract.json" <<'JSON'
{"contract": "delta-2026", "customer": "delta", "effective_from": "2026-01-01",
 "plan": "delta-2026", "currency": "CNY", "tax_rate": "0.06",
 "accounts": [{"account": "ns-d"}],
 "commitment": {"amount": "10000.00", "meters": ["gpu_hours"], "makeup_periods": 2}}
JSON
sed -e 's/"delta-2026", "currency"/"nope", "currency"/' -e 's/"customer": "delta"/"customer": "zeta"/' \
    -e 's/"tax_rate": "0.06"/"tax_rate": "0.06", "time_zone": "Mars\/Olympus"/' \
    -e 's/{"account": "ns-d"}/{"account": "ns-d"}, {"account": "ns-beta"}/' \
    -e 's/"10000.00"/"10000.001"/' "$TMP/contract.json" >"$TMP/bad.json"
err=$("$GM" contract apply "$TMP/bad.json" 2>&1 >/dev/null)
check_eq "a contract the database contradicts exits 2" 2 "$?"
check_eq "with every problem at its JSON path" '$.customer: unknown customer "zeta" (gpumeter customer add)
$.plan: unknown plan "nope" (gpumeter plan apply)
$.time_zone: unknown time zone "Mars/Olympus"
$.commitment.amount: has more decimals than CNY allows (2)' "$(echo "$err" | grep '^\$')"
sed 's/{"account": "ns-d"}/{"account": "ns-d"}, {"account": "ns-beta"}/' "$TMP/contract.json" \
    >"$TMP/taken.json"
"$GM" site apply "$TMP/site.json" >/dev/null && "$GM" plan apply "$TMP/plan.json" >/dev/null &&
    "$GM" subsidy apply "$TMP/subsidy.json" >/dev/null
check_eq "site, plan and subsidy are applied" 0 "$?"
sed 's/"accounts": \[{"account": "ns-d"}\],/"accounts": [{"account": "ns-d"}], "overrides": [{"meter": "gpu_hours", "model": "H100", "multiplier": "0.9"}, {"meter": "tokens", "unit_price": "2.00"}, {"meter": "energy_kwh", "model": "H800", "multiplier": "0.5"}, {"meter": "gpu_hours", "model": "H800", "unit_price": "18.00"}],/' \
    "$TMP/contract.json" >"$TMP/unpriced.json"
err=$("$GM" contract apply "$TMP/unpriced.json" 2>&1 >/dev/null)
check_eq "an override of a price the plan does not have exits 2" 2 "$?"
check_eq "at its JSON path" '$.overrides[0].model: plan "delta-2026" has no GPU-hour price for H100 to override
$.overrides[1].meter: plan "delta-2026" does not price tokens' "$(echo "$err" | grep '^\$')"
check_match "an account another customer is billed for is refused" \
    '\$.accounts\[1\]: account "ns-beta" is already billed to customer "beta" from 2026-01-01' \
    "$("$GM" contract apply "$TMP/taken.json" 2>&1)"
check_eq "and nothing of it stays" "0 0" \
    "$(q "SELECT (SELECT count(*) FROM document WHERE kind = 'contract' AND customer = 'delta')
          || ' ' || (SELECT count(*) FROM account WHERE account = 'ns-d')")"
check_eq "the contract is created" "contract delta-2026 version 2026-01-01: created" \
    "$("$GM" contract apply "$TMP/contract.json" --actor carol)"
check_eq "applying it again is a no-op" "contract delta-2026 version 2026-01-01: unchanged" \
    "$("$GM" contract apply "$TMP/contract.json")"
sed 's/"coverage": "0.30"/"coverage": "1.30"/' "$TMP/voucher.json" >"$TMP/big.json"
check_match "a voucher ratio above 1 is refused" '\$.coverage: must be at most 1' \
    "$("$GM" voucher issue "$TMP/big.json" 2>&1)"
check_eq "the voucher is issued" "voucher szv-0001 version 2026-01-01: created" \
    "$("$GM" voucher issue "$TMP/voucher.json")"
# A second program's voucher for April only: 10% of every charge, after sz.
cat >"$TMP/voucher2.json" <<'JSON'
{"voucher": "gdv-0001", "program": "gd-ai-2026", "customer": "delta", "currency": "CNY",
 "face_value": "20000.00", "coverage": "0.10", "valid_from": "2026-04-01",
 "valid_until": "2026-04-30", "priority": 200}
JSON
"$GM" voucher issue "$TMP/voucher2.json" >/dev/null
check_eq "a second program's voucher is issued" 0 "$?"
check_eq "every change is audited with its actor" "contract|delta-2026@2026-01-01|carol|create" \
    "$(q "SELECT object || '|' || key || '|' || actor || '|' || action FROM audit_log
          WHERE object = 'contract' AND key LIKE 'delta%'")"

# Usage, through Kafka and the rater (12:00Z is 20:00 in Asia/Shanghai).
seq=0
event() { # month quantities-json
    seq=$((seq + 1))
    printf 'd\t{"v":1,"source":"d","seq":%d,"account":"ns-d","cluster":"c","site":"sz1",%s,"start":"2026-%s-10T12:00:00Z","end":"2026-%s-10T13:00:00Z"}\n' \
        "$seq" "$2" "$1" "$1"
}
H=3600000
{
    # January: 250 H800 hours (5,000.00), 100 Ascend910B hours (1,000.00)
    # with 800 kWh of accelerator energy (1,000 facility kWh: 800.00).
    event 01 "\"model\":\"H800\",\"vendor\":\"nvidia\",\"gpu_ms\":$((250 * H))"
    event 01 "\"model\":\"Ascend910B\",\"vendor\":\"huawei\",\"gpu_ms\":$((100 * H)),\"energy_mj\":2880000000000"
    event 02 "\"model\":\"H800\",\"vendor\":\"nvidia\",\"gpu_ms\":$((650 * H))" # 13,000.00
    event 04 "\"model\":\"H800\",\"vendor\":\"nvidia\",\"gpu_ms\":$((500 * H))" # 10,000.00
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
check_counters "the rater rated the four events" "4 4 0 0"
for m in 01 02 03 04; do
    "$GM" invoice run --period 2026-$m --customer delta >/dev/null 2>"$TMP/run.err" ||
        fail "invoice run 2026-$m: $(cat "$TMP/run.err")"
done
inv() { # month -> "subtotal tax total claimed due"
    q "SELECT subtotal || ' ' || tax || ' ' || total || ' ' || claimed || ' ' || due FROM invoice i
       JOIN customer c ON c.id = i.customer_id WHERE c.code = 'delta' AND i.period = '2026-$1-01'"
}
lines() { # month -> "kind:amount ..." in line order
    q "SELECT string_agg(l.kind || ':' || l.amount, ' ' ORDER BY l.line_no) FROM invoice_line l
       JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
       WHERE c.code = 'delta' AND i.period = '2026-$1-01'"
}
# January: usage 6,000.00 + energy 800.00; shortfall 4,000.00; subsidy
# 1,000 facility kWh x 0.20 = 200.00 (Ascend only); subtotal 10,600.00,
# tax 636.00, total 11,236.00; the voucher covers 30% of the GPU-hours with
# their tax (6,360.00): 1,908.00; due 9,328.00.
check_eq "January lines" "usage:80000 usage:100000 usage:500000 shortfall:400000 subsidy:-20000" \
    "$(lines 01)"
check_fields "January: shortfall, subsidy, voucher" "$INVOICE_FIELDS" "1060000 63600 1123600 190800 932800" "$(inv 01)"
# February: 13,000.00 is 3,000.00 over: drawn from January's 4,000.00;
# subtotal 10,000.00, total 10,600.00; the voucher would cover 4,134.00 but
# its program's yearly cap leaves 92.00.
check_eq "February lines" "usage:1300000 makeup_draw:-300000" "$(lines 02)"
check_fields "February: make-up draw, voucher at its cap" "$INVOICE_FIELDS" "1000000 60000 1060000 9200 1050800" \
    "$(inv 02)"
check_eq "March: no usage, the whole commitment is short" "shortfall:1000000" "$(lines 03)"
# April: exactly the commitment, 10,600.00 with tax. The sz program's cap
# is used up (1,908.00 + 92.00), so the gd program's 10% pays 1,060.00.
check_fields "April: two programs, the first at its cap" "$INVOICE_FIELDS" "1000000 60000 1060000 106000 954000" \
    "$(inv 04)"
check_eq "the bank: January's entry drawn, then its last 1,000.00 expired in April" \
    "2026-01-01|2026-01-01|shortfall|400000 2026-02-01|2026-01-01|makeup_draw|300000 2026-03-01|2026-03-01|shortfall|1000000 2026-04-01|2026-01-01|expiry|100000" \
    "$(q "SELECT string_agg(period || '|' || entry_period || '|' || kind || '|' || value, ' '
                            ORDER BY period, entry_period)
          FROM commitment_ledger")"
check_eq "voucher redemptions reach the yearly cap exactly, then the second program pays" \
    "szv-0001:190800 szv-0001:9200 gdv-0001:106000" \
    "$(q "SELECT string_agg(voucher || ':' || amount, ' ' ORDER BY period) FROM voucher_redemption")"
check_match "the invoice shows the claim and the amount due" \
    'paid by voucher szv-0001 \(sz-compute-2026\) +-92.00' \
    "$("$GM" invoice show --customer delta --period 2026-02)"
check_match "the statement equals the invoice" '"due_minor":1050800' \
    "$("$GM" statement --customer delta --period 2026-02 --format json)"
"$GM" invoice run --period 2026-01 --customer delta >/dev/null 2>&1
check_fields "rerunning a month refreshes its draft, nothing doubles" "$INVOICE_FIELDS ledger_rows" \
    "1060000 63600 1123600 190800 932800 2" \
    "$(inv 01) $(q "SELECT count(*) FROM commitment_ledger WHERE period = '2026-01-01' OR
                                     (period = '2026-02-01' AND kind = 'makeup_draw')")"

check_eq "the commitments report: shortfall, drawn, expired, bank after" \
"delta 2026-01 4000.00 0.00 0.00 4000.00
delta 2026-02 0.00 3000.00 0.00 1000.00
delta 2026-03 10000.00 0.00 0.00 11000.00
delta 2026-04 0.00 0.00 1000.00 10000.00" \
    "$("$GM" report commitments --customer delta | awk 'NR > 1 {print $1, $2, $3, $4, $5, $6}')"
for m in 01 02; do "$GM" invoice issue --period 2026-$m --customer delta >/dev/null 2>&1; done
check_match "the voucher report is the program's claim" \
    'delta +szv-0001 +INV-2026-000002 +issued +92.00 CNY' \
    "$("$GM" report vouchers --program sz-compute-2026 --period 2026-02)"
"$GM" invoice void INV-2026-000002 --reason "voucher claimed twice" >/dev/null
check_eq "voiding February appends reversal rows to both ledgers" "1 1" \
    "$(q "SELECT (SELECT count(*) FROM commitment_ledger WHERE reversal) || ' ' ||
                 (SELECT count(*) FROM voucher_redemption WHERE reversal)")"
check_match "the voucher report nets the reversal out of the claim" 'claim \(issued invoices\) +0.00' \
    "$("$GM" report vouchers --program sz-compute-2026 --period 2026-02)"
err=$(pg -c "DELETE FROM voucher_redemption WHERE NOT reversal" 2>&1)
check_match "the ledgers are append-only once invoiced" "append-only" "$err"

# A proposed plan at 18.00 per H800 hour: the H800 line falls by 500.00 and
# the shortfall grows by as much, so the total stays (take-or-pay).
sed 's/"20.00"/"18.00"/' "$TMP/plan.json" >"$TMP/proposed.json"
sim=$("$GM" plan simulate --customer delta --period 2026-01 --plan "$TMP/proposed.json")
check_eq "simulate succeeds" 0 "$?"
check_match "simulate shows the H800 line side by side, with its quantity" 'gpu_ms H800 +250 GPU-hours +5000.00 +4500.00 +-500.00' "$sim"
check_eq "its usage lines grouped by model (the Ascend 910B's energy beside its GPU hours), then the rest" \
    "energy_mj Ascend910B site sz1|gpu_ms Ascend910B|gpu_ms H800|shortfall|subsidy green-sz" \
    "$(awk -F '  +' 'NR > 2 && NR <= 7 { printf "%s%s", (NR > 3 ? "|" : ""), $1 }' <<<"$sim")"
check_match "and the shortfall" 'shortfall +4000.00 +4500.00 +500.00' "$sim"
check_match "and the totals" 'total +11236.00 +11236.00 +0.00' "$sim"
check_eq "simulate stores nothing" 1 \
    "$(q "SELECT count(*) FROM document WHERE kind = 'plan' AND code = 'delta-2026'")"
"$GM" plan simulate --customer delta --period 2026-01 2>/dev/null
check_eq "simulate without --plan exits 2" 2 "$?"
vs=$("$GM" voucher show szv-0001)
check_match "voucher show lists what it paid and what is left" '2026-02  void   paid +92.00  left +48000.00' "$vs"
check_match "and what the void gave back" '2026-02  void   paid +-92.00  left +48092.00' "$vs"

# The documented examples apply as they are.
"$GM" plan apply "$ROOT/docs/examples/plan-gpu-2027.json" >/dev/null &&
    "$GM" contract apply "$ROOT/docs/examples/contract-alpha-2027.json" >/dev/null &&
    "$GM" voucher issue "$ROOT/docs/examples/voucher-sz-0001.json" >/dev/null
check_eq "the docs' plan, contract and voucher examples apply" 0 "$?"
check_eq "alpha's 2026 contract ends where the 2027 version begins" \
    "ns-alpha|2026-12-31|alpha-2026 ns-alpha|2027-12-31|alpha-2027 slurm-shared|2027-12-31|alpha-2027" \
    "$(q "SELECT string_agg(account || '|' || coalesce(valid_until::text, '') || '|' || contract,
                            ' ' ORDER BY account, valid_from)
          FROM account a JOIN customer c ON c.id = a.customer_id WHERE c.code = 'alpha'")"
# slurm-shared is alpha's from March 2027, for jobs named alpha-*: its usage
# of May 2026 is rated (a contract names the account) but billed to nobody,
# and the invoice run says so.
printf 's\t{"v":1,"source":"s","seq":1,"account":"slurm-shared","cluster":"c","site":"sz1","job":"alpha-train","model":"H800","vendor":"nvidia","gpu_ms":3600000,"start":"2026-05-10T12:00:00Z","end":"2026-05-10T13:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
check_match "usage no contract covers is reported by the invoice run" \
    'account "slurm-shared" has 1 hourly usage rows in 2026-05 that no contract covers \(jobs: alpha-train\): not billed' \
    "$("$GM" invoice run --period 2026-05 2>&1)"

# The four months as FOCUS: February invoiced again after its void, all
# issued; each month's export passes the FinOps Foundation's validator and
# sums to its invoice; take-or-pay rows carry the commitment columns.
"$GM" invoice run --period 2026-02 --customer delta >/dev/null 2>&1
for m in 02 03 04; do "$GM" invoice issue --period 2026-$m --customer delta >/dev/null 2>&1; done
for m in 01 02 03 04; do
    "$GM" export focus --period 2026-$m --customer delta --output "$TMP/focus-$m.csv"
    check_match "FOCUS of 2026-$m passes focus-validator 1.0" "Validation succeeded" \
        "$(focus_validate "$TMP/focus-$m.csv")"
    check_eq "and its BilledCost sums to the invoice" "$(invoice_sums 2026-$m-01 delta)" \
        "$(focus_sums "$TMP/focus-$m.csv")"
done
check_eq "January's rows: usage, shortfall unused against the commitment, subsidy credit, tax" \
    "Usage||| Usage||| Usage||| Usage|Unused|Spend|delta-2026 Credit||| Tax|||" \
    "$(python3 -c 'import csv, sys
print(" ".join("|".join((r["ChargeCategory"], r["CommitmentDiscountStatus"],
                         r["CommitmentDiscountCategory"], r["CommitmentDiscountId"]))
               for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))))' "$TMP/focus-01.csv")"
check_match "February's make-up draw is a credit against the commitment" \
    "^Credit,Recurring,Take-or-pay commitment,Spend,delta-2026,-3000.00$" \
    "$(python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    if r["x_LineKind"] == "makeup_draw":
        print(",".join((r["ChargeCategory"], r["ChargeFrequency"], r["ServiceName"],
                        r["CommitmentDiscountCategory"], r["CommitmentDiscountId"], r["BilledCost"])))' "$TMP/focus-02.csv")"
# A customer's months are in one time zone: a version in another would bill
# the hours between the two zones' month edges twice (UTC's March ends 14
# hours after Kiritimati's April begins) or never.
sed -e 's/"effective_from": "2026-01-01"/"effective_from": "2026-09-01"/' \
    -e 's/"tax_rate": "0.06"/"tax_rate": "0.06", "time_zone": "Pacific\/Kiritimati"/' \
    "$TMP/contract.json" >"$TMP/kiritimati.json"
err=$("$GM" contract apply "$TMP/kiritimati.json" 2>&1 >/dev/null)
check_eq "a version in another time zone exits 2" 2 "$?"
check_eq "naming the zone the customer is billed in" \
    '$.time_zone: customer "delta" is billed in one time zone: contract delta-2026 version 2026-01-01 is in Asia/Shanghai; a version in "Pacific/Kiritimati" would bill the hours between the two zones'"'"' month edges twice or never' \
    "$(echo "$err" | grep '^\$')"
check_eq "and nothing is stored" 0 \
    "$(q "SELECT count(*) FROM document WHERE kind = 'contract' AND customer = 'delta' AND effective_from = '2026-09-01'")"
sed -e 's/"effective_from": "2026-01-01"/"effective_from": "2026-09-01"/' \
    -e 's/"tax_rate": "0.06"/"tax_rate": "0.06", "time_zone": "Asia\/Shanghai"/' \
    "$TMP/contract.json" >"$TMP/same-zone.json"
check_match "a version in the same zone, named, is applied" 'created' \
    "$("$GM" contract apply "$TMP/same-zone.json" 2>&1)"
finish
