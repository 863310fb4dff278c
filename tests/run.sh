#!/bin/bash
# Runs the test suites: tests/run.sh unit|integration|faults|tsan|all.
#
# Unit tests are cmocka binaries built with ASan and UBSan; integration tests
# are scripts driving the sanitized gpumeter against the real local services,
# which this script starts if they are down and stops again afterwards. Every
# test prints "ok - name" or "not ok - name"; a suite that exits non-zero
# without a "not ok" line (a crash) counts as one failure. Ends with the line
# "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-all}
LOGS=$ROOT/build/test-logs
mkdir -p "$LOGS"
passed=0
failed=0

run_suite() { # name, command...
    local name=$1 log="$LOGS/$1.log" rc
    shift
    "$@" >"$log" 2>&1
    rc=$?
    local ok bad
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

run_integration() { # script glob [suffix VAR=value...]: env for every script
    local glob=$1 suffix=${2:-} started=0
    shift $(($# < 2 ? $# : 2))
    if ! bash "$ROOT/scripts/services.sh" status >/dev/null 2>&1; then
        bash "$ROOT/scripts/services.sh" up || { failed=$((failed + 1)); return; }
        started=1
    fi
    for t in "$ROOT"/tests/integration/$glob; do
        run_suite "integration-$(basename "$t" .sh)$suffix" env "$@" bash "$t"
    done
    [ "$started" -eq 0 ] || bash "$ROOT/scripts/services.sh" down
}

# The fault scenarios (test_fault_*.sh), then their closing lines: events
# in, rated, duplicates, dead letters, parked, money against expected.
run_faults() {
    run_integration 'test_fault_*.sh'
    echo
    cat "$LOGS"/integration-test_fault_*.log | grep '^scenario '
}

# The API tests (and the operator reports' concurrent clients) again, with
# `gpumeter serve` built with ThreadSanitizer, and the rebalance storm with
# `gpumeter rate` built so (its consumer and commit threads):
# its report fails them (tests/integration/lib.sh, sanitizer_clean).
run_tsan() {
    run_integration 'test_api.sh' -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter
    run_integration 'test_api_concurrent.sh' -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter \
        STATEMENTS_PER_CUSTOMER_AND_CLIENT=20
    run_integration 'test_report_yield.sh' -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter
    run_integration 'test_focus.sh' -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter
    run_integration 'test_console.sh' -tsan GPUMETER_SERVE_BINARY=build/tsan/gpumeter
    run_integration 'test_fault_rebalance_storm.sh' -tsan GPUMETER_RATE_BINARY=build/tsan/gpumeter
}

case "$MODE" in
unit) run_unit ;;
integration)
    run_integration 'test_*.sh'
    run_tsan
    ;;
faults) run_faults ;;
tsan) run_tsan ;;
all)
    run_unit
    run_integration 'test_*.sh'
    run_tsan
    ;;
*)
    echo "usage: tests/run.sh unit|integration|faults|tsan|all" >&2
    exit 2
    ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
