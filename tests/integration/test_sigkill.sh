#!/bin/bash
# SIGKILL the rater mid-stream, repeatedly, and stop it once with SIGTERM;
# each restart resumes from the offsets stored in PostgreSQL and the final
# totals are exact.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" collect synthetic --month 2026-10 --seed 11 --jobs 30 --totals "$TMP/totals.csv"
sent=$(topic_messages)
consumed() { q "SELECT coalesce(sum(consumed), 0) FROM rating_counter"; }

# Starts a rater in small batches and returns once it has committed one.
start_rater() {
    local before
    before=$(consumed)
    "$GM" rate --batch 50 --batch-ms 20 &
    pid=$!
    for _ in $(seq 1 600); do
        [ "$(consumed)" -gt "$before" ] && return
        sleep 0.05
    done
}

kills=0
for round in 1 2 3; do
    start_rater
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
done
start_rater
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM stops the rater cleanly (exit 0)" 0 "$?"
mid=$(consumed)
check_eq "the rater was killed three times" 3 "$kills"
if [ "$mid" -gt 0 ] && [ "$mid" -lt "$sent" ]; then
    pass "killed mid-stream ($mid of $sent committed)"
else
    fail "killed mid-stream (committed $mid of $sent)"
fi
"$GM" rate --until-idle
check_eq "after restart: every message consumed once, none twice" "$sent $sent 0 0" "$(counters)"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "totals match the generator to the fen" "mismatches 0" \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"
finish
