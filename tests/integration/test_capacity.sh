#!/bin/bash
# Capacity events (issue 18) through the real broker and rater: exact hourly
# rows for hand-written events (an hour boundary, a whole idle node, a MIG
# GPU's stranded slices), duplicates and bad capacity set aside like any
# event; then a scheduled synthetic month rated across SIGKILLs equals the
# generator's capacity totals to the millisecond, and rating it again
# changes nothing.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
send() { kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'; }
cap() { # seq node model devices start end allocated [idle_energy]
    printf 'dcgm/c1/%s\t{"v":1,"kind":"capacity","source":"dcgm/c1/%s","seq":%s,"cluster":"c1","site":"sh-lingang","node":"%s","model":"%s","vendor":"v","start":"%s","end":"%s","devices":%s,"allocated_ms":%s%s}\n' \
        "$2" "$2" "$1" "$2" "$3" "$5" "$6" "$4" "$7" "${8:+,\"idle_energy_mj\":$8}"
}
{
    # 8 H800s from 07:59:30 to 08:00:30: 480,000 device-ms, 240,000 allocated,
    # split 30 s / 30 s across the hour, idle energy 4,800,000 mJ likewise
    cap 1 n1 "NVIDIA H800" 8 2026-10-01T07:59:30Z 2026-10-01T08:00:30Z 240000 4800000
    # the same event again: a duplicate
    cap 1 n1 "NVIDIA H800" 8 2026-10-01T07:59:30Z 2026-10-01T08:00:30Z 240000 4800000
    # 8 Ascend 910Bs allocating nothing for 60 s: idle whole, energy unknown
    cap 1 n2 Ascend910B 8 2026-10-01T08:10:00Z 2026-10-01T08:11:00Z 0
    # one A800 with 4 of 7 slices allocated for 70 s: 40,000 allocated, 30,000 stranded
    cap 1 n3 A800-SXM4-80GB 1 2026-10-01T08:20:00Z 2026-10-01T08:21:10Z 40000 3000000
    # more allocated than installed: a dead letter, its seq used up
    cap 2 n3 A800-SXM4-80GB 1 2026-10-01T08:21:10Z 2026-10-01T08:22:20Z 70001 0
    # a capacity event naming an account: a dead letter
    printf 'dcgm/c1/n3\t{"v":1,"kind":"capacity","source":"dcgm/c1/n3","seq":3,"account":"ns-alpha","cluster":"c1","site":"sh-lingang","node":"n3","model":"A800","vendor":"v","start":"2026-10-01T08:22:20Z","end":"2026-10-01T08:23:00Z","devices":1,"allocated_ms":0}\n'
} | send
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_counters "6 consumed: 3 rated, 1 duplicate, 2 dead letters" "6 3 1 2"
check_eq "the dead letters say why" "invalid_field|field \"account\" does not belong in a capacity event
invalid_quantity|\"allocated_ms\" is more than \"devices\" times the window" \
    "$(q "SELECT reason_code || '|' || reason FROM dead_letter ORDER BY reason_code")"
check_eq "hourly capacity rows are exact (hour node model installed allocated whole stranded energy energy_ms events)" \
    "07 n1 H800 240000 120000 0 120000 2400000 240000 1
08 n1 H800 240000 120000 0 120000 2400000 240000 1
08 n2 Ascend910B 480000 0 480000 0 0 0 1
08 n3 A800 70000 40000 0 30000 3000000 70000 1" \
    "$(q "SELECT to_char(hour AT TIME ZONE 'UTC', 'HH24') || ' ' || node || ' ' || model || ' ' ||
             installed_ms || ' ' || allocated_ms || ' ' || idle_whole_ms || ' ' ||
             idle_stranded_ms || ' ' || idle_energy_mj || ' ' || energy_ms || ' ' || events
          FROM capacity_hourly ORDER BY hour, node")"
check_eq "capacity is never billed: no usage rows, nothing parked" "0 0" \
    "$(q "SELECT (SELECT count(*) FROM usage_hourly) || ' ' || (SELECT count(*) FROM parked_event)")"
check_match "conservation holds" "conservation: holds" "$("$GM" conservation)"

# A scheduled month of the synthetic cluster, rated by a rater killed with
# SIGKILL three times mid-stream.
q "TRUNCATE capacity_hourly" >/dev/null
before=$(consumed)
"$ROOT/build/gpumeter" collect synthetic --month 2026-10 --seed 9 --jobs 150 --capacity \
    --capacity-totals "$TMP/capacity.csv" --totals "$TMP/totals.csv" 2>>"$TMP/rate.log"
sent=$(topic_messages)
kills=0
for _ in 1 2 3; do
    start=$(consumed)
    "$GM" rate --batch 200 --batch-ms 20 2>>"$TMP/rate.log" &
    pid=$!
    for _ in $(seq 1 600); do [ "$(consumed)" -gt "$start" ] && break; sleep 0.05; done
    sleep 0.0$((RANDOM % 5))
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
done
mid=$(consumed)
if [ "$mid" -gt "$before" ] && [ "$mid" -lt "$sent" ]; then
    pass "killed $kills times mid-stream ($mid of $sent committed)"
else
    fail "killed mid-stream: expected between $((before + 1)) and $((sent - 1)) of $sent committed, got $mid"
fi
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "every message consumed once" "$sent" "$(consumed)"
per_model() {
    q "SELECT model || ',' || sum(installed_ms) || ',' || sum(allocated_ms) || ',' ||
              sum(idle_whole_ms) || ',' || sum(idle_stranded_ms) || ',' || sum(idle_energy_mj)
       FROM capacity_hourly GROUP BY model ORDER BY model"
}
check_eq "capacity per model equals the generator's, to the millisecond and millijoule" \
    "$(tail -n +2 "$TMP/capacity.csv" | sort)" "$(per_model)"
check_eq "allocated capacity equals the GPU time of the generated usage, per model" \
    "$(awk -F, '$2 == "gpu_ms" { s[$3] += $4 } END { for (m in s) printf "%s,%.0f\n", m, s[m] }' \
        "$TMP/totals.csv" | sort)" \
    "$(q "SELECT model || ',' || sum(allocated_ms)::text FROM capacity_hourly GROUP BY model ORDER BY model")"
check_eq "12 nodes x 744 hours of October" 8928 \
    "$(q "SELECT count(*) FROM capacity_hourly")"
snapshot=$(per_model)
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "rating again changes nothing" "$snapshot" "$(per_model)"
check_match "conservation holds" "conservation: holds" "$("$GM" conservation)"
finish
