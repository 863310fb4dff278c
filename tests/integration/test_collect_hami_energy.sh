#!/bin/bash
# HAMi shares with energy (issue 35): the scheduler's scrape and the node's
# dcgm-exporter scrape given as URLs are one joined round; each pod is
# rated its cores share of the window and of the physical GPU's energy
# (hand-computed in tests/unit/test_hami.c from the same fixtures), the
# rest stranded; a round where one URL does not answer is not metered;
# --share memory and --pods (the pod annotation) give their shares; a bad
# --share exits 2; an unusable pods file holds the round back.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a team-b team-c team-d
F=$ROOT/tests/fixtures/ingest
collect() { GPUMETER_QUIET=0 "$GM" collect hami --model H800 "$@" 2>>"$TMP/collect.log"; }

cp "$F/hami-energy-scheduler.prom" "$TMP/scheduler.prom"
cp "$F/hami-energy-dcgm-t0.prom" "$TMP/dcgm.prom"
urls=("file://$TMP/scheduler.prom" "file://$TMP/dcgm.prom")
rc=0
collect --state-dir "$TMP/st" --at 2026-11-01T00:00:00Z "${urls[@]}" || rc=1
cp "$F/hami-energy-dcgm-t1.prom" "$TMP/dcgm.prom"
collect --state-dir "$TMP/st" --at 2026-11-01T00:01:00Z "${urls[@]}" || rc=1
check_eq "both joined rounds exit 0" 0 "$rc"
check_match "the joined round: 6 events, the stranded 12,000 + 48,000 GPU-ms unallocated" \
    "01:00Z: 6 events, 0 bad lines, 0 gaps, 0 resets, 0 idle units \(60000 GPU-ms unallocated\)" \
    "$(cat "$TMP/collect.log")"
check_eq "5 shares and one capacity event reached the topic" 6 "$(topic_messages)"

"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "rater: 6 consumed, 6 rated" "6 6 0 0"
check_eq "each pod is rated its share of the window and of the GPU's energy" \
    "team-a infer-0 18000 3703703, team-a infer-1 30000 10500000, team-b embed-0 30000 6172840, \
team-c train-0 30000 10500000, team-d dev-0 12000 120000" \
    "$(rated_by_job)"
check_eq "the model is dcgm-exporter's modelName (NVIDIA H800, the catalogue's H800)" "H800" \
    "$(q "SELECT string_agg(DISTINCT model, ' ') FROM usage_hourly")"

# one URL that does not answer: the round is not metered, the run exits 1
rc=0
collect --state-dir "$TMP/st" --at 2026-11-01T00:02:00Z "${urls[@]}" "file://$TMP/missing.prom" ||
    rc=$?
check_eq "a round with a URL that did not answer exits 1" 1 "$rc"
check_match "it says so and meters nothing" \
    "2 of 3 URLs answered: the round is not metered" "$(cat "$TMP/collect.log")"
check_match "no event from it" "02:00Z: 0 events" "$(cat "$TMP/collect.log")"

# --share memory, the scrapes in one file: 25 % / 50 % of GPU-aaaa's memory,
# 75 % / 50 % clamped to 25 % of GPU-bbbb's; GPU-dddd's memory is unknown
# (a bad line): its pod's 20 % cores stand
cat "$F/hami-energy-scheduler.prom" "$F/hami-energy-dcgm-t0.prom" >"$TMP/t0.prom"
cat "$F/hami-energy-scheduler.prom" "$F/hami-energy-dcgm-t1.prom" >"$TMP/t1.prom"
collect --state-dir "$TMP/mem" --share memory --stdout --file "$TMP/t0.prom" \
    --at 2026-11-01T00:00:00Z >/dev/null
out=$(collect --state-dir "$TMP/mem" --share memory --stdout --file "$TMP/t1.prom" \
    --at 2026-11-01T00:01:00Z | event_shares | tr '\n' ',')
check_eq "memory shares of the window and the energy" \
    "team-a/infer-0 15000 3086419,team-b/embed-0 30000 6172840,team-a/infer-1 45000 15750000,\
team-c/train-0 15000 5250000,team-d/dev-0 12000 120000," "$out"
check_match "the device without its memory is a bad line with its reason" \
    "memory share of team-d/dev-0 on GPU-dddd: the device's memory" "$(cat "$TMP/collect.log")"

# --pods: the allocation from the pods' annotations, the energy from the scrape
collect --state-dir "$TMP/pods" --stdout --pods "$F/hami-pods.json" \
    --file "$F/hami-pods-dcgm-t0.prom" --at 2026-11-01T00:00:00Z >/dev/null
out=$(collect --state-dir "$TMP/pods" --stdout --pods "$F/hami-pods.json" \
    --file "$F/hami-pods-dcgm-t1.prom" --at 2026-11-01T00:01:00Z | event_shares | tr '\n' ',')
check_eq "the pods' shares: Succeeded and unannotated pods hold nothing" \
    "team-u/nolimit-0 60000 -,team-r/wait-0 18000 -,team-p/serve-0 12000 200000,\
team-q/train-1 48000 800001," "$out"
check_match "a malformed annotation is a reject with its reason" \
    "pod 5 \(team-s/bad-0\): hami.io/vgpu-devices-allocated: a device has fewer than four fields" \
    "$(cat "$TMP/collect.log")"
check_match "an Ascend device in the annotation is a reject with its reason" \
    "pod 6 \(team-t/npu-0\): .*a device type other than NVIDIA" "$(cat "$TMP/collect.log")"
# the pods alone (no scrape): shares, no energy
out=$(collect --state-dir "$TMP/pods-alone" --stdout --pods "$F/hami-pods.json" \
    --at 2026-11-01T00:00:00Z; collect --state-dir "$TMP/pods-alone" --stdout \
    --pods "$F/hami-pods.json" --at 2026-11-01T00:01:00Z | event_shares | tr '\n' ',')
check_eq "the pods alone: the same shares without energy" \
    "team-u/nolimit-0 60000 -,team-r/wait-0 18000 -,team-p/serve-0 12000 -,team-q/train-1 48000 -," \
    "$out"
# the pods' bad lines are logged once under the pods file and counted in the
# round, never summed again as the scrape's ("<scrape>: 2 more bad lines skipped")
err=$(GPUMETER_QUIET=0 "$GM" collect hami --model H800 --state-dir "$TMP/pods-log" --stdout \
    --pods "$F/hami-pods.json" --file "$F/hami-pods-dcgm-t0.prom" --at 2026-11-01T00:00:00Z \
    2>&1 >/dev/null)
check_eq "the pods' 2 bad lines: none blamed on the scrape, 2 in the round" \
    "0 1" "$(echo "$err" | grep -c 'hami-pods-dcgm-t0.prom: .*more bad lines skipped') \
$(echo "$err" | grep -c 'round at .*: 0 events, 2 bad lines')"
echo '{"items": 3}' >"$TMP/bad.json"
rc=0 rc2=0
collect --state-dir "$TMP/bad" --stdout --pods "$TMP/bad.json" --at 2026-11-01T00:00:00Z \
    >/dev/null || rc=$?
collect --state-dir "$TMP/bad" --stdout --share gpu --file "$TMP/t0.prom" >/dev/null || rc2=$?
check_eq "a pods file that is not kubectl's JSON is unusable: exit 1" 1 "$rc"
check_eq "--share other than cores or memory exits 2" 2 "$rc2"

# A pods file unusable as a whole holds the round back like a URL that did
# not answer: nothing metered (before: 11 events on equal shares), exit 1,
# and the windows wait for the next round that reads the allocation.
echo '{"items": []}' >"$TMP/none.json"
collect --state-dir "$TMP/held" --stdout --pods "$TMP/none.json" --file "$F/hami-shares.prom" \
    --at 2026-11-01T00:00:00Z >/dev/null
rc=0
out=$(collect --state-dir "$TMP/held" --stdout --pods "$TMP/bad.json" \
    --file "$F/hami-shares.prom" --at 2026-11-01T00:01:00Z) || rc=$?
check_eq "hami-shares.prom with an unusable pods file: exit 1, no event" "1 0" \
    "$rc $(printf '%s' "$out" | grep -c .)"
check_match "and says the round is not metered, with the pods' reason" \
    "bad.json: unusable input: not the JSON of kubectl get pods.*
.*hami-shares.prom: unusable input: the round's allocation \(--pods\) is unusable: not metered" \
    "$(tail -n 5 "$TMP/collect.log")"
out=$(collect --state-dir "$TMP/held" --stdout --pods "$TMP/none.json" \
    --file "$F/hami-shares.prom" --at 2026-11-01T00:02:00Z | event_shares | head -n 2 | tr '\n' ',')
check_eq "the next round reads the 120 s since the last one read (30 % and 50 % of GPU-aaaa)" \
    "team-a/infer-0 36000 -,team-b/embed-0 60000 -," "$out"
collect --state-dir "$TMP/wait" --stdout --pods "$F/hami-pods.json" \
    --file "$F/hami-pods-dcgm-t0.prom" --at 2026-11-01T00:00:00Z >/dev/null
rc=0
printf '{"items": [{"metadata": {' >"$TMP/cut.json"
for bad in bad.json cut.json; do
    n=$(collect --state-dir "$TMP/wait" --stdout --pods "$TMP/$bad" \
        --file "$F/hami-pods-dcgm-t1.prom" --at 2026-11-01T00:01:00Z | grep -c .) || rc=$?
    check_eq "pods $bad (no items array / cut off): exit 1, no event" "1 0" "$rc $n"
    rc=0
done
out=$(collect --state-dir "$TMP/wait" --stdout --pods "$F/hami-pods.json" \
    --file "$F/hami-pods-dcgm-t1.prom" --at 2026-11-01T00:02:00Z | event_shares | tr '\n' ',')
check_eq "the next round with the allocation bills the 120 s it waited, energy once" \
    "team-u/nolimit-0 120000 -,team-r/wait-0 36000 -,team-p/serve-0 24000 200000,\
team-q/train-1 96000 800001," "$out"
finish
