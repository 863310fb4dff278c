#!/bin/sh
# gpumeter-conservation-textfile.sh DIR: runs `gpumeter conservation` and,
# when it reaches a verdict, writes DIR/gpumeter_conservation.prom for
# node_exporter's textfile collector (--collector.textfile.directory=DIR):
#
#   gpumeter_conservation_holds 1|0
#   gpumeter_conservation_last_verdict_timestamp_seconds <unix time>
#
# The file is replaced in one rename, so node_exporter never reads half of
# it. A run with no verdict (PostgreSQL unreachable, bad configuration)
# leaves the previous file as it was: the verdict's timestamp grows old and
# GpumeterConservationStale fires. Exits with gpumeter's status; its
# output goes to stdout/stderr for the scheduler's log. GPUMETER names the
# binary (default: gpumeter on PATH). Run it from a timer or cron, as the
# role `conservation` runs as (docs/operations.md#alerts-and-the-dashboard).
set -u
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: gpumeter-conservation-textfile.sh TEXTFILE-DIRECTORY (an existing directory)" >&2
    exit 2
fi
dir=$1
out=$(mktemp "$dir/.gpumeter_conservation.XXXXXX") || exit 1
log=$(mktemp) || { rm -f "$out"; exit 1; }
"${GPUMETER:-gpumeter}" conservation >"$log" 2>&1
rc=$?
cat "$log"
# The verdict line is `conservation: holds` or `conservation: VIOLATED`.
verdict=$(sed -n 's/^conservation: \(holds\|VIOLATED\)$/\1/p' "$log" | tail -n 1)
rm -f "$log"
if [ -z "$verdict" ]; then
    rm -f "$out"
    echo "gpumeter-conservation-textfile.sh: no verdict (exit status $rc); $dir/gpumeter_conservation.prom left as it was" >&2
    [ "$rc" -ne 0 ] || rc=1
    exit "$rc"
fi
holds=0
[ "$verdict" = holds ] && [ "$rc" -eq 0 ] && holds=1
cat >"$out" <<PROM
# HELP gpumeter_conservation_holds 1 when the last gpumeter conservation verdict was holds, 0 when VIOLATED.
# TYPE gpumeter_conservation_holds gauge
gpumeter_conservation_holds $holds
# HELP gpumeter_conservation_last_verdict_timestamp_seconds When gpumeter conservation last reached a verdict.
# TYPE gpumeter_conservation_last_verdict_timestamp_seconds gauge
gpumeter_conservation_last_verdict_timestamp_seconds $(date +%s)
PROM
chmod 644 "$out"
mv -f "$out" "$dir/gpumeter_conservation.prom"
exit "$rc"
