#!/bin/bash
# collect mlu (Cambricon mlu-exporter) on the fixtures in tests/fixtures/ingest,
# through the spool, the real broker and the rater: exact GPU-ms and energy in
# PostgreSQL under the catalogue's domestic Cambricon model; the
# exporter's own golden output with --stdout (env-share pods split equally,
# vf copies never a card); bad lines counted with their reasons; a bad flag
# exits 2.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts training team-mlu-map
F=$ROOT/tests/fixtures/ingest
collect() { "$GM" collect mlu "$@" 2>>"$TMP/collect.log"; }

# three scrapes of two MLU370-X8 on mlu-node-1: slot 0 held by training/llm-0
# for 30 s, then its mlu_container series gone: the map's for the next 60 s;
# slot 1 held by no container and not mapped: idle all along
failed=""
for round in "t0 00:00:00" "t1 00:00:30" "t2 00:01:30 --account-map $F/mlu.map"; do
    set -- $round
    collect --file "$F/mlu-$1.prom" --at "2026-11-01T$2Z" --state-dir "$TMP/mlu" "${@:3}" ||
        failed="$failed $1"
done
check_eq "collect mlu exits 0 on each of t0, t1, t2 (the failed ones)" "" "$failed"
"$GM" rate --until-idle 2>>"$TMP/collect.log"
# rounds 2 and 3: one usage and one capacity event each, all rated
check_counters "rater: the 4 events of rounds 2 and 3 consumed and rated" "4 4 0 0"
got=$(rated_totals)
# training: 30 s at (75+225)/2 W = 4500000 mJ; team-mlu-map: 60 s at
# (225+151)/2 W = 11280000 mJ; mlu_memory_used is no meter's (no GiB-ms)
check_eq "rated GPU-ms and energy per account are exact, as Cambricon MLU370" \
    "team-mlu-map MLU370 cambricon energy_mj 11280000, team-mlu-map MLU370 cambricon gpu_ms 60000, \
training MLU370 cambricon energy_mj 4500000, training MLU370 cambricon gpu_ms 30000" "$got"
check_eq "capacity of mlu-node-1: 2 MLUs x 90 s, slot 1 idle drawing (30+34)/2 W x 30 s + (34+30)/2 W x 60 s" \
    "mlu-node-1|MLU370|180000|90000|2880000" \
    "$(q "SELECT node, model, sum(installed_ms), sum(allocated_ms), sum(idle_energy_mj)
          FROM capacity_hourly GROUP BY node, model")"

# Cambricon's golden output, twice 30 s apart: four MLU590, uuid3 held by
# two pods through env-share VFs, the MIM/sMLU/VF copies no card of their own
golden=$F/mlu-exporter-v2.0.22-golden.prom
GPUMETER_QUIET=0 "$GM" collect mlu --file "$golden" --at 2026-11-01T00:00:00Z \
    --state-dir "$TMP/golden" --stdout >/dev/null 2>&1
out=$(GPUMETER_QUIET=0 "$GM" collect mlu --file "$golden" --at 2026-11-01T00:00:30Z \
    --state-dir "$TMP/golden" --stdout 2>&1)
check_eq "the golden output's second round exits 0" 0 "$?"
check_match "5 usage and 1 capacity event, no bad line, one card split between 2 pods" \
    " 6 events, 0 bad lines, 0 gaps, 0 resets, 0 idle units .*1 shared units split between 2 tenants" \
    "$out"
check_match "uuid3's 30 s and 32 W x 30 s: half to namespace0/pod0" \
    '"account":"namespace0",.*"model":"MLU590","vendor":"cambricon","job":"pod0",.*"gpu_ms":15000,"energy_mj":480000}' \
    "$out"
check_match "uuid1's 30 W x 30 s whole to namespace1/pod1" \
    '"account":"namespace1",.*"job":"pod1",.*"gpu_ms":30000,"energy_mj":900000}' "$out"
check_match "the capacity is 4 cards, all allocated" \
    '"node":"machine1","model":"MLU590","vendor":"cambricon",.*"devices":4,"allocated_ms":120000,' "$out"

# malformed lines: each a bad line with its reason, the good lines still read
bad_input() { # name; its expected "line: skipped: reason" lines on stdin
    local out why
    out=$(GPUMETER_QUIET=0 "$GM" collect mlu --file "$F/$1.prom" --at 2026-11-01T00:00:00Z \
        --state-dir "$TMP/$1" --stdout 2>&1)
    check_eq "$1.prom, bad lines beside good ones, exits 0" 0 "$?"
    check_match "$1.prom's 5 bad lines are counted" " 0 events, 5 bad lines," "$out"
    while IFS= read -r why; do
        check_match "reason given: ${why#*skipped: }" "$1.prom:$why" "$out"
    done
}
bad_input mlu-bad <<'EOF'
3: skipped: mlu_power_usage is not a plausible non-negative number
4: skipped: mlu_power_usage is not a plausible non-negative number
5: skipped: uuid of mlu_power_usage is missing or not valid
6: skipped: unknown metric DCGM_FI_DEV_POWER_USAGE [(]not an mlu-exporter series[)]
7: skipped: value of mlu_utilization is missing or not valid
EOF
bad_input mlu-bad-container <<'EOF'
3: skipped: mlu_container holds 9d3c4a6e-5b1f-4c2e-8a7d-2f1e0b9c8a01 without its namespace and pod
4: skipped: mlu_container names uuid 5b2e9c71-0d4a-4f3b-b6e8-91c2d7a4f360, which no card series has
5: skipped: mlu_container value 2 is neither 0 nor 1
6: skipped: qwen-0 on instance c41d8e26-7a93-4b5f-a2e0-6f8b1d3c9e72: MIM and sMLU shares are not metered yet
7: skipped: mlu_container names a pod on 1f7e2b90-64c3-4d8a-9e15-7c0a3b5d2e47 yet holds it 0
EOF

"$GM" collect mlu --state-dir "$TMP/x" --bogus >/dev/null 2>&1
check_eq "an unknown flag exits 2" 2 "$?"
finish
