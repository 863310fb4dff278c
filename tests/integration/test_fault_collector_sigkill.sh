#!/bin/bash
# A collector is killed with SIGKILL at random points of its runs (reading,
# committing, delivering) and run again on the same scrape; the rated totals
# are exactly those of an uninterrupted run: nothing lost, nothing twice.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a
F=$ROOT/tests/fixtures/ingest
S=$TMP/state
SCRAPES=16
# Scrape i at 30 s steps: GPU0 (team-a) draws 19,500,000 mJ a step, its
# driver reloads at step 9 (counter back to 1,000,000); GPU1 is idle.
energy=1000000000
expected_energy=0
kills=0
for i in $(seq 0 $((SCRAPES - 1))); do
    if [ "$i" -eq 9 ]; then
        energy=1000000
        expected_energy=$((expected_energy + energy))
    elif [ "$i" -gt 0 ]; then
        energy=$((energy + 19500000))
        expected_energy=$((expected_energy + 19500000))
    fi
    sed "s/} 1000000000\$/} $energy/" "$F/dcgm-k8s-t0.prom" >"$TMP/scrape.prom"
    at=$(date -u -d "@$((1793491200 + 30 * i))" +%Y-%m-%dT%H:%M:%SZ)
    kill_after=$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.002 + (r % 100) / 1000 }')
    (exec 2>/dev/null; timeout -s KILL "$kill_after" "$GM" collect dcgm --file "$TMP/scrape.prom" --at "$at" \
        --state-dir "$S" 2>>"$TMP/collector.log") 2>/dev/null
    [ "$?" -eq 137 ] && kills=$((kills + 1))
    # Run again on the same scrape until it completes, as cron or systemd would.
    until "$GM" collect dcgm --file "$TMP/scrape.prom" --at "$at" --state-dir "$S" \
        2>>"$TMP/collector.log"; do sleep 0.2; done
done
if [ "$kills" -ge 3 ]; then pass "the collector was killed $kills times"; else
    fail "the collector was killed: expected at least 3 times, got $kills"; fi
"$GM" rate --until-idle 2>>"$TMP/collector.log"
check_eq "rated GPU time is exact" "$((30000 * (SCRAPES - 1)))" \
    "$(q "SELECT sum(quantity) FROM usage_hourly WHERE meter = 'gpu_ms'")"
check_eq "rated energy is exact (with the reset)" "$expected_energy" \
    "$(q "SELECT sum(quantity) FROM usage_hourly WHERE meter = 'energy_mj'")"
check_eq "every window was rated once" "$((SCRAPES - 1))" \
    "$(q "SELECT sum(events) FROM usage_hourly WHERE meter = 'gpu_ms'")"
check_eq "nothing left in the spool" 0 "$(find "$S/spool" -name '*.batch' | wc -l)"
printf 'account,meter,model,quantity\nteam-a,gpu_ms,H800,%s\nteam-a,energy_mj,H800,%s\n' \
    $((30000 * (SCRAPES - 1))) "$expected_energy" >"$TMP/totals.csv"
"$GM" invoice run --period 2026-11 >/dev/null 2>&1
scenario "collector SIGKILL x$kills" "$(topic_messages)" "$TMP/totals.csv" 2026-11
finish
