#!/bin/bash
# The broker stops while a collector daemon runs: rounds go on into the
# spool, and when the broker is back every event reaches the topic exactly
# in sequence; the rated GPU time covers the whole run without a hole.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a
F=$ROOT/tests/fixtures/ingest
S=$TMP/state
batches() { find "$S/spool" -name '*.batch' 2>/dev/null | wc -l; }
wait_for() { # seconds, condition...
    local n=$(($1 * 10))
    shift
    for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}
has_messages() { [ "$(topic_messages)" -ge 2 ]; }
spool_grew() { [ "$(batches)" -ge 3 ]; }
spool_empty() { [ "$(batches)" -eq 0 ]; }

"$GM" collect dcgm --file "$F/dcgm-k8s-t0.prom" --interval 1 --state-dir "$S" --timeout 60 \
    2>"$TMP/collector.log" &
pid=$!
wait_for 30 has_messages
check_eq "the daemon delivers while the broker is up" 0 "$?"

bash "$ROOT/scripts/services.sh" kafka-down >/dev/null
wait_for 30 spool_grew
check_eq "with the broker down, rounds are kept in the spool" 0 "$?"
kill -0 "$pid" 2>/dev/null
check_eq "the collector keeps running through the outage" 0 "$?"

bash "$ROOT/scripts/services.sh" kafka-up >/dev/null
wait_for 120 spool_empty
check_eq "when the broker is back, the spool drains" 0 "$?"
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM stops the daemon cleanly after delivering (exit 0)" 0 "$?"

events=$(sed -n 's/^gpumeter_collector_events_total{.*} //p' "$S/metrics.prom")
seqs=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%s\n' |
    grep -o '"seq":[0-9]*' | cut -d: -f2 | sort -n | uniq)
check_eq "every collected event reached the topic, seq 1..N without a gap" \
    "$(seq 1 "$events" | xargs)" "$(echo $seqs | xargs)"
"$GM" rate --until-idle 2>>"$TMP/collector.log"
window=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%s\n' |
    grep -o '"start":"[^"]*","end":"[^"]*"' | sort | sed -n '1s/"start":"\([^"]*\)".*/\1/p;$s/.*"end":"\([^"]*\)"/\1/p')
first=$(date -d "$(echo "$window" | head -1)" +%s%3N)
last=$(date -d "$(echo "$window" | tail -1)" +%s%3N)
check_eq "rated GPU time covers first to last scrape exactly" "$((last - first))" \
    "$(q "SELECT sum(quantity) FROM usage_hourly WHERE meter = 'gpu_ms'")"
check_eq "no event was rated twice" "$events $events 0 0" "$(counters)"
period=$(TZ=Asia/Shanghai date -d "@$((first / 1000))" +%Y-%m)
printf 'account,meter,model,quantity\nteam-a,gpu_ms,H800,%s\nteam-a,energy_mj,H800,0\n' \
    $((last - first)) >"$TMP/totals.csv"
"$GM" invoice run --period "$period" >/dev/null 2>&1
scenario "broker stop/start under a collector" "$events" "$TMP/totals.csv" "$period"
finish
