#!/bin/bash
# make bench: measures on the local real services and writes bench/REPORT.md.
# Sizes: BENCH_EVENTS (1,000,000 events per produce run), BENCH_RATE_EVENTS
# (1,000,000 events rated per run), BENCH_RUNS (3).
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
EVENTS=${BENCH_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-3}
export GPUMETER_QUIET=1
export GPUMETER_TOPIC=gpumeter.bench.v1
"$ROOT/build/gpumeter" topics >/dev/null
RATE_EVENTS=${BENCH_RATE_EVENTS:-1000000}
out=$("$ROOT/build/bench/bench_ingest" "$EVENTS" "$RUNS")

# Rating: one topic of dcgm-like events, rated into a fresh database per run,
# next to a bare consumer reading the same topic, alternating.
export GPUMETER_TOPIC="gpumeter.bench.rate.$(date +%s)"
DB=gpumeter_bench
export GPUMETER_PG="host=127.0.0.1 port=$PG_PORT dbname=$DB user=gpumeter"
psql_bench() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d "$DB" "$@"; }
"$ROOT/build/gpumeter" topics >/dev/null
echo "bench: producing $RATE_EVENTS events to $GPUMETER_TOPIC" >&2
"$ROOT/build/bench/bench_rate" produce "$RATE_EVENTS"
bare_rates=() rater_rates=() rss=() commit_share=()
for r in $(seq 1 "$RUNS"); do
    echo "bench: rating run $r of $RUNS" >&2
    bare_rates+=("$("$ROOT/build/bench/bench_rate" consume "$RATE_EVENTS")")
    dropdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter --if-exists "$DB"
    createdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter "$DB"
    "$ROOT/build/gpumeter" migrate
    "$ROOT/scripts/seed.sh" "$ROOT/build/gpumeter"
    psql_bench -c "INSERT INTO account SELECT 'ns-' || lpad(g::text, 2, '0'), id
                   FROM customer, generate_series(0, 19) g WHERE code = 'alpha'"
    set -- $(GPUMETER_QUIET=0 GPUMETER_GROUP="bench-rate-$r-$$" "$ROOT/build/bench/bench_rate" \
        run "$RATE_EVENTS" "$ROOT/build/gpumeter" rate --until-idle --batch 100000 \
        --batch-ms 5000 2>"$ROOT/build/bench-rate.log")
    rater_rates+=("$1")
    rss+=("$2")
    commit=$(sed -n 's/.*(\([0-9.]*\) s committing).*/\1/p' "$ROOT/build/bench-rate.log")
    commit_share+=("$(awk -v c="$commit" -v n="$RATE_EVENTS" -v r="$1" 'BEGIN { printf "%.2f", c / (n / r) }')")
    [ "$(psql_bench -tAc "SELECT sum(rated) FROM rating_counter")" = "$RATE_EVENTS" ] ||
        { echo "bench: the rater did not rate every event" >&2; exit 1; }
done
dropdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter --if-exists "$DB"
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
bare=$(median "${bare_rates[@]}")
rater=$(median "${rater_rates[@]}")
peak=$(median "${rss[@]}")
share=$(median "${commit_share[@]}")
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

## Rating

| figure | value | limit | ratio |
|---|---|---|---|
| rater: consume, decode, dedup, split, commit to PostgreSQL (\`rate --until-idle --batch 100000\`) | $rater events/s | bare librdkafka consume loop over the same topic: $bare events/s | $(ratio "$rater" "$bare") |
| rater peak RSS (100,000-event batches) | $((peak / 1024)) MiB | | |
| share of the rater's wall time in batch flushes (dedup, classification, hourly merge, the PostgreSQL transaction) | $share | | |

$RATE_EVENTS events per run: 2,000 GPUs on 250 nodes (one source each), 30-second
windows, 20 accounts, so each batch merges about 50 windows per GPU into hourly
rows. The goal of 1,000,000 events/s and half the bare consumer is **not met**
on this 2-core machine. What bounds it, from \`perf\` on a frame-pointer build
of the rater's main thread: decoding each JSON event (cJSON's parse with one
allocation per node, strtod, field validation) takes about 45% of its CPU,
and the batch flush about 50%, half of that merging events into hourly cells
(hashing and comparing their key strings). PostgreSQL is not the bound for
this stream: a batch of 100,000 events writes about 2,000 rows. The bare
consumer never parses a message, so the ratio is mostly the cost of JSON per
event. Next steps, not taken: decode on a second thread, intern key strings
once per batch, and a leaner decoder than cJSON's tree.
REPORT
cat "$ROOT/bench/REPORT.md"
