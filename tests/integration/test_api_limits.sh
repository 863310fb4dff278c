#!/bin/bash
# One client cannot take the server down: 4,000 slowloris connections from
# one address (a header line a second, never a whole request) hold at most
# api.max_connections_per_ip connections, each cut after
# api.request_timeout_s; meanwhile a client from another address gets its
# statement, and the server's memory stays bounded. Failed authentications
# are limited per address, never for a valid key (test_api_lockout.sh has
# the rest); impossible dates are 400.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
printf 'a\t{"v":1,"source":"a","seq":1,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":36000000,"start":"2026-10-10T02:00:00Z","end":"2026-10-10T03:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
KA=$("$GM" customer key create alpha 2>/dev/null)
cat >>"$GPUMETER_CONFIG" <<'CONF'
api.max_connections_per_ip = 64
api.request_timeout_s = 3
api.auth_failures_per_min = 10
CONF
start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER $SLOW 2>/dev/null; cleanup' EXIT
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$SERVER/status"; }
statement() { # source-address -> "status seconds"
    curl -s --interface "$1" --max-time 5 -o "$TMP/st.json" -w '%{http_code} %{time_total}' \
        -H "Authorization: Bearer $KA" "$U/v1/statement?period=2026-10"
}
serial=$(statement 127.0.0.2)
check_match "a statement before" '^200 ' "$serial"
rss0=$(rss)

"$ROOT/build/tools/slow_clients" 127.0.0.1 "$PORT" 127.0.0.1 4000 7 3 >"$TMP/slow.out" &
SLOW=$!
sleep 1.5
during=$(statement 127.0.0.2)
rss1=$(rss)
wait $SLOW
check_match "under 4,000 slow connections from 127.0.0.1, a client at 127.0.0.2 is answered" \
    '^200 ' "$during"
check_eq "the same statement" "$(curl -s --interface 127.0.0.2 -H "Authorization: Bearer $KA" \
    "$U/v1/statement?period=2026-10")" "$(cat "$TMP/st.json")"
check_eq "the server held 64 of them, cut after the whole-request timeout; the rest closed at once" \
    "opened 4000 refused 0 cut_early 3936 cut_late 64 open 0" "$(cat "$TMP/slow.out")"
check_at_most "its memory stayed bounded (under 64 MiB more)" 63 "$((rss1 - rss0))" "MiB more"
check_match "the cut connections are counted" 'gpumeter_api_requests_timed_out_total (6[4-9]|[7-9][0-9]|[1-9][0-9]{2,})$' \
    "$(curl -s "$U/metrics")"
echo "# statement during the flood: ${during#* } s (before: ${serial#* } s); RSS ${rss0} -> ${rss1} MiB"

# Failed authentications: ten a minute per address, then 429 for that
# address's wrong keys; a right key from it is answered (issue 31: it was
# 429 too), and other addresses are unaffected.
codes=$(for _ in $(seq 12); do
    curl -s --interface 127.0.0.4 -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer gmk_000000000000_$(printf '%064d' 0)" \
        "$U/v1/invoices"
done)
check_eq "ten wrong keys are 401, then 429" "401 401 401 401 401 401 401 401 401 401 429 429 " "$codes"
check_eq "a right key from that address is answered" 200 \
    "$(curl -s --interface 127.0.0.4 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" "$U/v1/invoices")"
check_eq "another address is served" 200 \
    "$(curl -s --interface 127.0.0.5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" "$U/v1/invoices")"
# RFC 9110 11.1: the scheme's case is the client's choice; a right key sent
# as "bearer" is answered, not counted as a failure.
check_eq "a right key behind 'authorization: bearer' is answered" 200 \
    "$(curl -s --interface 127.0.0.5 -o /dev/null -w '%{http_code}' -H "authorization: bearer $KA" "$U/v1/invoices")"

for path in "/v1/usage?from=0000-01-01&to=0000-01-31" "/v1/usage?from=1969-12-31&to=1970-01-01" \
    "/v1/usage?from=2026-02-30&to=2026-03-01" "/v1/statement?period=0000-01" \
    "/v1/statement?period=2026-13" "/v1/usage?from=2026-10-01&to=99999-01-01"; do
    check_eq "$path is 400" 400 "$(curl -s --interface 127.0.0.5 -o /dev/null -w '%{http_code}' \
        -H "Authorization: Bearer $KA" "$U$path")"
done
kill $SERVER
wait $SERVER
check_eq "the server stops cleanly" 0 "$?"
sanitizer_clean "no sanitizer report" "$TMP/serve.log"
finish
