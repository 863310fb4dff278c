#!/bin/bash
# Health events (issue 36) through the real broker and rater: hand-written
# windows of three devices, one with an XID mid-stream, are stored in
# device_health exactly as sent; each device's up, degraded and down time
# sum to its metered window; duplicates and bad health events are set aside
# like any event; the same events sent again change nothing; and the rater
# may only add windows.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
send() { kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'; }
health() { # seq node device start end state reasons-json
    printf 'dcgm/c1/%s\t{"v":1,"kind":"health","source":"dcgm/c1/%s","seq":%s,"cluster":"c1","site":"sh-lingang","node":"%s","device":"%s","model":"NVIDIA H800","vendor":"nvidia","start":"%s","end":"%s","state":"%s","reasons":%s}\n' \
        "$2" "$2" "$1" "$2" "$3" "$4" "$5" "$6" "$7"
}
events() {
    # n1's GPU-a: up 30 s, an XID 79 window (down) of 30 s, then down 15 s
    # more for scrape_failed and ECC; GPU-b up the whole 75 s
    health 1 n1 GPU-a 2026-10-01T07:59:30Z 2026-10-01T08:00:00Z up '[]'
    health 2 n1 GPU-b 2026-10-01T07:59:30Z 2026-10-01T08:00:00Z up '[]'
    health 3 n1 GPU-a 2026-10-01T08:00:00Z 2026-10-01T08:00:30Z down '["xid:79"]'
    health 4 n1 GPU-b 2026-10-01T08:00:00Z 2026-10-01T08:00:30Z up '[]'
    health 5 n1 GPU-a 2026-10-01T08:00:30Z 2026-10-01T08:00:45.500Z down '["scrape_failed","ecc_dbe"]'
    health 6 n1 GPU-b 2026-10-01T08:00:30Z 2026-10-01T08:00:45.500Z up '[]'
    # n2's NPU 0: degraded 60 s (chip health warning), up 60 s
    printf 'npu/c1/n2\t{"v":1,"kind":"health","source":"npu/c1/n2","seq":1,"cluster":"c1","site":"bj-yizhuang","node":"n2","device":"0","model":"Ascend910B","vendor":"huawei","start":"2026-10-01T08:10:00Z","end":"2026-10-01T08:11:00Z","state":"degraded","reasons":["npu_health:2"]}\n'
    printf 'npu/c1/n2\t{"v":1,"kind":"health","source":"npu/c1/n2","seq":2,"cluster":"c1","site":"bj-yizhuang","node":"n2","device":"0","model":"Ascend910B","vendor":"huawei","start":"2026-10-01T08:11:00Z","end":"2026-10-01T08:12:00Z","state":"up"}\n'
}
{
    events
    # the first event again: a duplicate
    health 1 n1 GPU-a 2026-10-01T07:59:30Z 2026-10-01T08:00:00Z up '[]'
    # down without a reason: a dead letter, its seq used up
    health 7 n1 GPU-a 2026-10-01T08:00:45.500Z 2026-10-01T08:01:00Z down '[]'
    # a health event naming an account: a dead letter
    printf 'dcgm/c1/n1\t{"v":1,"kind":"health","source":"dcgm/c1/n1","seq":8,"account":"ns-alpha","cluster":"c1","site":"sh-lingang","node":"n1","device":"GPU-a","model":"H800","vendor":"nvidia","start":"2026-10-01T08:01:00Z","end":"2026-10-01T08:01:30Z","state":"up"}\n'
} | send
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_counters "11 consumed: 8 rated, 1 duplicate, 2 dead letters" "11 8 1 2"
check_eq "the dead letters say why" "invalid_field|field \"account\" does not belong in a health event
missing_field|missing field \"reasons\": a down device needs one" \
    "$(q "SELECT reason_code || '|' || reason FROM dead_letter ORDER BY reason_code")"
stored() {
    q "SELECT node || ' ' || device || ' ' || model || ' ' || vendor || ' ' ||
              to_char(start_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') || ' ' || window_ms || ' ' ||
              state || ' ' || array_to_string(reasons, ',')
       FROM device_health ORDER BY node, device, start_at"
}
expected="n1 GPU-a H800 nvidia 07:59:30.000 30000 up 
n1 GPU-a H800 nvidia 08:00:00.000 30000 down xid:79
n1 GPU-a H800 nvidia 08:00:30.000 15500 down scrape_failed,ecc_dbe
n1 GPU-b H800 nvidia 07:59:30.000 30000 up 
n1 GPU-b H800 nvidia 08:00:00.000 30000 up 
n1 GPU-b H800 nvidia 08:00:30.000 15500 up 
n2 0 Ascend910B huawei 08:10:00.000 60000 degraded npu_health:2
n2 0 Ascend910B huawei 08:11:00.000 60000 up "
check_eq "each window stored once, as sent, under the catalogue's model (node device model vendor start ms state reasons)" \
    "$expected" "$(stored)"
# Per device: up + degraded + down = the metered window, hand-computed:
# GPU-a 75.5 s (30 up, 45.5 down), GPU-b 75.5 s up, NPU 0 120 s (60, 60).
per_device() {
    q "SELECT device || ' ' || sum(window_ms) FILTER (WHERE state = 'up') || ' ' ||
              coalesce(sum(window_ms) FILTER (WHERE state = 'degraded'), 0) || ' ' ||
              coalesce(sum(window_ms) FILTER (WHERE state = 'down'), 0) || ' ' ||
              (extract(epoch FROM max(end_at) - min(start_at)) * 1000)::bigint
       FROM device_health GROUP BY device ORDER BY device"
}
check_eq "per device: up degraded down and the metered window (ms)" "0 60000 60000 0 120000
GPU-a 30000 0 45500 75500
GPU-b 75500 0 0 75500" "$(per_device)"
check_eq "up + degraded + down = the metered window, every device" "" \
    "$(q "SELECT string_agg(device, ' ') FROM (SELECT device FROM device_health GROUP BY device
          HAVING sum(window_ms) <> extract(epoch FROM max(end_at) - min(start_at)) * 1000) x")"
check_eq "health is never billed: no usage rows, nothing parked" "0 0" \
    "$(q "SELECT (SELECT count(*) FROM usage_hourly) || ' ' || (SELECT count(*) FROM parked_event)")"
check_match "conservation holds" "conservation: holds" "$("$GM" conservation)"

# The same events rated twice: every one a duplicate, nothing changes.
events | send
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_counters "the same 8 again: 19 consumed, 8 rated, 9 duplicates, 2 dead letters" "19 8 9 2"
check_eq "rating the same events twice changes nothing" "$expected" "$(stored)"

# report availability, hand-computed: sh-lingang metered 151,000 ms (GPU-a
# 30,000 up + 45,500 down, GPU-b 75,500 up), up 105,500: 698,675.49 ppm,
# rounded down; bj-yizhuang 120,000 ms, 60,000 up, 60,000 degraded:
# 500,000 ppm; the fleet 271,000 ms, 165,500 up: 610,701.10 ppm.
run_gm 0 "report availability by site" report availability --from 2026-10-01 --to 2026-10-01 --format csv
check_eq "availability by site, exact (csv)" "site,devices,metered_ms,up_ms,degraded_ms,down_ms,availability_ppm
bj-yizhuang,1,120000,60000,60000,0,500000
sh-lingang,2,151000,105500,0,45500,698675
all,3,271000,165500,60000,45500,610701" "$out"
run_gm 0 "report availability by device" report availability --from 2026-10-01 --to 2026-10-01 --by device --format csv
check_eq "availability by device, exact (csv)" "device,devices,metered_ms,up_ms,degraded_ms,down_ms,availability_ppm
bj-yizhuang/n2/0,1,120000,60000,60000,0,500000
sh-lingang/n1/GPU-a,1,75500,30000,0,45500,397350
sh-lingang/n1/GPU-b,1,75500,75500,0,0,1000000
all,3,271000,165500,60000,45500,610701" "$out"
run_gm 0 "report availability by model" report availability --from 2026-10-01 --to 2026-10-01 --by model
check_eq "availability by model (text: GPU-hours, percent with 4 decimals, rounded down)" \
"availability from 2026-10-01 to 2026-10-01 by model (GPU-hours; availability = up / metered, rounded down)
model                                    devices      metered           up     degraded         down  available
Ascend910B                                     1        0.033        0.017        0.017        0.000   50.0000%
H800                                           2        0.042        0.029        0.000        0.013   69.8675%
all                                            3        0.075        0.046        0.017        0.013   61.0701%" "$out"
run_gm 0 "report availability by node as JSON" report availability --from 2026-10-01 --to 2026-10-01 --by node --format json
check_eq "availability by node (json)" '{"from":"2026-10-01","to":"2026-10-01","by":"node","rows":[{"node":"bj-yizhuang/n2","devices":1,"metered_ms":120000,"up_ms":60000,"degraded_ms":60000,"down_ms":0,"availability_ppm":500000,"availability_percent":"50.0000"},{"node":"sh-lingang/n1","devices":2,"metered_ms":151000,"up_ms":105500,"degraded_ms":0,"down_ms":45500,"availability_ppm":698675,"availability_percent":"69.8675"},{"fleet":"all","devices":3,"metered_ms":271000,"up_ms":165500,"degraded_ms":60000,"down_ms":45500,"availability_ppm":610701,"availability_percent":"61.0701"}]}' "$out"
run_gm 0 "report availability of a day with no health" report availability --from 2026-10-02 --to 2026-10-31 --format csv
check_eq "a range nothing was metered in: the fleet's row, no availability" "site,devices,metered_ms,up_ms,degraded_ms,down_ms,availability_ppm
all,0,0,0,0,0," "$out"
run_gm 2 "report availability --by pod is a usage error" report availability --from 2026-10-01 --to 2026-10-01 --by pod
check_match "and says what --by takes" "--by pod: not one of the choices \\(expected site\\|model\\|node\\|device\\)" "$out"
run_gm 2 "report availability without --to is a usage error" report availability --from 2026-10-01

# The collector's own health events (collect dcgm --health, ingest/health.h)
# through the spool, the broker and the rater: four scrapes 30 s apart, GPU0
# reporting XID 79 in the second window (tests/fixtures/ingest/dcgm-health-*).
F=$ROOT/tests/fixtures/ingest
rc=0
for t in 0 1 2 3; do
    "$GM" collect dcgm --health --file "$F/dcgm-health-t$t.prom" --at "2026-11-01T00:0$((t / 2)):$((t % 2 * 3))0Z" \
        --state-dir "$TMP/dcgm" --site sz-guangming 2>>"$TMP/collect.log" || rc=1
done
check_eq "every collect dcgm --health run exits 0" 0 "$rc"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "the collector's health windows, as hand-computed (device start ms state reasons)" \
"GPU-aaaa0000 00:00:00 30000 down xid:79
GPU-aaaa0000 00:00:30 30000 down ecc_dbe
GPU-aaaa0000 00:01:00 30000 degraded xid:13
GPU-aaaa0001 00:00:00 30000 up 
GPU-aaaa0001 00:00:30 30000 down ecc_dbe,row_remap_failure
GPU-aaaa0001 00:01:00 30000 down row_remap_failure" \
    "$(q "SELECT device || ' ' || to_char(start_at AT TIME ZONE 'UTC', 'HH24:MI:SS') || ' ' ||
                 window_ms || ' ' || state || ' ' || array_to_string(reasons, ',')
          FROM device_health WHERE site = 'sz-guangming' ORDER BY device, start_at")"
# GPU0 90 s metered: 30 down, 60 degraded, 0 up; GPU1 30 up, 60 degraded:
# 30,000 / 90,000 = 333,333.3 ppm, rounded down.
run_gm 0 "report availability of the collected day" report availability --from 2026-11-01 --to 2026-11-01 --by device --format csv
check_eq "availability of the collected devices (csv)" "device,devices,metered_ms,up_ms,degraded_ms,down_ms,availability_ppm
sz-guangming/gpu-node-01/GPU-aaaa0000,1,90000,0,30000,60000,0
sz-guangming/gpu-node-01/GPU-aaaa0001,1,90000,30000,0,60000,333333
all,2,180000,30000,30000,120000,166666" "$out"

# A site's collected windows (device start ms state reasons), and per device
# its up, degraded and down time and its metered window (first start to
# last end), for the collector blocks below.
windows_at() {
    q "SELECT device || ' ' || to_char(start_at AT TIME ZONE 'UTC', 'HH24:MI:SS') || ' ' ||
              window_ms || ' ' || state || ' ' || array_to_string(reasons, ',')
       FROM device_health WHERE site = '$1' ORDER BY device, start_at"
}
sums_at() {
    q "SELECT device || ' ' || coalesce(sum(window_ms) FILTER (WHERE state = 'up'), 0) || ' ' ||
              coalesce(sum(window_ms) FILTER (WHERE state = 'degraded'), 0) || ' ' ||
              coalesce(sum(window_ms) FILTER (WHERE state = 'down'), 0) || ' ' ||
              (extract(epoch FROM max(end_at) - min(start_at)) * 1000)::bigint
       FROM device_health WHERE site = '$1' GROUP BY device ORDER BY device"
}

# A site's collected windows and per-device sums, each against its
# hand-computed text: label site windows sums.
check_collected() {
    check_eq "$1 windows, as hand-computed (device start ms state reasons)" "$3" "$(windows_at "$2")"
    check_eq "$1: up + degraded + down = the metered window (device up degraded down metered)" \
        "$4" "$(sums_at "$2")"
}

# NVLink errors (issue 36, the signals part): dcgm-exporter's replay and
# recovery counters rising are nvlink_errors, degraded; the CRC counters
# rising alone are not read (tests/fixtures/ingest/dcgm-nvlink-*). Its own
# node, so its source and sequence are not the scrapes' above.
rc=0
for t in 0 1 2 3; do
    "$GM" collect dcgm --health --file "$F/dcgm-nvlink-t$t.prom" --at "2026-11-01T00:0$((t / 2)):$((t % 2 * 3))0Z" \
        --state-dir "$TMP/dcgm-nvlink" --site sz-nvlink --node nv-node-01 2>>"$TMP/collect.log" || rc=1
done
check_eq "every collect dcgm --health run over the NVLink scrapes exits 0" 0 "$rc"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_collected "NVLink" sz-nvlink \
"GPU-aaaa0000 00:00:00 30000 degraded nvlink_errors
GPU-aaaa0000 00:00:30 30000 up 
GPU-aaaa0000 00:01:00 30000 up 
GPU-aaaa0001 00:00:00 30000 up 
GPU-aaaa0001 00:00:30 30000 up 
GPU-aaaa0001 00:01:00 30000 down xid:79,nvlink_errors" \
"GPU-aaaa0000 60000 30000 0 90000
GPU-aaaa0001 60000 0 30000 90000"

# device_gone (issue 36, the signals part): one input (the same file each
# round, as one URL would be) stops listing GPU1 for two rounds, then lists
# it again: two down windows, then its next window from where they ended.
rc=0
round=0
for f in dcgm-nvlink-t1 dcgm-gone dcgm-gone dcgm-nvlink-t2; do
    cp "$F/$f.prom" "$TMP/scrape.prom"
    "$GM" collect dcgm --health --file "$TMP/scrape.prom" --at "2026-11-01T00:0$((round / 2)):$((round % 2 * 3))0Z" \
        --state-dir "$TMP/dcgm-gone" --site sz-gone --node gone-node-01 2>>"$TMP/collect.log" || rc=1
    round=$((round + 1))
done
check_eq "every collect dcgm --health run over the gone scrapes exits 0" 0 "$rc"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_collected "device_gone" sz-gone \
"GPU-aaaa0000 00:00:00 30000 up 
GPU-aaaa0000 00:00:30 30000 up 
GPU-aaaa0000 00:01:00 30000 up 
GPU-aaaa0001 00:00:00 30000 down device_gone
GPU-aaaa0001 00:00:30 30000 down device_gone
GPU-aaaa0001 00:01:00 30000 up " \
"GPU-aaaa0000 90000 0 0 90000
GPU-aaaa0001 30000 0 60000 90000"

# scrape_failed (issue 36, the signals part): a URL (file://, as an
# exporter's textfile) that does not answer for two rounds, then answers:
# both its GPUs down for those rounds, each failing run exits 1 and still
# commits its windows.
rm -f "$TMP/exporter.prom"
round=0
rcs=""
for f in dcgm-nvlink-t1 - - dcgm-nvlink-t2; do
    if [ "$f" = - ]; then rm -f "$TMP/exporter.prom"; else cp "$F/$f.prom" "$TMP/exporter.prom"; fi
    "$GM" collect dcgm --health "file://$TMP/exporter.prom" --at "2026-11-01T00:0$((round / 2)):$((round % 2 * 3))0Z" \
        --state-dir "$TMP/dcgm-failed" --site sz-failed --node failed-node-01 2>>"$TMP/collect.log"
    rcs="$rcs$?"
    round=$((round + 1))
done
check_eq "the runs exit 0, 1, 1, 0 (the URL did not answer twice)" 0110 "$rcs"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_collected "scrape_failed" sz-failed \
"GPU-aaaa0000 00:00:00 30000 down scrape_failed
GPU-aaaa0000 00:00:30 30000 down scrape_failed
GPU-aaaa0000 00:01:00 30000 up 
GPU-aaaa0001 00:00:00 30000 down scrape_failed
GPU-aaaa0001 00:00:30 30000 down scrape_failed
GPU-aaaa0001 00:01:00 30000 up " \
"GPU-aaaa0000 30000 0 60000 90000
GPU-aaaa0001 30000 0 60000 90000"

# collect nvidia-smi --health (no health series: up windows, and a GPU its
# query output stops listing is device_gone); --stdout, nothing rated.
cp "$F/nvsmi-units-t0.csv" "$TMP/smi.csv"
"$GM" collect nvidia-smi --health --file "$TMP/smi.csv" --at 2026-11-01T00:00:00Z --stdout \
    --state-dir "$TMP/smi" --account team-default >/dev/null 2>>"$TMP/collect.log"
check_eq "collect nvidia-smi takes --health" 0 "$?"
cp "$F/nvsmi-gone.csv" "$TMP/smi.csv"
out=$("$GM" collect nvidia-smi --health --file "$TMP/smi.csv" --at 2026-11-01T00:01:00Z --stdout \
    --state-dir "$TMP/smi" --account team-default 2>>"$TMP/collect.log" |
    jq -r 'select(.kind == "health") | "\(.device) \(.start) \(.end) \(.state) \(.reasons // [] | join(","))"')
check_eq "nvidia-smi health windows (device start end state reasons)" \
"GPU-ffff0000 2026-11-01T00:00:00Z 2026-11-01T00:01:00Z up 
GPU-ffff0001 2026-11-01T00:00:00Z 2026-11-01T00:01:00Z up 
GPU-ffff0002 2026-11-01T00:00:00Z 2026-11-01T00:01:00Z down device_gone" "$out"

# collect KIND --health over FILE... at 30 s steps from 00:00:00, each
# copied in turn to one path (one input, as one URL would be), under its
# own state and site; rc is 1 when a run failed. KIND SITE FILE...
collect_rounds() {
    local kind=$1 site=$2 round=0 f
    shift 2
    rc=0
    for f in "$@"; do
        cp "$f" "$TMP/$kind.prom"
        "$GM" collect "$kind" --health --file "$TMP/$kind.prom" \
            --at "2026-11-01T00:0$((round / 2)):$((round % 2 * 3))0Z" \
            --state-dir "$TMP/$kind" --site "$site" 2>>"$TMP/collect.log" || rc=1
        round=$((round + 1))
    done
}

# collect mlu --health (issue 36, deliverable 1's rest): mlu-exporter's own
# golden output with its mlu_health series (real, tests/fixtures/real/mlu),
# twice, then built from it (mlu-health-t2.prom): uuid2 and uuid4 sick
# (mlu_health 0: down), then uuid2 healthy again, uuid4 still sick and uuid1
# no longer listed (device_gone). One input, as one URL would be.
R=$ROOT/tests/fixtures/real/mlu
collect_rounds mlu sz-mlu "$R/mlu-exporter-v2.0.22-golden-health.prom" \
    "$R/mlu-exporter-v2.0.22-golden-health.prom" "$F/mlu-health-t2.prom"
check_eq "every collect mlu --health run exits 0" 0 "$rc"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_collected "mlu" sz-mlu \
"mlu-uuid1 00:00:00 30000 up 
mlu-uuid1 00:00:30 30000 down device_gone
mlu-uuid2 00:00:00 30000 down mlu_health:0
mlu-uuid2 00:00:30 30000 up 
mlu-uuid3 00:00:00 30000 up 
mlu-uuid3 00:00:30 30000 up 
mlu-uuid4 00:00:00 30000 down mlu_health:0
mlu-uuid4 00:00:30 30000 down mlu_health:0" \
"mlu-uuid1 30000 0 30000 60000
mlu-uuid2 30000 0 30000 60000
mlu-uuid3 60000 0 0 60000
mlu-uuid4 0 0 60000 60000"
# 4 cards x 60 s = 240,000 ms metered, 120,000 up: 500,000 ppm
run_gm 0 "report availability of the MLUs" report availability --from 2026-11-01 --to 2026-11-01 --by node --format csv
check_match "the MLU node's availability (csv)" "sz-mlu/machine1,4,240000,120000,0,120000,500000" "$out"

# collect dcu --health (issue 36, deliverable 1's rest): dcu-exporter's
# dcu_ue_count summed over a card's RAS blocks (tests/fixtures/ingest/
# dcu-health-t0..t3.prom): DCU 0's uncorrectable count rises in the second
# window (dcu_ue, degraded), then falls to 0 (a new base); DCU 1 is no
# longer listed in the last (device_gone).
collect_rounds dcu sz-dcu "$F"/dcu-health-t[0-3].prom
check_eq "every collect dcu --health run exits 0" 0 "$rc"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_collected "dcu" sz-dcu \
"dcu-T8R1380013061601 00:00:00 30000 up 
dcu-T8R1380013061601 00:00:30 30000 degraded dcu_ue
dcu-T8R1380013061601 00:01:00 30000 up 
dcu-T8R1380019021101 00:00:00 30000 up 
dcu-T8R1380019021101 00:00:30 30000 up 
dcu-T8R1380019021101 00:01:00 30000 down device_gone" \
"dcu-T8R1380013061601 60000 30000 0 90000
dcu-T8R1380019021101 60000 0 30000 90000"
# and its URL (file://) not answering in the second round: both DCUs down
# with scrape_failed, the shared path of every exporter URL (its own node,
# so its source and sequence are not the scrapes' above)
cp "$F/dcu-health-t0.prom" "$TMP/dcu-exporter.prom"
rcs=""
for t in 0 1; do
    [ "$t" = 1 ] && rm -f "$TMP/dcu-exporter.prom"
    "$GM" collect dcu --health "file://$TMP/dcu-exporter.prom" --at "2026-11-01T00:00:${t}0Z" \
        --state-dir "$TMP/dcu-failed" --site sz-dcu-failed --node dcu-failed-01 2>>"$TMP/collect.log"
    rcs="$rcs$?"
done
check_eq "collect dcu: the run whose URL did not answer exits 1" 01 "$rcs"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "collect dcu: scrape_failed windows (device start ms state reasons)" \
"dcu-T8R1380013061601 00:00:00 10000 down scrape_failed
dcu-T8R1380019021101 00:00:00 10000 down scrape_failed" "$(windows_at sz-dcu-failed)"
check_eq "the cards' model (the catalogue's name) and vendor as stored" "sz-dcu DCUK100AI hygon
sz-mlu MLU590 cambricon" \
    "$(q "SELECT DISTINCT site || ' ' || model || ' ' || vendor FROM device_health
          WHERE site IN ('sz-dcu', 'sz-mlu') ORDER BY 1")"

# Least privilege: the rater adds windows, never changes or removes one.
refused_as "the rater cannot change a stored window" gpumeter_rater \
    "UPDATE device_health SET state = 'up', reasons = '{}'" "permission denied"
refused_as "the rater cannot remove a stored window" gpumeter_rater \
    "DELETE FROM device_health" "permission denied"
refused_as "the API cannot read device health (billing reports it)" gpumeter_api \
    "SELECT count(*) FROM device_health" "permission denied"
check_match "up with a reason is refused by the table too, even to its owner" \
    "violates check constraint \"device_health_up_has_no_reason" \
    "$(q "INSERT INTO device_health VALUES ('x', 1, 'c', 's', 'n', 'd', 'm', 'v', now(), now(), 0,
                                           'up', '{xid:79}')" 2>&1)"
# In text, a device key with a real UUID (site/node/GPU-<36>: 61 bytes)
# widens the first column, so every row is as long as the heads (it was
# 40 wide and pushed such a row's figures right of their heads).
health 1 gpu-node-07 GPU-4e1a7c23-9b3d-4f60-a8e5-d0c6b2f19303 2026-11-02T00:00:00Z \
    2026-11-02T00:00:30Z down '["xid:79"]' | sed 's#dcgm/c1/#dcgm/c2/#g; s#"c1"#"c2"#' | send
"$GM" rate --until-idle 2>>"$TMP/rate.log"
"$GM" report availability --from 2026-11-02 --to 2026-11-02 --by device >"$TMP/avail.txt" 2>&1
check_eq "availability by device in text: every row as wide as the heads" 1 \
    "$(tail -n +2 "$TMP/avail.txt" | awk '{ print length($0) }' | sort -u | wc -l)"
finish
