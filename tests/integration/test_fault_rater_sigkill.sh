#!/bin/bash
# A third of a million events, and the rater killed with SIGKILL at random points
# at least five times, then stopped once with SIGTERM: each restart resumes
# from the offsets stored in PostgreSQL and the final totals are exact, with
# no duplicates (nothing committed is ever consumed again). The property
# needs a stream that outlasts the kills, not a million events (which cost
# 141 CPU seconds here, most of them PostgreSQL's): make bench rates a
# million events a run with the release rater and checks every one rated.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
# The optimised build generates (1,500 jobs per account: 333,274 events of
# the mixed cluster; 2,400 and half a million until make check passed its
# 10 minutes on a slow day); the sanitized rater is the one under test. The
# stream still outlasts the seven rounds below: at most 7 x (a twentieth +
# a 20,000-event batch) = 257,000 events.
"$ROOT/build/gpumeter" collect synthetic --month 2026-10 --seed 11 --jobs 1500 \
    --totals "$TMP/totals.csv"
sent=$(topic_messages)
if [ "$sent" -ge 300000 ]; then pass "$sent events to rate"; else
    fail "events to rate: expected at least 300000 on the topic, got $sent"; fi

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

# Kills it at a random point within 3 s, or sooner once it has committed a
# twentieth of the stream more: however fast the machine, the stream
# outlasts the seven rounds (at most 7 x (1/20 + a batch) of it).
kill_at_random() {
    local from polls
    from=$(consumed)
    polls=$((RANDOM % 15))
    for _ in $(seq 1 "$polls"); do
        [ "$(consumed)" -lt $((from + sent / 20)) ] || break
        sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null
}
kills=0
for round in 1 2 3 4 5 6; do
    start_rater
    kill_at_random && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
done
start_rater
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM stops the rater cleanly (exit 0)" 0 "$?"
mid=$(consumed)
if [ "$kills" -ge 5 ]; then pass "the rater was killed $kills times"; else
    fail "the rater was killed: expected at least 5 times, got $kills"; fi
if [ "$mid" -gt 0 ] && [ "$mid" -lt "$sent" ]; then
    pass "killed mid-stream ($mid of $sent committed)"
else
    fail "killed mid-stream: expected between 1 and $((sent - 1)) of $sent committed, got $mid"
fi
"$GM" rate --until-idle --batch 50000 2>>"$TMP/rate.log"
check_counters "after the restarts: every message consumed once, no duplicates" "$sent $sent 0 0"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "totals match the generator to the fen" "mismatches 0" \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"
check_match "conservation holds" "conservation: holds" "$("$GM" conservation)"
scenario "rater SIGKILL x$kills" "$sent" "$TMP/totals.csv" 2026-10
finish
