#!/bin/bash
# The contract calendar (`report contracts`), figures computed by hand
# (docs/operator.md): per month, the contracts in force and what they
# commit, those ending, and the GPUs their accounts kept busy in the month
# before the calendar starts.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" customer add delta --name "Delta" >/dev/null
"$GM" customer add eps --name "Epsilon" >/dev/null
cat >"$TMP/delta.json" <<'DOC'
{"contract": "delta-2026", "customer": "delta", "effective_from": "2026-01-01",
 "until": "2026-12-31", "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06",
 "accounts": [{"account": "ns-delta"}], "commitment": {"amount": "10000.00"}}
DOC
cat >"$TMP/eps.json" <<'DOC'
{"contract": "eps-2026", "customer": "eps", "effective_from": "2026-06-01",
 "until": "2027-01-31", "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06",
 "accounts": [{"account": "ns-eps"}],
 "commitment": {"gpu_hours": 500, "shortfall_price": "8.00"}}
DOC
"$GM" contract apply "$TMP/delta.json" >/dev/null 2>&1
"$GM" contract apply "$TMP/eps.json" >/dev/null 2>&1
check_eq "five contracts stored" 5 "$(q "SELECT count(*) FROM document WHERE kind = 'contract'")"

seq=0
month_of() { # account model gpus: that many GPUs busy all November (UTC)
    seq=$((seq + 1))
    printf 'l\t{"v":1,"source":"l","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"2026-11-01T00:00:00Z","end":"2026-12-01T00:00:00Z"}\n' \
        "$seq" "$1" "$2" $(($3 * 720 * 3600000)) |
        kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
}
# November: delta 1 H800 and (as 360 GPU-hours) half an A800; eps 2
# Ascend910B; alpha 3 H800 (its contract does not end).
month_of ns-delta H800 1
seq=$((seq + 1))
printf 'l\t{"v":1,"source":"l","seq":%d,"account":"ns-delta","cluster":"c","site":"s","model":"A800","vendor":"nvidia","gpu_ms":%d,"start":"2026-11-01T00:00:00Z","end":"2026-12-01T00:00:00Z"}\n' \
    "$seq" $((360 * 3600000)) | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
month_of ns-eps Ascend910B 2
month_of ns-alpha H800 3
"$GM" rate --until-idle 2>/dev/null
check_eq "November rated" 4 "$(q "SELECT sum(rated) FROM rating_counter")"

out=$("$GM" report contracts --from 2026-12 --horizon 3 2>&1)
row() { awk -v m="$1" '$1 == m' <<<"$out" | tr -s ' '; }
# December: alpha, beta, gamma, delta, eps in force; delta's 10000.00 CNY
# and eps's 500 GPU-hours; delta ends (until 2026-12-31): its November was
# 720 H800-hours (1.0 GPU) and 360 A800-hours (0.5).
check_eq "December" "2026-12 5 10000.00 CNY 500 delta-2026 A800 0.5, H800 1.0 -" "$(row 2026-12)"
# January: delta gone; eps ends: 1,440 Ascend910B-hours in November, 2.0.
check_eq "January" "2027-01 4 - 500 eps-2026 Ascend910B 2.0 -" "$(row 2027-01)"
check_eq "February: the open-ended three, nobody in default" "2027-02 3 - 0 - - -" "$(row 2027-02)"
check_eq "three months, a header" 4 "$(wc -l <<<"$out")"
"$GM" report contracts --from 2027-13 >/dev/null 2>&1
check_eq "a bad --from exits 2" 2 "$?"
"$GM" report contracts --horizon 0 >/dev/null 2>&1
check_eq "a horizon of 0 exits 2" 2 "$?"
check_match "without --from it starts this month" "^$(date -u +%Y-%m) " \
    "$("$GM" report contracts --horizon 1 2>&1 | sed -n 2p)"

# The same calendar as JSON, from the CLI and from the API (finance keys).
json='{"from":"2026-12","months":[{"month" : "2026-12", "contracts" : 5, "committed" : [{"amount" : "10000.00", "currency" : "CNY"}], "gpu_hours" : 500, "ending" : ["delta-2026"], "gpus_busy_last_month" : [{"model" : "A800", "gpus" : "0.5"}, {"model" : "H800", "gpus" : "1.0"}], "at_risk" : []},{"month" : "2027-01", "contracts" : 4, "committed" : [], "gpu_hours" : 500, "ending" : ["eps-2026"], "gpus_busy_last_month" : [{"model" : "Ascend910B", "gpus" : "2.0"}], "at_risk" : []}]}'
check_eq "as JSON" "$json" "$("$GM" report contracts --from 2026-12 --horizon 2 --format json)"
KF=$("$GM" customer key create --finance 2>/dev/null)
KD=$("$GM" customer key create delta 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
api() { # key path -> "status body"
    curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $1" "http://127.0.0.1:$PORT$2"
    printf ' %s' "$(cat "$TMP/body")"
}
check_eq "GET /v1/operator/contracts is the same document" "200 $json" \
    "$(api "$KF" "/v1/operator/contracts?from=2026-12&horizon=2")"
check_match "a customer's key may not read it" '^403 .*"forbidden"' \
    "$(api "$KD" "/v1/operator/contracts?from=2026-12")"
for bad in "from=2026-13" "from=0000-01" "horizon=0" "horizon=121" "from=2026-12%27"; do
    check_match "$bad is 400" '^400 ' "$(api "$KF" "/v1/operator/contracts?$bad")"
done
kill $SERVER
wait $SERVER
check_eq "the server stops cleanly" 0 "$?"
sanitizer_clean "no sanitizer report" "$TMP/serve.log"
finish
