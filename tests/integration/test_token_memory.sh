#!/bin/bash
# Issue 31: twenty concurrent 8 MiB uploads raised the token endpoint's
# memory by 161 MiB (a strbuf per connection, doubling past each body).
# Bodies over 64 KiB now take at most tokens.max_inflight_mb at once, each
# exactly its declared length; over the budget an upload is answered 503
# with Retry-After. The collector's peak RSS (VmHWM) must stay within the
# budget plus 64 KiB of headers and 64 KiB of small body per connection and
# a fixed slack, whatever the concurrency (how many uploads overlap depends
# on the machine; the bound does not). Then, deterministically: with the
# budget held, a large upload gets 503 and a trainer's report still 200.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
BUDGET_MB=16
CONNS=32
cat >>"$GPUMETER_CONFIG" <<CONF
tokens.reporters = $TMP/reporters
tokens.max_body_kb = 8192
tokens.max_inflight_mb = $BUDGET_MB
tokens.max_connections = $CONNS
CONF
CRED=$("$GM" collect reporter create trainer --accounts 'slurm-*')
# ASan keeps freed blocks in a quarantine (256 MiB by default) whose pages
# stay resident, which would count every body ever freed; the collector's
# own holding is what is measured, so the quarantine is kept small here.
ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=1 \
    "$GM" collect tokens --listen "$port" --state-dir "$TMP/st" --stdout >"$TMP/events" \
    2>"$TMP/server.log" &
pid=$!
wait_healthz "$port" "$pid" || sed "s/^/# token server: /" "$TMP/server.log"
post() { # curl-arguments...
    curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $CRED" "$@" \
        "http://127.0.0.1:$port/v1/tokens"
}
line='{"job":"j","account":"slurm-gamma","tokens":5,"time":"2026-11-01T09:00:00Z"}'
check_eq "a report before the burst: 200" 200 "$(post --data-binary "$line")"
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$pid/status"; } # KiB
before=$(hwm)

# 8 MiB of blank lines: read whole, then answered 400 (no report in it).
head -c $((8 << 20)) /dev/zero | tr '\0' '\n' >"$TMP/big"
for i in $(seq 1 20); do
    { post -m 120 -D "$TMP/hdr.$i" -H 'Expect:' --data-binary "@$TMP/big"; echo; } >"$TMP/code.$i" &
done
wait $(jobs -p | grep -v "^$pid$")
codes=$(cat "$TMP"/code.* | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
after=$(hwm)
rise_mb=$(((after - before) / 1024))
bound_mb=$((BUDGET_MB + CONNS * 128 / 1024 + 16))
if [ "$rise_mb" -le "$bound_mb" ]; then
    pass "20 concurrent 8 MiB uploads raise peak RSS by ${rise_mb} MiB, within the ${bound_mb} MiB of tokens.max_inflight_mb + headers and small bodies + slack"
else
    fail "20 concurrent 8 MiB uploads: peak RSS rose by ${rise_mb} MiB (expected at most ${bound_mb} MiB: tokens.max_inflight_mb ${BUDGET_MB} + ${CONNS} x 128 KiB + 16)"
fi
check_match "every upload was answered: read whole (400) or refused for the budget (503)" \
    '^(400x[0-9]+ )?(503x[0-9]+ )?$' "$codes"
check_match "at least one was read whole" '400x' "$codes"
check_eq "each 503 says when to retry" "$(grep -l '^503' "$TMP"/code.* | wc -l)" \
    "$(grep -il '^Retry-After: 1' $(grep -l '^503' "$TMP"/code.* | sed 's/code/hdr/') | wc -l)"
check_eq "a report after the burst: 200" 200 "$(post --data-binary "$line")"

# Two uploads that declare 8 MiB and stall hold the whole budget: a third
# large one is refused at once (503, Retry-After), but a trainer's small
# report is still served; once they go, a large upload is read again.
hold() { # fd: an 8 MiB request with its first bytes only
    printf 'POST /v1/tokens HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s' \
        "$CRED" $((8 << 20)) "          " >&"$1"
}
exec {h1}<>"/dev/tcp/127.0.0.1/$port"
exec {h2}<>"/dev/tcp/127.0.0.1/$port"
hold "$h1"
hold "$h2"
code=
for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -D "$TMP/held.hdr" -w '%{http_code}' -X POST \
        -H "Authorization: Bearer $CRED" --data-binary "@$TMP/big" "http://127.0.0.1:$port/v1/tokens")
    [ "$code" = 503 ] && break
    sleep 0.1
done
check_eq "with the budget held, a large upload: 503" 503 "$code"
check_match "with Retry-After" "Retry-After: 1" "$(cat "$TMP/held.hdr")"
check_eq "and a trainer's report: 200" 200 "$(post --data-binary "$line")"
exec {h1}>&- {h2}>&-
for _ in $(seq 1 100); do
    code=$(post -m 60 --data-binary "@$TMP/big")
    [ "$code" = 400 ] && break
    sleep 0.1
done
check_eq "released, a large upload is read whole again" 400 "$code"
kill -TERM "$pid"
wait "$pid"
check_eq "the token server stops cleanly" 0 "$?"
check_eq "every small report was collected (one job's high-water mark)" 1 \
    "$(wc -l <"$TMP/events")"
finish
