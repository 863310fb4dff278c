#!/bin/bash
# Webhooks of the outbox (issue 34, deliverable 8; schema 035,
# docs/notifications.md) against a real HTTP receiver
# (tests/tools/webhook_receiver.py): an issued month's invoice.issued
# events are delivered in order, each signed as documented (verified here
# with openssl); a receiver that fails twice is delivered to on the third
# attempt; one that times out is retried; one that never accepts makes the
# event dead after notify.max_attempts, listed by `notify list --dead` and
# the finance API, and revived by `notify retry` (audited); a deliverer
# SIGKILLed while the receiver holds its request loses nothing, the
# receiver seeing the same id again; two deliverers at once send no event
# twice and lose none; SIGTERM lets the request in flight finish and be
# recorded, then exits 0; the secret is never printed.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
RECEIVER="$ROOT/tests/tools/webhook_receiver.py"
D='' RPID=''
# a deliverer or receiver a failed check left running goes with the test
trap 'kill $D $RPID 2>/dev/null; cleanup' EXIT
SECRET=$(openssl rand -hex 24)
printf '%s\n' "$SECRET" >"$TMP/secret"
chmod 600 "$TMP/secret"
cat >>"$GPUMETER_CONFIG" <<CONF
notify.secret_file = $TMP/secret
notify.timeout_s = 2
notify.max_attempts = 3
notify.backoff_s = 1
notify.backoff_max_s = 2
notify.poll_s = 1
CONF
OUT="$TMP/notify.out" # every notify run's output, searched for the secret at the end

# Starts a receiver in directory $1 with options $2...: RPID, RURL, RDIR.
receiver() {
    RDIR=$1
    shift
    mkdir -p "$RDIR"
    python3 "$RECEIVER" --dir "$RDIR" --port-file "$RDIR/port" "$@" &
    RPID=$!
    wait_for 30 test -s "$RDIR/port" || fail "the receiver in $RDIR did not start"
    RURL="http://127.0.0.1:$(cat "$RDIR/port")/hook"
}
stop_receiver() { kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; }
notify() { GPUMETER_NOTIFY_URL=$RURL "$GM" notify "$@" >>"$OUT" 2>&1; }
# The deliverer itself in the background (not a subshell, so that a signal
# reaches it): D.
notify_bg() {
    GPUMETER_NOTIFY_URL=$RURL "$GM" notify "$@" >>"$OUT" 2>&1 &
    D=$!
}
# A running deliverer (no --once): D; waits up to $2 seconds until event
# $1's status is $3.
deliverer_until() { # event seconds status
    notify_bg
    wait_for "$2" is_status "$1" "$3"
}
# A request in flight: a receiver (in $TMP/$1) holding its first request
# until $TMP/$1/release exists, an event ev (subject $2) and a running
# deliverer D whose request for it the receiver holds.
in_flight() { # dir subject
    receiver "$TMP/$1" --hold 1 --release "$TMP/$1/release"
    ev=$(emit invoice.overdue "$2")
    notify_bg
    wait_for 60 eval '[ "$(starts | wc -l)" -ge 1 ]'
}
# the receiver's log lines "start|end n id signature status time"
requests() { cat "$RDIR/requests.log" 2>/dev/null; }
starts() { requests | awk '$1 == "start"'; }
status_of() { q "SELECT status || ' ' || attempts FROM notification WHERE event_id = '$1'"; }
is_status() { [ "$(q "SELECT status FROM notification WHERE event_id = '$1'")" = "$2" ]; }
emit() { # kind subject: an event through the one way in, as billing
    as gpumeter_billing "SELECT notify_emit('$1', NULL, '$2', '{\"n\": 1}')" >/dev/null
    q "SELECT event_id FROM outbox WHERE kind = '$1' AND subject = '$2'"
}
# Whether receiver request n's Gpumeter-Signature is HMAC-SHA256(secret,
# "<t>.<body>") of the body it received, computed by openssl.
signature_ok() { # n
    local sig t v1 mac
    sig=$(starts | awk -v n="$1" '$2 == n { print $4 }')
    t=${sig#t=}
    t=${t%%,*}
    v1=${sig##*,v1=}
    mac=$({ printf '%s.' "$t"; cat "$RDIR/$1.body"; } | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
    [ -n "$t" ] && [ "$mac" = "$v1" ] && [ $(($(date +%s) - t)) -lt 600 ]
}

# Bad usage exits 2 and leaves nothing behind; so does a secret others may read.
receiver "$TMP/r0"
notify --batch 0
check_eq "notify --batch 0 is bad usage (exit 2)" 2 "$?"
notify --bogus
check_eq "an unknown flag is bad usage (exit 2)" 2 "$?"
env -u GPUMETER_NOTIFY_URL "$GM" notify --once >>"$OUT" 2>&1
check_eq "without notify.url, notify refuses to start (exit 2)" 2 "$?"
# A URL that is no http(s) endpoint (a typo, file://) is refused at start,
# not found out event by event until every one is dead.
for url in 'file:///etc/passwd' 'htps://erp.example.com/hook' 'erp.example.com/hook'; do
    msg=$(GPUMETER_NOTIFY_URL=$url "$GM" notify --once 2>&1)
    check_eq "notify.url $url is refused at start (exit 2)" 2 "$?"
    check_match "naming it" "notify.url \"$url\" is not an http:// or https:// URL" "$msg"
done
check_eq "and no attempt was made" "0" "$(q "SELECT count(*) FROM notify_delivery WHERE attempts > 0")"
chmod 644 "$TMP/secret"
msg=$(GPUMETER_NOTIFY_URL=$RURL "$GM" notify --once 2>&1)
check_eq "a secret file others may read is refused (exit 2)" 2 "$?"
check_match "and the refusal says why" 'may be read by others \(mode 0644\); chmod 600 it' "$msg"
echo "$msg" >>"$OUT"
chmod 600 "$TMP/secret"
stop_receiver

# 1. January issued for alpha and beta: two invoice.issued events, each
# delivered once, in the outbox's order, signed, with the documented
# envelope.
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
h800_hours ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
ids=$(q "SELECT string_agg(event_id::text, ' ' ORDER BY id) FROM outbox WHERE kind = 'invoice.issued'")
check_eq "the month's two invoices are in the outbox" 2 "$(wc -w <<<"$ids")"
check_eq "before any delivery, both are pending with 0 attempts" "pending 0 pending 0" \
    "$("$GM" notify list --pending | awk 'NR > 1 { printf "%s%s %s", (NR > 2 ? " " : ""), $5, $6 }')"
receiver "$TMP/r1"
notify --once
check_eq "notify --once delivers what is due and exits 0" 0 "$?"
check_eq "the receiver got each event once, in the outbox's order" "$ids" \
    "$(starts | awk '{ print $3 }' | xargs)"
check_eq "Gpumeter-Event-Id is the outbox's event id" 2 \
    "$(starts | awk '{ print $3 }' | grep -cE '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')"
signature_ok 1 && signature_ok 2
check_eq "each signature verifies with openssl (t.body under the secret, t recent)" 0 "$?"
first=${ids%% *}
check_eq "the body is the documented envelope" \
    "$first|invoice.issued|alpha|INV-2026-000001|alpha|2026-01|CNY|17808|True" \
    "$(python3 -c 'import json, re, sys
b = json.load(open(sys.argv[1]))
d = b["data"]
print("|".join(str(x) for x in [b["id"], b["type"], b["customer"], d["number"], d["customer"],
      d["period"], d["currency"], d["total_minor"],
      bool(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", b["created"]))]))' "$RDIR/1.body")"
check_eq "both are delivered on attempt 1 (notify list --delivered)" "delivered 1 200 delivered 1 200" \
    "$("$GM" notify list --delivered | awk 'NR > 1 { printf "%s%s %s %s", (NR > 2 ? " " : ""), $5, $6, $7 }')"
check_eq "notify list --customer beta shows beta's alone" "INV-2026-000002 beta" \
    "$("$GM" notify list --customer beta | awk 'NR > 1 { print $3, $4 }')"
notify --once
check_eq "a second run sends nothing again" 2 "$(starts | wc -l)"
stop_receiver

# 2. A receiver that answers 500 twice: delivered on attempt 3, each
# attempt recorded; the running deliverer (no --once) exits 0 on SIGTERM.
receiver "$TMP/r2" --fail 2
ev=$(emit invoice.overdue fail-twice)
deliverer_until "$ev" 60 delivered
check_eq "a receiver failing twice: delivered on attempt 3" "delivered 3" "$(status_of "$ev")"
check_eq "the receiver saw the same id three times: 500, 500, 200" "$ev 500 $ev 500 $ev 200" \
    "$(starts | awk '{ print $3, $5 }' | xargs)"
signature_ok 3
check_eq "the retry is signed afresh and verifies" 0 "$?"
kill -TERM "$D"
wait "$D"
check_eq "SIGTERM: the deliverer exits 0" 0 "$?"
stop_receiver

# 3. A receiver slower than notify.timeout_s (2 s) the first time: the
# attempt fails as a timeout and the event is retried.
receiver "$TMP/r3" --slow 1 --sleep 6
ev=$(emit invoice.overdue slow-once)
deliverer_until "$ev" 60 delivered
check_eq "a receiver that timed out: delivered on attempt 2" "delivered 2" "$(status_of "$ev")"
check_eq "the receiver saw the same id twice" "$ev $ev" "$(starts | awk '{ print $3 }' | xargs)"
kill -TERM "$D"
wait "$D"
stop_receiver

# 4. A receiver that never accepts: dead after notify.max_attempts (3),
# seen by finance (CLI and API; a customer key is 403), revived by
# `notify retry` (audited) and delivered once the receiver accepts.
receiver "$TMP/r4" --never
ev=$(emit invoice.overdue never)
deliverer_until "$ev" 60 dead
check_eq "a receiver that never accepts: dead after 3 attempts" "dead 3" "$(status_of "$ev")"
check_eq "it made exactly 3 requests" 3 "$(starts | wc -l)"
kill -TERM "$D"
wait "$D"
check_eq "notify list --dead lists it with its last status" "$ev invoice.overdue dead 3 503" \
    "$("$GM" notify list --dead | awk 'NR > 1 { print $1, $2, $5, $6, $7 }')"
KF=$("$GM" customer key create --finance 2>/dev/null)
KA=$("$GM" customer key create alpha 2>/dev/null)
if start_server "$TMP/serve.log"; then
    body=$(curl -s -w ' %{http_code}' -H "Authorization: Bearer $KF" "$U/v1/notifications?status=dead")
    check_match "GET /v1/notifications?status=dead (finance) lists it" \
        "^\\{\"notifications\":\\[\\{\"id\":\"$ev\",\"attempts\":3,\"type\":\"invoice.overdue\",\"subject\":\"never\",\"customer\":null,\"status\":\"dead\",\"last_status\":503,\"last_error\":\"HTTP status 503\",.*\\}\\]\\} 200$" \
        "$(tr -d '\n' <<<"$body")"
    check_match "a customer key may not read it (403)" '^403$' \
        "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" "$U/v1/notifications?status=dead")"
    check_match "an unknown status is 400" '^400$' \
        "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KF" "$U/v1/notifications?status=lost")"
    kill "$SERVER"
    wait "$SERVER" 2>/dev/null
    sanitizer_clean "the server's log is sanitizer-clean" "$TMP/serve.log"
else
    fail "start the server"
fi
stop_receiver
"$GM" notify retry "$first" --actor finance-ann >>"$OUT" 2>&1
check_eq "notify retry of a delivered event is refused (exit 1)" 1 "$?"
"$GM" notify retry not-a-uuid >>"$OUT" 2>&1
check_eq "notify retry of a malformed id is bad usage (exit 2)" 2 "$?"
"$GM" notify retry 00000000-0000-0000-0000-000000000000 >>"$OUT" 2>&1
check_eq "notify retry of an unknown event fails (exit 1)" 1 "$?"
"$GM" notify list --pending --dead >>"$OUT" 2>&1
check_eq "notify list --pending --dead is bad usage (exit 2)" 2 "$?"
check_eq "notify retry revives the dead event" "notification $ev: pending again" \
    "$("$GM" notify retry "$ev" --actor finance-ann 2>&1)"
check_eq "with fresh attempts" "pending 0" "$(status_of "$ev")"
check_eq "and is audited with what it was" 'finance-ann|update|dead|3|pending' \
    "$(q "SELECT actor || '|' || action || '|' || (before->>'status') || '|' || (before->>'attempts')
                || '|' || (after->>'status') FROM audit_log WHERE object = 'notification' AND key = '$ev'")"
receiver "$TMP/r4b"
notify --once
check_eq "the revived event is delivered" "delivered 1" "$(status_of "$ev")"
stop_receiver

# 5. The deliverer SIGKILLed while the receiver holds its request: after a
# restart the event is delivered (once the claim's lease, timeout + 5 s,
# runs out), and the receiver sees the same id twice.
in_flight r5 killed
kill -KILL "$D"
wait "$D" 2>/dev/null
check_eq "killed mid-request, the event is still pending" pending "$(q "SELECT status FROM notification WHERE event_id = '$ev'")"
deliverer_until "$ev" 90 delivered
check_eq "after the restart it is delivered, on attempt 2" "delivered 2" "$(status_of "$ev")"
check_eq "the receiver saw the same id twice (it deduplicates by id)" "$ev $ev" \
    "$(starts | awk '{ print $3 }' | xargs)"
touch "$TMP/r5/release"
kill -TERM "$D"
wait "$D"
stop_receiver

# 5b. SIGTERM while a request is in flight: the request finishes, its
# outcome is recorded, then the deliverer exits 0.
in_flight r5b terminated
kill -TERM "$D"
touch "$TMP/r5b/release"
wait "$D"
check_eq "SIGTERM mid-request: the deliverer exits 0" 0 "$?"
check_eq "after recording the request it finished: delivered on attempt 1" "delivered 1" "$(status_of "$ev")"
stop_receiver

# 6. Two deliverers at once over 30 events: each delivered exactly once,
# never two requests for one event at the same time, none lost.
for i in $(seq 1 30); do emit credit.threshold "both-$i" >/dev/null; done
receiver "$TMP/r6" --delay 0.1
notify_bg --once --batch 1000
D1=$D
notify_bg --once --batch 1000
D2=$D
wait "$D1"
r1=$?
wait "$D2"
check_eq "both deliverers exit 0" "0 0" "$r1 $?"
check_eq "every event of the outbox is delivered" 0 \
    "$(q "SELECT count(*) FROM notification WHERE status <> 'delivered'")"
check_eq "the receiver got the 30 events once each" "30 30" \
    "$(starts | awk '{ print $3 }' | sort | uniq | wc -l) $(starts | wc -l)"
check_eq "each was delivered on its first attempt" 30 \
    "$(q "SELECT count(*) FROM notification WHERE kind = 'credit.threshold' AND attempts = 1")"
stop_receiver

# 7. --once --batch N delivers at most N events this run
# (docs/notifications.md): five due, --batch 2 sends two and exits 0,
# leaving three pending for the next run.
for i in 1 2 3 4 5; do emit payment.received "batch-$i" >/dev/null; done
receiver "$TMP/r7"
notify --once --batch 2
check_eq "notify --once --batch 2 exits 0" 0 "$?"
check_eq "and sent two of the five due, the oldest" "2 batch-1 batch-2" \
    "$(starts | wc -l) $(q "SELECT string_agg(subject, ' ' ORDER BY outbox_id) FROM notification
                            WHERE kind = 'payment.received' AND status = 'delivered'")"
notify --once
check_eq "the next run sends the other three" "5 0" \
    "$(starts | wc -l) $(q "SELECT count(*) FROM notification WHERE status <> 'delivered'")"
stop_receiver

# The secret never reached any output.
check_eq "the secret is never printed" 0 "$(grep -c -- "$SECRET" "$OUT")"
check_eq "nor stored" 0 "$(q "SELECT count(*) FROM audit_log WHERE after::text LIKE '%$SECRET%'
                             OR before::text LIKE '%$SECRET%'")"
# The ledger balances after everything above (issue 34's acceptance).
check_ledger_balanced
finish
