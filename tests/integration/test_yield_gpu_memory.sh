#!/bin/bash
# report yield puts a GPU memory line (meter gpu_mem_gib_ms, priced per
# GiB-hour, one line per accelerator model) on its own model, as it does a
# GPU-hour line: alpha holds 80 GiB for an hour on an H800 and none on the
# A800 it also uses, so all 80.00 of its GPU memory is the H800's revenue,
# none of it the A800's (docs/operator.md, "Allocation").
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
cat >"$TMP/plan.json" <<'JSON'
{"plan": "gpu-standard", "name": "GPU time and memory", "currency": "CNY",
 "effective_from": "2026-10-01",
 "gpu_hours": {"prices": [{"model": "H800", "unit_price": "10.00"}, {"model": "A800", "unit_price": "10.00"}]},
 "gpu_mem_gib_hours": {"unit_price": "1.00"}}
JSON
"$GM" plan apply "$TMP/plan.json" >/dev/null
check_eq "the plan applies" 0 "$?"
ev() {
    printf 'p\t{"v":1,"source":"p","seq":%s,"account":"ns-alpha","cluster":"c","site":"sh-lingang","model":"%s","vendor":"nvidia","start":"2026-10-05T01:00:00Z","end":"2026-10-05T02:00:00Z","gpu_ms":3600000%s}\n' \
        "$1" "$2" "$3"
}
# an hour on each; 80 GiB x 3,600,000 ms = 288,000,000 GiB-ms on the H800
{ ev 1 H800 ',"gpu_mem_gib_ms":288000000'; ev 2 A800 ''; } |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-10
check_eq "the invoice: 80.00 of H800 memory, 10.00 of GPU time on each model" \
    "gpu_mem_gib_ms|H800|8000 gpu_ms|A800|1000 gpu_ms|H800|1000" \
    "$(q "SELECT string_agg(meter || '|' || model || '|' || amount, ' ' ORDER BY meter, model)
          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id WHERE i.status = 'issued'")"
J=$("$GM" report yield --period 2026-10 --by model --format json)
check_eq "H800: 10.00 of GPU time and the 80.00 of memory held on it" "90.00 10.00 80.00" \
    "$(jq -r '.rows[] | select(.model == "H800") | "\(.revenue) \(.revenue_gpu_hours) \(.revenue_other)"' <<<"$J")"
check_eq "A800: its GPU time only, none of the H800's memory" "10.00 10.00 0.00" \
    "$(jq -r '.rows[] | select(.model == "A800") | "\(.revenue) \(.revenue_gpu_hours) \(.revenue_other)"' <<<"$J")"
check_eq "every fen of the invoice is allocated" "100" \
    "$(jq -r '[.rows[].revenue | tonumber] | add | . * 100 | round / 100 | tostring' <<<"$J")"

finish
