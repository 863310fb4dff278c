#!/bin/bash
# A million events, and the rater killed with SIGKILL at random points at
# least five times, then stopped once with SIGTERM: each restart resumes
# from the offsets stored in PostgreSQL and the final totals are exact, with
# no duplicates (nothing committed is ever consumed again).
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
# The optimised build generates; the sanitized rater is the one under test.
"$ROOT/build/gpumeter" collect synthetic --month 2026-10 --seed 11 --jobs 4000 \
    --totals "$TMP/totals.csv"
sent=$(topic_messages)
if [ "$sent" -ge 1000000 ]; then pass "$sent events to rate"; else fail "only $sent events"; fi

# Starts a rater and returns once it has committed something new.
start_rater() {
    local before
    before=$(consumed)
    "$GM" rate --batch 20000 --batch-ms 200 2>>"$TMP/rate.log" &
    pid=$!
    for _ in $(seq 1 1200); do
        [ "$(consumed)" -gt "$before" ] && return
        sleep 0.05
    done
}

kills=0
for round in 1 2 3 4 5 6; do
    start_rater
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", (r % 300) / 100 }')"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
done
start_rater
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM stops the rater cleanly (exit 0)" 0 "$?"
mid=$(consumed)
if [ "$kills" -ge 5 ]; then pass "the rater was killed $kills times"; else
    fail "the rater was killed only $kills times"; fi
if [ "$mid" -gt 0 ] && [ "$mid" -lt "$sent" ]; then
    pass "killed mid-stream ($mid of $sent committed)"
else
    fail "killed mid-stream (committed $mid of $sent)"
fi
"$GM" rate --until-idle --batch 50000 2>>"$TMP/rate.log"
check_eq "after the restarts: every message consumed once, no duplicates" "$sent $sent 0 0" \
    "$(counters)"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "totals match the generator to the fen" "mismatches 0" \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"
check_match "conservation holds" "conservation: holds" "$("$GM" conservation)"
scenario "rater SIGKILL x$kills" "$sent" "$TMP/totals.csv" 2026-10
finish
