#!/bin/bash
# The trainers' token endpoint (issues 14 and 31): it binds to 127.0.0.1
# unless told an address, asks each reporter for its own credential and
# refuses (403, counted, nothing collected) a report for an account that
# reporter may not report for, re-reads the reporters file so a revocation
# takes effect at once, caps body size and connections, cuts a request that
# is not whole within tokens.request_timeout_s however it trickles, and
# answers a body without one usable report with 400. The shared
# tokens.bearer of earlier builds works only with the accounts it may
# report for.
. "$(dirname "$0")/lib.sh"

F=$ROOT/tests/fixtures/ingest
port=$(free_port)
cp "$GPUMETER_CONFIG" "$TMP/base.conf"
cat >>"$GPUMETER_CONFIG" <<CONF
tokens.reporters = $TMP/reporters
tokens.max_body_kb = 4
tokens.max_connections = 4
tokens.request_timeout_s = 2
CONF
TRAINER=$("$GM" collect reporter create trainer --accounts 'ns-gamma-*,slurm-gamma,ns-x')
check_match "reporter create prints the credential once" '^gmr_[0-9a-f]{12}_[0-9a-f]{64}$' "$TRAINER"
ACME=$("$GM" collect reporter create acme --accounts 'acme-*')
check_eq "the file is the operator's alone" 600 "$(stat -c %a "$TMP/reporters")"
if grep -qF "${TRAINER#gmr_????????????_}" "$TMP/reporters"; then
    fail "the file keeps the credential's secret"
else
    pass "the file keeps only the credential's hash"
fi
check_match "reporter list names each with its accounts" \
    "^[0-9a-f]{12}  acme +acme-\* .* active$" "$("$GM" collect reporter list | tail -1)"
"$GM" collect reporter create bad --accounts 'acme*x' >/dev/null 2>&1
check_eq "a '*' inside an account is a usage error" 2 "$?"
"$GM" collect reporter create bad --accounts '*' >/dev/null 2>&1
check_eq "a bare '*' (any account) is a usage error" 2 "$?"
# Two operators (or a script) at once: each command reads, changes and
# replaces the file, so without a lock one's change, a revocation
# included, is lost and the revoked credential keeps working.
RACE=$TMP/race-reporters
for i in $(seq 1 12); do
    "$GM" collect reporter create "old$i" --accounts "acct-$i" --reporters "$RACE" >/dev/null
done
for id in $("$GM" collect reporter list --reporters "$RACE" | awk 'NR > 1 {print $1}'); do
    "$GM" collect reporter revoke "$id" --reporters "$RACE" >/dev/null 2>&1 &
done
for i in $(seq 1 6); do
    "$GM" collect reporter create "new$i" --accounts "acct-new-$i" --reporters "$RACE" \
        >"$TMP/race-cred-$i" 2>&1 &
done
wait
check_eq "12 revocations and 6 creations at once: every one kept" "12 revoked, 6 active" \
    "$("$GM" collect reporter list --reporters "$RACE" |
        awk 'NR > 1 && $NF == "active" {a++} NR > 1 && $NF != "active" {r++} END {printf "%d revoked, %d active", r, a}')"
check_eq "and the file is still the operator's alone" 600 "$(stat -c %a "$RACE")"

"$GM" collect tokens --listen "$port" --state-dir "$TMP/st" --stdout >"$TMP/events" \
    2>"$TMP/server.log" &
pid=$!
wait_healthz "$port" "$pid" || sed "s/^/# token server: /" "$TMP/server.log"
check_match "a bare port listens on 127.0.0.1 only" "127\.0\.0\.1:$port " \
    "$(ss -ltnH "sport = :$port")"
check_eq "and nowhere else" 1 "$(ss -ltnH "sport = :$port" | wc -l)"

post() { # credential curl-arguments...
    local cred=$1
    shift
    curl -s -o "$TMP/body" -w '%{http_code}' -X POST ${cred:+-H "Authorization: Bearer $cred"} \
        "$@" "http://127.0.0.1:$port/v1/tokens"
}
events() { wc -l <"$TMP/events"; }
refused() { sed -n 's/^gpumeter_collector_reports_refused_total{.*} //p' "$TMP/st/metrics.prom"; }

check_eq "no credential: 401" 401 "$(post "" --data-binary "@$F/tokens.jsonl")"
last=${TRAINER: -1}
check_eq "a credential with a wrong secret: 401" 401 \
    "$(post "${TRAINER%?}$([ "$last" = 0 ] && echo 1 || echo 0)" --data-binary "@$F/tokens.jsonl")"
check_eq "the reporter's credential: 200" 200 "$(post "$TRAINER" --data-binary "@$F/tokens.jsonl")"
check_eq "with the counts" '{"accepted":6,"rejected":4}' "$(cat "$TMP/body")"
check_eq "its 4 billable reports were collected" 4 "$(events)"
check_match "the round names the reporter" "reporter trainer" "$(cat "$TMP/server.log")"

# Issue 31: a reporter cannot bill another customer's account.
check_eq "another reporter's accounts: 403" 403 "$(post "$ACME" --data-binary "@$F/tokens.jsonl")"
check_match "naming the line and the account" \
    '"error":"forbidden_account".*"line":1,"account":"ns-gamma-ft"' "$(cat "$TMP/body")"
printf '%s\n' \
    '{"job":"j1","account":"slurm-gamma","tokens":10,"time":"2026-11-01T09:00:00Z"}' \
    '{"job":"j1","account":"victim-corp","tokens":1000000000,"time":"2026-11-01T09:00:00Z"}' \
    >"$TMP/forged.jsonl"
check_eq "one forbidden line among allowed ones: 403" 403 \
    "$(post "$TRAINER" --data-binary "@$TMP/forged.jsonl")"
check_match "naming line 2" '"line":2,"account":"victim-corp"' "$(cat "$TMP/body")"
check_eq "nothing of a refused body was collected" 4 "$(events)"
check_eq "no event for the forged account" 0 "$(grep -c victim-corp "$TMP/events")"
check_eq "the refusals are counted in metrics.prom" 2 "$(refused)"
check_match "and logged with the reporter" "reporter acme refused: line 1" "$(cat "$TMP/server.log")"
acme_line() { printf '{"job":"j","account":"%s","tokens":7,"time":"2026-11-01T09:00:00Z"}\n' "$1"; }
check_eq "acme-* does not match acmex" 403 "$(post "$ACME" --data-binary "$(acme_line acmex)")"
check_eq "nor acme" 403 "$(post "$ACME" --data-binary "$(acme_line acme)")"
check_eq "acme-* matches acme-prod" 200 "$(post "$ACME" --data-binary "$(acme_line acme-prod)")"
check_eq "which was collected" 5 "$(events)"
check_eq "the scheme in any case (RFC 9110): 'bearer' is answered 200" 200 \
    "$(post "" -H "authorization: bearer $ACME" --data-binary "$(acme_line acme-dev)")"
check_eq "and collected" 6 "$(events)"

# A revocation takes effect on the next request, without a restart.
"$GM" collect reporter revoke "$(sed -n 's/^\([0-9a-f]*\) [0-9a-f]* acme .*/\1/p' "$TMP/reporters")" \
    >/dev/null
check_eq "a revoked credential: 401" 401 "$(post "$ACME" --data-binary "$(acme_line acme-prod)")"
check_match "listed as revoked" "acme +acme-\* +[0-9TZ:-]+  [0-9TZ:-]+$" \
    "$("$GM" collect reporter list | grep ' acme ')"
check_eq "the other reporter is still served" 200 \
    "$(post "$TRAINER" --data-binary "@$F/tokens.jsonl")"
# Revoked while its request's body is still arriving: the headers passed,
# but the report is judged when whole, so it is refused and not collected.
LATE=$("$GM" collect reporter create late --accounts 'ns-late')
before=$(events)
check_eq "a credential revoked between its headers and its body: 401" 401 "$(
    python3 - "$port" "$LATE" "$GM" <<'PY'
import json, socket, subprocess, sys
port, cred, gm = int(sys.argv[1]), sys.argv[2], sys.argv[3]
body = json.dumps({"job": "late-1", "account": "ns-late", "tokens": 5,
                   "time": "2024-05-01T10:00:00Z"}).encode() + b"\n"
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(b"POST /v1/tokens HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + cred.encode() +
          b"\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
interim = s.recv(4096)  # 100 Continue: the headers, credential included, passed
assert interim.startswith(b"HTTP/1.1 100"), interim
subprocess.run([gm, "collect", "reporter", "revoke", cred[4:16]], check=True,
               stdout=subprocess.DEVNULL)
s.sendall(body)
print(s.recv(4096).split(b" ")[1].decode())
PY
)"
check_eq "and nothing of it collected" "$before" "$(events)"
# A file that cannot be trusted refuses everyone rather than accepting all.
cp -p "$TMP/reporters" "$TMP/reporters.good"
chmod 644 "$TMP/reporters"
check_eq "a reporters file others may read: 503" 503 \
    "$(post "$TRAINER" --data-binary "@$F/tokens.jsonl")"
cp -p "$TMP/reporters.good" "$TMP/reporters.new"
echo "garbage line" >>"$TMP/reporters.new"
mv "$TMP/reporters.new" "$TMP/reporters"
check_eq "a malformed reporters file: 503" 503 "$(post "$TRAINER" --data-binary "@$F/tokens.jsonl")"
check_match "logged with the line" "reporters:5: expected 6 fields" "$(cat "$TMP/server.log")"
rm "$TMP/reporters"
mkfifo -m 600 "$TMP/reporters"
check_eq "a FIFO in the file's place: 503, not an endpoint stuck reading it" 503 \
    "$(post "$TRAINER" --max-time 20 --data-binary "@$F/tokens.jsonl")"
check_match "logged as no regular file" "reporters is not a regular file" \
    "$(cat "$TMP/server.log")"
exec 3<>"$TMP/reporters" 3>&- # a writer's end-of-file frees a reader stuck on it, if one is
rm "$TMP/reporters"
cp -p "$TMP/reporters.good" "$TMP/reporters"
check_eq "fixed, the reporter is served again" 200 \
    "$(post "$TRAINER" --data-binary "@$F/tokens.jsonl")"

head -c 6000 /dev/zero | tr '\0' ' ' >"$TMP/big"
check_eq "a body over tokens.max_body_kb: 413" 413 "$(post "$TRAINER" --data-binary "@$TMP/big")"
check_eq "also when it is sent chunked, without a length" 413 \
    "$(post "$TRAINER" -H "Transfer-Encoding: chunked" --data-binary "@$TMP/big")"
check_eq "a body without a usable report: 400" 400 "$(post "$TRAINER" --data-binary 'not json')"
check_match "saying so" '"error":"no_usable_report".*"rejected":1' "$(cat "$TMP/body")"

# Four idle connections fill tokens.max_connections: a fifth makes room by
# cutting the one idle longest (core/deadline.h), rather than being turned
# away while they sit there, and once they go the endpoint answers again.
for i in 1 2 3 4; do
    exec {fd}<>"/dev/tcp/127.0.0.1/$port"
    eval "fd$i=$fd"
done
sleep 0.3
code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
check_eq "a connection past tokens.max_connections cuts the longest idle one and is served" \
    200 "$code"
for i in 1 2 3 4; do eval "exec {fd$i}>&-"; done
sleep 0.3
check_eq "the endpoint answers once they are gone" 200 \
    "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")"

# Issue 31: four clients trickling a header line a second (each byte resets
# libmicrohttpd's idle timeout) fill every connection; the whole-request
# deadline (2 s here) cuts them, so a trainer's report gets through while
# they are still trying.
"$ROOT/build/tools/slow_clients" 127.0.0.1 "$port" 127.0.0.1 4 20 >"$TMP/slow.out" &
slow=$!
sleep 0.5
code=000
for _ in $(seq 1 150); do
    code=$(post "$TRAINER" -m 5 --data-binary "$(acme_line ns-x)")
    [ "$code" = 200 ] && break
    sleep 0.1
done
check_eq "a trainer's report is served while slow clients keep trying" 200 "$code"
if kill -0 "$slow" 2>/dev/null; then
    pass "before the slow clients gave up"
else
    fail "before the slow clients gave up (they ended first: nothing cut them)"
fi
wait "$slow"
# (cut early: the one whose place the trainer's connection took)
check_eq "every slow client was cut, by the deadline or to make room, none left open" \
    "opened 4 refused 0 cut 4 open 0" \
    "$(awk '{ print $1, $2, $3, $4, "cut", $6 + $8, $9, $10 }' "$TMP/slow.out")"

# The same clients reopening each connection the moment it is cut kept
# every connection taken for good: a trainer was turned away every time.
# A new connection now makes room by cutting the oldest one whose request
# no credential has vouched for, so the trainer gets in.
python3 - "$port" 20 <<'PY' &
import socket, sys, threading, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
stop = time.time() + seconds
def trickle():
    while time.time() < stop:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.settimeout(0.3)
            s.sendall(b"POST /v1/tokens HTTP/1.1\r\n")
            while time.time() < stop:
                s.sendall(b"X-Trickle: 1\r\n")
                try:
                    if s.recv(16) == b"":
                        break
                except socket.timeout:
                    pass
        except OSError:
            time.sleep(0.01)
for _ in range(8):
    threading.Thread(target=trickle, daemon=True).start()
time.sleep(seconds)
PY
churn=$!
sleep 2
served=0
for _ in $(seq 1 10); do
    [ "$(post "$TRAINER" -m 5 --data-binary "$(acme_line ns-x)")" = 200 ] && served=$((served + 1))
    [ "$served" -ge 3 ] && break
done
kill "$churn" 2>/dev/null
wait "$churn" 2>/dev/null
check_eq "clients reconnecting as fast as they are cut: 3 of a trainer's first 10 tries served or more" \
    3 "$served"

kill -TERM "$pid"
wait "$pid"
check_eq "the token server stops cleanly" 0 "$?"

# The shared tokens.bearer of earlier builds no longer means "any account".
SECRET=trainer-secret-0123456789
start_with() { # config-lines...: the server's exit code (or "running") and its log
    cp "$TMP/base.conf" "$TMP/mig.conf"
    printf '%s\n' "$@" >>"$TMP/mig.conf"
    GPUMETER_CONFIG=$TMP/mig.conf "$GM" collect tokens --listen "$port" --state-dir "$TMP/mig" \
        --stdout >"$TMP/mig.events" 2>"$TMP/mig.log" &
    mpid=$!
    for _ in $(seq 1 600); do
        kill -0 "$mpid" 2>/dev/null || break
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
        sleep 0.1
    done
}
start_with "tokens.bearer = $SECRET"
wait "$mpid"
check_eq "tokens.bearer alone is refused at start" 1 "$?"
check_match "saying why and how to move" \
    "tokens.bearer is set without tokens.bearer_accounts.*collect reporter create" \
    "$(tr '\n' ' ' <"$TMP/mig.log")"
start_with
wait "$mpid"
check_eq "no credentials at all is refused at start" 1 "$?"
check_match "saying what to set" "needs tokens.reporters" "$(cat "$TMP/mig.log")"
start_with "tokens.bearer = $SECRET" "tokens.bearer_accounts = slurm-gamma,acme-*"
check_match "with tokens.bearer_accounts it starts, warning how to move" \
    "warning: .*one secret shared by every trainer.*slurm-gamma,acme-\*" "$(cat "$TMP/mig.log")"
check_eq "the bearer reports for its accounts: 200" 200 \
    "$(post "$SECRET" --data-binary "$(acme_line acme-lab)")"
check_eq "and for no other: 403" 403 "$(post "$SECRET" --data-binary "@$F/tokens.jsonl")"
kill -TERM "$mpid"
wait "$mpid"
check_eq "only the allowed report was collected" 1 "$(wc -l <"$TMP/mig.events")"
finish
