#!/bin/bash
# Fault scenario: poison bytes (issue 14). Copies of the stream's own events,
# each spoilt one way (invalid UTF-8 in account, source, job or site, an
# escaped NUL, junk after the object, a field given twice, an integer
# spelled 3.6e6, thirty
# events in one message), are mixed into a large stream on every partition,
# next to the genuine events they copy. None of them stops the rater or
# shadows an event: every genuine event is rated, every copy is a dead
# letter with its reason, and the money is exact.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" collect synthetic --month 2026-10 --seed 11 --jobs 40 --print --totals "$TMP/totals.csv" \
    >"$TMP/events.jsonl" 2>/dev/null
genuine=$(wc -l <"$TMP/events.jsonl")
# Every 97th event gets a spoilt copy, keyed like it, so copies land on its
# partition: eight kinds in turn.
awk -v OFS='\t' '
    { match($0, /"source":"[^"]*"/); key = substr($0, RSTART + 10, RLENGTH - 11); print key, $0 }
    NR % 97 == 0 {
        bad = $0
        k = (NR / 97) % 8
        if (k == 0) sub(/"account":"/, "&\377", bad)
        if (k == 1) sub(/"source":"/, "&\300\257", bad)
        if (k == 2) sub(/"job":"/, "&\355\240\200", bad)
        if (k == 3) sub(/"site":"/, "&\376", bad)
        if (k == 4) sub(/"account":"/, "&ns-alpha\\u0000", bad)
        if (k == 5) bad = bad "junk"
        if (k == 6) sub(/^\{"v":1/, "{\"v\":1,\"v\":1", bad)
        if (k == 7 && !sub(/"gpu_ms":[0-9]+/, "\"gpu_ms\":3.6e6", bad))
            sub(/"tokens":[0-9]+/, "\"tokens\":3.6e6", bad)
        print key, bad
        spoilt++
    }
    END { print spoilt > "/dev/stderr" }' "$TMP/events.jsonl" >"$TMP/stream.tsv" 2>"$TMP/spoilt"
spoilt=$(cat "$TMP/spoilt")
kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t' <"$TMP/stream.tsv"
# Thirty genuine events in one message, five times over, on other partitions.
for i in 1 2 3 4 5; do
    sed -n "$((i * 300)),$((i * 300 + 29))p" "$TMP/events.jsonl" >"$TMP/thirty-$i"
done
for i in 1 2 3 4 5; do
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -p $((i % 6)) "$TMP/thirty-$i"
done
sent=$(topic_messages)
check_eq "the stream holds the genuine events and the spoilt copies" \
    "$((genuine + spoilt + 5))" "$sent"
check_eq "on every partition" 6 \
    "$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%p\n' | sort -u | wc -l)"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "the rater rated through the poison and stopped cleanly" 0 "$?"
check_counters "every genuine event was accepted once, every copy is a dead letter" \
    "$sent $genuine 0 $((spoilt + 5))"
check_eq "each dead letter has its reason" \
    "invalid_field invalid_quantity malformed_json" \
    "$(q "SELECT string_agg(DISTINCT reason_code, ' ') FROM dead_letter")"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
scenario "poison bytes" "$sent" "$TMP/totals.csv" 2026-10
finish
