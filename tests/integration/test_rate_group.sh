#!/bin/bash
# Two raters share the topic through one consumer group, each claiming its
# partitions in PostgreSQL; one is killed mid-way and the other takes its
# partitions over: totals exact. A zombie (a rater whose partitions were
# claimed by a newer owner while it held a batch) cannot commit. The stream
# (about 125,000 events) outlasts the second both raters run before the
# kill with room to spare: they had rated 16,000 to 33,000 by then on a
# busy machine.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$ROOT/build/gpumeter" collect synthetic --month 2026-10 --seed 21 --jobs 500 \
    --totals "$TMP/totals.csv"
sent=$(topic_messages)
owners() { q "SELECT count(DISTINCT owner) FROM consumer_offset"; }

"$GM_RATE" rate --batch 5000 --batch-ms 200 2>>"$TMP/a.log" &
a=$!
"$GM_RATE" rate --batch 5000 --batch-ms 200 2>>"$TMP/b.log" &
b=$!
for _ in $(seq 1 600); do
    [ "$(owners)" -eq 2 ] && [ "$(consumed)" -gt 0 ] && break
    sleep 0.1
done
check_eq "both raters hold partitions" 2 "$(owners)"
sleep 1
kill -9 "$a"
wait "$a" 2>/dev/null
mid=$(consumed)
if [ "$mid" -lt "$sent" ]; then pass "one rater killed mid-way ($mid of $sent)"; else
    fail "one rater killed mid-way: expected fewer than $sent consumed at the kill, got $mid (the stream was done)"; fi
wait_consumed "$sent"
kill -TERM "$b"
wait "$b"
check_eq "the survivor stops cleanly" 0 "$?"
check_eq "the survivor took every partition over" 1 "$(owners)"
check_counters "every message consumed once" "$sent $sent 0 0"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "totals match the generator to the fen" "mismatches 0" \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"

# The zombie: a rater holding an uncommitted batch while its partitions are
# claimed again (the epoch raised, as a newer owner's assignment does).
epochs=$(q "SELECT string_agg(epoch::text, ',' ORDER BY partition) FROM consumer_offset")
more=50
for s in $(seq 1 $more); do
    printf 'zombie-src\t{"v":1,"source":"zombie-src","seq":%s,"account":"ns-alpha","cluster":"c1","site":"s1","start":"2026-11-01T00:00:00Z","end":"2026-11-01T00:00:00Z","tokens":7}\n' "$s"
done | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM_RATE" rate --batch 1000000 --batch-ms 5000 2>"$TMP/zombie.log" &
z=$!
for _ in $(seq 1 200); do
    [ "$(q "SELECT string_agg(epoch::text, ',' ORDER BY partition) FROM consumer_offset")" != \
        "$epochs" ] && break
    sleep 0.1
done
sleep 1 # it fetches the new events into a batch it will commit after 5 s
q "UPDATE consumer_offset SET epoch = epoch + 1, owner = 'newer-owner'" >/dev/null
# until it tried to commit that batch (after its 5 s, however late on a
# busy machine), not a fixed 6 s
zombie_refused() { grep -q "held by another rater" "$TMP/zombie.log"; }
wait_for 120 zombie_refused
check_eq "the zombie committed nothing" "$sent" "$(consumed)"
check_match "and knows why" "held by another rater" "$(cat "$TMP/zombie.log")"
kill -9 "$z"
wait "$z" 2>/dev/null
"$GM_RATE" rate --until-idle 2>/dev/null
check_counters "a fresh rater rates the rest exactly once" "$((sent + more)) $((sent + more)) 0 0"
finish
