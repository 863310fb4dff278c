#!/bin/bash
# Fault scenario: a rebalance storm. Raters join and leave one consumer
# group every second or two while a stream is rated (every other one leaves
# by SIGKILL, the rest by SIGTERM, and now and then a third joins), so
# partitions move back and forth mid-batch; each move fences the old owner
# in PostgreSQL. Every event is rated once and the money is exact.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$ROOT/build/gpumeter" collect synthetic --month 2026-10 --seed 41 --jobs 800 \
    --totals "$TMP/totals.csv"
sent=$(topic_messages)
claims() { q "SELECT coalesce(sum(epoch), 0) FROM consumer_offset"; }
raters=()
# A rater is up once it catches SIGTERM (SigCgt bit 15); before that, under
# a sanitizer's slow start, a SIGTERM would be the default death.
catches_term() { (( 0x$(awk '/^SigCgt/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0) & 0x4000 )); }
join() {
    "$GM_RATE" rate --batch 2000 --batch-ms 100 2>>"$TMP/rate.log" &
    raters+=($!)
    for _ in $(seq 1 300); do catches_term "$!" && break; sleep 0.05; done
}
join
join
for _ in $(seq 1 600); do [ "$(consumed)" -gt 0 ] && break; sleep 0.1; done
for round in $(seq 1 10); do
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.1f", 1 + (r % 10) / 10 }')"
    leaving=${raters[0]}
    raters=("${raters[@]:1}")
    if [ $((round % 2)) -eq 1 ]; then kill -KILL "$leaving"; else kill -TERM "$leaving"; fi
    wait "$leaving" 2>/dev/null
    join
    [ $((round % 3)) -ne 0 ] || join
    [ "$round" -ne 2 ] || mid=$(consumed)
done
if [ "$mid" -gt 0 ] && [ "$mid" -lt "$sent" ]; then
    pass "the storm hit mid-stream ($mid of $sent consumed)"
else
    fail "the storm hit mid-stream: expected between 1 and $((sent - 1)) of $sent consumed in round 2, got $mid"
fi
if [ "$(claims)" -ge 12 ]; then pass "partitions changed owner $(claims) times"; else
    fail "partitions changed owner: expected at least 12 times, got $(claims)"; fi
for pid in "${raters[@]}"; do kill -TERM "$pid"; done
clean=0
for pid in "${raters[@]}"; do wait "$pid" || clean=1; done
check_eq "the raters left standing stop cleanly" 0 "$clean"
# The rest is drained by one rater alone, no rebalance: the sanitized
# build, not GM_RATE (under ThreadSanitizer it took most of the TSan run).
"$GM" rate --until-idle 2>>"$TMP/rate.log"
sanitizer_clean "the raters reported no sanitizer error (${GPUMETER_RATE_BINARY:-build/asan/gpumeter})" \
    "$TMP/rate.log"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
scenario "rebalance storm" "$sent" "$TMP/totals.csv" 2026-10
finish
