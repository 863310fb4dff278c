#!/bin/bash
# Out-of-order arrivals within a source (a collector spool replayed after
# newer events) are rated, not taken for duplicates; true duplicates are.
# Events of an account without a customer are parked, counted, and rated
# once the account is mapped, exactly.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts ns-x
ev() { # seq account
    printf 'src-a\t{"v":1,"source":"src-a","seq":%s,"account":"%s","cluster":"c1","site":"s1","start":"2026-10-01T00:00:00Z","end":"2026-10-01T00:00:00Z","tokens":%s}\n' "$1" "$2" "$((1000 * $1))"
}
produce() { kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'; }

# seq 6..10 first, then 1..5 with copies of 3 and 8 mixed in, each in its own batch.
{ for s in 6 7 8 9 10; do ev $s ns-x; done; } | produce
"$GM" rate --until-idle --batch 2
{ for s in 1 2 3 3 4 8 5; do ev $s ns-x; done; } | produce
"$GM" rate --until-idle --batch 3
check_counters "10 rated, the 2 copies counted as duplicates" "12 10 2 0"
check_eq "every token once: 1000 x (1 + ... + 10)" 55000 \
    "$(q "SELECT sum(quantity) FROM usage_hourly WHERE meter = 'tokens'")"
check_eq "the source's window is closed up to 10" "10 {}" \
    "$(q "SELECT contiguous_seq || ' ' || above::text FROM source_seq WHERE source = 'src-a'")"

# A gap stays open while later seqs arrive, and closes when the missing one does.
{ for s in 11 13 14; do ev $s ns-x; done; } | produce
"$GM" rate --until-idle
check_eq "a missing seq is remembered as a gap" "11 {13,14}" \
    "$(q "SELECT contiguous_seq || ' ' || above::text FROM source_seq WHERE source = 'src-a'")" 
ev 12 ns-x | produce
"$GM" rate --until-idle
check_eq "the late seq 12 is rated and the window closes" "14 {}" \
    "$(q "SELECT contiguous_seq || ' ' || above::text FROM source_seq WHERE source = 'src-a'")"

# Parking: three events of an account with no customer, the last spelled
# otherwise than a collector spells it (a space): each keeps its exact
# bytes, rebuilt from its decoded event or kept as it came (docs/rating.md#memory).
spaced() { sed 's/,"site"/, "site"/'; }
{ for s in 15 16; do ev $s ns-new; done; ev 17 ns-new | spaced; } | produce
"$GM" rate --until-idle
check_eq "events of an unmapped account are parked" 3 "$(parked)"
check_eq "a parked event keeps its exact bytes" "$(ev 15 ns-new | cut -f2)" \
    "$(q "SELECT convert_from(payload, 'UTF8') FROM parked_event WHERE seq = 15")"
check_eq "a parked event spelled otherwise keeps its exact bytes" "$(ev 17 ns-new | spaced | cut -f2)" \
    "$(q "SELECT convert_from(payload, 'UTF8') FROM parked_event WHERE seq = 17")"
check_eq "and not rated" 0 \
    "$(q "SELECT count(*) FROM usage_hourly WHERE account = 'ns-new'")"
check_match "conservation holds with parked events" "conservation: holds" "$("$GM" conservation)"
ev 16 ns-new | produce # a copy of a parked event is a duplicate, not parked twice
map_accounts ns-new
"$GM" rate --until-idle
check_eq "once mapped, parked events are rated" 0 "$(parked)"
check_eq "exactly: 15000 + 16000 + 17000 tokens" 48000 \
    "$(q "SELECT sum(quantity) FROM usage_hourly WHERE account = 'ns-new'")"
check_counters "counters: 20 consumed, 17 rated, 3 duplicates" "20 17 3 0"
check_match "conservation holds after the release" "conservation: holds" "$("$GM" conservation)"

# A dead letter decided at the commit (its window ends too far ahead) keeps
# the exact bytes it was consumed as, though the batch kept only its numbers.
ev 18 ns-x | sed 's/2026-10-01/2099-10-01/g' | produce
"$GM" rate --until-idle
check_eq "a dead letter decoded first keeps its exact bytes" \
    "future_time $(ev 18 ns-x | sed 's/2026-10-01/2099-10-01/g' | cut -f2)" \
    "$(q "SELECT reason_code || ' ' || convert_from(payload, 'UTF8') FROM dead_letter")"
finish
