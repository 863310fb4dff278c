#!/bin/bash
# Credit limits (issue 34, deliverable 6; billing/credit_limit.h,
# docs/receivables.md "Credit limits") on the real broker and database,
# hand-computed to the fen: exposure = what issued invoices leave open +
# the months not yet issued, priced as the statement prices them (equal to
# the statement's figure) - the prepaid credit - a deposit applied to
# invoices (an on_default deposit does not count); `credit check` emits
# credit.threshold once per threshold and month however often it runs;
# GET /v1/credit gives the parts, used percent and over_limit, a customer
# key only its own (a forged ?customer= is 403); debits equal credits.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
alpha=$(q "SELECT id FROM customer WHERE code = 'alpha'")

seed_contract_with alpha '"deposit": {"amount": "20.00", "apply": "invoices"}, "credit_limit": {"amount": "300.00", "thresholds": [50, 80, 100]}' >/dev/null
seed_contract_with beta '"deposit": {"amount": "300.00", "apply": "on_default"}, "credit_limit": {"amount": "100.00", "thresholds": [100]}' >/dev/null

# January, issued: alpha 10 H800 hours, 168.00 + 6% = 178.08; beta 5
# hours, 84.00 + 5.04 = 89.04. Then the deposits: alpha 20.00 (applied to
# invoices: it counts against the exposure), beta 300.00 (held on default:
# it does not).
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
h800_hours ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
"$GM" deposit receive --customer alpha --amount 20.00 --reference D-A >/dev/null 2>&1
"$GM" deposit receive --customer beta --amount 300.00 --reference D-B >/dev/null 2>&1
check_eq "January issued and the deposits held" "17808 8904 2000 30000" \
    "$(q "SELECT string_agg(total::text, ' ' ORDER BY number) FROM invoice WHERE kind = 'invoice'") $(q "SELECT string_agg(deposit::text, ' ' ORDER BY customer_id) FROM customer_balance")"

# This month (the customer's local month), not yet invoiced: alpha 3 hours
# in the last whole hour (or the month's first), 50.40 + 3.02 = 53.42.
month=$(q "SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')")
hour=$(q "SELECT to_char(greatest(date_trunc('hour', now()) - interval '1 hour',
                                  date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')
                         AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
h800_hours ns-alpha "$hour" 3
"$GM" rate --until-idle 2>/dev/null
statement_total() { # customer month: the statement's total_minor
    "$GM" statement --customer "$1" --period "$2" --format json | jq -r .total_minor
}
prev=$(q "SELECT to_char((date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') - interval '1 month'), 'YYYY-MM')")
check_eq "the statement of this month says 53.42, the month before nothing" "5342 0" \
    "$(statement_total alpha "$month") $(statement_total alpha "$prev")"

# alpha: 178.08 + 53.42 - 20.00 = 211.50 of 300.00: 70% (70.5 floored),
# 50% crossed. beta: 89.04 of 100.00, 89%, its 300.00 not counted.
run_gm 0 "credit show alpha" credit show alpha
check_eq "credit show: alpha's exposure part by part" "customer alpha
month $month
limit 300.00 CNY
open 178.08 CNY
unbilled 53.42 CNY
prepaid 0.00 CNY
deposit 20.00 CNY (applied to invoices: taken off)
exposure 211.50 CNY
contract in effect
in_default no
hold no
used 70%
over_limit no
crossed 50%" "$(tr -s ' ' <<<"$out")"
run_gm 0 "credit check" credit check
check_eq "alpha crossed 50%, beta nothing, gamma has no limit" \
    "alpha: exposure 211.50 of 300.00 CNY (70%); thresholds crossed: 50%; 1 newly notified
beta: exposure 89.04 of 100.00 CNY (89%); thresholds crossed: none; 0 newly notified" "$out"
run_gm 0 "credit check again" credit check --customer alpha
check_eq "notifies nothing new" "alpha: exposure 211.50 of 300.00 CNY (70%); thresholds crossed: 50%; 0 newly notified" "$out"
check_eq "one credit.threshold in the outbox, its subject and figures" \
    "alpha/$month/50|50|21150|30000|70" \
    "$(q "SELECT string_agg(concat_ws('|', subject, payload->>'threshold_percent', payload->>'exposure_minor',
                                      payload->>'limit_minor', payload->>'used_percent'), ' ' ORDER BY id)
          FROM outbox WHERE kind = 'credit.threshold'")"

# A prepaid credit balance of 10.00 (posted here as an overpayment would
# be, by the owner: payments are another part) takes 10.00 off; then 6
# hours more this month: 9 hours, 151.20 + 9.07 = 160.27. 178.08 + 160.27
# - 10.00 - 20.00 = 308.35 of 300.00: 102%, over the limit, 80% and 100%
# crossed now.
q "SET ROLE gpumeter_owner; SELECT ledger_post($alpha, 'CNY', 'payment', 'PREPAID-1', 'test', now(),
     '[{\"account\": \"cash\", \"amount_minor\": 1000}, {\"account\": \"customer_credit\", \"amount_minor\": -1000}]')" >/dev/null
h800_hours ns-alpha "$hour" 6
"$GM" rate --until-idle 2>/dev/null
check_eq "the statement of this month says 160.27" "16027" "$(statement_total alpha "$month")"
run_gm 0 "credit check" credit check
check_eq "alpha is over its limit: 80% and 100% notified now" \
    "alpha: exposure 308.35 of 300.00 CNY (102%), over the limit; thresholds crossed: 50% 80% 100%; 2 newly notified
beta: exposure 89.04 of 100.00 CNY (89%); thresholds crossed: none; 0 newly notified" "$out"
for i in 1 2; do
    run_gm 0 "credit check, run $i more" credit check
    check_match "notifies nothing new" "102%.*; 0 newly notified" "$out"
done
check_eq "each threshold once: three credit.threshold rows" \
    "alpha/$month/50|21150 alpha/$month/80|30835 alpha/$month/100|30835" \
    "$(q "SELECT string_agg(subject || '|' || (payload->>'exposure_minor'), ' ' ORDER BY id)
          FROM outbox WHERE kind = 'credit.threshold'")"

# The statement shows the ledger's balances beside the month: alpha holds
# a deposit of 20.00 and a prepaid balance of 10.00 (text and JSON; CSV
# keeps the invoice's rows).
"$GM" statement --customer alpha --period "$month" >"$TMP/st.txt"
check_eq "the text statement ends with the deposit held and the prepaid balance" \
    "deposit held 20.00 CNY|prepaid balance 10.00 CNY" \
    "$(tail -n 2 "$TMP/st.txt" | tr -s ' ' | sed 's/^ //' | paste -sd'|')"
check_eq "the JSON statement carries them" "2000|1000|16027" \
    "$("$GM" statement --customer alpha --period "$month" --format json | jq -r '"\(.deposit_held_minor)|\(.prepaid_balance_minor)|\(.total_minor)"')"
check_eq "beta's statement: its on_default deposit, no prepaid balance" "30000|0" \
    "$("$GM" statement --customer beta --period 2026-01 --format json | jq -r '"\(.deposit_held_minor)|\(.prepaid_balance_minor)"')"
check_eq "the CSV statement has no balance rows" "" \
    "$("$GM" statement --customer alpha --period "$month" --format csv | grep -E 'deposit|prepaid')"

# Bad flags exit 2; an unknown customer 1.
run_gm 2 "credit check: a customer that is no code" credit check --customer "a'b"
run_gm 2 "credit check: an unknown flag" credit check --all
run_gm 2 "credit show: no customer" credit show
run_gm 1 "credit check: an unknown customer" credit check --customer nobody
check_match "says so" 'unknown customer .nobody.' "$out"

# The API: what a scheduler polls.
KA=$("$GM" customer key create alpha 2>/dev/null)
KF=$("$GM" customer key create --finance 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
get() { # key path -> "status body"
    curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$U$2"
    printf ' %s' "$(cat "$TMP/body")"
}
check_eq "alpha's key reads its credit: the parts, 102% used, over the limit" \
    "200 {\"customer\":\"alpha\",\"month\":\"$month\",\"currency\":\"CNY\",\"minor_digits\":2,\"limit_minor\":30000,\"exposure_minor\":30835,\"parts\":{\"open_minor\":17808,\"unbilled_minor\":16027,\"prepaid_minor\":1000,\"deposit_minor\":2000,\"deposit_counted\":true},\"used_percent\":102,\"over_limit\":true,\"thresholds\":[50,80,100],\"crossed\":[50,80,100],\"contract_in_effect\":true,\"in_default\":false,\"hold\":true}" \
    "$(get "$KA" /v1/credit)"
check_eq "the unbilled part is the statement's figure to the fen" \
    "$(($(statement_total alpha "$month") + $(statement_total alpha "$prev")))" \
    "$(get "$KA" /v1/credit | sed 's/^200 //' | jq -r .parts.unbilled_minor)"
check_eq "the API statement equals the CLI's, balances included" \
    "$("$GM" statement --customer alpha --period "$month" --format json)" \
    "$(get "$KA" "/v1/statement?period=$month" | sed 's/^200 //')"
check_match "alpha's key forging ?customer=beta is refused" '^403 .*"forbidden"' "$(get "$KA" "/v1/credit?customer=beta")"
check_eq "and reads nothing of beta's" "" "$(get "$KA" "/v1/credit?customer=beta" | grep -o '8904')"
check_eq "finance reads beta's: its on_default deposit is not counted" \
    "200 {\"customer\":\"beta\",\"month\":\"$month\",\"currency\":\"CNY\",\"minor_digits\":2,\"limit_minor\":10000,\"exposure_minor\":8904,\"parts\":{\"open_minor\":8904,\"unbilled_minor\":0,\"prepaid_minor\":0,\"deposit_minor\":30000,\"deposit_counted\":false},\"used_percent\":89,\"over_limit\":false,\"thresholds\":[100],\"crossed\":[],\"contract_in_effect\":true,\"in_default\":false,\"hold\":false}" \
    "$(get "$KF" "/v1/credit?customer=beta")"
check_match "gamma has no limit: limit_minor null, never over" '^200 .*"limit_minor":null,.*"over_limit":false' \
    "$(get "$KF" "/v1/credit?customer=gamma")"
check_match "finance must name the customer" '^400 ' "$(get "$KF" /v1/credit)"
check_match "an unknown customer is 404" '^404 ' "$(get "$KF" "/v1/credit?customer=nobody")"
kill $SERVER 2>/dev/null

check_ledger_balanced
finish
