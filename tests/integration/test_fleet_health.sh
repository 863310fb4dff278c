#!/bin/bash
# The operator's side of delivery quality (issue 36, deliverable 5): the
# availability of each row of `report yield` (by model, site and node), and
# what the SLA credits cost in the fleet health view (`report health`,
# GET /v1/fleet/health), every figure computed by hand.
#
# October 2026, 5th (UTC), health through the real broker and rater:
#   sh-lingang/n1  H800   GPU-a up 2 h, down 1 h (XID 79); GPU-b up 3 h
#   sh-lingang/n2  A800   GPU-c up 3 h, down 1 h (scrape_failed)
#   bj-yizhuang/n3 H800   GPU-d up 2 h, degraded 1 h (XID 13)
#   sh-lingang/n4  H800   capacity only, no health collected
# hq rents 7 H800 GPU-hours on n1 at 16.80 (117.60). Its October invoice
# carries an SLA credit of -11.76; its November invoice a late adjustment
# of October (-5.88) and November's own credit (-1.00); a December draft's
# adjustment of October (-0.50) stands on no issued invoice.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
send() { kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'; }
health() { # site node device model seq start end state reasons-json
    printf 'dcgm/c1/%s\t{"v":1,"kind":"health","source":"dcgm/c1/%s","seq":%s,"cluster":"c1","site":"%s","node":"%s","device":"%s","model":"NVIDIA %s","vendor":"nvidia","start":"2026-10-05T%s:00:00Z","end":"2026-10-05T%s:00:00Z","state":"%s","reasons":%s}\n' \
        "$2" "$2" "$5" "$1" "$2" "$3" "$4" "$6" "$7" "$8" "$9"
}
capacity() { # site node model seq allocated_ms
    printf 'dcgm/c1/%s\t{"v":1,"kind":"capacity","source":"dcgm/c1/%s","seq":%s,"cluster":"c1","site":"%s","node":"%s","model":"%s","vendor":"nvidia","start":"2026-10-05T02:00:00Z","end":"2026-10-05T03:00:00Z","devices":8,"allocated_ms":%s,"idle_energy_mj":0}\n' \
        "$2" "$2" "$4" "$1" "$2" "$3" "$5"
}
usage() { # seq start end gpu_ms
    printf 'dcgm/c1/n1\t{"v":1,"source":"dcgm/c1/n1","seq":%s,"account":"ns-hq","cluster":"c1","site":"sh-lingang","model":"H800","vendor":"nvidia","job":"svc-1","start":"%s","end":"%s","gpu_ms":%s,"energy_mj":0}\n' \
        "$@"
}
{
    health sh-lingang n1 GPU-a H800 1 00 02 up '[]'
    health sh-lingang n1 GPU-a H800 2 02 03 down '["xid:79"]'
    health sh-lingang n1 GPU-b H800 3 00 03 up '[]'
    health sh-lingang n2 GPU-c A800 1 00 03 up '[]'
    health sh-lingang n2 GPU-c A800 2 03 04 down '["scrape_failed"]'
    health bj-yizhuang n3 GPU-d H800 1 00 02 up '[]'
    health bj-yizhuang n3 GPU-d H800 2 02 03 degraded '["xid:13"]'
    capacity sh-lingang n1 H800 10 25200000
    capacity sh-lingang n2 A800 3 0
    capacity bj-yizhuang n3 H800 3 0
    capacity sh-lingang n4 H800 1 0
    usage 11 2026-10-05T02:00:00Z 2026-10-05T03:00:00Z 25200000
    usage 12 2026-11-05T02:00:00Z 2026-11-05T03:00:00Z 3600000
    usage 13 2026-12-01T02:00:00Z 2026-12-01T03:00:00Z 3600000
} | send
"$GM" customer add hq --name "HQ" >/dev/null || fail "customer add hq"
"$GM" plan apply "$ROOT/tests/fixtures/health/plan-hq.json" >/dev/null || fail "plan apply"
"$GM" contract apply "$ROOT/tests/fixtures/health/contract-hq.json" >/dev/null || fail "contract apply"
"$GM" rate --until-idle 2>/dev/null
check_counters "14 consumed, 14 rated" "14 14 0 0"

# An SLA credit line on a month's draft, as the owner (pricing/sla.c, which
# writes them, is another part of issue 36), the invoice's totals with it;
# then issued through `invoice issue`.
credit_line() { # period-first-day amount adjusts|NULL
    q "WITH i AS (SELECT id FROM invoice WHERE period = '$1' AND kind = 'invoice')
       INSERT INTO invoice_line (invoice_id, line_no, meter, model, quantity, unit_price, amount,
                                 kind, adjusts)
       SELECT i.id, (SELECT max(line_no) + 1 FROM invoice_line WHERE invoice_id = i.id),
              'gpu_ms', 'H800', 1, $2, $2, 'sla_credit', $3 FROM i" >/dev/null &&
        q "UPDATE invoice SET subtotal = subtotal + $2, total = total + $2, due = due + $2
           WHERE period = '$1' AND kind = 'invoice'" >/dev/null ||
        fail "an sla_credit line of $2 on the draft of $1"
}
for month in 2026-10 2026-11 2026-12; do
    "$GM" invoice run --period $month >/dev/null 2>&1 || fail "invoice run $month"
done
credit_line 2026-10-01 -1176 NULL
credit_line 2026-11-01 -588 "'2026-10-01'"
credit_line 2026-11-01 -100 NULL
credit_line 2026-12-01 -50 "'2026-10-01'"
for month in 2026-10 2026-11; do
    "$GM" invoice issue --period $month >/dev/null 2>&1 || fail "invoice issue $month"
done
check_eq "October and November issued, December a draft" "2026-10-01 issued|2026-11-01 issued|2026-12-01 draft" \
    "$(q "SELECT string_agg(period || ' ' || status, '|' ORDER BY period) FROM invoice")"

# Availability in the yield. By model: H800 9 h metered (n1 6 h, n3 3 h),
# 7 h up: 777,777.7... -> 777,777 ppm, rounded down (half up would be
# 777,778); A800 4 h, 3 up: 750,000. By site: sh-lingang 10 h, 8 up:
# 800,000; bj-yizhuang 3 h, 2 up: 666,666. By node: n1 833,333 (5 of 6),
# n2 750,000, n3 666,666, n4 nothing metered: null.
J=$("$GM" report yield --period 2026-10 --format json) || fail "report yield"
check_eq "yield by model: metered, up, availability" \
    "A800 14400000 10800000 750000|H800 32400000 25200000 777777" \
    "$(jq -r '[.rows[] | "\(.model) \(.health_metered_ms) \(.health_up_ms) \(.availability_ppm)"] | join("|")' <<<"$J")"
check_eq "yield by site" "bj-yizhuang 10800000 7200000 666666|sh-lingang 36000000 28800000 800000" \
    "$("$GM" report yield --period 2026-10 --by site --format json |
        jq -r '[.rows[] | "\(.site) \(.health_metered_ms) \(.health_up_ms) \(.availability_ppm)"] | join("|")')"
check_eq "yield by node: a node's devices of its model; no health is null" \
    "bj-yizhuang/n3 H800 10800000 7200000 666666|sh-lingang/n1 H800 21600000 18000000 833333|sh-lingang/n2 A800 14400000 10800000 750000|sh-lingang/n4 H800 0 0 null" \
    "$("$GM" report yield --period 2026-10 --by node --format json |
        jq -r '[.rows[] | "\(.site)/\(.node) \(.model) \(.health_metered_ms) \(.health_up_ms) \(.availability_ppm)"] | join("|")')"
check_match "yield csv: the three columns last, empty when nothing was metered" \
    '^site,node,model,.*,payback_pct,health_metered_ms,health_up_ms,availability_ppm
bj-yizhuang,n3,H800,.*,10800000,7200000,666666
sh-lingang,n1,H800,.*,21600000,18000000,833333
sh-lingang,n2,A800,.*,14400000,10800000,750000
sh-lingang,n4,H800,.*,0,0,$' \
    "$("$GM" report yield --period 2026-10 --by node --format csv | sed '/^$/,$d')"
run_gm 0 "report yield as text" report yield --period 2026-10
check_eq "yield text: the availability table, as report availability prints it" "model                         metered           up  available
A800                            4.000        3.000   75.0000%
H800                            9.000        7.000   77.7777%" \
    "$(sed -n '/ metered  /,/^$/p' <<<"$out")"
check_eq "the same figures as report availability --by model" "A800,1,14400000,10800000,0,3600000,750000
H800,3,32400000,25200000,3600000,3600000,777777" \
    "$("$GM" report availability --from 2026-10-01 --to 2026-10-31 --by model --format csv | sed -n '2,3p')"

# What the credits cost. October: hq's own invoice credits 11.76; its
# November invoice adjusts October by 5.88 (counted in October, the month
# it corrects); the December draft's 0.50 is on no issued invoice.
# November: its own 1.00. The down time's cost: October's H800 revenue is
# 117.60 less the 11.76 credit = 10,584 fen over 25,200,000 ms allocated,
# 15.12 per GPU-hour; GPU-a's hour down costs 15.12; the A800 had no
# allocated time, so GPU-c's hour down has no rate (3,600,000 ms unpriced).
run_gm 0 "report health of October as CSV" report health --period 2026-10 --format csv
check_eq "October: devices, reasons, credits and what poor delivery cost (csv)" \
"device,model,metered_ms,degraded_ms,down_ms,incidents,revenue_per_allocated_gpu_hour,down_cost
sh-lingang/n1/GPU-a,H800,10800000,0,3600000,1,15.12,15.12
sh-lingang/n2/GPU-c,A800,14400000,0,3600000,1,,
bj-yizhuang/n3/GPU-d,H800,10800000,3600000,0,1,15.12,0.00

reason,state,customer_caused,devices,windows,ms,meaning
scrape_failed,down,no,1,1,3600000,the node's exporter did not answer: nothing shows the device was delivered
xid:13,degraded,yes,1,1,3600000,graphics engine exception: NVIDIA attributes it to the application (e.g. an out-of-range access)
xid:79,down,no,1,1,3600000,GPU has fallen off the bus: unreachable until the machine is restarted

customer,month_invoice,late_adjustments,sla_credits
hq,11.76,5.88,17.64
all,11.76,5.88,17.64

down_cost,unpriced_down_ms,sla_credits
15.12,3600000,17.64" "$out"
run_gm 0 "report health --top 1" report health --period 2026-10 --top 1 --format csv
check_eq "--top 1 lists one device" \
"device,model,metered_ms,degraded_ms,down_ms,incidents,revenue_per_allocated_gpu_hour,down_cost
sh-lingang/n1/GPU-a,H800,10800000,0,3600000,1,15.12,15.12
" "$(sed -n '1,3p' <<<"$out")
"
check_eq "the down cost still counts every device" "15.12,3600000,17.64" "$(tail -1 <<<"$out")"
run_gm 0 "report health of November as JSON" report health --period 2026-11 --format json
check_eq "November: its own credit only" \
    '[{"customer":"hq","month_invoice":"1.00","late_adjustments":"0.00","sla_credits":"1.00"}] {"customer":"all","month_invoice":"1.00","late_adjustments":"0.00","sla_credits":"1.00"} {"down_cost":"0.00","unpriced_down_ms":0,"unpriced_down_gpu_hours":"0.000","sla_credits":"1.00"}' \
    "$(jq -c '.credits, .credits_total, .cost' <<<"$out" | paste -sd' ')"
run_gm 0 "report health of October as text" report health --period 2026-10
check_eq "text: the credits and the cost" "SLA credits of 2026-10 in CNY (issued invoices; a late adjustment counts in the month it corrects)
customer                          month's invoice             late          credits
hq                                          11.76             5.88            17.64
all                                         11.76             5.88            17.64

what poor delivery cost in 2026-10: down time 15.12 (revenue forgone, an estimate; 1.000 down GPU-hours without a rate), SLA credits 17.64" \
    "$(sed -n '/^SLA credits/,$p' <<<"$out")"

# The finance API: the same JSON; a customer's key is refused; the API
# role reads the health through schema 053's functions, never the table.
KF=$("$GM" customer key create --finance 2>/dev/null)
KH=$("$GM" customer key create hq 2>/dev/null)
start_server "$TMP/serve.log" || fail "the server starts"
J=$("$GM" report health --period 2026-10 --top 2 --format json)
check_eq "GET /v1/fleet/health is the report's JSON" "200 $J" \
    "$(api_get "$KF" "/v1/fleet/health?period=2026-10&top=2")"
check_match "a customer's key may not read the fleet's health" '^403 .*"forbidden"' \
    "$(api_get "$KH" "/v1/fleet/health?period=2026-10")"
for bad in "" "period=2026-13" "period=2026-10&top=0" "period=2026-10&currency=cny"; do
    check_match "fleet health ?$bad is 400" '^400 ' "$(api_get "$KF" "/v1/fleet/health?$bad")"
done
check_eq "GET /v1/operator/yield carries the availability" "777777 77.7777" \
    "$(api_get "$KF" "/v1/operator/yield?period=2026-10" | cut -d' ' -f2- |
        jq -r '.rows[] | select(.model == "H800") | "\(.availability_ppm) \(.availability_percent)"')"
refused_as "the API role still may not read device_health" gpumeter_api \
    "SELECT count(*) FROM device_health" "permission denied"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
finish
