#!/bin/bash
# Fault scenario: poison messages. Among the generator's events are its own
# malformed ones and raw messages no collector would send: binary bytes,
# invalid UTF-8, an empty message, 900 kB of text, JSON nested 100,000
# deep, a number with 400 digits. The rater keeps running; each is a dead
# letter with its reason; the good events are exact to the fen.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$ROOT/build/gpumeter" collect synthetic --month 2026-10 --seed 7 --jobs 40 --malformed 25 \
    --totals "$TMP/totals.csv"
P=$TMP/poison
mkdir -p "$P"
printf '\x00\x01\x02\xff\xfe' >"$P/binary"
printf '{"v":1,"source":"\xc3\x28","seq":1,"account":"ns-alpha"}' >"$P/utf8"
head -c 900000 /dev/zero | tr '\0' 'x' >"$P/large"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]" }' >"$P/nested"
awk 'BEGIN { printf "{\"v\":1,\"source\":\"p\",\"seq\":"; for (i = 0; i < 400; i++) printf "9"; printf "}" }' >"$P/digits"
kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" "$P"/* # one message per file
printf 'poison\t\n' | kcat -P -K '\t' -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" # an empty message
poison=$(($(ls "$P" | wc -l) + 1))
sent=$(topic_messages)
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "the rater rated through the poison and stopped cleanly" 0 "$?"
check_eq "every poison message is a dead letter" "$((25 + poison))" \
    "$(q "SELECT coalesce(sum(dead_lettered), 0) FROM rating_counter")"
check_eq "each with a reason" 0 "$(q "SELECT count(*) FROM dead_letter WHERE reason_code = ''")"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
scenario "poison messages" "$sent" "$TMP/totals.csv" 2026-10
finish
