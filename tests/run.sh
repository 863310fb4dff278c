#!/bin/bash
# Runs the test suites: tests/run.sh unit|integration|faults|tsan|all.
#
# Unit tests are cmocka binaries built with ASan and UBSan; integration tests
# are scripts driving the sanitized gpumeter against the real local services,
# which this script starts if they are down and stops again afterwards. Every
# test prints "ok - name" or "not ok - name"; a suite that exits non-zero
# without a "not ok" line (a crash) counts as one failure. Ends with the line
# "N passed, N failed".
#
# Integration suites run GPUMETER_TEST_JOBS (4) at a time: each has its own
# database, topic, consumer group and server port (tests/integration/lib.sh),
# and most of their time is spent waiting on the broker, PostgreSQL and the
# processes they start, not on the 2 cores. A suite that stops or restarts a
# service (scripts/services.sh kafka-down|pg-down ...) would break the
# others: those run one after another in a lane beside the pool, on a
# PostgreSQL and a Kafka of their own. One whose checks count time (a limit
# refilled by the minute) would be broken by the others: it runs alone,
# after the rest. Results print in a fixed order as they complete; the
# slowest suites start first so that they do not end the run alone.
#
# Each suite's CPU seconds (user + system of its own processes, not the
# services') and wall seconds go to build/test-logs/times.txt, and the run
# ends with the ten heaviest by CPU: CPU does not depend on how busy the
# machine is, so it is what to cut (docs/testing.md).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh" # STATE, PG_PORT, KAFKA_PORT: the lane's services are beside them
MODE=${1:-all}
LOGS=$ROOT/build/test-logs
JOBS=${GPUMETER_TEST_JOBS:-4}
case "$JOBS" in
'' | *[!0-9]* | 0) echo "tests/run.sh: GPUMETER_TEST_JOBS must be a positive integer, not '$JOBS'" >&2; exit 2 ;;
esac
mkdir -p "$LOGS"
: >"$LOGS/times.txt"
passed=0
failed=0

# Prints a finished suite's results from its log and exit status, and counts them.
report_suite() { # name rc
    local name=$1 rc=$2 log="$LOGS/$1.log" ok bad
    ok=$(grep -c '^ok ' "$log")
    bad=$(grep -c '^not ok ' "$log")
    grep -E '^(not )?ok ' "$log" | sed "s/^/[$name] /"
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        echo "not ok - $name exited with status $rc (see ${log#$ROOT/})"
        bad=1
    fi
    if [ "$bad" -ne 0 ]; then
        echo "---- ${log#$ROOT/} (last 30 lines)"
        tail -n 30 "$log"
        echo "----"
    fi
    passed=$((passed + ok))
    failed=$((failed + bad))
}

# Runs a suite with its output in its log, then appends "name cpu wall" to
# times.txt (bash's `times`: the CPU of the children it waited for).
timed() { # name, command...: exits with the command's status
    local name=$1 rc t0=$SECONDS
    shift
    "$@" >"$LOGS/$name.log" 2>&1
    rc=$?
    times >"$LOGS/$name.times" # not in a pipe: a pipe's subshell has no children
    sed -n 2p "$LOGS/$name.times" | sed 's/[ms]/ /g' |
        awk -v n="$name" -v w=$((SECONDS - t0)) '{ printf "%s %.1f %d\n", n, $1 * 60 + $2 + $3 * 60 + $4, w }' \
            >>"$LOGS/times.txt"
    rm -f "$LOGS/$name.times"
    return $rc
}
run_suite() { # name, command...: runs it now, in the foreground
    local name=$1
    (timed "$@")
    report_suite "$name" $?
}

# The pool: suites started in the background, reported in the order started.
POOL=()
reported=0
pool_report_done() { # reports the finished suites at the head of the order
    while [ "$reported" -lt "${#POOL[@]}" ] && [ -e "$LOGS/${POOL[$reported]}.rc" ]; do
        report_suite "${POOL[$reported]}" "$(cat "$LOGS/${POOL[$reported]}.rc")"
        reported=$((reported + 1))
    done
}
pool_start() { # name, command...: starts it once fewer than JOBS run
    local name=$1
    shift
    while [ "$(jobs -rp | grep -cvx "${LANE:-none}")" -ge "$JOBS" ]; do
        wait -n
        pool_report_done
    done
    rm -f "$LOGS/$name.rc"
    POOL+=("$name")
    { (timed "$name" "$@" </dev/null); echo $? >"$LOGS/$name.rc"; } &
}
pool_drain() {
    wait
    pool_report_done
}

run_unit() {
    cd "$ROOT" || return
    run_suite layout bash "$ROOT/scripts/check-layout.sh"
    for t in "$ROOT"/build/asan/tests/test_*; do
        run_suite "unit-$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
    done
    for t in "$ROOT"/build/asan/fuzz/replay_*; do
        local name=${t##*/replay_}
        run_suite "fuzz-corpus-$name" "$t" "$ROOT"/tests/fuzz/corpus/"$name"/*
    done
}

# The suites known to take longest, started first (build/test-logs/times.txt
# has each suite's wall and CPU seconds of the last run).
SLOW_FIRST='test_fault_rater_sigkill test_fault_broker_cluster test_fault_rebalance_storm test_deploy_prometheus test_fault_pg_failover test_rate_group test_console
    test_api_concurrent test_contracts test_db_roles test_exports_safe test_token_server
    test_invoice_credit test_capacity test_invoice_pdf test_console_roles test_fault_split_commit test_cli_messages'

# A suite that stops or starts a service runs in the lane: one after
# another, on services of their own (lane_env), beside the pool. One whose
# checks count time says so in a line "# tests/run.sh: alone (why)" and
# runs alone, after the pool.
stops_services() { grep -qE 'services\.sh"? +(kafka|pg)-(down|up)' "$1"; }
runs_alone() { grep -qE '^# tests/run\.sh: alone' "$1"; }
# One too heavy for every `make check` (its own services: three Kafka JVMs)
# says so in a line "# tests/run.sh: faults only (why)": only `make faults`
# (tests/run.sh faults) runs it.
faults_only() { grep -qE '^# tests/run\.sh: faults only' "$1"; }

services_up() { # sets STARTED=1 when this run started them
    STARTED=0
    if ! bash "$ROOT/scripts/services.sh" status >/dev/null 2>&1; then
        bash "$ROOT/scripts/services.sh" up || { failed=$((failed + 1)); return 1; }
        STARTED=1
    fi
}
services_down() { [ "$STARTED" -eq 0 ] || bash "$ROOT/scripts/services.sh" down; }

# The lane's services: another state folder and ports (PostgreSQL's and
# Kafka's + 2, Kafka's controller + 3), so that a suite stopping its broker
# or database stops no one else's.
lane_env() {
    echo "GPUMETER_STATE_DIR=$STATE-lane GPUMETER_PG_PORT=$((PG_PORT + 2))" \
        "GPUMETER_KAFKA_PORT=$((KAFKA_PORT + 2)) GPUMETER_KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 3))"
}
run_lane() { # "name|env|script"...: each in turn on the lane's services, its status in its .rc
    local line name env t rc=0
    # shellcheck disable=SC2046 # lane_env is words VAR=value
    export $(lane_env)
    bash "$ROOT/scripts/services.sh" up >"$LOGS/lane-services.log" 2>&1 || rc=1
    for line in "$@"; do
        IFS='|' read -r name env t <<<"$line"
        if [ "$rc" -ne 0 ]; then
            echo "not ok - the lane's services did not start (see build/test-logs/lane-services.log)" \
                >"$LOGS/$name.log"
            echo 1 >"$LOGS/$name.rc"
            continue
        fi
        # shellcheck disable=SC2086 # env is words VAR=value
        (timed "$name" env $env bash "$t" </dev/null)
        echo $? >"$LOGS/$name.rc"
    done
    bash "$ROOT/scripts/services.sh" kafka-down >>"$LOGS/lane-services.log" 2>&1
    bash "$ROOT/scripts/services.sh" pg-down >>"$LOGS/lane-services.log" 2>&1
}

# Integration suites: each entry is "glob suffix VAR=value..." (one line);
# every script matching the glob runs with that environment and its name
# gets the suffix. Those that stop a service run in the lane, those that
# must (runs_alone) alone, after the pool.
run_integration() { # entry lines on stdin (a here-string: a pipe would run it in a subshell
    # and lose its counts)
    local entries pool=() alone=() lane=() line glob suffix t name s
    entries=$(cat)
    services_up || return
    for s in $SLOW_FIRST ''; do
        while read -r glob suffix env; do
            [ -n "$glob" ] || continue
            [ "$suffix" != - ] || suffix=
            for t in "$ROOT"/tests/integration/$glob; do
                name=$(basename "$t" .sh)
                # first the slow ones in their order, then the rest in theirs
                if [ -n "$s" ]; then [ "$name" = "$s" ] || continue
                # (the list's line breaks as spaces: a name before one ran twice)
                elif [[ " ${SLOW_FIRST//[[:space:]]/ } " == *" $name "* ]]; then continue; fi
                if [ "$MODE" != faults ] && faults_only "$t"; then
                    echo "# $name$suffix: in make faults only (tests/run.sh faults)"
                    continue
                fi
                if stops_services "$t"; then
                    lane+=("integration-$name$suffix|$env|$t")
                elif runs_alone "$t"; then
                    alone+=("integration-$name$suffix|$env|$t")
                else
                    pool+=("integration-$name$suffix|$env|$t")
                fi
            done
        done <<<"$entries"
    done
    LANE=
    [ "${#lane[@]}" -eq 0 ] || { run_lane "${lane[@]}" & LANE=$!; }
    for line in "${pool[@]}"; do
        IFS='|' read -r name env t <<<"$line"
        # shellcheck disable=SC2086 # env is words VAR=value
        pool_start "$name" env $env bash "$t"
    done
    pool_drain
    for line in "${lane[@]}"; do
        report_suite "${line%%|*}" "$(cat "$LOGS/${line%%|*}.rc")"
    done
    for line in "${alone[@]}"; do
        IFS='|' read -r name env t <<<"$line"
        # shellcheck disable=SC2086
        run_suite "$name" env $env bash "$t"
    done
    services_down
}

# The fault scenarios (test_fault_*.sh), then their closing lines: events
# in, rated, duplicates, dead letters, parked, money against expected.
run_faults() {
    run_integration <<<'test_fault_*.sh -'
    echo
    cat "$LOGS"/integration-test_fault_*.log | grep '^scenario '
}

# The API tests (and the operator reports' concurrent clients) again, with
# `gpumeter serve` built with ThreadSanitizer, and the rebalance storm with
# `gpumeter rate` built so (its consumer and commit threads):
# its report fails them (tests/integration/lib.sh, sanitizer_clean).
TSAN_SUITES='test_api.sh -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter
test_api_concurrent.sh -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter STATEMENTS_PER_CUSTOMER_AND_CLIENT=20
test_report_yield.sh -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter
test_focus.sh -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter
test_fault_rebalance_storm.sh -tsan GPUMETER_RATE_BINARY=build/tsan/gpumeter'
# The console's browser run under a ThreadSanitizer server too: in `make
# tsan` only (about 21 CPU s over 100 s; make check is at its 10-minute
# limit, and the server's threads are checked by the API suites above).
TSAN_CONSOLE='test_console.sh -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter'

case "$MODE" in
unit) run_unit ;;
integration) run_integration <<<"test_*.sh -
$TSAN_SUITES" ;;
faults) run_faults ;;
tsan) run_integration <<<"$TSAN_SUITES
$TSAN_CONSOLE" ;;
all)
    run_unit
    run_integration <<<"test_*.sh -
$TSAN_SUITES"
    ;;
*)
    echo "usage: tests/run.sh unit|integration|faults|tsan|all" >&2
    exit 2
    ;;
esac
if [ -s "$LOGS/times.txt" ]; then
    echo "# the heaviest suites, CPU seconds (wall seconds):"
    sort -k2,2nr "$LOGS/times.txt" | head -n 10 | awk '{ printf "#   %-48s %7.1f (%d)\n", $1, $2, $3 }'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
