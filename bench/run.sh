#!/bin/bash
# make bench: measures on the local real services and writes bench/REPORT.md.
# Sizes: BENCH_EVENTS (1,000,000 events per produce run), BENCH_RUNS (3).
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
EVENTS=${BENCH_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-3}
export GPUMETER_QUIET=1
export GPUMETER_TOPIC=gpumeter.bench.v1
"$ROOT/build/gpumeter" topics >/dev/null
out=$("$ROOT/build/bench/bench_ingest" "$EVENTS" "$RUNS")
val() { printf '%s\n' "$out" | sed -n "s/^$1 //p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cores=$(nproc)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
rdk=$(dpkg-query -W -f='${Version}' librdkafka-dev)
cat >"$ROOT/bench/REPORT.md" <<REPORT
# gpumeter benchmark report

Measured by \`make bench\` on $(date -u +%Y-%m-%d): $cores cores, $mem, Debian $(cat /etc/debian_version),
librdkafka $rdk, Kafka 4.1.1 (local single broker, KRaft), PostgreSQL 15. Every
figure is the median of $RUNS runs; each ratio compares two loops measured side
by side in the same run.

## Ingest

| figure | value | limit | ratio |
|---|---|---|---|
| parse + meter an 8-GPU dcgm scrape ($(val parse_scrape_bytes) bytes, 40 metrics per GPU) | $(val parse_scrape_us) µs | 1000 µs (target) | $(ratio "$(val parse_scrape_us)" 1000) of the target |
| collector delivery: spool commit + idempotent produce until acknowledged | $(val produce_collector_per_s) events/s | bare librdkafka loop, same messages and settings: $(val produce_bare_per_s) events/s | $(ratio "$(val produce_collector_per_s)" "$(val produce_bare_per_s)") |

$(val produce_events) events of $(val produce_message_bytes) bytes per produce run, 64 sources.
REPORT
cat "$ROOT/bench/REPORT.md"
