#!/bin/bash
# collect npu-smi (Huawei `npu-smi info` tables) on the published tables in
# tests/fixtures/ingest: time per die, the card's power integrated once and
# split over its dies (A3: two dies, power on chip 0's row, "-" on chip 1's),
# exact GPU-ms and energy in PostgreSQL under the catalogue's domestic Huawei
# model; an A2 table; the npu-smi command itself; malformed rows as bad lines
# with their reasons; a bad flag exits 2.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-die0 team-die1
F=$ROOT/tests/fixtures/ingest
A3=$F/a3-ascend910-2chip-npu-smi-26rc2-vllmascend12980.txt
events() { sed -n 's/.*"account":"\([^"]*\)".*"model":"\([^"]*\)".*"gpu_ms":\([0-9]*\)\(,"energy_mj":\([0-9]*\)\)\{0,1\}}$/\1 \2 \3 \5/p'; }

# the A3 card's two dies held by two accounts (the map's gpu:<node>/npu-<phy-id>)
printf 'gpu:a3node/npu-0 team-die0\ngpu:a3node/npu-1 team-die1\n' >"$TMP/a3.map"
rc=0
for t in 00 30; do
    "$GM" collect npu-smi --file "$A3" --at "2026-11-01T00:00:${t}Z" --node a3node \
        --account-map "$TMP/a3.map" --state-dir "$TMP/a3" 2>>"$TMP/collect.log" || rc=1
done
check_eq "both collect npu-smi runs exit 0" 0 "$rc"
check_eq "2 usage events and 1 capacity event reached the topic" 3 "$(topic_messages)"
"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "rater: 3 consumed, 3 rated" "3 3 0 0"
got=$(q "SELECT string_agg(account || ' ' || model || ' ' || vendor || ' ' || meter || ' ' || total,
                           ', ' ORDER BY account, meter)
         FROM (SELECT account, model, vendor, meter, sum(quantity) AS total FROM usage_hourly
               GROUP BY account, model, vendor, meter) t")
# each die: 30 s, and half the card's 162.6 W x 30 s = 2439000 mJ; the card's
# 4878000 mJ counted once in all, never once per die
check_eq "each die's GPU-ms and half the card's energy, as Huawei Ascend910C" \
    "team-die0 Ascend910C huawei energy_mj 2439000, team-die0 Ascend910C huawei gpu_ms 30000, \
team-die1 Ascend910C huawei energy_mj 2439000, team-die1 Ascend910C huawei gpu_ms 30000" "$got"
check_eq "capacity of a3node: 2 dies x 30 s, all allocated, no idle energy" \
    "a3node|Ascend910C|60000|60000|0" \
    "$(q "SELECT node, model, sum(installed_ms), sum(allocated_ms), sum(idle_energy_mj)
          FROM capacity_hourly GROUP BY node, model")"

# one die allocated, its sibling idle: the idle die's half is idle energy
printf 'gpu:a3node/npu-1 team-die1\n' >"$TMP/one.map"
for t in 00 30; do
    out=$("$GM" collect npu-smi --file "$A3" --at "2026-11-01T00:00:${t}Z" --node a3node \
        --account-map "$TMP/one.map" --state-dir "$TMP/one" --stdout 2>/dev/null)
done
check_eq "a die alone gets its GPU-ms and half the card's energy" \
    "team-die1 Ascend910_93 30000 2439000" "$(events <<<"$out")"
check_match "the idle die's half is the capacity's idle energy" \
    '"devices":2,"allocated_ms":30000,"idle_energy_mj":2439000}' "$out"

# A2 (npu-smi 25.2.0, one die per NPU, no Phy-ID column), --account for all
A2=$F/a2-910b4-npu-smi-25.2.0-hamiwebui47.txt
for t in 00:00 01:00; do
    out=$("$GM" collect npu-smi --file "$A2" --at "2026-11-01T00:${t}Z" --account acme \
        --state-dir "$TMP/a2" --stdout 2>/dev/null)
done
check_eq "A2: each NPU its own power, 91.3 W and 88.1 W x 60 s" \
    "acme 910B4-1 60000 5478000
acme 910B4-1 60000 5286000" "$(events <<<"$out")"

# A2 on npu-smi 24.1.1 (910B4, real Bus-Ids): the same layout, read alike
A2=$F/a2-910b4-npu-smi-24.1.1-1panel9472.txt
for t in 00 10; do
    out=$("$GM" collect npu-smi --file "$A2" --at "2026-11-01T00:00:${t}Z" --account acme \
        --state-dir "$TMP/a2-24" --stdout 2>/dev/null)
done
check_eq "A2 on npu-smi 24.1.1: 88.2 W and 87.0 W x 10 s" \
    "acme 910B4 10000 882000
acme 910B4 10000 870000" "$(events <<<"$out")"

# 310P (npu-smi 22.0.4): the Device column names the die (NPU 7's chip is
# device 0, so the map's gpu:<node>/npu-0), "NA" power is no reading
printf 'gpu:n310/npu-0 team-die0\n' >"$TMP/310.map"
for t in 00 30; do
    out=$("$GM" collect npu-smi --file "$F/310p3-npu-smi-22.0.4-hami-doc.txt" --node n310 \
        --at "2026-11-01T00:00:${t}Z" --account-map "$TMP/310.map" --state-dir "$TMP/310p" \
        --stdout 2>/dev/null)
done
check_eq "310P: the die by its Device column, NA power: GPU-ms, no energy" \
    "team-die0 310P3 30000 " "$(events <<<"$out")"
# 310B SoCs: a chip row whose Bus-Id is NA, or a table without Bus-Id column
socs=""
for f in 310b1-npu-smi-23.0.rc3 310b4-npu-smi-nobusid; do
    for t in 00 30; do
        out=$(GPUMETER_QUIET=0 "$GM" collect npu-smi --file "$F/$f.txt" --account acme \
            --at "2026-11-01T00:00:${t}Z" --state-dir "$TMP/$f" --stdout 2>&1)
    done
    socs+="$(events <<<"$out")|$(grep -o ' [0-9]* bad lines' <<<"$out");"
done
check_eq "310B: a chip row told by its numbers; 8.9 W and 0.0 W x 30 s" \
    "acme 310B1 30000 267000| 0 bad lines;acme 310B4 30000 0| 0 bad lines;" "$socs"

# "-" is no reading: a die whose card's power row is absent has time only
P=$F/a3-ascend910-npu-smi-26rc2-processes-vllmascend12980.txt
for t in 00 30; do
    out=$(GPUMETER_QUIET=0 "$GM" collect npu-smi --file "$P" --at "2026-11-01T00:00:${t}Z" \
        --account acme --state-dir "$TMP/procs" --stdout 2>&1)
done
check_eq "a die with \"-\" power and no card row: GPU-ms, no energy" \
    "acme Ascend910_93 30000 " "$(events <<<"$out")"
check_match "and the process table is no bad line" " 2 events, 0 bad lines," "$out"

# without --file, collect npu-smi runs `npu-smi info`
mkdir -p "$TMP/bin"
printf '#!/bin/sh\n[ "$1" = info ] && exec cat "%s"\nexit 3\n' "$A3" >"$TMP/bin/npu-smi"
chmod +x "$TMP/bin/npu-smi"
for t in 00 30; do
    out=$(PATH=$TMP/bin:$PATH "$GM" collect npu-smi --at "2026-11-01T00:00:${t}Z" --node a3node \
        --account acme --state-dir "$TMP/cmd" --stdout 2>/dev/null)
done
check_eq "it runs npu-smi info itself when given no --file" \
    "acme Ascend910_93 30000 2439000
acme Ascend910_93 30000 2439000" "$(events <<<"$out")"

# malformed rows: each a bad line with its reason, the good rows still read
cat >"$TMP/bad.txt" <<'TABLE'
| NPU   Name                | Health        | Power(W)    Temp(C)      |
| Chip  Phy-ID              | Bus-Id        | AICore(%)   HBM-Usage(MB) |
| 0     Ascend910           | OK            | abc         36           |
| 0     0                   | 0000:9D:00.0  | 0           3416 / 65536 |
| 1     Ascend910           | OK            | 150         36           |
| 0     1                   | 0000:9F:00.0  | 0           3195 / 65536 |
| 0     9                   | 0000:99:00.0  | 0           3195 / 65536 |
| 2     Ascend910           | OK            | 150         36           |
| 0     x                   | 0000:98:00.0  | 0           3195 / 65536 |
garbage
TABLE
out=$(GPUMETER_QUIET=0 "$GM" collect npu-smi --file "$TMP/bad.txt" --at 2026-11-01T00:00:00Z \
    --state-dir "$TMP/bad" --stdout 2>&1)
check_eq "a table with bad rows and good ones exits 0" 0 "$?"
check_match "its 4 bad lines are counted" " 0 events, 4 bad lines," "$out"
for why in "bad.txt:3: skipped: power abc is not a number of watts" \
    "bad.txt:7: skipped: chip row without its NPU row" \
    "bad.txt:9: skipped: chip and Phy-ID not understood" \
    "bad.txt:10: skipped: not a row of the npu-smi info table"; do
    check_match "reason given: ${why#*skipped: }" "$why" "$out"
done
printf 'NPU-SMI is not installed\n' >"$TMP/none.txt"
"$GM" collect npu-smi --file "$TMP/none.txt" --at 2026-11-01T00:00:00Z --state-dir "$TMP/none" \
    --stdout >/dev/null 2>"$TMP/none.err"
check_eq "an input without the table is unusable: exit 1" 1 "$?"
check_match "and says why" "unusable input: no npu-smi info table heading" "$(cat "$TMP/none.err")"

"$GM" collect npu-smi --state-dir "$TMP/x" --bogus >/dev/null 2>&1
check_eq "an unknown flag exits 2" 2 "$?"
"$GM" collect npu-smi --state-dir "$TMP/x" --model X >/dev/null 2>&1
check_eq "--model (npu-smi names its model) exits 2" 2 "$?"
finish
