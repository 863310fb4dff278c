#!/bin/bash
# Issue 36's evidence: a customer's availability report under its SLA
# (`report availability --customer`, billing/sla_availability.h) on the
# hand-computed windows of test_sla.sh: the terms, availability by day,
# by device and for the month, and the windows not up with why each is or
# is not excluded; all from sla_windows / sla_device_days (schema 049).
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
sla_alpha_fixture
health_window 8 gpu-node-07 GPU-b 2027-02-02T00:00:00Z 20 down '{=1+1}' # a hostile reason code

# Hand-computed (Asia/Shanghai days): 1 Jan GPU-b 2 h up; 5 Jan GPU-a 1 h
# up; 10 Jan GPU-a 1 h down, all maintenance; 12 Jan GPU-a 0.5 h degraded
# (customer-caused) and 0.5 h down (xid:79 too: downtime), 50%. GPU-a:
# 3 h metered, 0.5 h downtime: 2.5/3 = 83.3333...% rounded down; the
# month: 5 h metered, 0.5 h downtime, 90%.
run_gm 0 "alpha's January as CSV" report availability --customer alpha --period 2027-01 --format csv
check_eq "alpha's January as CSV: the terms, days, devices, month and windows, exactly" \
'term,value
customer,alpha
period,2027-01
contract,alpha-2026
time_zone,Asia/Shanghai
target,99.5
tiers,"below 99.5%: 10%; below 99.0%: 25%"
cap,20
commitment_shrink,false
excludes,maintenance customer_caused
reserved,sh-lingang/gpu-node-07 sh-lingang/gpu-node-07/GPU-a

day,model,metered_ms,up_ms,degraded_ms,down_ms,maintenance_ms,customer_ms,downtime_ms,availability_ppm,availability_percent
2027-01-01,,7200000,7200000,0,0,0,0,0,1000000,100.0000
2027-01-05,,3600000,3600000,0,0,0,0,0,1000000,100.0000
2027-01-10,,3600000,0,0,3600000,3600000,0,0,1000000,100.0000
2027-01-12,,3600000,0,1800000,1800000,0,1800000,1800000,500000,50.0000

device,model,metered_ms,up_ms,degraded_ms,down_ms,maintenance_ms,customer_ms,downtime_ms,availability_ppm,availability_percent
sh-lingang/gpu-node-07/GPU-a,H800,10800000,3600000,1800000,5400000,3600000,1800000,1800000,833333,83.3333
sh-lingang/gpu-node-07/GPU-b,H800,7200000,7200000,0,0,0,0,0,1000000,100.0000
total,,18000000,10800000,1800000,5400000,3600000,1800000,1800000,900000,90.0000

device,start,end,state,reasons,excluded,ms
sh-lingang/gpu-node-07/GPU-a,2027-01-10T03:00:00,2027-01-10T04:00:00,down,xid:79,maintenance,3600000
sh-lingang/gpu-node-07/GPU-a,2027-01-12T08:00:00,2027-01-12T08:30:00,degraded,xid:13,customer_caused,1800000
sh-lingang/gpu-node-07/GPU-a,2027-01-12T08:30:00,2027-01-12T09:00:00,down,xid:13 xid:79,no,1800000' "$out"

check_eq "the days' figures are sla_device_days' (the one definition), summed per day" \
    "$(q "SELECT day || ',,' || sum(metered_ms) || ',' || sum(up_ms) || ',' || sum(degraded_ms) || ','
                 || sum(down_ms) || ',' || sum(maintenance_ms) || ',' || sum(customer_ms) || ','
                 || sum(downtime_ms)
          FROM sla_device_days((SELECT id FROM customer WHERE code = 'alpha'), '2027-01-01',
                               '{xid:13,xid:31,xid:43,xid:45,xid:68}')
          GROUP BY day ORDER BY day")" \
    "$(grep '^2027-01-' <<<"$out" | cut -d, -f1-9)"

run_gm 0 "alpha's January as JSON" report availability --customer alpha --period 2027-01 --format json
check_eq "the JSON's terms, the 12th, GPU-a, the month and the windows" \
'{"target":"99.5","tiers":[{"below":"99.5","credit":"10"},{"below":"99.0","credit":"25"}],"cap":"20","commitment_shrink":false,"excludes":["maintenance","customer_caused"],"reserved":[{"node":"gpu-node-07","site":"sh-lingang"},{"node":"gpu-node-07","site":"sh-lingang","device":"GPU-a"}]}
{"day":"2027-01-12","metered_ms":3600000,"up_ms":0,"degraded_ms":1800000,"down_ms":1800000,"maintenance_ms":0,"customer_ms":1800000,"downtime_ms":1800000,"availability_ppm":500000,"availability_percent":"50.0000"}
{"device":"sh-lingang/gpu-node-07/GPU-a","model":"H800","metered_ms":10800000,"up_ms":3600000,"degraded_ms":1800000,"down_ms":5400000,"maintenance_ms":3600000,"customer_ms":1800000,"downtime_ms":1800000,"availability_ppm":833333,"availability_percent":"83.3333"}
{"metered_ms":18000000,"up_ms":10800000,"degraded_ms":1800000,"down_ms":5400000,"maintenance_ms":3600000,"customer_ms":1800000,"downtime_ms":1800000,"availability_ppm":900000,"availability_percent":"90.0000"}
4 2 3
{"device":"sh-lingang/gpu-node-07/GPU-a","start":"2027-01-12T08:30:00","end":"2027-01-12T09:00:00","state":"down","reasons":["xid:13","xid:79"],"excluded":"no","ms":1800000}' \
    "$(jq -c '.terms, .days[3], .devices[0], .total, "\(.days | length) \(.devices | length) \(.windows | length)", .windows[2]' <<<"$out" | sed 's/^"\(.*\)"$/\1/')"

run_gm 0 "alpha's January as text" report availability --customer alpha --period 2027-01
check_eq "the text's terms, the 12th, the month and the downtime window" \
'availability of alpha in 2027-01 under contract alpha-2026 (local days and times in Asia/Shanghai; GPU-hours; availability = (metered - downtime) / metered, rounded down)
terms: target 99.5%; tiers below 99.5%: 10%; below 99.0%: 25%; cap 20%; commitment shrink no; excludes maintenance customer_caused
reserved: sh-lingang/gpu-node-07 sh-lingang/gpu-node-07/GPU-a
2027-01-12                         1.000       0.000       0.500       0.500       0.000       0.500       0.500   50.0000%
total                              5.000       3.000       0.500       1.500       1.000       0.500       0.500   90.0000%
sh-lingang/gpu-node-07/GPU-a 2027-01-12T08:30:00 2027-01-12T09:00:00 down     no                  0.500  xid:13 xid:79' \
    "$(grep -E '^(availability|terms|reserved|2027-01-12 |total|.*T08:30:00 2027)' <<<"$out")"

# February: a hostile reason code stays text in CSV (core/csv.h).
run_gm 0 "alpha's February as CSV" report availability --customer alpha --period 2027-02 --format csv
check_eq "a reason =1+1 is written quoted, with a quote before it" \
"sh-lingang/gpu-node-07/GPU-b,2027-02-02T08:00:00,2027-02-02T08:20:00,down,\"'=1+1\",no,1200000" \
    "$(grep -F "=1+1" <<<"$out")"

# Nothing to report: a month without windows has the terms and zeros.
run_gm 0 "alpha's March (no windows)" report availability --customer alpha --period 2027-03 --format json
check_eq "a month without windows: no days, no devices, nothing metered, no windows" \
    '0 0 0 null 0' "$(jq -r '"\(.days | length) \(.devices | length) \(.total.metered_ms) \(.total.availability_ppm) \(.windows | length)"' <<<"$out")"

# Refusals: nothing to report exits 1 with the reason, bad usage 2 naming the value.
run_gm 1 "beta (a contract without an sla)" report availability --customer beta --period 2027-01
check_match "beta: the reason" "customer beta has no sla in 2027-01" "$out"
run_gm 1 "a customer that does not exist" report availability --customer nobody --period 2027-01
check_match "nobody: named" 'unknown customer .nobody.' "$out"
run_gm 2 "period 2026-13" report availability --customer alpha --period 2026-13
check_match "2026-13: named" '--period 2026-13: month 13 is not 01..12 \(expected YYYY-MM\)' "$out"
run_gm 2 "a customer code with a formula character" report availability --customer '=cmd' --period 2027-01
check_match "=cmd: named" '--customer =cmd: not a code \(expected 1 to 64 of a-z, 0-9, - and _\)' "$out"
run_gm 2 "--format xml" report availability --customer alpha --period 2027-01 --format xml
check_match "xml: named" '--format xml: not one of the choices \(expected text\|csv\|json\)' "$out"
run_gm 2 "--customer without --period" report availability --customer alpha
check_match "--customer without --period: says --period is needed" \
    'error: --customer needs --period YYYY-MM: the month measured' "$out"
run_gm 2 "--customer with --from" report availability --customer alpha --period 2027-01 --from 2027-01-01
run_gm 2 "--period without --customer" report availability --period 2027-01 --from 2027-01-01 --to 2027-01-31

# GET /v1/availability: the same bytes as the CLI's JSON; a customer key
# its own only, a finance key the customer it names.
KA=$("$GM" customer key create alpha 2>/dev/null)
KB=$("$GM" customer key create beta 2>/dev/null)
KF=$("$GM" customer key create --finance 2>/dev/null)
KS=$("$GM" customer key create --sales 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
cli=$("$GM" report availability --customer alpha --period 2027-01 --format json)
check_eq "alpha's key reads its January: the CLI's JSON, byte for byte" "200 $cli" \
    "$(api_get "$KA" "/v1/availability?period=2027-01")"
check_eq "a finance key naming alpha reads the same" "200 $cli" \
    "$(api_get "$KF" "/v1/availability?period=2027-01&customer=alpha")"
check_eq "alpha's key asking for beta is 403" \
    '403 {"error":{"code":"forbidden","message":"this key reads only customer alpha"}}' \
    "$(api_get "$KA" "/v1/availability?period=2027-01&customer=beta")"
check_eq "beta's key cannot reach alpha's either" \
    '403 {"error":{"code":"forbidden","message":"this key reads only customer beta"}}' \
    "$(api_get "$KB" "/v1/availability?period=2027-01&customer=alpha")"
check_eq "beta's own month: no sla, 404" \
    '404 {"error":{"code":"not_found","message":"customer beta has no sla in 2027-01"}}' \
    "$(api_get "$KB" "/v1/availability?period=2027-01")"
check_eq "a finance key naming a customer that does not exist: 404" \
    '404 {"error":{"code":"not_found","message":"no customer nobody"}}' \
    "$(api_get "$KF" "/v1/availability?period=2027-01&customer=nobody")"
check_match "a finance key must name the customer" '^400 ' "$(api_get "$KF" "/v1/availability?period=2027-01")"
check_match "a sales key is 403" '^403 ' "$(api_get "$KS" "/v1/availability?period=2027-01&customer=alpha")"
check_eq "period 2026-13 is 400" \
    '400 {"error":{"code":"bad_request","message":"period is a month YYYY-MM"}}' \
    "$(api_get "$KA" "/v1/availability?period=2026-13")"
check_match "a period with SQL in it is 400" '^400 ' \
    "$(api_get "$KA" "/v1/availability?period=2027-01%27%3B--")"
check_match "no period is 400" '^400 ' "$(api_get "$KA" "/v1/availability")"
check_match "an unknown parameter is 400" '^400 ' "$(api_get "$KA" "/v1/availability?period=2027-01&from=2027-01-01")"

# The console: the customer's month shows its availability card, in both
# languages, as the API answered it (tests/tools/console_availability.mjs);
# screenshots in build/console/ (not committed).
SHOTS=$ROOT/build/console
mkdir -p "$SHOTS"
drive() { # key out-dir -> the card as read, in $TMP/seen
    (cd "$TMP" && node "$ROOT/tests/tools/console_availability.mjs" "$U/" 2027-01 "$1" "$2") >"$TMP/seen" 2>"$TMP/drive.err"
    check_eq "the browser drove the customer page in both languages" 0 "$?"
    [ -s "$TMP/drive.err" ] && sed 's/^/# drive: /' "$TMP/drive.err" | head -20
}
seen() { sed -n "s/^$1 //p" "$TMP/seen"; }
seen_contract_excludes() { # excludes-json: alpha's contract of sla_alpha_fixture with these excludes
    seed_contract_with alpha '"time_zone": "Asia/Shanghai", "sla": {"measured": "reserved", "reserved": [{"site": "sh-lingang", "node": "gpu-node-07"}, {"site": "sh-lingang", "node": "gpu-node-07", "device": "GPU-a"}], "target": "99.5", "tiers": [{"below": "99.5", "credit": "10"}, {"below": "99.0", "credit": "25"}], "cap": "20", "excludes": '"$1"'}'
}
drive "$KA" "$SHOTS"
check_eq "the month's availability, the API's exact figure" "90.0000%" "$(seen figure.en)"
check_eq "each day with its availability (English)" \
    "1 Jan 2027|100.0000%;5 Jan 2027|100.0000%;10 Jan 2027|100.0000%;12 Jan 2027|50.0000%" "$(seen days.en)"
check_eq "the windows not up, each with why it is or is not excluded (English)" \
"sh-lingang/gpu-node-07/GPU-a|2027-01-10 03:00:00|2027-01-10 04:00:00|down|xid:79|yes: announced maintenance;\
sh-lingang/gpu-node-07/GPU-a|2027-01-12 08:00:00|2027-01-12 08:30:00|degraded|xid:13|yes: customer-caused;\
sh-lingang/gpu-node-07/GPU-a|2027-01-12 08:30:00|2027-01-12 09:00:00|down|xid:13 xid:79|no: downtime" "$(seen windows.en)"
check_eq "the chart is drawn" 1 "$(seen chart.en)"
check_eq "the month in Chinese" "90.0000%" "$(seen figure.zh)"
check_eq "each day (Chinese)" \
    "2027年1月1日|100.0000%;2027年1月5日|100.0000%;2027年1月10日|100.0000%;2027年1月12日|50.0000%" "$(seen days.zh)"
check_eq "the windows not up (Chinese)" \
"sh-lingang/gpu-node-07/GPU-a|2027-01-10 03:00:00|2027-01-10 04:00:00|宕机|xid:79|排除：已公告维护;\
sh-lingang/gpu-node-07/GPU-a|2027-01-12 08:00:00|2027-01-12 08:30:00|降级|xid:13|排除：客户原因;\
sh-lingang/gpu-node-07/GPU-a|2027-01-12 08:30:00|2027-01-12 09:00:00|宕机|xid:13 xid:79|不排除：计入停机" "$(seen windows.zh)"
check_eq "the chart is drawn (Chinese)" 1 "$(seen chart.zh)"
check_eq "no error in alpha's page" 0 "$(seen errors)"
check_eq "the rule the card states is alpha's terms (both excluded)" \
    "Availability = (metered − downtime) ÷ metered, rounded down; announced maintenance and customer-caused time count as delivered." \
    "$(seen rule.en)"
mkdir -p "$TMP/beta"
drive "$KB" "$TMP/beta"
check_eq "beta (no SLA) is told so" "The contract in effect in this month promises no availability (no SLA)." "$(seen empty.en)"
check_eq "in Chinese too" "本月生效的合同未约定可用性（无 SLA）。" "$(seen empty.zh)"
check_eq "and has no chart" 0 "$(seen chart.en)"
check_eq "no error in beta's page" 0 "$(seen errors)"
# A contract that excludes only maintenance: the card must not tell the
# customer that customer-caused time counts as delivered (its XID 13 half
# hour is downtime under these terms: 1.0 h of 5 h, 80.0000%).
check_match "alpha's terms now exclude maintenance only" "alpha-2026 version 2026-01-01" \
    "$(seen_contract_excludes '["maintenance"]')"
mkdir -p "$TMP/maint"
drive "$KA" "$TMP/maint"
check_eq "the month under these terms" "80.0000%" "$(seen figure.en)"
check_eq "the rule the card states is these terms'" \
    "Availability = (metered − downtime) ÷ metered, rounded down; announced maintenance counts as delivered; customer-caused time is downtime." \
    "$(seen rule.en)"
check_eq "in Chinese too" "可用性 = (计量时长 − 停机时长) ÷ 计量时长，向下取整；已公告的维护视为已交付；客户原因造成的时间计入停机。" \
    "$(seen rule.zh)"
check_match "nothing excluded" "alpha-2026 version 2026-01-01" "$(seen_contract_excludes '[]')"
drive "$KA" "$TMP/maint"
check_eq "nothing excluded: the card says so" \
    "Availability = (metered − downtime) ÷ metered, rounded down; this contract excludes nothing: all time not up is downtime." \
    "$(seen rule.en)"

# Windows alike and back to back are one line (sla_spans, as the invoice
# keeps them): GPU-b's two half hours of scrape_failed on 25 Jan are one
# hour; a third half hour with another reason is its own.
health_window 20 gpu-node-07 GPU-b 2027-01-25T00:00:00Z 30 down '{scrape_failed}'
health_window 21 gpu-node-07 GPU-b 2027-01-25T00:30:00Z 30 down '{scrape_failed}'
health_window 22 gpu-node-07 GPU-b 2027-01-25T01:00:00Z 30 down '{xid:79}'
check_eq "two alike windows back to back: one line; another reason: its own" \
"sh-lingang/gpu-node-07/GPU-b,2027-01-25T08:00:00,2027-01-25T09:00:00,down,scrape_failed,no,3600000
sh-lingang/gpu-node-07/GPU-b,2027-01-25T09:00:00,2027-01-25T09:30:00,down,xid:79,no,1800000" \
    "$("$GM" report availability --customer alpha --period 2027-01 --format csv | grep -F 'GPU-b,2027-01-25')"
finish
