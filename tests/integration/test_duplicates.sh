#!/bin/bash
# A source's events sent twice are rated once, whether the copies meet in
# one batch or arrive after the first copies were committed.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" collect synthetic --month 2026-10 --seed 3 --jobs 3 --totals "$TMP/totals.csv"
"$GM" collect synthetic --month 2026-10 --seed 3 --jobs 3
n=$(($(topic_messages) / 2))
"$GM" rate --until-idle --batch 1000000
check_counters "copies in one batch: rated once, counted as duplicates" "$((2 * n)) $n $n 0"

"$GM" collect synthetic --month 2026-10 --seed 3 --jobs 3
"$GM" rate --until-idle --batch 37
check_counters "copies after commit: rated once, counted as duplicates" "$((3 * n)) $n $((2 * n)) 0"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "totals still match the generator to the fen" "mismatches 0" \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"
finish
