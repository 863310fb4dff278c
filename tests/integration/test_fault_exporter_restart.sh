#!/bin/bash
# Fault scenario: exporter restart (issue 14). A dcgm-exporter 2.x-3.x on
# Kubernetes reports its own pod's name as Hostname, and each restart gives
# the pod a new one. A collector daemon scrapes an exporter that restarts
# every few seconds: the allocated GPU's time is rated exactly, from its
# first scrape to its last, with no window lost or billed twice.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a
F=$ROOT/tests/fixtures/ingest
S=$TMP/state
scrape() { # exporter pod name
    sed "s/hostname=\"gpu-node-01\"/Hostname=\"$1\"/" "$F/dcgm-k8s-t0.prom" >"$TMP/next.prom"
    mv "$TMP/next.prom" "$TMP/scrape.prom"
}
scrape dcgm-exporter-0aaaa
"$GM" collect dcgm --file "$TMP/scrape.prom" --interval 1 --state-dir "$S" 2>"$TMP/collector.log" &
pid=$!
# Each exporter name is scraped for two of the daemon's rounds (its
# metrics count them), however long a busy machine takes, not 2.5 s.
rounds() { local r; r=$(sed -n 's/^gpumeter_collector_rounds_total{.*} //p' "$S/metrics.prom" 2>/dev/null); echo "${r:-0}"; }
two_more_rounds() { [ "$(rounds)" -ge $((r0 + 2)) ]; }
for pod in dcgm-exporter-1bbbb dcgm-exporter-2cccc dcgm-exporter-3dddd dcgm-exporter-4eeee; do
    r0=$(rounds)
    wait_for 60 two_more_rounds
    scrape "$pod"
done
r0=$(rounds)
wait_for 60 two_more_rounds
kill -TERM "$pid"
wait "$pid"
check_eq "the daemon stops cleanly" 0 "$?"

sources=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%k\n' | sort -u | wc -l)
if [ "$sources" -ge 4 ]; then pass "the events come from $sources exporter names"; else
    fail "the events come from $sources exporter names, expected at least 4"; fi
collector_daemon_scenario "exporter restart (Hostname x5)" "$S"
finish
