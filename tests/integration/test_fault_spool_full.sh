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

collector_daemon_scenario "spool disk full (tmpfs, broker down)" "$S"
umount "$S"
finish
