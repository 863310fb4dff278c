#!/bin/bash
# report health (issue 36, the operator's view): hand-written health windows
# of October 2026 go through the real broker and rater into device_health;
# the report lists the devices not always up, most time down first, with
# their degraded and down time and their incidents, and each reason's
# devices, windows and time with its meaning from core/health_reasons.h.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
send() { kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'; }
health() { # site node device seq start end state reasons-json
    printf 'dcgm/c1/%s\t{"v":1,"kind":"health","source":"dcgm/c1/%s","seq":%s,"cluster":"c1","site":"%s","node":"%s","device":"%s","model":"NVIDIA H800","vendor":"nvidia","start":"2026-10-%s","end":"2026-10-%s","state":"%s","reasons":%s}\n' \
        "$2" "$2" "$4" "$1" "$2" "$3" "$5" "$6" "$7" "$8"
}
{
    # n1's GPU-a on 5 October (UTC): up 2 h, down 3 h (XID 79), up 1 h,
    # degraded 1 h (XID 13, customer-caused), up 1 h: 8 h metered, 3 down,
    # 1 degraded, 2 incidents. Its XID 79 window of 1 November is next
    # month's, not October's.
    health sh-lingang n1 GPU-a 1 05T00:00:00Z 05T01:00:00Z up '[]'
    health sh-lingang n1 GPU-a 2 05T01:00:00Z 05T02:00:00Z up '[]'
    health sh-lingang n1 GPU-a 3 05T02:00:00Z 05T03:00:00Z down '["xid:79"]'
    health sh-lingang n1 GPU-a 4 05T03:00:00Z 05T04:00:00Z down '["xid:79"]'
    health sh-lingang n1 GPU-a 5 05T04:00:00Z 05T05:00:00Z down '["xid:79"]'
    health sh-lingang n1 GPU-a 6 05T05:00:00Z 05T06:00:00Z up '[]'
    health sh-lingang n1 GPU-a 7 05T06:00:00Z 05T07:00:00Z degraded '["xid:13"]'
    health sh-lingang n1 GPU-a 8 05T07:00:00Z 05T08:00:00Z up '[]'
    printf 'dcgm/c1/n1\t{"v":1,"kind":"health","source":"dcgm/c1/n1","seq":9,"cluster":"c1","site":"sh-lingang","node":"n1","device":"GPU-a","model":"NVIDIA H800","vendor":"nvidia","start":"2026-11-01T12:00:00Z","end":"2026-11-01T13:00:00Z","state":"down","reasons":["xid:79"]}\n'
    # n2's GPU-b up 8 h: never listed. GPU-c's first window of the month is
    # degraded (an NVLink down and XID 42, which the table does not know):
    # an incident although no up window precedes it; then up 7 h.
    health bj-yizhuang n2 GPU-b 1 05T00:00:00Z 05T08:00:00Z up '[]'
    health bj-yizhuang n2 GPU-c 2 05T00:00:00Z 05T01:00:00Z degraded '["nvlink_down","xid:42"]'
    health bj-yizhuang n2 GPU-c 3 05T01:00:00Z 05T08:00:00Z up '[]'
} | send
# What October's H800 time earned, for the down time's cost: hq rents 7
# H800 GPU-hours on n1 at 16.80 (117.60); n1's capacity reports 26,000,000
# ms allocated: 11,760 fen / 26,000,000 ms = 16.2830769... per GPU-hour,
# shown as 16.28.
"$GM" customer add hq --name "HQ" >/dev/null || fail "customer add hq"
"$GM" plan apply "$ROOT/tests/fixtures/health/plan-hq.json" >/dev/null || fail "plan apply"
"$GM" contract apply "$ROOT/tests/fixtures/health/contract-hq.json" >/dev/null || fail "contract apply"
W='"start":"2026-10-05T02:00:00Z","end":"2026-10-05T03:00:00Z"'
{
    printf 'dcgm/c1/n1\t{"v":1,"source":"dcgm/c1/n1","seq":10,"account":"ns-hq","cluster":"c1","site":"sh-lingang","model":"H800","vendor":"nvidia","job":"svc-1",%s,"gpu_ms":25200000,"energy_mj":0}\n' "$W"
    printf 'dcgm/c1/n1\t{"v":1,"kind":"capacity","source":"dcgm/c1/n1","seq":11,"cluster":"c1","site":"sh-lingang","node":"n1","model":"H800","vendor":"nvidia",%s,"devices":8,"allocated_ms":26000000,"idle_energy_mj":0}\n' "$W"
} | send
rate_and_issue 2026-10
check_counters "14 consumed, 14 rated" "14 14 0 0"
check_eq "the invoice the price comes from: 7 GPU-hours x 16.80" "11760" \
    "$(q "SELECT subtotal FROM invoice WHERE status = 'issued'")"

# Reasons: XID 79 held 3 windows (10,800,000 ms); NVLink down and XID 42
# share GPU-c's window, each counting its hour; XID 13 is customer-caused;
# XID 42 is not in the table and says so.
reasons_csv='
reason,state,customer_caused,devices,windows,ms,meaning
xid:79,down,no,1,3,10800000,GPU has fallen off the bus: unreachable until the machine is restarted
nvlink_down,degraded,no,1,1,3600000,"an NVLink is down: the GPU runs work alone, work across GPUs loses the link"
xid:13,degraded,yes,1,1,3600000,graphics engine exception: NVIDIA attributes it to the application (e.g. an out-of-range access)
xid:42,-,-,1,1,3600000,not in the reason table (core/health_reasons.h)'
# GPU-a: 28,800,000 ms metered, 3,600,000 degraded, 10,800,000 down, 2
# incidents, down cost 11,760 x 10,800,000 / 26,000,000 = 4,884.92 fen,
# rounded once: 48.85 (3 x the shown 16.28 would be 48.84); GPU-c:
# 28,800,000 metered, 3,600,000 degraded, 1 incident, nothing down: 0.00.
devices_csv="device,model,metered_ms,degraded_ms,down_ms,incidents,revenue_per_allocated_gpu_hour,down_cost
sh-lingang/n1/GPU-a,H800,28800000,3600000,10800000,2,16.28,48.85
bj-yizhuang/n2/GPU-c,H800,28800000,3600000,0,1,16.28,0.00"
run_gm 0 "report health as CSV" report health --period 2026-10 --format csv
# No SLA credit in October: the credits' table holds its total only; the
# month's down time cost 48.85 (GPU-a's; GPU-c was never down).
credits_csv="
customer,month_invoice,late_adjustments,sla_credits
all,0.00,0.00,0.00

down_cost,unpriced_down_ms,sla_credits
48.85,0,0.00"
check_eq "devices and reasons of October, exact (csv)" "$devices_csv
$reasons_csv
$credits_csv" "$out"
run_gm 0 "report health --top 1" report health --period 2026-10 --top 1 --format csv
check_eq "--top 1 lists the device down longest only" "$(head -2 <<<"$devices_csv")
$reasons_csv
$credits_csv" "$out"
run_gm 0 "report health as text" report health --period 2026-10
check_eq "report health (text: GPU-hours)" "health of 2026-10: up to 10 devices not always up, most time down first (GPU-hours; money in CNY, an estimate of revenue forgone)
device                                           model               metered   degraded       down incidents /alloc GPU-h    down cost
sh-lingang/n1/GPU-a                              H800                  8.000      1.000      3.000         2        16.28        48.85
bj-yizhuang/n2/GPU-c                             H800                  8.000      1.000      0.000         1        16.28         0.00

reasons (a window with two reasons counts under each)
reason                     state     customer devices windows      hours  meaning
xid:79                     down      no             1       3      3.000  GPU has fallen off the bus: unreachable until the machine is restarted
nvlink_down                degraded  no             1       1      1.000  an NVLink is down: the GPU runs work alone, work across GPUs loses the link
xid:13                     degraded  yes            1       1      1.000  graphics engine exception: NVIDIA attributes it to the application (e.g. an out-of-range access)
xid:42                     -         -              1       1      1.000  not in the reason table (core/health_reasons.h)

SLA credits of 2026-10 in CNY (issued invoices; a late adjustment counts in the month it corrects)
customer                          month's invoice             late          credits
all                                          0.00             0.00             0.00

what poor delivery cost in 2026-10: down time 48.85 (revenue forgone, an estimate; 0.000 down GPU-hours without a rate), SLA credits 0.00" "$out"
run_gm 0 "report health as JSON" report health --period 2026-10 --top 5 --format json
check_eq "report health (json)" '{"period":"2026-10","currency":"CNY","top":5,"devices":[{"device":"sh-lingang/n1/GPU-a","model":"H800","metered_ms":28800000,"degraded_ms":3600000,"down_ms":10800000,"metered_gpu_hours":"8.000","degraded_gpu_hours":"1.000","down_gpu_hours":"3.000","incidents":2,"revenue_per_allocated_gpu_hour":"16.28","down_cost":"48.85"},{"device":"bj-yizhuang/n2/GPU-c","model":"H800","metered_ms":28800000,"degraded_ms":3600000,"down_ms":0,"metered_gpu_hours":"8.000","degraded_gpu_hours":"1.000","down_gpu_hours":"0.000","incidents":1,"revenue_per_allocated_gpu_hour":"16.28","down_cost":"0.00"}],"reasons":[{"reason":"xid:79","state":"down","customer_caused":false,"devices":1,"windows":3,"ms":10800000,"gpu_hours":"3.000","meaning":"GPU has fallen off the bus: unreachable until the machine is restarted"},{"reason":"nvlink_down","state":"degraded","customer_caused":false,"devices":1,"windows":1,"ms":3600000,"gpu_hours":"1.000","meaning":"an NVLink is down: the GPU runs work alone, work across GPUs loses the link"},{"reason":"xid:13","state":"degraded","customer_caused":true,"devices":1,"windows":1,"ms":3600000,"gpu_hours":"1.000","meaning":"graphics engine exception: NVIDIA attributes it to the application (e.g. an out-of-range access)"},{"reason":"xid:42","state":null,"customer_caused":null,"devices":1,"windows":1,"ms":3600000,"gpu_hours":"1.000","meaning":"not in the reason table (core/health_reasons.h)"}],"credits":[],"credits_total":{"customer":"all","month_invoice":"0.00","late_adjustments":"0.00","sla_credits":"0.00"},"cost":{"down_cost":"48.85","unpriced_down_ms":0,"unpriced_down_gpu_hours":"0.000","sla_credits":"0.00"}}' "$out"
run_gm 0 "report health of November" report health --period 2026-11 --format csv
check_eq "a window counts in the month it starts in; no November invoice prices its down time" "device,model,metered_ms,degraded_ms,down_ms,incidents,revenue_per_allocated_gpu_hour,down_cost
sh-lingang/n1/GPU-a,H800,3600000,0,3600000,1,,

reason,state,customer_caused,devices,windows,ms,meaning
xid:79,down,no,1,1,3600000,GPU has fallen off the bus: unreachable until the machine is restarted

customer,month_invoice,late_adjustments,sla_credits
all,0.00,0.00,0.00

down_cost,unpriced_down_ms,sla_credits
0.00,3600000,0.00" "$out"
run_gm 0 "report health of a month with no health" report health --period 2026-09 --format csv
check_eq "a month nothing was metered in: the headers and zeros only" "device,model,metered_ms,degraded_ms,down_ms,incidents,revenue_per_allocated_gpu_hour,down_cost

reason,state,customer_caused,devices,windows,ms,meaning

customer,month_invoice,late_adjustments,sla_credits
all,0.00,0.00,0.00

down_cost,unpriced_down_ms,sla_credits
0.00,0,0.00" "$out"
run_gm 2 "report health without --period is a usage error" report health
run_gm 2 "report health --top 0 is a usage error" report health --period 2026-10 --top 0
run_gm 2 "report health --format xml is a usage error" report health --period 2026-10 --format xml
finish
