#!/bin/bash
# A customer is invoiced through the contract and plan versions in effect
# for the month: GPU time split at a time-of-use band boundary, token
# brackets by model size, each line to the fen; statement and invoice agree.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
# From October alpha is billed by token, and also owns account ns-plan.
cat >"$TMP/contract.json" <<'JSON'
{"contract": "alpha-2026-q4", "customer": "alpha", "effective_from": "2026-10-01",
 "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06", "billing_basis": "tokens",
 "accounts": [{"account": "ns-alpha"}, {"account": "ns-plan"}]}
JSON
check_eq "a second contract version is applied" "contract alpha-2026-q4 version 2026-10-01: created" \
    "$("$GM" contract apply "$TMP/contract.json")"
check_eq "the first version's accounts end the day before" \
    "ns-alpha|2026-01-01|2026-09-30|alpha-2026 ns-alpha|2026-10-01||alpha-2026-q4 ns-plan|2026-10-01||alpha-2026-q4" \
    "$(q "SELECT string_agg(account || '|' || valid_from || '|' || coalesce(valid_until::text, '')
                            || '|' || contract, ' ' ORDER BY account, valid_from)
          FROM account a JOIN customer c ON c.id = a.customer_id WHERE c.code = 'alpha'")"
# Customer alpha's plan is "gpu-standard": give it a document version from
# October 2026, with a peak band 08:00-12:00 (Asia/Shanghai) at x1.5.
cat >"$TMP/plan.json" <<'JSON'
{"plan": "gpu-standard", "name": "GPU-hour standard with peak hours",
 "currency": "CNY", "effective_from": "2026-10-01",
 "gpu_hours": {"prices": [{"model": "H800", "unit_price": "16.80"}],
               "time_of_use": [{"band": "peak", "from": 8, "to": 12, "multiplier": "1.5"}]},
 "tokens": {"brackets": [{"up_to_params": 16000000000, "unit_price": "3.00"},
                         {"unit_price": "6.00"}]}}
JSON
"$GM" plan apply "$TMP/plan.json" >/dev/null
check_eq "the plan version is applied" 0 "$?"
# 8 GPUs from 11:40 to 12:25 local (03:40-04:25Z) on 2026-10-05, as
# "NVIDIA H800"; and 1,500 M tokens of a 7B model, 500 M of a 70B model.
{
    printf 'p\t{"v":1,"source":"p","seq":1,"account":"ns-plan","cluster":"c","site":"s","model":"NVIDIA H800","vendor":"nvidia","start":"2026-10-05T03:40:00Z","end":"2026-10-05T04:25:00Z","gpu_ms":21600000}\n'
    printf 'p\t{"v":1,"source":"p","seq":2,"account":"ns-plan","cluster":"c","site":"s","start":"2026-10-05T05:00:00Z","end":"2026-10-05T06:00:00Z","tokens":1500000000,"model_params":7000000000}\n'
    printf 'p\t{"v":1,"source":"p","seq":3,"account":"ns-plan","cluster":"c","site":"s","start":"2026-10-05T05:00:00Z","end":"2026-10-05T06:00:00Z","tokens":500000000,"model_params":70000000000}\n'
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-10 --customer alpha >/dev/null 2>&1
check_eq "the invoice run succeeds" 0 "$?"
# peak 9,600,000 GPU-ms: 67.20; flat 12,000,000: 56.00; tokens 1,500 x 3.00
# = 4,500.00 and 500 x 6.00 = 3,000.00; subtotal 7,623.20, tax 6% 457.39.
check_eq "each line priced by the document, to the fen" \
    "gpu_ms|H800|flat|12000000|5600 gpu_ms|H800|peak|9600000|6720 tokens|<=16000000000 params||1500000000|450000 tokens|>16000000000 params||500000000|300000" \
    "$(q "SELECT string_agg(meter || '|' || model || '|' || band || '|' || quantity || '|' || amount,
                            ' ' ORDER BY meter, model, band)
          FROM invoice_line")"
check_eq "subtotal, tax and total" "762320 45739 808059" \
    "$(q "SELECT subtotal || ' ' || tax || ' ' || total FROM invoice")"
check_match "the statement agrees with the invoice" '"total_minor":808059' \
    "$("$GM" statement --customer alpha --period 2026-10 --format json)"
check_match "invoice csv shows the band" '^usage,gpu_ms,H800,peak,,,9600000,' \
    "$("$GM" invoice show --customer alpha --period 2026-10 --format csv)"
finish
