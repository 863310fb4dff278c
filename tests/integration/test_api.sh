#!/bin/bash
# The statements API on the real database: each key sees only its own
# customer's usage and invoices; another customer's invoice is 404; a revoked
# key is 401; injection strings in every parameter are 400 and change
# nothing; CSV and JSON agree; the statement equals the issued invoice and
# the CLI; 405, 413, 429 and /metrics.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
ev() { # seq account gpu-hours
    printf 'a\t{"v":1,"source":"a","seq":%d,"account":"%s","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"2026-01-10T02:00:00Z","end":"2026-01-10T03:00:00Z"}\n' \
        "$1" "$2" $(($3 * 3600000))
}
{ ev 1 ns-alpha 10; ev 2 ns-beta 7; } | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 >/dev/null 2>&1 && "$GM" invoice issue --period 2026-01 >/dev/null 2>&1
alpha_inv=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE c.code = 'alpha'")
beta_inv=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE c.code = 'beta'")
KA=$("$GM" customer key create alpha --label test 2>/dev/null)
KB=$("$GM" customer key create beta 2>/dev/null)
KF=$("$GM" customer key create --finance 2>/dev/null)
check_match "a key is printed once" '^gmk_[0-9a-f]{12}_[0-9a-f]{64}$' "$KA"
check_eq "only hashes are stored" 0 "$(q "SELECT count(*) FROM api_key WHERE sha256 = '$KA' OR id = '$KA'")"

# The OpenAPI document has exactly the server's routes and query parameters.
doc_routes=$(awk '/^  \/[^:]*:$/ { path = substr($1, 1, length($1) - 1) }
                  /^    (get|post|delete):$/ { m = toupper(substr($1, 1, length($1) - 1)); print m " " path }
                  /in: query/ { sub(/.*name: /, ""); sub(/,.*/, ""); print m " " path " " $0 }' \
    "$ROOT/docs/openapi.yaml" | sort)
server_routes=$("$GM" serve --routes | awk '{ print $1 " " $2; for (i = 3; i <= NF; i++) print $1 " " $2 " " $i }' | sort)
check_eq "docs/openapi.yaml matches the route table" "$server_routes" "$doc_routes"

SERVER2=
start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER $SERVER2 2>/dev/null; cleanup' EXIT
get() { # key path -> "status body"
    curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$U$2"
    printf ' %s' "$(cat "$TMP/body")"
}
check_eq "healthz" "200 ok" "$(get none /healthz)"
check_match "no key is 401 with a JSON error" '^401 \{"error":\{"code":"unauthorized"' "$(get none /v1/usage?from=2026-01-01\&to=2026-01-31)"
a=$(get "$KA" "/v1/usage?from=2026-01-01&to=2026-01-31&group_by=day,model")
check_match "alpha sees its own usage, in GPU-hours too" '^200 .*"rows":\[\{"time":"2026-01-10","model":"H800","meter":"gpu_ms","quantity":36000000,"unit":"GPU-ms","gpu_hours":"10.000000"\}\]' "$a"
check_match "beta sees its own" '"quantity":25200000' "$(get "$KB" "/v1/usage?from=2026-01-01&to=2026-01-31")"
check_match "alpha asking for beta is 403" '^403 ' "$(get "$KA" "/v1/usage?from=2026-01-01&to=2026-01-31&customer=beta")"
check_match "finance reads beta" '"quantity":25200000' "$(get "$KF" "/v1/usage?from=2026-01-01&to=2026-01-31&customer=beta")"
check_match "finance must name the customer" '^400 ' "$(get "$KF" "/v1/usage?from=2026-01-01&to=2026-01-31")"
inv=$(get "$KA" /v1/invoices)
check_match "alpha lists its invoice, amounts as decimals and minor units" "\"number\":\"$alpha_inv\",\"kind\":\"invoice\",\"period\":\"2026-01\",\"status\":\"issued\",\"currency\":\"CNY\",\"total\":\"178.08\",\"total_minor\":17808,\"due\":\"178.08\",\"due_minor\":17808" "$inv"
check_eq "and not beta's" "" "$(echo "$inv" | grep -o "$beta_inv")"
check_match "beta's invoice number is 404 for alpha" '^404 ' "$(get "$KA" "/v1/invoices/$beta_inv")"
check_match "and 200 for finance" '^200 ' "$(get "$KF" "/v1/invoices/$beta_inv")"
check_match "alpha's invoice as JSON" "^200 .*\"number\":\"$alpha_inv\"" "$(get "$KA" "/v1/invoices/$alpha_inv")"
curl -s -H "Authorization: Bearer $KA" "$U/v1/invoices/$alpha_inv?format=pdf" -o "$TMP/a.pdf"
check_match "and as PDF" "Total +178.08" "$(pdftotext -layout "$TMP/a.pdf" - 2>/dev/null)"

total=$(q "SELECT total FROM invoice WHERE number = '$alpha_inv'")
st=$(get "$KA" "/v1/statement?period=2026-01")
check_match "the statement equals the issued invoice" "\"total_minor\":$total," "$st"
check_eq "and the CLI statement, byte for byte" "$("$GM" statement --customer alpha --period 2026-01 --format json)" \
    "$(curl -s -H "Authorization: Bearer $KA" "$U/v1/statement?period=2026-01")"
csv_sum=$(curl -s -H "Authorization: Bearer $KF" "$U/v1/usage?from=2026-01-01&to=2026-01-31&group_by=hour,job&customer=alpha&format=csv" |
    awk -F, 'NR > 1 { s += $5 } END { print s }')
json_sum=$(curl -s -H "Authorization: Bearer $KF" "$U/v1/usage?from=2026-01-01&to=2026-01-31&group_by=hour,job&customer=alpha" |
    grep -o '"quantity":[0-9]*' | awk -F: '{ s += $2 } END { print s }')
check_eq "CSV and JSON agree" "36000000 36000000" "$csv_sum $json_sum"
# Usage responses are cached by the customer's usage version (schema 009):
# repeated, they are the same bytes from the cache; after any change they
# are recomputed, so usage rated a moment ago shows (bench/REPORT.md's
# freshness figure counts on it).
hits() { curl -s "$U/metrics" | awk '/cache_lookups_total\{result="hit"\}/ { print $2 }'; }
h0=$(hits)
check_eq "a repeated usage request is answered the same" "$a" \
    "$(get "$KA" "/v1/usage?from=2026-01-01&to=2026-01-31&group_by=day,model")"
check_eq "(from the response cache: a hit in /metrics)" $((h0 + 1)) "$(hits)"
ev 3 ns-alpha 2 | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
check_match "usage rated since shows on the next request, though its old answer is cached" \
    '"quantity":43200000' "$(get "$KA" "/v1/usage?from=2026-01-01&to=2026-01-31&group_by=day,model")"
check_eq "(a miss: the rater moved alpha's usage version)" $((h0 + 1)) "$(hits)"
q "UPDATE usage_hourly SET quantity = quantity + 1 WHERE account = 'ns-alpha'" >/dev/null
check_match "and so does a correction made in SQL" '"quantity":43200001' \
    "$(get "$KA" "/v1/usage?from=2026-01-01&to=2026-01-31&group_by=day,model")"
q "UPDATE usage_hourly SET quantity = quantity - 7200001 WHERE account = 'ns-alpha'" >/dev/null
h0=$(hits)
check_match "beta's usage is still cached after alpha's changed" '"quantity":25200000' \
    "$(get "$KB" "/v1/usage?from=2026-01-01&to=2026-01-31")"
check_eq "(a cache hit, counted in /metrics)" $((h0 + 1)) "$(hits)"
check_match "usage/current has the month to date and balances" '^200 \{"month_to_date":.*"makeup_bank_minor":0' \
    "$(get "$KA" /v1/usage/current)"

# GPU-hours and kWh for people beside the exact integers (docs/api.md#units):
# six decimals, rounded once half away from zero. By hand: 10,801,799 GPU-ms
# / 3,600,000 = 3.000499722... -> 3.000500 (a truncation would say
# 3.000499); 11,111,111,111 mJ / 3,600,000,000 = 3.086419753... -> 3.086420.
printf 'b\t{"v":1,"source":"a","seq":20,"account":"ns-beta","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":10801799,"energy_mj":11111111111,"start":"2026-03-05T02:00:00Z","end":"2026-03-05T03:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
u=$(get "$KB" "/v1/usage?from=2026-03-01&to=2026-03-31&group_by=month")
check_match "usage JSON: GPU-hours and kWh as exact decimal strings beside gpu_ms and mJ" \
    '^200 .*"rows":\[\{"time":"2026-03","meter":"energy_mj","quantity":11111111111,"unit":"mJ","kwh":"3.086420"\},\{"time":"2026-03","meter":"gpu_ms","quantity":10801799,"unit":"GPU-ms","gpu_hours":"3.000500"\}\]' "$u"
curl -s -H "Authorization: Bearer $KB" "$U/v1/usage?from=2026-03-01&to=2026-03-31&group_by=day,job,model&format=csv" >"$TMP/u.csv"
check_eq "usage CSV: its header, a column per unit people read" \
    "time,job,model,meter,quantity,unit,gpu_hours,million_tokens,kwh,gpu_mem_gib_hours" "$(head -n 1 "$TMP/u.csv")"
check_eq "usage CSV: a row fills its meter's column, exactly" \
    "2026-03-05,,H800,gpu_ms,10801799,GPU-ms,3.000500,,," "$(grep gpu_ms "$TMP/u.csv")"
check_eq "usage CSV: and the energy row its kWh" \
    "2026-03-05,,H800,energy_mj,11111111111,mJ,,,3.086420," "$(grep energy_mj "$TMP/u.csv")"

# Usage days follow the contract in effect for their month (the schema's
# contract_in_effect), as statements do, not alpha's latest version: from
# December alpha's contract is in UTC, but 2026-10-31T20:00Z is still
# November 1st in Asia/Shanghai, the zone of the contract for November.
sed -e 's/"effective_from": "2026-01-01"/"effective_from": "2026-12-01"/' \
    -e 's/"tax_rate": "0.06"/"tax_rate": "0.06", "time_zone": "UTC"/' \
    "$ROOT/scripts/seed/contract-alpha.json" >"$TMP/alpha-utc.json"
"$GM" contract apply "$TMP/alpha-utc.json" >/dev/null
printf 'a\t{"v":1,"source":"a","seq":9,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":3600000,"start":"2026-10-31T20:00:00Z","end":"2026-10-31T21:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
check_match "usage is bucketed in the zone of the contract in effect for its month" \
    '"rows":\[\{"time":"2026-11-01","meter":"gpu_ms","quantity":3600000' \
    "$(get "$KA" "/v1/usage?from=2026-10-01&to=2026-12-31")"
before=$(q "SELECT count(*) || ' ' || sum(total) FROM invoice")
bad=0
for path in "/v1/usage?from=2026-01-01%27%20OR%201%3D1--&to=2026-01-31" \
    "/v1/usage?from=2026-01-01&to=2026-01-31%27;DROP%20TABLE%20invoice;--" \
    "/v1/usage?from=2026-01-01&to=2026-01-31&group_by=day;DROP%20TABLE%20usage_hourly" \
    "/v1/usage?from=2026-01-01&to=2026-01-31&page=1%20OR%201=1" \
    "/v1/usage?from=2026-01-01&to=2026-01-31&page_size=10;--" \
    "/v1/usage?from=2026-01-01&to=2026-01-31&format=json%27" \
    "/v1/usage?from=2026-01-01&to=2026-01-31&customer=alpha%27%20OR%20%27a%27=%27a" \
    "/v1/statement?period=2026-01%27%20OR%201=1" \
    "/v1/invoices?page=0%20UNION%20SELECT%201" \
    "/v1/usage?from=2026-01-01&to=2026-01-31&sql=1"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KF" "$U$path")
    [ "$code" = 400 ] || { bad=$((bad + 1)); echo "# $path -> $code"; }
done
check_eq "injection strings in every parameter are 400" 0 "$bad"
check_match "an injected invoice number is 404" '^404 ' \
    "$(get "$KF" "/v1/invoices/INV-2026-000001%27%20OR%20%271%27=%271")"
check_eq "and nothing changed" "$before" "$(q "SELECT count(*) || ' ' || sum(total) FROM invoice")"
check_match "more than a year is 400" '^400 ' "$(get "$KA" "/v1/usage?from=2025-01-01&to=2026-01-31")"
check_match "POST is 405" '^405$' "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KA" "$U/v1/invoices")"
check_match "a body is 413" '^413$' "$(curl -s -o /dev/null -w '%{http_code}' -X GET --data 'x=1' -H "Authorization: Bearer $KA" "$U/v1/invoices")"
check_match "an unknown path is 404" '^404 ' "$(get "$KA" /v2/nothing)"
# A statement the database fails (here: a privilege taken away) is 503,
# never a 404 that says the customer has no contract: an open month's, priced
# live, and an issued month's, read back from its invoice.
pg -c "REVOKE SELECT ON usage_day_changed FROM gpumeter_api" >/dev/null
check_match "a database failure on a statement is 503, not 404" '^503 .*"unavailable"' \
    "$(get "$KA" "/v1/statement?period=2026-02")"
pg -c "GRANT SELECT ON usage_day_changed TO gpumeter_api" >/dev/null
check_match "and 200 again once it is back" '^200 ' "$(get "$KA" "/v1/statement?period=2026-02")"
pg -c "REVOKE SELECT ON invoice_line FROM gpumeter_api" >/dev/null
check_match "an issued month's too" '^503 .*"unavailable"' "$(get "$KA" "/v1/statement?period=2026-01")"
pg -c "GRANT SELECT ON invoice_line TO gpumeter_api" >/dev/null
check_match "and 200 again once it is back" '^200 .*"issued":true' \
    "$(get "$KA" "/v1/statement?period=2026-01")"

# The month's money audit trail, finance keys only (docs/api.md): the issue
# of both invoices (the configured actor), a fapiao recorded and corrected
# by a named actor, oldest first, before and after as JSON; the actor's
# text is a JSON string whatever it holds.
day=$(issued_on "$alpha_inv")
GPUMETER_ACTOR=billing-bot "$GM" invoice fapiao "$alpha_inv" --number 26000000000000000001 --date "$day" >/dev/null 2>&1
"$GM" invoice fapiao "$alpha_inv" --number 26000000000000000002 --date "$day" --correct \
    --reason 'typed "1" for "2"' --actor 'li <b>"wei"</b>' >/dev/null 2>&1
au=$(get "$KF" "/v1/finance/audit?period=2026-01")
check_match "finance reads the month's money audit" '^200 \{"period":"2026-01","rows":\[\{"at":"2026-[0-9-]+T[0-9:]+Z","actor":' "$au"
cfg_actor=$(q "SELECT actor FROM audit_log WHERE action = 'issue' LIMIT 1")
check_eq "its rows, oldest first: both issues, then the fapiao and its correction, with actor, before and after" \
"$cfg_actor|$alpha_inv|issue|alpha|invoice|null|{\"total\":$total,\"period\":\"2026-01\",\"status\":\"issued\",\"currency\":\"CNY\",\"customer\":\"alpha\"}
$cfg_actor|$beta_inv|issue|beta|invoice|null|{\"total\":$(q "SELECT total FROM invoice WHERE number = '$beta_inv'"),\"period\":\"2026-01\",\"status\":\"issued\",\"currency\":\"CNY\",\"customer\":\"beta\"}
billing-bot|$alpha_inv|fapiao|alpha|invoice|null|{\"fapiao_date\":\"$day\",\"fapiao_number\":\"26000000000000000001\"}
li <b>\"wei\"</b>|$alpha_inv|correct|alpha|invoice|{\"fapiao_date\":\"$day\",\"fapiao_number\":\"26000000000000000001\"}|{\"reason\":\"typed \\\"1\\\" for \\\"2\\\"\",\"fapiao_date\":\"$day\",\"fapiao_number\":\"26000000000000000002\"}" \
    "$(jq -r '.rows[] | [.actor, .invoice, .action, .customer, .kind, (.before | tojson), (.after | tojson)] | join("|")' <<<"${au#* }")"
check_match "a customer key may not read it (403)" '^403 .*"forbidden"' "$(get "$KA" "/v1/finance/audit?period=2026-01")"
KS=$("$GM" customer key create --sales 2>/dev/null)
check_match "nor a sales key (403)" '^403 .*"forbidden"' "$(get "$KS" "/v1/finance/audit?period=2026-01")"
check_match "a bad month is 400" '^400 ' "$(get "$KF" "/v1/finance/audit?period=2026-1")"
check_eq "another month has its own (none)" '200 {"period":"2025-12","rows":[]}' "$(get "$KF" "/v1/finance/audit?period=2025-12")"

"$GM" customer key revoke "$(echo "$KA" | cut -c5-16)" >/dev/null
check_match "a revoked key is 401 at once" '^401 ' "$(get "$KA" /v1/invoices)"
check_match "the other keys still work" '^200 ' "$(get "$KB" /v1/invoices)"
check_match "metrics count requests by status" 'gpumeter_api_requests_total\{status="4xx"\} [1-9]' \
    "$(curl -s "$U/metrics")"

SERVER1=$SERVER U1=$U
GPUMETER_API_RATE=3 start_server "$TMP/serve2.log" --threads 1 || fail "the second server starts"
SERVER2=$SERVER U2=$U SERVER=$SERVER1 U=$U1
codes=$(for _ in 1 2 3 4 5 6 7 8; do
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KB" "$U2/v1/invoices"
done | sort | uniq -c | awk '{ print $2 ":" $1 }' | xargs)
check_match "over the rate a key gets 429" '429:[1-9]' "$codes"
kill $SERVER $SERVER2 2>/dev/null
wait $SERVER 2>/dev/null
check_eq "the server stops on SIGTERM" 0 "$?"
sanitizer_clean "the server reported no sanitizer error (${GPUMETER_SERVE_BINARY:-build/asan/gpumeter})" "$TMP/serve.log"
finish
