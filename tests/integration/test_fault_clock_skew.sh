#!/bin/bash
# Fault scenario: clocks skewed between collectors. Three collectors meter
# nodes with clocks 7 minutes behind, right, and 2 minutes ahead: each
# measures its windows on its own clock, so quantities are exact whatever
# the skew. A fourth runs a day ahead: its events end beyond
# rating.max_future_s, so the rater sends them to the dead-letter topic as
# future_time (counted, never dropped), and the others' money is exact.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a
F=$ROOT/tests/fixtures/ingest
base=1793491200 # 2026-11-01T00:00:00Z
rounds=5
# collector node skew-seconds: scrapes every 30 s on the collector's clock.
collect_skewed() { # node skew-seconds
    local k at
    for k in $(seq 0 $((rounds - 1))); do
        sed -e "s/gpu-node-01/$1/" -e "s/} 1000000000\$/} $((1000000000 + 19500000 * k))/" \
            "$F/dcgm-k8s-t0.prom" >"$TMP/$1.prom"
        at=$(date -u -d "@$(($2 + 30 * k))" +%Y-%m-%dT%H:%M:%SZ)
        "$GM" collect dcgm --file "$TMP/$1.prom" --at "$at" --state-dir "$TMP/$1" \
            2>>"$TMP/collect.log" || return 1
    done
}
rc=0
collect_skewed node-behind $((base - 420)) || rc=1
collect_skewed node-right "$base" || rc=1
collect_skewed node-ahead $((base + 120)) || rc=1
collect_skewed node-day-ahead $(($(date +%s) + 86400)) || rc=1
check_eq "four collectors ran" 0 "$rc"
windows=$((rounds - 1))
printf 'account,meter,model,quantity\nteam-a,gpu_ms,H800,%s\nteam-a,energy_mj,H800,%s\n' \
    $((3 * windows * 30000)) $((3 * windows * 19500000)) >"$TMP/totals.csv"
sent=$(topic_messages)
"$GM" rate --until-idle 2>>"$TMP/rate.log"
# Each window is a usage event and its node's capacity event: both too far ahead.
check_eq "the day-ahead collector's events are dead letters, as future_time" \
    "$((2 * windows)) future_time" \
    "$(q "SELECT count(*) || ' ' || string_agg(DISTINCT reason_code, ',') FROM dead_letter")"
check_eq "each collector's windows fall in the hours of its own clock" \
    "2026-10-31T23 $((windows * 30000)), 2026-11-01T00 $((2 * windows * 30000))" \
    "$(q "SELECT string_agg(to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24') || ' ' || q, ', '
          ORDER BY hour) FROM (SELECT hour, sum(quantity) q FROM usage_hourly
          WHERE meter = 'gpu_ms' GROUP BY hour) h")"
"$GM" invoice run --period 2026-11 >/dev/null 2>&1
scenario "clock skew (-7 min, 0, +2 min, +1 day)" "$sent" "$TMP/totals.csv" 2026-11
finish
