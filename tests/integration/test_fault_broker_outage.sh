#!/bin/bash
# The broker stops while a collector daemon runs: rounds go on into the
# spool, and when the broker is back every event reaches the topic exactly
# in sequence; the rated GPU time covers the whole run without a hole. A
# rater started during the outage waits for the broker and then rates.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a
F=$ROOT/tests/fixtures/ingest
S=$TMP/state
batches() { find "$S/spool" -name '*.batch' 2>/dev/null | wc -l; }
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
# A rater started while no broker answers waits for one, as a running rater
# does: it used to exit 1 after 10 s, and systemd gives a unit up after five
# such starts (StartLimitBurst), leaving nothing to rate once Kafka is back.
"$GM" rate 2>"$TMP/rater.log" &
rater=$!
rater_waits() { grep -q 'could not reach Kafka at .*; waiting for it' "$TMP/rater.log"; }
wait_for 15 rater_waits
check_eq "a rater started with the broker down says it waits for Kafka" 0 "$?"
kill -0 "$rater" 2>/dev/null
check_eq "a rater started with the broker down keeps running" 0 "$?"

bash "$ROOT/scripts/services.sh" kafka-up >/dev/null
wait_for 120 spool_empty
check_eq "when the broker is back, the spool drains" 0 "$?"
wait_for 60 consumed_at_least 1
check_eq "the rater that waited rates once the broker is back" 0 "$?"
kill -TERM "$rater"
wait "$rater"
check_eq "SIGTERM stops that rater cleanly (exit 0)" 0 "$?"
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM stops the daemon cleanly after delivering (exit 0)" 0 "$?"

collector_daemon_scenario "broker stop/start under a collector" "$S"
finish
