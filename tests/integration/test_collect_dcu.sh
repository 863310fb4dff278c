#!/bin/bash
# collect dcu (Hygon dcu-exporter) on the fixtures in tests/fixtures/ingest,
# through the spool, the real broker and the rater: exact GPU-ms and energy
# in PostgreSQL under the catalogue's domestic Hygon model; the published
# README sample; bad lines counted with their reasons; a bad flag exits 2.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-dcu team-dcu-map
F=$ROOT/tests/fixtures/ingest
collect() { "$GM" collect dcu "$@" 2>>"$TMP/collect.log"; }

# three scrapes of two K100_AI on dcunode3: the pod's DCU for 30 s + 60 s;
# the other, without pod labels, is the map's from the second window on
printf 'gpu:dcunode3/dcu-T8R1380019021101 team-dcu-map\n' >"$TMP/dcu.map"
rc=0
collect --file "$F/dcu-t0.prom" --at 2026-11-01T00:00:00Z --state-dir "$TMP/dcu" || rc=1
collect --file "$F/dcu-t1.prom" --at 2026-11-01T00:00:30Z --state-dir "$TMP/dcu" || rc=1
collect --file "$F/dcu-t2.prom" --at 2026-11-01T00:01:30Z --state-dir "$TMP/dcu" \
    --account-map "$TMP/dcu.map" || rc=1
check_eq "every collect dcu run exits 0" 0 "$rc"
# rounds 2 and 3: one usage and one capacity event each, plus the mapped DCU's
check_eq "5 events reached the topic" 5 "$(topic_messages)"
"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "rater: 5 consumed, 5 rated" "5 5 0 0"
got=$(rated_usage)
# team-dcu: 30000 + 60000 GPU-ms; (200+250)/2 W x 30 s + (250+150.5)/2 W x 60 s
# = 6750000 + 12015000 mJ. team-dcu-map: 60 s at (60+60.5)/2 W = 3615000 mJ.
check_eq "rated GPU-ms and energy per account are exact, as Hygon DCUK100AI" \
    "team-dcu DCUK100AI hygon energy_mj 18765000, team-dcu DCUK100AI hygon gpu_ms 90000, \
team-dcu-map DCUK100AI hygon energy_mj 3615000, team-dcu-map DCUK100AI hygon gpu_ms 60000" "$got"
check_eq "capacity of dcunode3: 2 DCUs x 90 s, 30 s of one idle drawing 1800000 mJ" \
    "dcunode3|DCUK100AI|180000|150000|1800000" \
    "$(q "SELECT node, model, sum(installed_ms), sum(allocated_ms), sum(idle_energy_mj)
          FROM capacity_hourly GROUP BY node, model")"

# the published README sample: two idle DCUs, its closing "..." a bad line
out=$(GPUMETER_QUIET=0 "$GM" collect dcu --file "$F/dcu-exporter-v2-readme-2dcu.prom" \
    --at 2026-11-01T00:00:00Z --state-dir "$TMP/readme" --model K100 --stdout 2>&1)
check_eq "the README sample's baseline round exits 0" 0 "$?"
check_match "and counts the README's \"...\" as its one bad line" " 0 events, 1 bad lines," "$out"
out=$(GPUMETER_QUIET=0 "$GM" collect dcu --file "$F/dcu-exporter-v2-readme-2dcu.prom" \
    --at 2026-11-01T00:00:30Z --state-dir "$TMP/readme" --model K100 --stdout 2>&1)
check_match "30 s later its two DCUs are idle capacity of --model's K100" \
    '"node":"dcunode3","model":"K100","vendor":"hygon",.*"devices":2,"allocated_ms":0}' "$out"
check_match "and 60000 GPU-ms unallocated" "2 idle units [(]60000 GPU-ms unallocated[)]" "$out"

# malformed lines: each a bad line with its reason, the good line still read
out=$(GPUMETER_QUIET=0 "$GM" collect dcu --file "$F/dcu-bad.prom" --at 2026-11-01T00:00:00Z \
    --state-dir "$TMP/bad" --stdout 2>&1)
check_eq "a scrape with bad lines and a good one exits 0" 0 "$?"
check_match "its 6 bad lines are counted" " 0 events, 6 bad lines," "$out"
for why in "dcu-bad.prom:3: skipped: unknown metric gpu_power_usage" \
    "dcu-bad.prom:4: skipped: device_id of dcu_power_usage is missing or not valid" \
    "dcu-bad.prom:5: skipped: value of dcu_power_usage is missing or not valid" \
    "dcu-bad.prom:6: skipped: dcu_power_usage is not a plausible non-negative number" \
    "dcu-bad.prom:7: skipped: vDCU 3 of T8R1380019021101: compute-unit shares are not metered yet"; do
    check_match "reason given: ${why#*skipped: }" "$why" "$out"
done

"$GM" collect dcu --state-dir "$TMP/x" --bogus >/dev/null 2>&1
check_eq "an unknown flag exits 2" 2 "$?"
finish
