#!/bin/bash
# The commitment series leaves out the money of a take-or-pay contract
# that used no GPU time in the month (docs/investor.md, "The series": its
# price per hour used is not defined; it does not contribute, "its money
# is then in no value"). January 2026, index.min_contracts = 2:
#   beta:  H800 5 h 84.00, a take-or-pay of 100.00: shortfall 16.00;
#   kappa: H800 5 h 84.00, a take-or-pay of 200.00: shortfall 116.00;
#   mu:    no GPU time, a take-or-pay of 300.00: shortfall 300.00.
# By hand: (84.00 + 16.00 + 84.00 + 116.00) / 10 GPU-hours = 30.000000,
# 2 contracts. mu's 300.00 was summed in while not counted: 60.000000.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
export GPUMETER_INDEX_MIN_CONTRACTS=2

contract() { # customer plan extra-json
    cat >"$TMP/$1.json" <<DOC
{ "contract": "$1-2026", "customer": "$1", "effective_from": "2026-01-01", "plan": "$2",
  "currency": "CNY", "tax_rate": "0.06"$3, "accounts": [ { "account": "ns-$1" } ] }
DOC
    "$GM" contract apply "$TMP/$1.json" >/dev/null
}
{ "$GM" customer add kappa --name Kappa >/dev/null && "$GM" customer add mu --name Mu >/dev/null &&
    contract kappa gpu-standard ', "commitment": {"amount": "200.00"}' &&
    contract mu gpu-standard ', "commitment": {"amount": "300.00"}' &&
    seed_contract_with beta '"commitment": {"amount": "100.00"}' >/dev/null; } ||
    { fail "set up the contracts"; finish; }

gpu() { # seq account model gpu_ms month
    printf 'c\t{"v":1,"source":"c","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"2026-%s-10T02:00:00Z","end":"2026-%s-10T03:00:00Z"}\n' \
        "$1" "$2" "$3" "$4" "$5" "$5"
}
{
    gpu 1 ns-beta H800 18000000 01
    gpu 2 ns-kappa H800 18000000 01
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-01

check_eq "the take-or-pay invoices: shortfalls 16.00, 116.00 and mu's 300.00" \
    "beta shortfall 1600, kappa shortfall 11600, mu shortfall 30000" \
    "$(q "SELECT string_agg(c.code || ' ' || l.kind || ' ' || l.amount, ', ' ORDER BY c.code)
          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
          WHERE i.period = '2026-01-01' AND i.status = 'issued' AND l.kind = 'shortfall'")"
check_eq "commitments by hand: 300.00 over 10 GPU-hours of beta and kappa, mu's money in no value" \
    "month,model,currency,contracts,gpu_hours,amount,price_per_gpu_hour,status
2026-01,*,CNY,2,10.000,300.00,30.000000,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --series commitments --format csv)"
check_eq "and published so" "2 36000000 30000 30000000" \
    "$("$GM" index publish --period 2026-01 >/dev/null 2>&1
       q "SELECT contracts || ' ' || gpu_ms || ' ' || amount || ' ' || price_micro
          FROM price_index_publication WHERE month = '2026-01-01' AND series = 'commitments'
          AND basis = 'gross'")"
finish
