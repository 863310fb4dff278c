#!/bin/bash
# The operator's reports on a small mixed fleet, every figure hand-computed
# (docs/operator.md, "Worked example: yield"): site sz1 (PUE 1.25, tariff
# 0.50 per kWh, x1.2 from 08:00 to 22:00 local), one hour of 2026-09-10
# (10:00-11:00 in Shanghai):
#   h1  8 x H800, 6 allocated to hq (2 stranded, 50 W each)
#   h2  8 x H800, idle whole (50 W each)
#   a1  8 x Ascend910B, all 8 training tk's job train-1 (1e9 tokens, 7B)
#   m1  1 x A800 in MIG, 4/7 allocated to hq, the rest stranded
# hq pays by GPU-hour with a 1,000.00 take-or-pay commitment (shortfall)
# and a 30% voucher; tk pays 2.00 per million tokens.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
cd "$TMP" || exit 1
cat >site.json <<'JSON'
{"site": "sz1", "name": "Shenzhen 1", "effective_from": "2026-01-01", "pue": "1.25"}
JSON
cat >tariff.json <<'JSON'
{"site": "sz1", "effective_from": "2026-01-01", "currency": "CNY", "price_per_kwh": "0.50",
 "time_of_use": [{"band": "day", "from": 8, "to": 22, "multiplier": "1.2"}]}
JSON
asset() { # model devices cost life
    printf '{"site": "sz1", "model": "%s", "effective_from": "2026-09-01", "currency": "CNY",
             "devices": %s, "cost_per_device": "%s", "life_months": %s}\n' "$@"
}
asset H800 16 2000000.00 60 >asset-h800.json
asset Ascend910B 8 1000000.00 48 >asset-910b.json
asset A800 1 1200000.00 60 >asset-a800.json
cat >plan-hq.json <<'JSON'
{"plan": "hq-plan", "name": "HQ", "currency": "CNY", "effective_from": "2026-01-01",
 "gpu_hours": {"prices": [{"model": "H800", "unit_price": "20.00"},
                          {"model": "A800", "unit_price": "12.00"}]},
 "energy_kwh": {"unit_price": "0.80"}}
JSON
cat >plan-tk.json <<'JSON'
{"plan": "tk-plan", "name": "TK", "currency": "CNY", "effective_from": "2026-01-01",
 "tokens": {"brackets": [{"unit_price": "2.00"}]}}
JSON
cat >contract-hq.json <<'JSON'
{"contract": "hq-2026", "customer": "hq", "effective_from": "2026-01-01", "plan": "hq-plan",
 "currency": "CNY", "tax_rate": "0.06", "accounts": [{"account": "ns-hq"}],
 "commitment": {"amount": "1000.00", "meters": ["gpu_hours"], "makeup_periods": 2}}
JSON
cat >contract-tk.json <<'JSON'
{"contract": "tk-2026", "customer": "tk", "effective_from": "2026-01-01", "plan": "tk-plan",
 "currency": "CNY", "tax_rate": "0.06", "billing_basis": "tokens",
 "accounts": [{"account": "slurm-tk"}]}
JSON
cat >voucher.json <<'JSON'
{"voucher": "hqv-1", "program": "sz-compute", "customer": "hq", "currency": "CNY",
 "face_value": "50000.00", "coverage": "0.30", "valid_from": "2026-01-01",
 "valid_until": "2026-12-31", "eligible": {"meters": ["gpu_hours"]}}
JSON

# Documents: the asset and tariff kinds reject a bad document whole.
"$GM" tariff apply tariff.json >/dev/null 2>&1
check_eq "a tariff for a site without a site document exits 2" 2 "$?"
sed -e 's/"0.50"/"-1"/' -e 's/"from": 8/"from": 25/' tariff.json >bad-tariff.json
check_eq "a bad tariff names every problem at its JSON path" '$.price_per_kwh: must not be negative
$.time_of_use[0].from: must be a whole number from 0 to 23' \
    "$("$GM" tariff apply bad-tariff.json 2>&1 | grep '^\$' | sort)"
asset "NVIDIA H800" 0 1.0000001 0 >bad-asset.json
check_eq "a bad asset names every problem at its JSON path" '$.cost_per_device: must be a decimal string like "16.80" with at most 6 decimals
$.life_months: must be a whole number from 1 to 600
$.model: write the catalogue name "H800" for "NVIDIA H800"' \
    "$("$GM" asset apply bad-asset.json 2>&1 | grep '^\$' | sort)"
"$GM" customer add hq --name "HQ Inference" >/dev/null && "$GM" customer add tk --name "TK Labs" >/dev/null
for doc in "site apply site.json" "tariff apply tariff.json" "asset apply asset-h800.json" \
    "asset apply asset-910b.json" "asset apply asset-a800.json" "plan apply plan-hq.json" \
    "plan apply plan-tk.json" "contract apply contract-hq.json" "contract apply contract-tk.json" \
    "voucher issue voucher.json"; do
    # shellcheck disable=SC2086
    "$GM" $doc >/dev/null || fail "$doc: expected exit 0, got a failure"
done
check_eq "asset versions are listed under site/model" "sz1/A800 sz1/Ascend910B sz1/H800" \
    "$(q "SELECT string_agg(code, ' ' ORDER BY code) FROM document WHERE kind = 'asset'")"
check_match "applying a tariff again is a no-op" "unchanged" "$("$GM" tariff apply tariff.json)"

# One hour of usage and capacity, from 10:00 to 11:00 in Shanghai.
W='"start":"2026-09-10T02:00:00Z","end":"2026-09-10T03:00:00Z"'
use() { # source seq account job model gpu_ms energy_mj
    printf '%s\t{"v":1,"source":"%s","seq":%s,"account":"%s","cluster":"c1","site":"sz1","model":"%s","vendor":"v","job":"%s",%s,"gpu_ms":%s,"energy_mj":%s}\n' \
        "$1" "$1" "$2" "$3" "$5" "$4" "$W" "$6" "$7"
}
cap() { # source seq node model devices allocated idle_energy
    printf '%s\t{"v":1,"kind":"capacity","source":"%s","seq":%s,"cluster":"c1","site":"sz1","node":"%s","model":"%s","vendor":"v",%s,"devices":%s,"allocated_ms":%s,"idle_energy_mj":%s}\n' \
        "$1" "$1" "$2" "$3" "$4" "$W" "$5" "$6" "$7"
}
{
    use dcgm/c1/h1 1 ns-hq svc-1 H800 21600000 15120000000 # 6 H800s at 700 W
    cap dcgm/c1/h1 2 h1 H800 8 21600000 360000000          # 2 idle at 50 W
    cap dcgm/c1/h2 1 h2 H800 8 0 1440000000                # 8 idle at 50 W
    use dcgm/c1/m1 1 ns-hq nb-1 A800 2057142 1000000000    # 4 of 7 slices
    cap dcgm/c1/m1 2 m1 A800 1 2057142 100000000
    use npu/c1/a1 1 slurm-tk train-1 Ascend910B 28800000 11520000000 # 8 at 400 W
    cap npu/c1/a1 2 a1 Ascend910B 8 28800000 0
    printf 'tokens/c1\t{"v":1,"source":"tokens/c1","seq":1,"account":"slurm-tk","cluster":"c1","site":"sz1","job":"train-1",%s,"tokens":1000000000,"model_params":7000000000}\n' "$W"
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>>rate.log
check_counters "8 events rated" "8 8 0 0"
"$GM" invoice run --period 2026-09 >/dev/null && "$GM" invoice issue --period 2026-09 >/dev/null
# hq: H800 6 h x 20.00 = 120.00; A800 2,057.142 s billed as 2,058 s x 12.00 / h = 6.86;
# energy H800 4.2 kWh x 1.25 x 0.80 = 4.20, A800 0.2778 kWh x 1.25 x 0.80 = 0.28;
# shortfall 1,000.00 - 126.86 = 873.14; subtotal 1,004.48, tax 60.27; the voucher
# claims 30% of the GPU-hour lines with their tax: 0.3 x 126.86 x 1.06 = 40.34.
# tk: 1,000 million tokens x 2.00 = 2,000.00.
check_eq "the invoices the report starts from" "hq 100448 6027 4034|tk 200000 12000 0" \
    "$(q "SELECT string_agg(c.code || ' ' || subtotal || ' ' || tax || ' ' || claimed, '|'
                 ORDER BY c.code) FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE status = 'issued'")"

y() { "$GM" report yield --period 2026-09 --format json "$@"; }
field() { # json row-selector key
    jq -r "$2 | .$3" <<<"$1"
}
J=$(y)
check_eq "yield: rows by model" "A800 Ascend910B H800" "$(jq -r '[.rows[].model] | join(" ")' <<<"$J")"
# Capacity, to the GPU-millisecond.
check_eq "H800: 16 GPUs x 1 h installed, 6 allocated, 8 idle whole, 2 stranded (ms)" \
    "57600000 21600000 28800000 7200000 37.5" \
    "$(jq -r '.rows[] | select(.model == "H800") | "\(.installed_ms) \(.allocated_ms) \(.idle_whole_ms) \(.idle_stranded_ms) \(.utilisation_pct)"' <<<"$J")"
check_eq "A800 (MIG): 1 GPU x 1 h, 4/7 allocated, the rest stranded (ms)" \
    "3600000 2057142 0 1542858 57.1" \
    "$(jq -r '.rows[] | select(.model == "A800") | "\(.installed_ms) \(.allocated_ms) \(.idle_whole_ms) \(.idle_stranded_ms) \(.utilisation_pct)"' <<<"$J")"
check_eq "Ascend910B: fully allocated" "28800000 28800000 0 0 100.0" \
    "$(jq -r '.rows[] | select(.model == "Ascend910B") | "\(.installed_ms) \(.allocated_ms) \(.idle_whole_ms) \(.idle_stranded_ms) \(.utilisation_pct)"' <<<"$J")"
# Revenue: GPU-hour and energy lines to their model; hq's shortfall (873.14)
# and voucher claim (40.34) split by hq's GPU time in cell order (A800, then
# H800), A800 2,057,142 of 23,657,142 ms: floor(87314 x 2057142 / 23657142)
# = 7592, H800 the rest, 79722; floor(4034 x 2057142 / 23657142) = 350,
# H800 3684. tk's tokens go to the Ascend910B its training job ran on.
check_eq "H800 revenue: 120.00 GPU + 4.20 energy + 797.22 shortfall = 921.42; vouchers 36.84" \
    "921.42 120.00 0.00 4.20 797.22 36.84 0.00" \
    "$(jq -r '.rows[] | select(.model == "H800") | "\(.revenue) \(.revenue_gpu_hours) \(.revenue_tokens) \(.energy_billed) \(.revenue_other) \(.paid_by_vouchers) \(.paid_by_subsidies)"' <<<"$J")"
check_eq "A800 revenue: 6.86 + 0.28 + 75.92 = 83.06; vouchers 3.50" \
    "83.06 6.86 0.00 0.28 75.92 3.50" \
    "$(jq -r '.rows[] | select(.model == "A800") | "\(.revenue) \(.revenue_gpu_hours) \(.revenue_tokens) \(.energy_billed) \(.revenue_other) \(.paid_by_vouchers)"' <<<"$J")"
check_eq "Ascend910B revenue: 2,000.00 of tokens" "2000.00 0.00 2000.00 0.00" \
    "$(jq -r '.rows[] | select(.model == "Ascend910B") | "\(.revenue) \(.revenue_gpu_hours) \(.revenue_tokens) \(.revenue_other)"' <<<"$J")"
check_eq "every fen of the invoices is allocated: 1,004.48 + 2,000.00" "3004.48" \
    "$(jq -r '[.rows[].revenue | tonumber] | add | . * 100 | round / 100 | tostring' <<<"$J")"
# Per GPU-hour: H800 921.42 / 16 h = 57.58875 -> 57.59 installed, / 6 h =
# 153.57 allocated.
check_eq "H800 revenue per installed and allocated GPU-hour" "57.59 153.57" \
    "$(jq -r '.rows[] | select(.model == "H800") | "\(.revenue_per_installed_gpu_hour) \(.revenue_per_allocated_gpu_hour)"' <<<"$J")"
# Energy at the tariff, x1.2 by day, PUE 1.25, 0.50 per kWh: H800 allocated
# 4.2 kWh x 1.25 = 5.25 kWh -> 3.15, idle 0.5 kWh x 1.25 = 0.625 kWh ->
# 0.375 -> 0.38: 3.53. A800: 0.347 kWh -> 0.2083 -> 0.21, idle 0.035 kWh ->
# 0.0208 -> 0.02: 0.23. Ascend910B: 4.0 kWh -> 2.40.
check_eq "facility kWh allocated and idle, energy cost" \
    "A800 0.347 0.035 0.23|Ascend910B 4.000 0.000 2.40|H800 5.250 0.625 3.53" \
    "$(jq -r '[.rows[] | "\(.model) \(.facility_kwh_allocated) \(.facility_kwh_idle) \(.energy_cost)"] | join("|")' <<<"$J")"
# Depreciation: 16 x 2,000,000.00 / 60 = 533,333.33; 8 x 1,000,000.00 / 48 =
# 166,666.67; 1,200,000.00 / 60 = 20,000.00. Margin = revenue - energy -
# depreciation; September is the assets' first month: to date = this month.
check_eq "depreciation, margin, margin to date, purchase cost, payback" \
    "A800 20000.00 -19917.17 -19917.17 1200000.00 -1.7|Ascend910B 166666.67 -164669.07 -164669.07 8000000.00 -2.1|H800 533333.33 -532415.44 -532415.44 32000000.00 -1.7" \
    "$(jq -r '[.rows[] | "\(.model) \(.depreciation) \(.margin) \(.margin_to_date) \(.purchase_cost) \(.payback_pct)"] | join("|")' <<<"$J")"
check_eq "by-token: 1e9 tokens on 8 Ascend GPU-hours, 125,000,000 per GPU-hour, 250.00 per GPU-hour paid" \
    "Ascend910B <=16B 1000000000 28800000 125000000 -|Ascend910B all 1000000000 28800000 125000000 2000.00 250.00" \
    "$(jq -r '[.tokens[] | "\(.model) \(.size) \(.tokens) \(.gpu_ms) \(.tokens_per_gpu_hour) \(.token_revenue)\(if .size == "all" then " " + .token_revenue_per_gpu_hour else "" end)"] | join("|")' <<<"$J" | sed 's/ -\([|]\|$\)/ -\1/g')"
# By node: each cell's figures split over its nodes in node order by the
# same rule. h2 (idle whole) earns nothing; depreciation goes by installed
# time, half each: floor(53333333 / 2) = 26666666 to h1, the rest to h2;
# the idle energy cost (0.38) by idle energy, 3.6e8 of 1.8e9 mJ:
# floor(38 x 0.2) = 7 to h1 (with all 3.15 allocated: 3.22), 31 to h2.
N=$(y --by node)
check_eq "by node: rows" "sz1/a1 Ascend910B|sz1/h1 H800|sz1/h2 H800|sz1/m1 A800" \
    "$(jq -r '[.rows[] | "\(.site)/\(.node) \(.model)"] | join("|")' <<<"$N")"
check_eq "by node: h1 and h2 revenue, energy cost and depreciation" \
    "h1 921.42 3.22 266666.66|h2 0.00 0.31 266666.67" \
    "$(jq -r '[.rows[] | select(.model == "H800") | "\(.node) \(.revenue) \(.energy_cost) \(.depreciation)"] | join("|")' <<<"$N")"
# By site: 52,457,142 of 90,000,000 ms allocated: 58.3%.
check_eq "by site: one row, the sum of the models" "sz1 3004.48 58.3 6.16 720000.00" \
    "$(y --by site | jq -r '.rows[] | "\(.site) \(.revenue) \(.utilisation_pct) \(.energy_cost) \(.depreciation)"')"
check_match "text: the H800 line" '^H800 +16\.000 +6\.000 +37\.5 +8\.000 +2\.000 +921\.42 +57\.59 +153\.57 +36\.84 +0\.00$' \
    "$("$GM" report yield --period 2026-09)"
check_eq "csv: header and one row per model" 4 "$("$GM" report yield --period 2026-09 --format csv | sed '/^$/q' | grep -c .)"

# Capacity: whole idle nodes of 8 GPUs (h2) against fragments (h1's two,
# m1's 3/7 of a GPU).
C=$("$GM" report capacity --from 2026-09-10 --to 2026-09-10 --format json)
check_eq "capacity by day: installed, allocated, idle, idle whole on 8-GPU nodes, fragments (ms)" \
    "A800 1 3600000 2057142 1542858 0 1542858|Ascend910B 1 28800000 28800000 0 0 0|H800 2 57600000 21600000 36000000 28800000 7200000" \
    "$(jq -r '[.rows[] | "\(.model) \(.nodes) \(.installed_ms) \(.allocated_ms) \(.idle_ms) \(.idle_whole_8gpu_ms) \(.idle_fragments_ms)"] | join("|")' <<<"$C")"
check_eq "and as GPU-hours for people, as the text report prints them" \
    "A800 1.000 0.571 0.429 0.000 0.429 0.429|Ascend910B 8.000 8.000 0.000 0.000 0.000 0.000|H800 16.000 6.000 10.000 8.000 2.000 2.000" \
    "$(jq -r '[.rows[] | "\(.model) \(.installed_gpu_hours) \(.allocated_gpu_hours) \(.idle_gpu_hours) \(.idle_whole_8gpu_gpu_hours) \(.idle_fragments_gpu_hours) \(.idle_stranded_gpu_hours)"] | join("|")' <<<"$C")"
check_eq "capacity by hour: one hour, 10:00 local" "2026-09-10T10:00" \
    "$("$GM" report capacity --from 2026-09-10 --to 2026-09-10 --by hour --format json | jq -r '[.rows[].hour] | unique | join(" ")')"
"$GM" report capacity --from 2026-09-10 --to 2026-09-01 >/dev/null 2>&1
check_eq "report capacity with --to before --from exits 2" 2 "$?"
"$GM" report yield --period 2026-09 --by rack >/dev/null 2>&1
check_eq "report yield --by rack exits 2" 2 "$?"

# What the report cannot place is said, not dropped: a by-token customer
# with no GPU time at all (its 1,000.00 stays on a "(no GPU time)" row), an
# issued invoice in USD (named, not added to CNY), a draft (counted as such).
"$GM" customer add nogpu --name "No GPU" >/dev/null && "$GM" customer add usd1 --name "USD One" >/dev/null &&
    "$GM" customer add dd --name "Draft" >/dev/null
sed -e 's/"tk-2026"/"nogpu-2026"/' -e 's/"customer": "tk"/"customer": "nogpu"/' \
    -e 's/slurm-tk/ns-nogpu/' contract-tk.json >contract-nogpu.json
contract() { # code customer plan currency account
    printf '{"contract": "%s", "customer": "%s", "effective_from": "2026-01-01", "plan": "%s",
             "currency": "%s", "tax_rate": "0.06", "accounts": [{"account": "%s"}]}\n' "$@"
}
contract dd-2026 dd hq-plan CNY ns-dd >contract-dd.json
contract usd1-2026 usd1 usd-plan USD ns-usd1 >contract-usd1.json
sed -e 's/"hq-plan"/"usd-plan"/' -e 's/"CNY"/"USD"/' plan-hq.json >plan-usd.json
for doc in "contract apply contract-nogpu.json" "contract apply contract-dd.json" \
    "plan apply plan-usd.json" "contract apply contract-usd1.json"; do
    # shellcheck disable=SC2086
    "$GM" $doc >/dev/null || fail "$doc: expected exit 0, got a failure"
done
{
    printf 'tokens/c2\t{"v":1,"source":"tokens/c2","seq":1,"account":"ns-nogpu","cluster":"c1","site":"sz1","job":"t-9",%s,"tokens":500000000,"model_params":70000000000}\n' "$W"
    printf 'dcgm/c1/u1\t{"v":1,"source":"dcgm/c1/u1","seq":1,"account":"ns-usd1","cluster":"c1","site":"sz1","model":"H800","vendor":"v",%s,"gpu_ms":3600000}\n' "$W"
    printf 'dcgm/c1/d1\t{"v":1,"source":"dcgm/c1/d1","seq":1,"account":"ns-dd","cluster":"c1","site":"sz1","model":"H800","vendor":"v",%s,"gpu_ms":3600000}\n' "$W"
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>>rate.log
"$GM" invoice run --period 2026-09 >/dev/null
"$GM" invoice issue --period 2026-09 --customer nogpu >/dev/null &&
    "$GM" invoice issue --period 2026-09 --customer usd1 >/dev/null
J2=$(y)
check_eq "the by-token customer without GPU time: 1,000.00 on its own row" "- - 1000.00 1000.00" \
    "$(jq -r '.rows[-1] | "\(.site) \(.model) \(.revenue) \(.revenue_tokens)"' <<<"$J2")"
check_eq "the other rows are unchanged" "$(jq -c '.rows' <<<"$J")" "$(jq -c '.rows[:-1]' <<<"$J2")"
check_eq "one draft not counted, USD named" "1 USD" \
    "$(jq -r '"\(.drafts_not_counted) \(.other_currencies)"' <<<"$J2")"
check_match "text says so" 'note: 1 draft invoices of 2026-09 are not counted until issued' \
    "$("$GM" report yield --period 2026-09)"
check_match "and names the other currency" 'note: issued invoices of 2026-09 in USD are not in this report' \
    "$("$GM" report yield --period 2026-09)"
check_eq "in USD, only usd1's H800-hour at 20.00 USD" "H800 20.00" \
    "$(y --currency USD | jq -r '.rows[] | select(.revenue != "0.00") | "\(.model) \(.revenue)"')"
check_eq "tokens without GPU time are counted on model -" "- 500000000 1000.00" \
    "$(jq -r '.tokens[] | select(.model == "-" and .size == "all") | "\(.model) \(.tokens) \(.token_revenue)"' <<<"$J2")"

# The same documents from the API, for finance keys only, and under
# concurrent clients the same answers as one at a time.
KF=$("$GM" customer key create --finance 2>/dev/null)
KH=$("$GM" customer key create hq 2>/dev/null)
start_server "$TMP/serve.log" --threads 4 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
api() { # key path -> "status body"
    curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$U$2"
    printf ' %s' "$(cat "$TMP/body")"
}
check_eq "GET /v1/operator/yield is the report's JSON" "200 $J2" "$(api "$KF" "/v1/operator/yield?period=2026-09")"
N2=$(y --by node)
check_eq "by node too" "200 $N2" "$(api "$KF" "/v1/operator/yield?period=2026-09&by=node")"
check_eq "GET /v1/operator/capacity is the report's JSON" "200 $C" \
    "$(api "$KF" "/v1/operator/capacity?from=2026-09-10&to=2026-09-10")"
check_match "a customer's key may not read the yield" '^403 .*"forbidden"' \
    "$(api "$KH" "/v1/operator/yield?period=2026-09")"
check_match "nor the capacity" '^403 .*"forbidden"' \
    "$(api "$KH" "/v1/operator/capacity?from=2026-09-10&to=2026-09-10")"
for bad in "period=2026-13" "period=2026-09&by=rack" "period=2026-09&currency=cny" "by=node" \
    "period=2026-09%27"; do
    check_match "yield $bad is 400" '^400 ' "$(api "$KF" "/v1/operator/yield?$bad")"
done
for bad in "from=2026-09-10" "from=2026-09-10&to=2026-09-01" "from=2026-09-10&to=2026-09-10&by=week" \
    "from=2026-02-30&to=2026-03-01" "from=2026-01-01&to=2027-12-31"; do
    check_match "capacity $bad is 400" '^400 ' "$(api "$KF" "/v1/operator/capacity?$bad")"
done
for i in $(seq 1 24); do
    curl -s -H "Authorization: Bearer $KF" "$U/v1/operator/yield?period=2026-09&by=node" >"$TMP/c$i" &
done
wait_all=0
for job in $(jobs -p); do [ "$job" = "$SERVER" ] || wait "$job" || wait_all=1; done
check_eq "24 concurrent clients get the serial answer" "0 24" \
    "$wait_all $(for i in $(seq 1 24); do cmp -s "$TMP/c$i" <(printf '%s\n' "$N2") && echo same; done | grep -c same)"
kill $SERVER
wait $SERVER
check_eq "the server stops cleanly" 0 "$?"
sanitizer_clean "no sanitizer report" "$TMP/serve.log"

# A fleet wider than the report's first allocation of rows: 40 more idle
# H800 nodes, named after m1 so a model's nodes are not adjacent by name.
# By node, every row must be there and right (the nodes of a cell were once
# read as a run in node order, and a row pointer was kept across a
# reallocation; ASan aborts on the latter).
for i in $(seq 1 40); do
    cap "dcgm/c1/x$i" 1 "x$i" H800 8 0 1440000000
done | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>>rate.log
W3=$(y --by node) || fail "report yield --by node on 44 nodes"
check_eq "44 node rows and the no-GPU-time row" 45 "$(jq '.rows | length' <<<"$W3")"
check_eq "h1 keeps its revenue; the 42 H800 nodes share depreciation by installed time" \
    "921.42 533333.33" \
    "$(jq -r '[.rows[] | select(.node == "h1") | .revenue][0] + " " +
              ([.rows[] | select(.model == "H800") | .depreciation | tonumber] | add | . * 100 | round / 100 | tostring)' <<<"$W3")"
check_eq "each idle x node's share of H800 depreciation is 53333333 / 42 fen, floor or ceiling" \
    "12698.41 12698.42" \
    "$(jq -r '[.rows[] | select(.node | startswith("x")) | .depreciation] | unique | join(" ")' <<<"$W3")"
# Names are the collectors': CSV quotes them (RFC 4180), JSON escapes them.
printf '%s\t{"v":1,"kind":"capacity","source":"dcgm/c1/q","seq":1,"cluster":"c1","site":"sz1","node":"r,\\"7\\"","model":"H800","vendor":"v",%s,"devices":8,"allocated_ms":0}\n' \
    dcgm/c1/q "$W" | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>>rate.log
check_match "a node name with a comma and quotes is one CSV field" '^sz1,"r,""7""",H800,28800000,0,28800000,0,' \
    "$("$GM" report yield --period 2026-09 --by node --format csv)"
check_eq "and one JSON string" 'r,"7"' "$(y --by node | jq -r '.rows[] | select(.node | startswith("r,")) | .node')"
# What a program paid goes to the cells it covers (docs/operator.md,
# "Vouchers and subsidies in the yield"). October, customer mx on both an
# NVIDIA and a domestic model, one hour on sz1 (PUE 1.25): 2 H800 at 700 W
# (2 h x 20.00 = 40.00; 1.4 kWh x 1.25 x 0.80 = 1.40) and 4 Ascend910B at
# 400 W (4 h x 10.00 = 40.00; 1.6 kWh x 1.25 x 0.80 = 1.60).
# - subsidy mx-green, domestic only, 0.50 per facility kWh: the Ascend910B's
#   2.0 kWh x 0.50 = 1.00, all of it on the Ascend910B row;
# - voucher mxp-1, pre-tax, 10% of every GPU-hour line: 8.00, over both
#   models' GPU time (14.4e6 and 7.2e6 ms, Ascend910B first):
#   floor(800 x 14.4 / 21.6) = 533, H800 267;
# - voucher mxv-1, after tax, 30% of domestic GPU-hour lines: the
#   Ascend910B's 40.00 less its 4.00 of mxp-1, 0.3 x 36.00 x 1.06 = 11.448
#   -> 11.45, all of it on the Ascend910B row.
# Subtotal 83.00 - 1.00 - 8.00 = 74.00; tax 2.40 + 2.40 + 0.08 + 0.10 - 0.06
# - 0.48 = 4.44. Split by all GPU time instead, the H800 row would get 0.34
# of the subsidy and 3.82 of the claim.
sed -e 's/"hq-plan"/"mx-plan"/' -e 's/"model": "A800", "unit_price": "12.00"/"model": "Ascend910B", "unit_price": "10.00"/' \
    plan-hq.json >plan-mx.json
contract mx-2026 mx mx-plan CNY ns-mx >contract-mx.json
cat >voucher-mxv.json <<'JSON'
{"voucher": "mxv-1", "program": "sz-domestic", "customer": "mx", "currency": "CNY",
 "face_value": "1000.00", "coverage": "0.30", "valid_from": "2026-10-01",
 "valid_until": "2026-12-31", "eligible": {"meters": ["gpu_hours"], "domestic_only": true}}
JSON
cat >voucher-mxp.json <<'JSON'
{"voucher": "mxp-1", "program": "sz-any", "customer": "mx", "currency": "CNY",
 "face_value": "1000.00", "coverage": "0.10", "valid_from": "2026-10-01",
 "valid_until": "2026-12-31", "applies": "pre_tax", "eligible": {"meters": ["gpu_hours"]}}
JSON
cat >subsidy-mx.json <<'JSON'
{"subsidy": "mx-green", "name": "Domestic green compute", "currency": "CNY",
 "effective_from": "2026-10-01", "sites": ["sz1"], "domestic_only": true,
 "rate_per_kwh": "0.50"}
JSON
"$GM" customer add mx --name "Mixed" >/dev/null || fail "customer add mx: expected exit 0"
for doc in "plan apply plan-mx.json" "contract apply contract-mx.json" \
    "voucher issue voucher-mxv.json" "voucher issue voucher-mxp.json" \
    "subsidy apply subsidy-mx.json"; do
    # shellcheck disable=SC2086
    "$GM" $doc >/dev/null || fail "$doc: expected exit 0, got a failure"
done
W='"start":"2026-10-10T02:00:00Z","end":"2026-10-10T03:00:00Z"'
{
    use dcgm/c1/h1 3 ns-mx svc-2 H800 7200000 5040000000
    use npu/c1/a1 3 ns-mx svc-3 Ascend910B 14400000 5760000000
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>>rate.log
"$GM" invoice run --period 2026-10 --customer mx >/dev/null &&
    "$GM" invoice issue --period 2026-10 --customer mx >/dev/null
check_eq "mx's invoice: subtotal, tax, claimed (fen)" "7400 444 1145" \
    "$(q "SELECT subtotal || ' ' || tax || ' ' || claimed FROM invoice i
          JOIN customer c ON c.id = i.customer_id WHERE c.code = 'mx' AND status = 'issued'")"
J4=$("$GM" report yield --period 2026-10 --format json)
check_eq "Ascend910B: 40.00 GPU, 1.60 energy; vouchers 5.33 + 11.45, the whole subsidy" \
    "40.00 1.60 16.78 1.00" \
    "$(jq -r '.rows[] | select(.model == "Ascend910B") | "\(.revenue_gpu_hours) \(.energy_billed) \(.paid_by_vouchers) \(.paid_by_subsidies)"' <<<"$J4")"
check_eq "H800: 40.00 GPU, 1.40 energy; only the pre-tax voucher's 2.67, no subsidy" \
    "40.00 1.40 2.67 0.00" \
    "$(jq -r '.rows[] | select(.model == "H800") | "\(.revenue_gpu_hours) \(.energy_billed) \(.paid_by_vouchers) \(.paid_by_subsidies)"' <<<"$J4")"
finish
