#!/bin/bash
# make bench, freshness: from a collector's scrape to the customer's
# GET /v1/usage showing it, at the load of a 10,000-GPU fleet scraped every
# 15 s. bench/run.sh runs it and puts its section into bench/REPORT.md; run
# alone (services up, build/gpumeter and build/bench/bench_fresh built) it
# prints the section: `bash bench/freshness.sh`.
#
# Real processes as deployed: COLLECTORS `gpumeter collect dcgm` daemons,
# each scraping NODES / COLLECTORS nodes of bench_fresh's fake exporter every
# INTERVAL s; RATERS `gpumeter rate` in one group with their default batch
# settings (or BENCH_FRESH_BATCH_MS); `gpumeter serve` with its response
# cache on. bench_fresh measures (bench/bench_fresh.c).
# Sizes: BENCH_FRESH_NODES (1250, of 8 GPUs), BENCH_FRESH_COLLECTORS (10),
# BENCH_FRESH_RATERS (1: more raters sharing the same customers queue on
# their usage versions, docs/scaling.md#freshness), BENCH_FRESH_PROBE_EVERY (5: a probe GPU on every
# 5th node, 250 probe customers), BENCH_FRESH_SECONDS (100 of scrapes
# measured), BENCH_FRESH_INTERVAL (15), BENCH_FRESH_BATCH_MS (the rater's
# default).
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
fsay() { printf 'bench: freshness [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }
NODES=${BENCH_FRESH_NODES:-1250}
COLLECTORS=${BENCH_FRESH_COLLECTORS:-10}
RATERS=${BENCH_FRESH_RATERS:-1}
PROBE_EVERY=${BENCH_FRESH_PROBE_EVERY:-5}
MEASURE_S=${BENCH_FRESH_SECONDS:-100}
INTERVAL=${BENCH_FRESH_INTERVAL:-15}
BATCH_MS=${BENCH_FRESH_BATCH_MS:-}
GM=$ROOT/build/gpumeter
DB=gpumeter_bench_fresh
# Ports from the services' own, as the test lanes derive theirs (+9 is
# outside the lanes' +2 and +3 and the controller's +1).
EXPORTER_PORT=$((KAFKA_PORT + 9))
API_PORT=$((PG_PORT + 9))
RATER_METRICS_PORT=$((PG_PORT + 10))
export GPUMETER_QUIET=1
export GPUMETER_TOPIC="gpumeter.bench.fresh.$(date +%s)"
export GPUMETER_GROUP="gpumeter-bench-fresh-$(date +%s)"
export GPUMETER_PG="host=127.0.0.1 port=$PG_PORT dbname=$DB user=gpumeter"
work=$ROOT/build/bench-fresh
rm -rf "$work" && mkdir -p "$work"
pids=()
cleanup() {
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
    wait 2>/dev/null || true
}
trap cleanup EXIT
start=$SECONDS
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

dropdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter --if-exists "$DB" 2>/dev/null
createdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter "$DB"
"$GM" migrate >/dev/null
probes=$((NODES / PROBE_EVERY))
psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d "$DB" -v probes="$probes" \
    -f "$ROOT/bench/fresh-customers.sql"
key=$("$GM" customer key create --finance 2>/dev/null)
"$GM" topics >/dev/null

GPUMETER_API_RATE=1000000 "$GM" serve --listen "127.0.0.1:$API_PORT" 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$API_PORT/healthz" >/dev/null && break; sleep 0.1; done
for r in $(seq 1 "$RATERS"); do
    "$GM" rate ${BATCH_MS:+--batch-ms "$BATCH_MS"} --metrics "127.0.0.1:$((RATER_METRICS_PORT + r - 1))" \
        2>"$work/rate-$r.log" &
    pids+=($!)
done

fsay "$NODES nodes of 8 GPUs, $COLLECTORS collectors, $RATERS rater(s), $probes probes, ${MEASURE_S} s"
"$ROOT/build/bench/bench_fresh" "$EXPORTER_PORT" "$NODES" "$PROBE_EVERY" "$MEASURE_S" \
    "http://127.0.0.1:$API_PORT" "$key" >"$work/fresh.out" 2>"$work/fresh.log" &
fresh=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$EXPORTER_PORT/" && break; sleep 0.1; done
# Each collector takes a contiguous share of the nodes, as a daemon per rack
# or per node pool would.
per=$(((NODES + COLLECTORS - 1) / COLLECTORS))
for c in $(seq 0 $((COLLECTORS - 1))); do
    urls=()
    for n in $(seq $((c * per + 1)) $(((c + 1) * per))); do
        [ "$n" -le "$NODES" ] && urls+=("http://127.0.0.1:$EXPORTER_PORT/node/$n/metrics")
    done
    mkdir -p "$work/collector-$c"
    "$GM" collect dcgm --interval "$INTERVAL" --state-dir "$work/collector-$c" --cluster bench \
        --site bench "${urls[@]}" 2>"$work/collector-$c.log" &
    pids+=($!)
done
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# PostgreSQL's CPU: its processes' (the postmaster's children) over the
# measured run; a backend that ends before the second reading is not
# counted, and the raters' and the server's live through it.
# (The data directory is the postgres user's: unreadable, the figure is 0.)
postmaster=$(head -n 1 "$STATE/pg/data/postmaster.pid" 2>/dev/null || echo 0)
pg_cpu() {
    local t=0 p
    [ "$postmaster" -gt 0 ] || { echo 0; return; }
    for p in $(ps --ppid "$postmaster" -o pid=); do t=$((t + $(cpu "$p"))); done
    echo $t
}
pg_before=$(pg_cpu)
measure_start=$SECONDS
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
wait "$fresh" || { cat "$work/fresh.log" >&2; exit 1; }
pg_used=$(($(pg_cpu) - pg_before)) measured_s=$((SECONDS - measure_start))
tick=$(getconf CLK_TCK)
collector_cpu=0 rater_cpu=0
for p in "${pids[@]:$((1 + RATERS))}"; do collector_cpu=$((collector_cpu + $(cpu "$p"))); done
for p in "${pids[@]:1:$RATERS}"; do rater_cpu=$((rater_cpu + $(cpu "$p"))); done
serve_cpu=$(cpu "${pids[0]}")
# The raters' own account of their commits: batches, events in them, and the
# milliseconds their commit thread spent in PostgreSQL.
commits=0 batch_events=0 commit_ms=0
for r in $(seq 1 "$RATERS"); do
    m=$(curl -s "http://127.0.0.1:$((RATER_METRICS_PORT + r - 1))/metrics")
    commits=$((commits + $(echo "$m" | awk '/^gpumeter_rater_commits_total / { print $2 }')))
    batch_events=$((batch_events + $(echo "$m" | awk '/^gpumeter_rater_batch_events_sum / { print $2 }')))
    commit_ms=$((commit_ms + $(echo "$m" | awk '/^gpumeter_rater_commit_ms_sum / { print $2 }')))
done
events=$(psql -X -tA -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d "$DB" -c "SELECT sum(rated) FROM rating_counter")
cleanup
pids=()
dropdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter --if-exists "$DB" 2>/dev/null
elapsed=$((SECONDS - start))
fsay "done in ${elapsed} s"

val() { sed -n "s/^$1 //p" "$work/fresh.out"; }
# No sample means no usage ever showed: a broken pipeline, not a figure.
[ "$(val fresh_samples)" -gt 0 ] || { echo "freshness: no scrape's usage showed in /v1/usage" >&2; exit 1; }
batch_ms=${BATCH_MS:-1000}
cat <<SECTION
## Freshness

| figure | value | limit | ratio |
|---|---|---|---|
| from a collector's scrape (the exporter's answer) to the customer's \`GET /v1/usage\` showing it, p50 / p99 (max) | $(val fresh_p50_ms) ms / $(val fresh_p99_ms) ms ($(val fresh_max_ms) ms) | p99 5,000 ms (goal) | $(awk -v p="$(val fresh_p99_ms)" 'BEGIN { printf "%.2f", p / 5000 }') of the goal |
| of which the scrape to the event in Kafka (the collector's round: every node of its share scraped, metered, spooled with fsync, produced and acknowledged; a consumer's fetch) | $(val fresh_delivered_p50_ms) ms / $(val fresh_delivered_p99_ms) ms | | |
| of which Kafka to the usage committed in PostgreSQL (the rater's batch: \`--batch-ms\` $batch_ms, and its commit) | $(val fresh_committed_p50_ms) ms / $(val fresh_committed_p99_ms) ms | | |
| the rater's commits (its metrics): batches, events per batch, ms per commit | $commits, $(awk -v e="$batch_events" -v c="$commits" 'BEGIN { printf "%.0f", c ? e / c : 0 }'), $(awk -v m="$commit_ms" -v c="$commits" 'BEGIN { printf "%.0f", c ? m / c : 0 }') ms | | |
| of which committed to shown by \`GET /v1/usage\` (the response cache's version check and a recompute; the 50 ms poll) | $(val fresh_shown_p50_ms) ms / $(val fresh_shown_p99_ms) ms | | |
| the watchers' sweep (PostgreSQL, then \`GET /v1/usage\` of each probe with a scrape not yet shown), every 50 ms: the resolution of "shown" | $(val fresh_sweep_p50_ms) ms / $(val fresh_sweep_p99_ms) ms | | |

$(val fresh_samples) samples: $(val fresh_probes) probe customers, each alone on
one GPU of a fleet of $NODES nodes of 8 GPUs ($((NODES * 8)) GPUs) scraped every
$INTERVAL s, over $MEASURE_S s of scrapes; $(val fresh_missed) scrapes never showed. The fleet is
bench/bench_fresh.c's fake dcgm-exporter (its default counters, $(val fresh_scrape_bytes)
bytes a node, $(val fresh_scrapes) scrapes answered), scraped by $COLLECTORS \`gpumeter collect
dcgm --interval $INTERVAL\` daemons of $per nodes each, delivered through the
local broker to $RATERS \`gpumeter rate\` (\`--batch-ms\` $batch_ms, the
default batch size), read through \`gpumeter serve\` with its response cache on,
as shipped. Each probe's energy counter moves a known amount per scrape, so
the usage shown names the scrape it came from; T0 is when the exporter
answered that scrape, and the usage is watched in Kafka (a consumer of its
own), in PostgreSQL and through the API, every 50 ms, on the same clock. The
stages are medians and p99s of their own, so they need not add up to the
total. $events events were rated in the $elapsed s of the section, set-up included;
CPU seconds over the run: collectors $(awk -v t="$collector_cpu" -v k="$tick" 'BEGIN { printf "%.1f", t / k }'),
rater(s) $(awk -v t="$rater_cpu" -v k="$tick" 'BEGIN { printf "%.1f", t / k }'), serve $(awk -v t="$serve_cpu" -v k="$tick" 'BEGIN { printf "%.1f", t / k }'); PostgreSQL $(awk -v t="$pg_used" -v k="$tick" 'BEGIN { printf "%.1f", t / k }') over the ${measured_s} s
of the fleet's run, $(awk -v t="$pg_used" -v k="$tick" -v s="$measured_s" 'BEGIN { printf "%.2f", t / k / s }') of a core for its $((NODES * 9 / INTERVAL)) events/s (docs/scaling.md).
Load average before and after: $load_before; $(cut -d' ' -f1-3 /proc/loadavg).
The goal of a p99 under 5 s $(awk -v p="$(val fresh_p99_ms)" 'BEGIN { print (p >= 0 && p < 5000) ? "is met" : "is **not met**" }') in this run. The rater's stage is most of it: in
steady state each event is its own hourly row, so a commit costs about a
rollup-triggered upsert per event, and an event waits for the commit in
flight, then its own; \`--batch-ms\` is not the bound, and more raters of
one group writing the same customers queue on their usage versions
(docs/scaling.md#freshness, with the measurements behind this).
SECTION
