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
kill $SERVER
wait $SERVER
check_eq "the server stops cleanly" 0 "$?"
sanitizer_clean "no sanitizer report (${GPUMETER_SERVE_BINARY:-build/asan/gpumeter})" "$TMP/serve.log"
echo "# $result ($(grep 'Requests/sec' "$TMP/wrk.out" | xargs))"
finish
