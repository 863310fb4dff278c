#!/bin/bash
# The broker and then PostgreSQL are restarted while a rater runs: it
# recovers by itself (fetching resumes; it reconnects and replays from the
# stored offsets) and the totals are exact.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$ROOT/build/gpumeter" collect synthetic --month 2026-10 --seed 31 --jobs 1500 \
    --totals "$TMP/totals.csv"
sent=$(topic_messages)
wait_consumed_above() { # n seconds
    for _ in $(seq 1 $(($2 * 10))); do
        [ "$(consumed)" -gt "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
GPUMETER_QUIET=0 "$GM" rate --batch 5000 --batch-ms 100 2>"$TMP/rate.log" &
pid=$!
wait_consumed_above 0 60

bash "$ROOT/scripts/services.sh" kafka-down >/dev/null
sleep 2
bash "$ROOT/scripts/services.sh" kafka-up >/dev/null
at=$(consumed)
wait_consumed_above "$at" 90
check_eq "after a broker restart the rater goes on by itself" 0 "$?"

bash "$ROOT/scripts/services.sh" pg-down >/dev/null
sleep 3
kill -0 "$pid" 2>/dev/null
check_eq "the rater survives PostgreSQL going away" 0 "$?"
bash "$ROOT/scripts/services.sh" pg-up >/dev/null
at=$(consumed)
wait_consumed_above "$at" 90
check_eq "after a PostgreSQL restart the rater goes on by itself" 0 "$?"
wait_consumed "$sent"
kill -TERM "$pid"
wait "$pid"
check_eq "and stops cleanly" 0 "$?"
# rater.commit_connections' transactions take the rows they share in one
# order (docs/rating.md#the-commit-split-over-connections): none is aborted
# by a deadlock and run again, however the restarts delay them
check_eq "no transaction run again after a deadlock (the rater's count)" 0 \
    "$(sed -n 's/.* s committing, \([0-9]*\) run again).*/\1/p' "$TMP/rate.log")"
check_match "it logged the reconnection" "reconnected to PostgreSQL" "$(cat "$TMP/rate.log")"
check_counters "every message consumed once" "$sent $sent 0 0"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "totals match the generator to the fen" "mismatches 0" \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"
scenario "broker, then PostgreSQL, restarted" "$sent" "$TMP/totals.csv" 2026-10
finish
