#!/bin/bash
# Fault scenario: the spool's disk fills up. A collector daemon keeps its
# state and spool on a 96 KiB tmpfs; the broker stops, and rounds fill the
# spool until writes fail with ENOSPC. A round that cannot be spooled is
# refused whole and its state rolled back, so the next round meters the
# same window again. The broker returns, the spool drains, rounds are
# spooled again, and the GPU time rated covers the run exactly, once.
# The tmpfs is mounted in a private mount namespace (unshare), so it
# vanishes with the test.
if [ -z "${GPUMETER_IN_MOUNT_NS:-}" ]; then
    rootless=()
    [ "$(id -u)" -eq 0 ] || rootless=(--map-root-user)
    exec env GPUMETER_IN_MOUNT_NS=1 unshare --mount "${rootless[@]}" bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a
F=$ROOT/tests/fixtures/ingest
S=$TMP/state
mkdir -p "$S"
mount -t tmpfs -o size=96k gpumeter-spool "$S"
check_eq "the state directory is a 96 KiB tmpfs" "tmpfs 96" \
    "$(df -k --output=fstype,size "$S" | tail -n 1 | xargs)"
batches() { find "$S/spool" -name '*.batch' 2>/dev/null | wc -l; }
refused() { grep -c "No space left on device" "$TMP/collector.log"; }
wait_for() { # seconds, condition...
    local n=$(($1 * 10))
    shift
    for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}
disk_full() { [ "$(refused)" -ge 3 ]; }
spool_empty() { [ "$(batches)" -eq 0 ]; }
delivered_again() { [ "$(topic_messages)" -gt "$before" ]; }

GPUMETER_QUIET=0 "$GM" collect dcgm --file "$F/dcgm-k8s-t0.prom" --interval 1 --state-dir "$S" \
    --timeout 60 2>"$TMP/collector.log" &
pid=$!
sleep 2
bash "$ROOT/scripts/services.sh" kafka-down >/dev/null
wait_for 90 disk_full
check_eq "with the broker down the spool fills the disk: rounds refused (ENOSPC)" 0 "$?"
kill -0 "$pid" 2>/dev/null
check_eq "the collector keeps running on a full disk" 0 "$?"
bash "$ROOT/scripts/services.sh" kafka-up >/dev/null
wait_for 120 spool_empty
check_eq "when the broker is back, the spool drains" 0 "$?"
before=$(topic_messages)
wait_for 30 delivered_again
check_eq "and rounds are spooled and delivered again" 0 "$?"
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM stops the daemon cleanly after delivering (exit 0)" 0 "$?"

events=$(sed -n 's/^gpumeter_collector_events_total{.*} //p' "$S/metrics.prom")
seqs=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%s\n' |
    grep -o '"seq":[0-9]*' | cut -d: -f2 | sort -n | uniq)
check_eq "every spooled event reached the topic, seq 1..N without a gap" \
    "$(seq 1 "$events" | xargs)" "$(echo $seqs | xargs)"
window=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%s\n' |
    grep -o '"start":"[^"]*","end":"[^"]*"' | sort | sed -n '1s/"start":"\([^"]*\)".*/\1/p;$s/.*"end":"\([^"]*\)"/\1/p')
first=$(date -d "$(echo "$window" | head -1)" +%s%3N)
last=$(date -d "$(echo "$window" | tail -1)" +%s%3N)
period=$(TZ=Asia/Shanghai date -d "@$((first / 1000))" +%Y-%m)
printf 'account,meter,model,quantity\nteam-a,gpu_ms,H800,%s\nteam-a,energy_mj,H800,0\n' \
    $((last - first)) >"$TMP/totals.csv"
"$GM" rate --until-idle 2>>"$TMP/collector.log"
"$GM" invoice run --period "$period" >/dev/null 2>&1
scenario "spool disk full (tmpfs, broker down)" "$(topic_messages)" "$TMP/totals.csv" "$period"
umount "$S"
finish
