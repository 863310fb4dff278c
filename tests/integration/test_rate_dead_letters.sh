#!/bin/bash
# Everything that cannot be rated reaches the dead-letter topic with its
# reason and origin in headers and is counted by reason in PostgreSQL;
# forged and unsigned events of a cluster with a key are dead letters;
# conservation holds. The rater serves /metrics and can log JSON lines.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts ns-x
KEY=integration-signing-key-0123
# Cluster c1 has no key: with signing.required off its unsigned events are
# rated while those of cluster "signed" must verify (test_rate_hostile.sh
# covers the default, where they would be dead letters too).
printf 'hmac.signed = %s\nsigning.required = false\n' "$KEY" >>"$GPUMETER_CONFIG"
DLQ="$GPUMETER_TOPIC.dlq"
ev() { # source seq extra-fields
    printf '{"v":1,"source":"%s","seq":%s,"account":"ns-x","cluster":"c1","site":"s1","model":"H800","vendor":"nvidia","start":"2026-10-01T00:00:00Z","end":"2026-10-01T01:00:00Z"%s}' "$1" "$2" "$3"
}
future=$(date -u -d '+2 hours' +%Y-%m-%dT%H:00:00Z)
future_end=$(date -u -d '+3 hours' +%Y-%m-%dT%H:00:00Z)
{
    printf 'bad\t{"v":1,"source":\n'                                       # malformed_json
    printf 'bad\t{"v":2,"source":"bad","seq":1}\n'                         # unsupported_version
    printf 'bad\t%s\n' "$(ev bad 2 '' | sed 's/"account":"ns-x",//')" # missing_field
    printf 'bad\t%s\n' "$(ev bad 3 ',"gpu_ms":100' | sed 's/"site":"s1"/"site":""/')" # invalid_field
    printf 'bad\t%s\n' "$(ev bad 4 ',"gpu_ms":-100')"                   # invalid_quantity
    printf 'bad\t%s\n' "$(ev bad 5 ',"gpu_ms":360000000001')"           # absurd: > 100,000 GPUs
    printf 'bad\t%s\n' "$(ev bad 6 ',"gpu_ms":3600000' |
        sed "s/\"end\":\"[^\"]*\"/\"end\":\"$future_end\"/; s/\"start\":\"[^\"]*\"/\"start\":\"$future\"/")"
    printf 'ok\t%s\n' "$(ev ok 1 ',"gpu_ms":3600000')"
    printf 'ok\t%s\n' "$(ev ok 2 ',"gpu_ms":1800000')"
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'

# Signed events of cluster "signed": one genuine, one forged (quantity
# changed after signing), one without a signature.
printf '{"job":"j","account":"ns-x","tokens":%s,"time":"2026-10-01T01:00:00Z"}\n' 1000 |
    "$GM" collect tokens --file - --state-dir "$TMP/signer" --stdout --cluster signed \
        --at 2026-10-01T01:00:05Z 2>/dev/null >"$TMP/signed.json"
genuine=$(cat "$TMP/signed.json")
forged=$(echo "$genuine" | sed 's/"tokens":1000/"tokens":999000/; s/"seq":1/"seq":2/')
unsigned=$(echo "$genuine" | sed 's/,"sig":"[0-9a-f]*"//; s/"seq":1/"seq":3/')
printf 'tokens/signed\t%s\ntokens/signed\t%s\ntokens/signed\t%s\n' "$genuine" "$forged" "$unsigned" |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'

port=$(free_port)
GPUMETER_LOG_FORMAT=json GPUMETER_QUIET=0 "$GM" rate --metrics "127.0.0.1:$port" \
    2>"$TMP/rate.log" &
pid=$!
wait_consumed 12
# until a metrics refresh shows the 12 (not a fixed 1.5 s: a busy machine
# refreshes later)
metrics_refreshed() {
    metrics=$(curl -s "http://127.0.0.1:$port/metrics")
    grep -q 'gpumeter_rater_dead_letters_total{reason="bad_signature"} 2' <<<"$metrics" &&
        grep -q 'gpumeter_rater_events_total{outcome="rated"} 3' <<<"$metrics" &&
        ! grep -qE 'gpumeter_rater_consumer_lag\{partition="[0-9]+"\} [1-9]' <<<"$metrics"
}
wait_for 60 metrics_refreshed
kill -TERM "$pid"
wait "$pid"
check_eq "the rater stops cleanly on SIGTERM" 0 "$?"

check_counters "12 consumed: 3 rated, 9 dead letters" "12 3 0 9"
want="bad_signature bad_signature future_time invalid_field invalid_quantity invalid_quantity \
malformed_json missing_field unsupported_version"
check_eq "each dead letter has its reason in PostgreSQL" "$want" \
    "$(q "SELECT string_agg(reason_code, ' ' ORDER BY reason_code) FROM dead_letter")"
check_eq "and in the per-reason view" "2" \
    "$(q "SELECT events FROM dead_letter_count WHERE reason_code = 'bad_signature'")"
headers=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$DLQ" -e -q -f '%h\n')
check_eq "each dead letter is on the dead-letter topic with its reason header" "$want" \
    "$(echo "$headers" | sed 's/.*reason=\([a-z_]*\).*/\1/' | sort | xargs)"
check_match "with source topic, partition and offset headers" \
    "source_topic=$GPUMETER_TOPIC,source_partition=[0-9]+,source_offset=[0-9]+" "$headers"
check_eq "with the original bytes" 1 \
    "$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$DLQ" -e -q -f '%s\n' | grep -cFx '{"v":1,"source":')"
check_eq "rated: the good events and the genuine signed one" "5400000 1000" \
    "$(q "SELECT sum(quantity) FILTER (WHERE meter = 'gpu_ms') || ' ' ||
             sum(quantity) FILTER (WHERE meter = 'tokens') FROM usage_hourly")"
out=$("$GM" conservation)
check_eq "the conservation command passes" 0 "$?"
check_match "and reports the kept dead letters" "dead letters kept: 9 of 9" "$out"
check_match "/metrics counts rated events" 'gpumeter_rater_events_total\{outcome="rated"\} 3' \
    "$metrics"
check_match "/metrics counts dead letters by reason" \
    'gpumeter_rater_dead_letters_total\{reason="bad_signature"\} 2' "$metrics"
check_match "/metrics shows consumer lag per partition" \
    'gpumeter_rater_consumer_lag\{partition="[0-9]+"\} 0' "$metrics"
check_match "logs are JSON lines" '^\{"ts":"[0-9T:.-]+Z","level":"info","msg":"consumed 12 events' \
    "$(grep consumed "$TMP/rate.log")"
finish
