#!/bin/bash
# Fault scenario: a duplicate storm. Five producers send the same stream at
# once (a fleet of collectors replaying their spools) while a rater is
# rating: each event is rated once, the four other copies are counted as
# duplicates, whether they meet in one batch or after a commit.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" rate --batch 3000 --batch-ms 100 2>>"$TMP/rate.log" &
rater=$!
producers=()
for copy in 1 2 3 4 5; do
    totals=()
    [ "$copy" -gt 1 ] || totals=(--totals "$TMP/totals.csv")
    "$ROOT/build/gpumeter" collect synthetic --month 2026-10 --seed 5 --jobs 60 "${totals[@]}" &
    producers+=($!)
done
rc=0
for pid in "${producers[@]}"; do wait "$pid" || rc=1; done
check_eq "five producers sent the stream" 0 "$rc"
sent=$(topic_messages)
wait_consumed "$sent"
kill -TERM "$rater"
wait "$rater"
check_eq "the rater stops cleanly" 0 "$?"
n=$((sent / 5))
check_counters "each event rated once, four copies duplicates" "$sent $n $((4 * n)) 0"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
scenario "duplicate storm (5 copies)" "$sent" "$TMP/totals.csv" 2026-10
finish
