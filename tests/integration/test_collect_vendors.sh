#!/bin/bash
# collect metax (MetaX mx-exporter, board power in mW) and collect iluvatar
# (Iluvatar ix-exporter, W) on the fixtures in tests/fixtures/ingest: MetaX
# through the spool, the real broker and the rater (exact GPU-ms and mJ in
# PostgreSQL under the catalogue's domestic model); Iluvatar's published
# README sample and pod scrapes with --stdout; bad lines counted with their
# reasons; a bad flag exits 2.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-mx
F=$ROOT/tests/fixtures/ingest
collect() { "$GM" collect "$@" 2>>"$TMP/collect.log"; }

# two MXC500 on mx-node1: the pod's for 30 s at (215433 + 284568) / 2 mW
rc=0
collect metax --file "$F/metax-t0.prom" --at 2026-11-01T00:00:00Z --state-dir "$TMP/mx" || rc=1
collect metax --file "$F/metax-t1.prom" --at 2026-11-01T00:00:30Z --state-dir "$TMP/mx" || rc=1
check_eq "every collect metax run exits 0" 0 "$rc"
check_eq "2 events (usage, capacity) reached the topic" 2 "$(topic_messages)"
"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "rater: 2 consumed, 2 rated" "2 2 0 0"
got=$(rated_totals)
# 500001 / 2 mW x 30000 ms = 7500015000 mW-ms = 7500015 mJ: the mW kept whole
check_eq "rated GPU-ms and energy are exact, in mJ from mW, as MetaX MXC500" \
    "team-mx MXC500 metax energy_mj 7500015, team-mx MXC500 metax gpu_ms 30000" "$got"
check_eq "capacity of mx-node1: 2 GPUs x 30 s, the idle one (61250 + 61750) / 2 mW x 30 s" \
    "mx-node1|MXC500|60000|30000|1845000" \
    "$(q "SELECT node, model, sum(installed_ms), sum(allocated_ms), sum(idle_energy_mj)
          FROM capacity_hourly GROUP BY node, model")"

# Iluvatar: the published README sample, three idle GPUs (node_name="": --node)
out=$(GPUMETER_QUIET=0 "$GM" collect iluvatar --file "$F/iluvatar-ix-exporter-readme-3gpu.prom" \
    --at 2026-11-01T00:00:00Z --state-dir "$TMP/readme" --node ix-host --stdout 2>&1)
check_eq "the README sample's baseline round exits 0" 0 "$?"
check_match "with no event and no bad line" " 0 events, 0 bad lines," "$out"
out=$(GPUMETER_QUIET=0 "$GM" collect iluvatar --file "$F/iluvatar-ix-exporter-readme-3gpu.prom" \
    --at 2026-11-01T00:00:30Z --state-dir "$TMP/readme" --node ix-host --stdout 2>&1)
check_match "30 s later its BI-V100 is idle capacity at 54 W x 30 s" \
    '"node":"ix-host","model":"Iluvatar BI-V100","vendor":"iluvatar",.*"devices":1,"allocated_ms":0,"idle_energy_mj":1620000}' "$out"
check_match "and its MR-V50 at 131 W x 30 s" \
    '"model":"Iluvatar MR-V50",.*"allocated_ms":0,"idle_energy_mj":3930000}' "$out"
check_match "3 idle units, 90000 GPU-ms unallocated" "3 idle units [(]90000 GPU-ms unallocated[)]" "$out"

# Iluvatar pods and the map by UUID: bert-0 at (206 + 210.5) / 2 W x 30 s
"$GM" collect iluvatar --file "$F/iluvatar-t0.prom" --at 2026-11-01T00:00:00Z \
    --state-dir "$TMP/ix" --stdout >/dev/null 2>>"$TMP/collect.log"
out=$("$GM" collect iluvatar --file "$F/iluvatar-t1.prom" --at 2026-11-01T00:00:30Z \
    --state-dir "$TMP/ix" --account-map "$F/vendors.map" --stdout 2>>"$TMP/collect.log")
check_eq "the pod scrape exits 0" 0 "$?"
check_match "bert-0's BI-V150S: 30000 GPU-ms and 6247500 mJ" \
    '"account":"team-ix",.*"model":"Iluvatar BI-V150S","vendor":"iluvatar","job":"bert-0",.*"gpu_ms":30000,"energy_mj":6247500}' "$out"
check_match "the map's gpu:<uuid> takes the bare-metal BI-V100: 1635000 mJ" \
    '"account":"team-ix-map",.*"model":"Iluvatar BI-V100",.*"gpu_ms":30000,"energy_mj":1635000}' "$out"

# malformed lines: each a bad line with its reason, the good line still read
out=$(GPUMETER_QUIET=0 "$GM" collect metax --file "$F/metax-bad.prom" --at 2026-11-01T00:00:00Z \
    --state-dir "$TMP/bad" --stdout 2>&1)
check_eq "a scrape with bad lines and a good one exits 0" 0 "$?"
check_match "its 5 bad lines are counted" " 0 events, 5 bad lines," "$out"
for why in "metax-bad.prom:2: skipped: unknown metric DCGM_FI_DEV_POWER_USAGE" \
    "metax-bad.prom:3: skipped: uuid of mx_board_power is missing" \
    "metax-bad.prom:4: skipped: value of mx_board_power is not valid" \
    "metax-bad.prom:5: skipped: mx_board_power is not a plausible non-negative number" \
    "metax-bad.prom:6: skipped: mx_sgpu_usage of pod infer-1: shares of a chip are not metered yet"; do
    check_match "reason given: ${why#*skipped: }" "$why" "$out"
done
printf 'dcu_power_usage{device_id="T8R1380013061601",node="dcunode3"} 210\n' >"$TMP/other.prom"
out=$(GPUMETER_QUIET=0 "$GM" collect iluvatar --file "$TMP/other.prom" --at 2026-11-01T00:00:00Z \
    --state-dir "$TMP/other" --stdout 2>&1)
check_eq "another exporter's scrape is unusable: exit 1" 1 "$?"
check_match "and says so" "unusable input: no accelerator in it [(]1 bad lines[)]" "$out"

# mx-exporter names without the mx_ prefix (a renamed default-counters.csv):
# their identity and unit are unpublished, so refused whole, not idle GPUs
printf 'bway_power{deviceId="0",wayId="0"} 215433\ngpu_usage{deviceId="0"} 97\n' >"$TMP/mc550.prom"
out=$(GPUMETER_QUIET=0 "$GM" collect metax --file "$TMP/mc550.prom" --at 2026-11-01T00:00:00Z \
    --state-dir "$TMP/mc550" --stdout 2>&1)
check_eq "a scrape of unprefixed MetaX names is unusable: exit 1" 1 "$?"
check_match "its 2 lines are bad lines, no GPU read" "unusable input: no accelerator in it [(]2 bad lines[)]" "$out"

for src in metax iluvatar; do
    "$GM" collect $src --state-dir "$TMP/x" --bogus >/dev/null 2>&1
    check_eq "collect $src: an unknown flag exits 2" 2 "$?"
done
finish
