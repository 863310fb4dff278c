#!/bin/bash
# Fault scenario: forged seqs (issue 14). Cluster sh-a signs its stream
# (hmac.sh-a; signing is then required). Before every 50th genuine event a
# forgery claims the same source and seq, with a hundred times the usage:
# unsigned, signed with a wrong key, or from a cluster without a key ("sh-x",
# "SH-A", "sh-a "). A forgery can burn no seq: every genuine event is billed,
# every forgery is a dead letter, and the money is exact.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
KEY=forged-seqs-signing-key-sh-a-0001
echo "hmac.sh-a = $KEY" >>"$GPUMETER_CONFIG"
"$GM" collect synthetic --month 2026-10 --seed 13 --jobs 30 --print --totals "$TMP/totals.csv" \
    >"$TMP/events.jsonl" 2>/dev/null
genuine=$(wc -l <"$TMP/events.jsonl")
check_eq "the generator signs the stream with the cluster's key" "$genuine" \
    "$(grep -c '"sig":"[0-9a-f]\{64\}"' "$TMP/events.jsonl")"
wrong=$(printf '%s' '{"v":1}' | openssl dgst -sha256 -hmac not-the-key | sed 's/.*= //')
awk -v OFS='\t' -v wrong="$wrong" '
    { match($0, /"source":"[^"]*"/); key = substr($0, RSTART + 10, RLENGTH - 11) }
    NR % 50 == 0 {
        f = $0
        if (!sub(/"gpu_ms":[0-9]+/, "&00", f)) sub(/"tokens":[0-9]+/, "&00", f)
        k = (NR / 50) % 5
        if (k == 0) sub(/,"sig":"[0-9a-f]*"/, "", f)
        if (k == 1) sub(/"sig":"[0-9a-f]*"/, "\"sig\":\"" wrong "\"", f)
        if (k == 2) { sub(/,"sig":"[0-9a-f]*"/, "", f); sub(/"cluster":"sh-a"/, "\"cluster\":\"sh-x\"", f) }
        if (k == 3) { sub(/,"sig":"[0-9a-f]*"/, "", f); sub(/"cluster":"sh-a"/, "\"cluster\":\"SH-A\"", f) }
        if (k == 4) { sub(/,"sig":"[0-9a-f]*"/, "", f); sub(/"cluster":"sh-a"/, "\"cluster\":\"sh-a \"", f) }
        print key, f
        forged++
    }
    { print key, $0 }
    END { print forged > "/dev/stderr" }' "$TMP/events.jsonl" >"$TMP/stream.tsv" 2>"$TMP/forged"
forged=$(cat "$TMP/forged")
check_match "each forgery claims a genuine event's source and seq" '"gpu_ms":[0-9]+00,' \
    "$(sed -n 50p "$TMP/stream.tsv")"
kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t' <"$TMP/stream.tsv"
sent=$(topic_messages)
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "the rater stopped cleanly" 0 "$?"
check_counters "every genuine event was accepted, every forgery is a dead letter" \
    "$sent $genuine 0 $forged"
bad=0
for j in $(seq 1 "$forged"); do [ $((j % 5)) -le 1 ] && bad=$((bad + 1)); done
check_eq "unsigned or wrongly signed: bad_signature; a cluster without a key: unknown_cluster" \
    "bad_signature $bad unknown_cluster $((forged - bad))" \
    "$(q "SELECT string_agg(reason_code || ' ' || n, ' ' ORDER BY reason_code) FROM (
          SELECT reason_code, count(*) AS n FROM dead_letter GROUP BY 1) t")"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
scenario "forged seqs" "$sent" "$TMP/totals.csv" 2026-10
finish
