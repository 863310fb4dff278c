#!/bin/bash
# Concurrent customers each get their own statement: 32 wrk connections x 3
# customers (two by GPU-hour with different plans, one by token) x 30
# statement requests to `gpumeter serve --threads 4`, every answer compared
# with the serial one (curl); then the server is still alive and, when it
# is a sanitizer build, reported nothing. The server is the optimised build
# unless GPUMETER_SERVE_BINARY names another: tests/run.sh tsan runs 20 per
# customer and client under ThreadSanitizer.
# STATEMENTS_PER_CUSTOMER_AND_CLIENT (30: 2,880 statements) scales the run:
# 2,880 answers from 4 threads and 32 connections interleave as 9,600 did
# (100 a customer and client cost 49 CPU seconds, 41 of them PostgreSQL's).
# The test is judged on correctness only, bounded by its request count: wrk
# runs until every answer is in, however busy the machine, within a cap of
# 10 minutes (make bench measures the statement throughput).
# Then the statements' kept inputs (issue 38, api/statement_inputs.h): late
# usage rated, a new plan version, a contract change, a voucher, a deposit,
# an invoice issued and voided each show in the very next statement, to the
# fen, and so does the fleet's health for a contract with an sla (its
# inputs are never kept); every customer's JSON and CSV equal a server's
# that keeps nothing; a customer's key never reads another's statement with
# every entry kept.
GPUMETER_SERVE_BINARY=${GPUMETER_SERVE_BINARY:-build/gpumeter}
. "$(dirname "$0")/lib.sh"

N=${STATEMENTS_PER_CUSTOMER_AND_CLIENT:-30}
CLIENTS=32
fresh || { fail "set up database and topic"; finish; }
ev() { # seq account fields
    printf 'a\t{"v":1,"source":"a","seq":%d,"account":"%s","cluster":"c","site":"s","start":"2026-10-10T02:00:00Z","end":"2026-10-10T03:00:00Z",%s}\n' "$@"
}
{
    ev 1 ns-alpha '"model":"H800","vendor":"nvidia","gpu_ms":36000000'
    ev 2 ns-alpha '"model":"A800","vendor":"nvidia","gpu_ms":7200000'
    ev 3 ns-beta '"model":"H20","vendor":"nvidia","gpu_ms":25200000'
    ev 4 slurm-gamma '"job":"train-1","tokens":1500000000'
    ev 5 slurm-gamma '"job":"train-1","model":"H800","vendor":"nvidia","gpu_ms":3600000'
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
check_counters "the usage is rated" "5 5 0 0"
KF=$("$GM" customer key create --finance 2>/dev/null)

export GPUMETER_API_RATE=1000000 # one finance key asks for everything
start_server "$TMP/serve.log" --threads 4 || fail "the server starts"
mkdir -p "$TMP/serial" "$TMP/done"
for c in alpha beta gamma; do
    curl -s -H "Authorization: Bearer $KF" "$U/v1/statement?period=2026-10&customer=$c" \
        >"$TMP/serial/$c.json"
done
check_eq "three different serial statements, each its customer's" \
    "alpha alpha-2026 beta beta-2026 gamma gamma-2026" \
    "$(for c in alpha beta gamma; do
        grep -o '"customer":"[a-z]*"\|"contract":"[a-z0-9-]*"' "$TMP/serial/$c.json" |
            cut -d'"' -f4 | head -2 | xargs
    done | xargs)"
check_eq "and they differ" 3 "$(md5sum "$TMP"/serial/*.json | awk '{print $1}' | sort -u | wc -l)"

THREADS=2
PER_THREAD=$((CLIENTS * 3 * N / THREADS))
STATEMENTS_DIR=$TMP/serial DONE_DIR=$TMP/done CUSTOMERS="alpha beta gamma" PERIOD=2026-10 \
    KEY=$KF PER_THREAD=$PER_THREAD \
    wrk -t$THREADS -c$CLIENTS -d600s --timeout 30s -s "$ROOT/tests/tools/statements.lua" "$U" \
    >"$TMP/wrk.out" 2>&1 &
WRK=$!
trap 'kill $WRK $SERVER 2>/dev/null; cleanup' EXIT
threads_done() { [ "$(ls "$TMP/done" | wc -l)" -ge $THREADS ] || ! kill -0 $WRK 2>/dev/null; }
wait_for 590 threads_done
kill -INT $WRK 2>/dev/null
wait $WRK
result=$(grep '^answers ' "$TMP/wrk.out")
check_match "wrk made $((CLIENTS * 3 * N)) requests, all answered 200, each equal to the serial one" \
    "^answers $((CLIENTS * 3 * N)) non_200 0 mismatched 0 " "$result"
read -r _ _ _ _ _ _ _ na _ nb _ ng <<<"$result"
# Connections take the customers in turn, so each has a third of the
# answers but for the last turn of each connection.
least=$((CLIENTS * N - CLIENTS))
got=
for c in alpha:${na:-0} beta:${nb:-0} gamma:${ng:-0}; do
    if [ "${c#*:}" -ge "$least" ]; then got+="${c%:*}>=$least "; else got+="${c%:*}=${c#*:} "; fi
done
check_eq "a third of them for each customer: at least $least statements each" \
    "alpha>=$least beta>=$least gamma>=$least" "${got% }"
check_eq "the server is alive" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$U/healthz")"
for c in alpha beta gamma; do
    curl -s -H "Authorization: Bearer $KF" "$U/v1/statement?period=2026-10&customer=$c" >"$TMP/$c.after"
done
check_eq "and answers as before" "" \
    "$(for c in alpha beta gamma; do cmp -s "$TMP/$c.after" "$TMP/serial/$c.json" || echo "$c"; done)"

# Statements are priced from kept inputs (api/statement_inputs.h): each
# kind of input changed below shows in the very next statement, to the fen,
# and equals the statement of a server that keeps nothing
# (api.statement_cache_mb = 0), byte for byte in JSON and CSV.
UNCACHED_LOG=$TMP/serve-uncached.log
UPORT=$(free_port)
GPUMETER_API_STATEMENT_CACHE_MB=0 "$GM_SERVE" serve --listen "127.0.0.1:$UPORT" \
    --threads 2 2>"$UNCACHED_LOG" &
UNCACHED=$!
trap 'kill $WRK $SERVER $UNCACHED 2>/dev/null; cleanup' EXIT
wait_healthz "$UPORT" "$UNCACHED" || fail "the server that keeps nothing starts"
st() { # key customer format [port]
    curl -s -H "Authorization: Bearer $1" \
        "http://127.0.0.1:${4:-$PORT}/v1/statement?period=2026-10${2:+&customer=$2}&format=$3"
}
# every customer's JSON and CSV from both servers, "customer:format" of those that differ
differ() {
    for c in alpha beta gamma; do for f in json csv; do
        [ "$(st "$KF" $c $f)" = "$(st "$KF" $c $f "$UPORT")" ] || printf '%s:%s ' $c $f
    done; done
}
minor() { st "$KF" "$1" json | grep -o "\"$2_minor\":-\\?[0-9]*" | tail -1 | cut -d: -f2; } # customer field
total() { minor "$1" total; }
lookups() { curl -s "$U/metrics" | awk -v r="$1" '$0 ~ "statement_inputs_lookups_total.result=\"" r "\"" { print $2 }'; }
check_eq "kept inputs answer as inputs read again, every customer and format" "" "$(differ)"
h0=$(lookups hit)
totals="$(total alpha) $(total beta) $(total gamma)"
check_eq "and they were kept: the next three statements priced from them" 3 "$(($(lookups hit) - h0))"
check_fields "alpha's total from kept inputs: 10 H800 hours at 16.80 and 2 A800 at 9.50, 6% tax" \
    "alpha beta gamma" "19822 ${totals#* }" "$totals"
# late usage rated (the usage version, schema 009): an H800 hour more
ev 6 ns-alpha '"model":"H800","vendor":"nvidia","gpu_ms":3600000' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
check_eq "usage rated since: the next statement has the H800 hour more (16.80 + 6%)" 21603 "$(total alpha)"
# a new plan version (documents: statement_version, schema 065)
sed -e 's/"2026-01-01"/"2026-10-01"/' -e 's/"16.80"/"18.00"/' "$ROOT/scripts/seed/plan-gpu-standard.json" \
    >"$TMP/plan.json"
"$GM" plan apply "$TMP/plan.json" >/dev/null 2>&1 || fail "a new plan version applies"
check_eq "a new plan version: 11 H800 hours at 18.00 (198.00 + 11.88 tax), 2 A800 at 9.50 (19.00 + 1.14)" \
    23002 "$(total alpha)"
# a contract change: alpha's tax rate from October
sed -e 's/"2026-01-01"/"2026-10-01"/' -e 's/"0.06"/"0.09"/' "$ROOT/scripts/seed/contract-alpha.json" \
    >"$TMP/contract.json"
"$GM" contract apply "$TMP/contract.json" >/dev/null 2>&1 || fail "a contract change applies"
check_eq "a contract change: 9% tax on 198.00 and 19.00" 23653 "$(total alpha)"
# a voucher: 30% of alpha's GPU time after tax, up to 50.00
cat >"$TMP/voucher.json" <<'JSON'
{"voucher": "t-0001", "program": "test-program", "customer": "alpha", "currency": "CNY",
 "face_value": "50.00", "coverage": "0.30", "valid_from": "2026-10-01", "valid_until": "2026-12-31",
 "priority": 1, "applies": "after_tax",
 "eligible": {"meters": ["gpu_hours"], "domestic_only": false, "training_only": false}}
JSON
"$GM" voucher issue "$TMP/voucher.json" >/dev/null 2>&1 || fail "a voucher issues"
check_eq "a voucher: 50.00 claimed of 236.53 (30% is more), 186.53 due" "23653 5000 18653" \
    "$(total alpha) $(minor alpha claimed) $(minor alpha due)"
# the ledger: a deposit received shows as the deposit held
"$GM" deposit receive --customer alpha --amount 100.00 --reference DEP-1 >/dev/null 2>&1 ||
    fail "a deposit is received"
check_match "a deposit received: the next statement holds it" '"deposit_held_minor":10000' \
    "$(st "$KF" alpha json)"
# the fleet's health, which no version counts (the rater writes it all the
# time): a customer with an sla is priced from inputs read on every request
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null 2>&1 || fail "the site applies"
seed_contract_with beta '"time_zone": "Asia/Shanghai", "sla": {"measured": "reserved", "reserved": [{"site": "sh-lingang", "node": "gpu-node-07"}], "target": "99.5", "tiers": [{"below": "99.5", "credit": "10"}], "cap": "20", "excludes": []}' \
    >/dev/null || fail "beta's contract with an sla applies"
printf 'a\t{"v":1,"source":"a","seq":7,"account":"ns-beta","cluster":"c","site":"sh-lingang","start":"2026-10-12T02:00:00Z","end":"2026-10-12T03:00:00Z","model":"H800","vendor":"nvidia","gpu_ms":3600000}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
sla_credit() { st "$KF" beta json | grep -o '"kind":"sla_credit"[^}]*"amount_minor":-\?[0-9]*' | grep -o -- '-\?[0-9]*$'; }
check_eq "beta's H800 hour at sh-lingang, no health yet: no SLA credit" "" "$(sla_credit)"
health_window 1 gpu-node-07 GPU-a 2026-10-12T02:00:00Z 60 down '{xid:79}'
check_eq "a down window rated: the next statement credits 10% (0% available) of the H800 hour's 18.00" \
    -180 "$(sla_credit)"
check_eq "kept inputs still answer as inputs read again after every change" "" "$(differ)"
# an invoice issued: the statement is the issued invoice from then on
"$GM" invoice run --period 2026-10 >/dev/null 2>&1 && "$GM" invoice issue --period 2026-10 >/dev/null 2>&1 ||
    fail "October is invoiced and issued"
number=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id
            WHERE c.code = 'alpha' AND i.period = '2026-10-01' AND i.kind = 'invoice'")
check_match "an invoice issued: the next statement is it, with its number" \
    "\"status\":\"issued\".*\"number\":\"$number\"|\"number\":\"$number\".*\"status\":\"issued\"" \
    "$(st "$KF" alpha json)"
"$GM" invoice void "$number" --reason "test" >/dev/null 2>&1 || fail "alpha's invoice is voided"
check_eq "voided: the month is priced again, to the same total and due" "23653 18653" \
    "$(total alpha) $(minor alpha due)"
check_eq "and every answer is still that of a server that keeps nothing" "" "$(differ)"
# a customer's key never reads another's statement, with every entry kept
KA=$("$GM" customer key create alpha 2>/dev/null)
st "$KF" beta json >/dev/null
check_match "alpha's key asking for beta's statement is 403" '"code":"forbidden"' "$(st "$KA" beta json)"
check_eq "and alpha's own is alpha's" "$(st "$KF" alpha json)" "$(st "$KA" "" json)"
kill $UNCACHED
wait $UNCACHED
kill $SERVER
wait $SERVER
check_eq "the server stops cleanly" 0 "$?"
sanitizer_clean "no sanitizer report from the server that keeps nothing" "$UNCACHED_LOG"
sanitizer_clean "no sanitizer report (${GPUMETER_SERVE_BINARY:-build/asan/gpumeter})" "$TMP/serve.log"
echo "# $result ($(grep 'Requests/sec' "$TMP/wrk.out" | xargs))"
finish
