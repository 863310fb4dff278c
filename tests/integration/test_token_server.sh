#!/bin/bash
# The trainers' token endpoint (issue 14): it binds to 127.0.0.1 unless told
# an address, asks for the configured bearer secret, caps body size and
# connections, and answers a body without one usable report with 400.
. "$(dirname "$0")/lib.sh"

F=$ROOT/tests/fixtures/ingest
port=$((20000 + $$ % 20000))
SECRET=trainer-secret-0123456789
cat >>"$GPUMETER_CONFIG" <<CONF
tokens.bearer = $SECRET
tokens.max_body_kb = 4
tokens.max_connections = 4
CONF
"$GM" collect tokens --listen "$port" --state-dir "$TMP/st" --stdout >"$TMP/events" \
    2>"$TMP/server.log" &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
check_match "a bare port listens on 127.0.0.1 only" "127\.0\.0\.1:$port " \
    "$(ss -ltnH "sport = :$port")"
check_eq "and nowhere else" 1 "$(ss -ltnH "sport = :$port" | wc -l)"

post() { # curl arguments...
    curl -s -o "$TMP/body" -w '%{http_code}' -X POST "$@" "http://127.0.0.1:$port/v1/tokens"
}
check_eq "no secret: 401" 401 "$(post --data-binary "@$F/tokens.jsonl")"
check_eq "a wrong secret: 401" 401 \
    "$(post -H "Authorization: Bearer trainer-secret-0123456780" --data-binary "@$F/tokens.jsonl")"
check_eq "the secret: 200" 200 \
    "$(post -H "Authorization: Bearer $SECRET" --data-binary "@$F/tokens.jsonl")"
check_eq "with the counts" '{"accepted":6,"rejected":4}' "$(cat "$TMP/body")"
head -c 6000 /dev/zero | tr '\0' ' ' >"$TMP/big"
check_eq "a body over tokens.max_body_kb: 413" 413 \
    "$(post -H "Authorization: Bearer $SECRET" --data-binary "@$TMP/big")"
check_eq "also when it is sent chunked, without a length" 413 \
    "$(post -H "Authorization: Bearer $SECRET" -H "Transfer-Encoding: chunked" --data-binary "@$TMP/big")"
check_eq "a body without a usable report: 400" 400 \
    "$(post -H "Authorization: Bearer $SECRET" --data-binary 'not json')"
check_match "saying so" '"error":"no_usable_report".*"rejected":1' "$(cat "$TMP/body")"

# Four idle connections fill tokens.max_connections: a fifth is turned away
# at once rather than held, and once they go the endpoint answers again.
for i in 1 2 3 4; do
    exec {fd}<>"/dev/tcp/127.0.0.1/$port"
    eval "fd$i=$fd"
done
sleep 0.3
code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
check_eq "a connection past tokens.max_connections is refused, not queued" 000 "$code"
for i in 1 2 3 4; do eval "exec {fd$i}>&-"; done
sleep 0.3
check_eq "the endpoint answers once they are gone" 200 \
    "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")"
kill -TERM "$pid"
wait "$pid"
check_eq "the token server stops cleanly" 0 "$?"
check_eq "only the authorized reports were collected" 4 "$(wc -l <"$TMP/events")"
finish
