#!/bin/bash
# Hostile bytes and forgeries reach the rater (issue 14): none of them stops
# rating, each becomes a dead letter with its reason, and every genuine event
# is rated exactly once.
#  - invalid UTF-8 in source, account, job and site; an escaped NUL; a
#    bidirectional override; 3.6e6 and -0 as integers; 30 events in one
#    message; an object followed by junk;
#  - a message PostgreSQL refuses (a trigger raises for one account) is
#    isolated from its batch and dead-lettered, the rest commits;
#  - with a key for cluster sh-a, unsigned events claiming "sh-x", "SH-A"
#    and "sh-a " are dead letters, and forgeries claiming a signed source's
#    next seq cannot shadow the genuine events;
#  - signing.required = false keeps unsigned clusters working, but a source
#    still belongs to one cluster.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts ns-x ns-y poison-acct
KEY_A=sh-a-signing-key-0123456789
KEY_B=sh-b-signing-key-0123456789
printf 'hmac.sh-a = %s\nhmac.sh-b = %s\n' "$KEY_A" "$KEY_B" >>"$GPUMETER_CONFIG"

# An event in canonical field order; signed with openssl, not gpumeter.
ev() { # source seq account cluster site job gpu_ms
    printf '{"v":1,"source":"%s","seq":%s,"account":"%s","cluster":"%s","site":"%s","model":"H800","vendor":"nvidia"%s,"start":"2026-10-01T00:00:00Z","end":"2026-10-01T01:00:00Z","gpu_ms":%s}' \
        "$1" "$2" "$3" "$4" "$5" "${6:+,\"job\":\"$6\"}" "$7"
}
signed() { # key event
    local sig
    sig=$(printf '%s' "$2" | openssl dgst -sha256 -hmac "$1" | sed 's/.*= //')
    printf '%s,"sig":"%s"}' "${2%\}}" "$sig"
}
send() { kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'; }

G1=$(signed "$KEY_A" "$(ev dcgm/sh-a/n1 1 ns-x sh-a s1 '' 3600000)")
G2=$(signed "$KEY_A" "$(ev dcgm/sh-a/n1 2 ns-x sh-a s1 '' 7200000)")
G3=$(signed "$KEY_A" "$(ev dcgm/sh-a/n1 3 ns-x sh-a s1 '' 10800000)")
{
    # the genuine seq 1 first: it binds the source to sh-a
    printf 'dcgm/sh-a/n1\t%s\n' "$G1"
    # forgeries of seq 2 and 3, each before the genuine one
    printf 'dcgm/sh-a/n1\t%s\n' "$(ev dcgm/sh-a/n1 2 ns-x sh-x s1 '' 360000000)"  # no key: unknown_cluster
    printf 'dcgm/sh-a/n1\t%s\n' "$(ev dcgm/sh-a/n1 2 ns-x sh-a s1 '' 360000000)"  # unsigned: bad_signature
    printf 'dcgm/sh-a/n1\t%s\n' "$G2"
    printf 'dcgm/sh-a/n1\t%s\n' "$(signed "$KEY_B" "$(ev dcgm/sh-a/n1 3 ns-x sh-b s1 '' 360000000)")" # source_cluster
    printf 'dcgm/sh-a/n1\t%s\n' "$G3"
    # clusters without a key, near misses of sh-a among them: unknown_cluster
    for c in sh-x SH-A 'sh-a '; do
        printf 'x/%s\t%s\n' "$c" "$(ev "x/$c" 1 ns-x "$c" s1 '' 3600000)"
    done
} | send

# Hostile bytes, one message per file, between good events of other sources.
M=$TMP/msgs
mkdir -p "$M"
n=0
put() { n=$((n + 1)); printf '%s' "$1" >"$M/$(printf %02d $n)"; }
put "$(signed "$KEY_B" "$(ev h/good1 1 ns-y sh-b s1 '' 60000)")"
put "$(ev $'h/\xff' 1 ns-x sh-b s1 '' 1000)"                 # invalid UTF-8 in source
put "$(ev h/a 1 $'ns-\xc0\xaf' sh-b s1 '' 1000)"            # overlong form in account
put "$(ev h/b 1 ns-x sh-b $'s\xed\xa0\x80' '' 1000)"        # a surrogate in site
put "$(ev h/c 1 ns-x sh-b s1 $'j\xfe' 1000)"                 # not UTF-8 in job
put "$(ev h/d 1 'ns-alpha\u0000-spoof' sh-b s1 '' 1000)"    # an escaped NUL
put "$(ev h/e 1 $'ns-\xe2\x80\xaex' sh-b s1 '' 1000)"      # U+202E right-to-left override
put "$(ev h/f 1 ns-x sh-b s1 '' 3.6e6)"                      # not an integer spelling
put "$(ev h/g 1 ns-x sh-b s1 '' -0)"
put "$(signed "$KEY_B" "$(ev h/i 1 ns-x sh-b s1 '' 1000)")junk"
many=""
for i in $(seq 1 30); do # thirty signed events in one message: none of them is rated
    many+="$(signed "$KEY_B" "$(ev h/many "$i" ns-x sh-b s1 '' 1000)")"$'\n'
done
put "$many"
put "$(signed "$KEY_B" "$(ev h/good2 1 ns-y sh-b s1 '' 60000)")"
check_eq "twelve hostile and good messages prepared" 12 "$n"
kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -p 0 "$M"/*

# A message PostgreSQL itself refuses: a trigger raises for one account.
pg -c "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS \$\$
       BEGIN IF NEW.account = 'poison-acct' THEN RAISE EXCEPTION 'poison account'; END IF;
       RETURN NEW; END \$\$;
       CREATE TRIGGER refuse_poison BEFORE INSERT ON usage_hourly
       FOR EACH ROW EXECUTE FUNCTION refuse_poison();" >/dev/null
{
    for i in 1 2 3; do printf 'p\t%s\n' "$(signed "$KEY_B" "$(ev p/ok "$i" ns-y sh-b s1 '' 1000)")"; done
    printf 'p\t%s\n' "$(signed "$KEY_B" "$(ev p/bad 1 poison-acct sh-b s1 '' 1000)")"
    for i in 4 5 6; do printf 'p\t%s\n' "$(signed "$KEY_B" "$(ev p/ok "$i" ns-y sh-b s1 '' 1000)")"; done
} | send

sent=$(topic_messages)
"$GM" rate --until-idle 2>"$TMP/rate.log"
check_eq "the rater rated through everything and stopped cleanly" 0 "$?"
check_eq "every message was consumed" "$sent" "$(q "SELECT sum(consumed) FROM rating_counter")"
check_eq "the genuine signed events are rated, none shadowed" "3 21600000" \
    "$(q "SELECT sum(events) || ' ' || sum(quantity) FROM usage_hourly WHERE account = 'ns-x'")"
check_eq "the good events around the hostile ones are rated" "8 126000" \
    "$(q "SELECT sum(events) || ' ' || sum(quantity) FROM usage_hourly WHERE account = 'ns-y'")"
check_eq "forgeries and unkeyed clusters are dead letters with their reasons" \
    "bad_signature source_cluster unknown_cluster unknown_cluster unknown_cluster unknown_cluster" \
    "$(q "SELECT string_agg(reason_code, ' ' ORDER BY reason_code) FROM dead_letter
          WHERE convert_from(payload, 'LATIN1') LIKE '%\"source\":\"dcgm/sh-a/n1\"%'
             OR convert_from(payload, 'LATIN1') LIKE '%\"source\":\"x/%'")"
check_eq "the source stays bound to sh-a" "sh-a 3" \
    "$(q "SELECT cluster || ' ' || contiguous_seq FROM source_seq WHERE source = 'dcgm/sh-a/n1'")"
check_eq "hostile bytes are dead letters: malformed JSON or invalid fields" \
    "invalid_field invalid_quantity invalid_quantity malformed_json malformed_json malformed_json malformed_json malformed_json malformed_json malformed_json" \
    "$(q "SELECT string_agg(reason_code, ' ' ORDER BY reason_code) FROM dead_letter
          WHERE partition = 0 AND convert_from(payload, 'LATIN1') LIKE '%\"source\":\"h/%'")"
check_match "the NUL is named" '\\u0000 \(NUL\) is not allowed' \
    "$(q "SELECT reason FROM dead_letter WHERE convert_from(payload, 'LATIN1') LIKE '%ns-alpha%'")"
check_match "thirty events in one message are one dead letter, for the data after the first" \
    'after the JSON value' \
    "$(q "SELECT reason FROM dead_letter WHERE convert_from(payload, 'LATIN1') LIKE '%h/many%'")"
check_eq "the refused message is isolated: a dead letter with PostgreSQL's reason" \
    "rejected_by_database" \
    "$(q "SELECT reason_code FROM dead_letter WHERE convert_from(payload, 'LATIN1') LIKE '%poison-acct%'")"
check_match "naming the exception" 'poison account \(SQLSTATE P0001\)' \
    "$(q "SELECT reason FROM dead_letter WHERE reason_code = 'rejected_by_database'")"
check_eq "and its batch-mates are rated" "6 0" \
    "$(q "SELECT (SELECT contiguous_seq FROM source_seq WHERE source = 'p/ok') || ' ' ||
                 (SELECT count(*) FROM usage_hourly WHERE account = 'poison-acct')")"
"$GM" conservation >/dev/null
check_eq "conservation holds" 0 "$?"

# signing.required = false: unsigned clusters are rated again, but a source
# still belongs to the cluster of its first event.
echo "signing.required = false" >>"$GPUMETER_CONFIG"
{
    printf 'u\t%s\n' "$(ev u/1 1 ns-x sh-x s1 '' 1000)"
    printf 'u\t%s\n' "$(ev u/1 2 ns-x sh-y s1 '' 1000)"
    printf 'u\t%s\n' "$(ev dcgm/sh-a/n1 4 ns-x sh-x s1 '' 1000)"
} | send
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "unsigned events of a cluster without a key are rated when signing is off" 1 \
    "$(q "SELECT sum(events) FROM usage_hourly WHERE cluster = 'sh-x'")"
check_eq "a source claimed from another cluster is still a dead letter" 3 \
    "$(q "SELECT count(*) FROM dead_letter WHERE reason_code = 'source_cluster'")"
echo "signing.required = true" >"$TMP/nokeys.conf"
GPUMETER_CONFIG=$TMP/nokeys.conf "$GM" rate --until-idle 2>"$TMP/nokeys.log"
check_eq "signing.required without any key is a configuration error" 2 "$?"
finish
