#!/bin/bash
# A contract's own share basis (issue 35, deliverable 1): the account map's
# share:<account> line puts that account's HAMi pods on memory (or cores)
# while the other accounts on the same GPUs keep --share; both bases on one
# GPU are clamped together, the rest stranded, the energy split by the same
# shares (hand-computed in tests/unit/test_hami.c,
# test_hami_share_basis_per_account, from the same fixtures); a basis other
# than cores or memory rejects the map, naming its line, and exits 2.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-m team-n
F=$ROOT/tests/fixtures/ingest
collect() { GPUMETER_QUIET=0 "$GM" collect hami --model H800 "$@" 2>>"$TMP/collect.log"; }

cat "$F/hami-share-basis.prom" "$F/hami-energy-dcgm-t0.prom" >"$TMP/t0.prom"
cat "$F/hami-share-basis.prom" "$F/hami-energy-dcgm-t1.prom" >"$TMP/t1.prom"
rc=0
collect --state-dir "$TMP/st" --account-map "$F/hami-share-basis-memory.map" \
    --file "$TMP/t0.prom" --at 2026-11-01T00:00:00Z || rc=1
collect --state-dir "$TMP/st" --account-map "$F/hami-share-basis-memory.map" \
    --file "$TMP/t1.prom" --at 2026-11-01T00:01:00Z || rc=1
check_eq "hami takes --account-map: both rounds exit 0" 0 "$rc"
check_match "5 shares, a capacity event, 69,000 GPU-ms stranded, a bad line (GPU-dddd)" \
    "01:00Z: 6 events, 1 bad lines, 0 gaps, 0 resets, 0 idle units \(69000 GPU-ms unallocated\)" \
    "$(cat "$TMP/collect.log")"
check_match "team-m's memory share on a device of unknown memory is a bad line; its cores stand" \
    "memory share of team-m/dev-0 on GPU-dddd: the device's memory" "$(cat "$TMP/collect.log")"
check_match "a bad line of the round, not of one input line, is named by its input, not as line 0" \
    "t0\.prom: skipped: memory share of team-m/dev-0" "$(cat "$TMP/collect.log")"
"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "rater: 6 consumed, 6 rated" "6 6 0 0"
check_eq "team-m rated on memory, team-n on cores, clamped together, energy by the same shares" \
    "team-m dev-0 12000 120000, team-m serve-0 15000 3086419, team-m serve-1 36000 12600000, \
team-n train-0 24000 4938272, team-n train-1 24000 8400000" \
    "$(rated_by_job)"

# the other way round: --share memory for the pool, team-n's contract on
# cores; the map's gpu: and node: lines move no HAMi tenant
collect --state-dir "$TMP/mem" --share memory --account-map "$F/hami-share-basis-cores.map" \
    --stdout --file "$TMP/t0.prom" --at 2026-11-01T00:00:00Z >/dev/null
out=$(collect --state-dir "$TMP/mem" --share memory --account-map "$F/hami-share-basis-cores.map" \
    --stdout --file "$TMP/t1.prom" --at 2026-11-01T00:01:00Z | event_shares | tr '\n' ',')
check_eq "--share memory with share:team-n cores: the same shares" \
    "team-m/serve-0 15000 3086419,team-n/train-0 24000 4938272,team-m/serve-1 36000 12600000,\
team-n/train-1 24000 8400000,team-m/dev-0 12000 120000," "$out"

# without the map: every account on --share (cores), as before
collect --state-dir "$TMP/plain" --stdout --file "$TMP/t0.prom" --at 2026-11-01T00:00:00Z >/dev/null
out=$(collect --state-dir "$TMP/plain" --stdout --file "$TMP/t1.prom" \
    --at 2026-11-01T00:01:00Z | event_shares | tr '\n' ',')
check_eq "no map: cores for every account, as before" \
    "team-m/serve-0 6000 1234567,team-n/train-0 24000 4938272,team-m/serve-1 12000 4200000,\
team-n/train-1 42000 14700000,team-m/dev-0 12000 120000," "$out"

rc=0
"$GM" collect hami --state-dir "$TMP/bad" --stdout --account-map "$F/hami-share-basis-bad.map" \
    --file "$TMP/t0.prom" --at 2026-11-01T00:00:00Z >/dev/null 2>"$TMP/bad.log" || rc=$?
check_eq "a share: line of an unknown basis exits 2" 2 "$rc"
check_match "it names the file, the line and why" \
    "hami-share-basis-bad.map:3: the basis of share:<account> must be cores or memory" \
    "$(cat "$TMP/bad.log")"
finish
