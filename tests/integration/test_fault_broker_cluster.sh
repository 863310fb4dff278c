#!/bin/bash
# A three-broker KRaft cluster (replication factor 3, min.insync.replicas
# 2, no unclean election: scripts/kafka-cluster.sh) loses brokers while
# three collector daemons produce to all three brokers' bootstrap list and
# two raters of one group consume:
#   0. the leader of collector 1's partition hangs (SIGSTOP): the events the
#      collector makes after the stop are delivered within 20 s and rated
#      within 30 s while it is still stopped (core/kafka.c's client
#      timeouts), then it resumes and catches up;
#   1. the leader of that partition is killed (SIGKILL) mid-stream;
#      leadership moves and delivery goes on;
#   2. with it still down, the partition's new leader's only in-sync
#      follower is paused (SIGSTOP) for longer than the replica lag and
#      broker session timeouts: the leader is alone, so acks=all holds the
#      collector's rounds in its spool;
#   3. the leader is killed too while the follower is still paused, then
#      the follower resumes (SIGCONT): one broker of three, no controller
#      quorum, producers hold and raters wait;
#   4. the first broker restarts (a quorum again: the resumed follower
#      leads), then the second;
#   5. the second loses its disk: killed, its data removed, started again
#      (services.sh formats it with the cluster's id) and caught up.
# Every event the collectors made is rated exactly once (seq 1..N per
# source), conservation holds, and the money equals the GPU time the
# collectors saw, to the fen.
#
# GPUMETER_FAULT_WEAKEN=acks1 runs the same scenario with the collectors'
# producers at acks=1 without idempotence (tests/tools/weaken_acks.c): the
# writes the lone leader acknowledged in step 2 die with it in step 3, and
# the checks must fail (docs/operations.md shows a run).
# GPUMETER_FAULT_WEAKEN=timeouts gives collectors and raters librdkafka's
# own timeouts (rdkafka.* keys): step 0's checks must fail.
#
# tests/run.sh: faults only (three Kafka JVMs cost about 27 CPU s beside the
# suite's own 9 to 13, over 80 to 155 s: make check is at its 10-minute limit;
# docs/testing.md)
. "$(dirname "$0")/lib.sh"

SVC=(bash "$ROOT/scripts/services.sh")
COLLECTORS=3
# The suite's own cluster, in its own folder, on ports of its own (offsets
# 10..15 of GPUMETER_KAFKA_PORT): the shared broker and PostgreSQL stay up.
# Timeouts shortened so that a pause outlasts them in seconds.
export GPUMETER_KAFKA_CLUSTER_DIR=$TMP/cluster
export GPUMETER_KAFKA_CLUSTER_PROPS="replica.lag.time.max.ms=4000
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000"
COLLECT_ENV=(GPUMETER_QUIET=0) # their round lines are the generator's record
case "${GPUMETER_FAULT_WEAKEN:-}" in
'') ;;
acks1)
    cc -shared -fPIC -o "$TMP/weaken_acks.so" "$ROOT/tests/tools/weaken_acks.c" -ldl ||
        { fail "build tests/tools/weaken_acks.c"; finish; }
    # ASan wants its runtime first; the shim only wraps one librdkafka call
    COLLECT_ENV+=(LD_PRELOAD="$TMP/weaken_acks.so" ASAN_OPTIONS=verify_asan_link_order=0:abort_on_error=1)
    ;;
timeouts)
    # librdkafka's own timeouts for collectors and raters instead of
    # core/kafka.c's (an rdkafka.* key wins over them): the hung leader of
    # step 0 holds deliveries, and so rating, for over a minute
    printf '%s\n' rdkafka.socket.timeout.ms=60000 rdkafka.api.version.request.timeout.ms=10000 \
        rdkafka.request.timeout.ms=30000 >>"$GPUMETER_CONFIG"
    ;;
*)
    echo "$TEST: GPUMETER_FAULT_WEAKEN is acks1, timeouts or unset, not '$GPUMETER_FAULT_WEAKEN'" >&2
    exit 2
    ;;
esac

PIDS=()
stop_all() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    "${SVC[@]}" cluster-down >/dev/null 2>&1
    cleanup
}
trap stop_all EXIT

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a
"${SVC[@]}" cluster-up >"$TMP/cluster.log" 2>&1 ||
    { fail "start the cluster: $(tail -n 3 "$TMP/cluster.log")"; finish; }
export GPUMETER_KAFKA_BROKERS=$("${SVC[@]}" cluster-brokers)
# Each broker learns of a new topic on its own: `gpumeter topics` must not
# report one it has just created as missing because the broker it asked
# next had not yet (3 of 25 creations did so before schema/topics.c waited
# for five answers in a row).
failed=0
for i in $(seq 1 10); do
    GPUMETER_TOPIC="$GPUMETER_TOPIC.extra$i" "$GM" topics >/dev/null 2>>"$TMP/topics.log" ||
        failed=$((failed + 1))
done
check_eq "gpumeter topics creates 10 more topics on the cluster, each confirmed at the first try" 0 "$failed"
[ "$failed" -eq 0 ] || sed 's/^/# /' "$TMP/topics.log" # what it said: the failure is rare
"${SVC[@]}" cluster-kill 4 2>/dev/null
check_eq "services.sh cluster-kill of a node that is not 1, 2 or 3: exit 2" 2 "$?"
"${SVC[@]}" cluster-leader "$GPUMETER_TOPIC" 2>/dev/null
check_eq "services.sh cluster-leader without a partition: exit 2" 2 "$?"
"$GM" topics >/dev/null || { fail "create the topic on the cluster"; finish; }

IFS=, read -ra NODE <<<"$GPUMETER_KAFKA_BROKERS" # node i's address is NODE[i-1]
# "partition leader isrs" per partition of the topic, from the metadata of
# one broker (any of them by default).
partitions() { # [broker]
    kcat -b "${1:-$GPUMETER_KAFKA_BROKERS}" -L -t "$GPUMETER_TOPIC" -m 5 2>/dev/null |
        sed -n 's/^ *partition \([0-9]*\), leader \(-\{0,1\}[0-9]*\), replicas: [0-9,]*, isrs: \([0-9,]*\).*/\1 \2 \3/p'
}
check_eq "every partition has three replicas, all in sync" "6 x 3" \
    "$(partitions | awk '{ n++; if (split($3, r, ",") != 3) bad++ } END { print n + 0, "x", bad ? "fewer" : 3 }')"

# collector i: a dcgm daemon scraping node-i's exporter (the fixture) each
# second; its source dcgm/default/node-i is its message key, so its events
# go to one partition.
for i in $(seq 1 "$COLLECTORS"); do
    env "${COLLECT_ENV[@]}" "$GM" collect dcgm --file "$ROOT/tests/fixtures/ingest/dcgm-k8s-t0.prom" \
        --interval 1 --node "node-$i" --state-dir "$TMP/c$i" --timeout 120 2>"$TMP/collector-$i.log" &
    PIDS+=($!)
    COLLECTOR[i]=$!
done
for i in 1 2; do
    "$GM_RATE" rate 2>"$TMP/rater-$i.log" &
    PIDS+=($!)
    RATER[i]=$!
done

metric() { sed -n "s/^gpumeter_collector_$2{.*} //p" "$TMP/c$1/metrics.prom" 2>/dev/null; } # collector name
rounds() { local r; r=$(metric "$1" rounds_total); echo "${r:-0}"; }
spooled() { local b; b=$(metric "$1" spool_batches); echo "${b:-0}"; }
rounds_past() { [ "$(rounds "$1")" -ge "$2" ]; } # collector n
spool_at_most() { [ "$(spooled "$1")" -le "$2" ]; } # collector n
all_alive() {
    local p
    for p in "${COLLECTOR[@]}" "${RATER[@]}"; do kill -0 "$p" 2>/dev/null || return 1; done
}
leader_of() { partitions "${2:-}" | awk -v p="$1" '$1 == p { print $2 }'; } # partition [broker]
# The leader of a partition as each node given answers: one broker's
# metadata can lag the controller's, so the nodes must agree.
leader_agreed() { # partition node...
    local p=$1 n l first=
    shift
    for n; do
        l=$(leader_of "$p" "${NODE[n - 1]}")
        [ -n "$l" ] && [ "$l" != -1 ] && [ "${first:=$l}" = "$l" ] || return 1
    done
    echo "$first"
}
agreed() { leader_agreed "$@" >/dev/null; }
# no partition led by node n nor counting it in sync
without_node() { [ -n "$(partitions)" ] && ! partitions | grep -qE " $1( |,|$)|,$1(,|$)"; }
leader_not() { local l; l=$(leader_of "$1"); [ -n "$l" ] && [ "$l" != -1 ] && [ "$l" != "$2" ]; }
all_in_sync() { [ "$(partitions | awk 'split($3, r, ",") == 3' | wc -l)" -eq 6 ]; }

wait_for 120 consumed_at_least 12
check_eq "the raters rate what the collectors deliver through the cluster" 0 "$?"
# The partition collector 1's source lands on, and its leader: broker A.
P=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%k %p\n' 2>/dev/null |
    awk '$1 == "dcgm/default/node-1" { print $2; exit }')
wait_for 60 agreed "$P" 1 2 3
H=$(leader_agreed "$P" 1 2 3)

# 0. P's leader H hangs (SIGSTOP): it keeps its connections and answers
# nothing. The controller moves P within the 6 s session timeout, but the
# collector's producer learns of it only when its request to H times out;
# with librdkafka's defaults (socket.timeout.ms 60 s, then a 10 s
# ApiVersionRequest to H reconnected) that held its deliveries 72 s. Its
# shortened client timeouts (core/kafka.c) must let deliveries, and the
# rating of its new events, resume while H is still stopped.
ms() { date +%s%3N; }
made=$(metric 1 events_total) # collector 1's events so far: seqs 1..made
stopped=$(ms)
"${SVC[@]}" cluster-stop "$H"
delivered_past() { [ "$(metric 1 delivered_total)" -gt "$made" ]; }
rated_past() {
    [ "$(q "SELECT coalesce(max(contiguous_seq), 0) FROM source_seq
            WHERE source = 'dcgm/default/node-1'")" -gt "$made" ]
}
# Until the condition holds or SECONDS have passed since the stop, by the
# clock: wait_for counts tries, each as slow as its command.
within() { # seconds condition...
    local end=$((stopped + $1 * 1000))
    shift
    until "$@"; do
        [ "$(ms)" -lt "$end" ] || return 1
        sleep 0.1
    done
}
hung_check() { # name bound-seconds condition...
    local name=$1 bound=$2
    shift 2
    if within 40 "$@"; then
        local took=$(($(ms) - stopped))
        echo "# $name: after $took ms"
        check_at_most "$name within $bound s of the stop" $((bound * 1000)) "$took" ms
    else
        fail "$name within $bound s of the stop: not in 40 s"
    fi
}
hung_check "with broker $H (leader of partition $P) hung, collector 1 delivers again" 20 delivered_past
hung_check "the raters rate collector 1's events made after the stop" 30 rated_past
check_eq "broker $H was stopped all along (ps state T)" T \
    "$(ps -o stat= -p "$(cat "$GPUMETER_KAFKA_CLUSTER_DIR/node-$H/kafka.pid")" | cut -c1)"
"${SVC[@]}" cluster-cont "$H"
wait_for 120 all_in_sync
check_eq "broker $H resumed: every partition has three replicas in sync again" 0 "$?"
wait_for 60 agreed "$P" 1 2 3
A=$(leader_agreed "$P" 1 2 3)

# 1. SIGKILL of P's leader A mid-stream.
before=$(consumed)
"${SVC[@]}" cluster-kill "$A"
"${SVC[@]}" cluster-stop "$A" 2>/dev/null
check_eq "services.sh cluster-stop of a node that is down: exit 1" 1 "$?"
wait_for 60 without_node "$A"
check_eq "broker $A (leader of partition $P) killed: the controller moves its partitions and ISR" 0 "$?"
wait_for 120 consumed_at_least $((before + 18))
check_eq "delivery and rating go on with two brokers" 0 "$?"

# 2. Pause the other in-sync replica of P: its leader C is alone.
up=$(printf '%s ' 1 2 3 | sed "s/$A //")
wait_for 60 agreed "$P" $up
check_eq "both brokers left name the same new leader of partition $P" 0 "$?"
C=$(leader_agreed "$P" $up)
B=$((6 - A - C))
r=$(rounds 1)
"${SVC[@]}" cluster-stop "$B"
wait_for 60 rounds_past 1 $((r + 8)) # 8 rounds: past the 4 s lag and 6 s session timeouts
check_eq "broker $B paused for 8 of collector 1's rounds" 0 "$?"
if [ "$(spooled 1)" -ge 5 ]; then
    pass "with one in-sync replica, no write is acknowledged: collector 1 holds $(spooled 1) rounds in its spool"
else
    fail "with one in-sync replica, collector 1's rounds wait in its spool: expected at least 5 batches, got $(spooled 1)"
fi

# 3. Kill C while B is paused, then resume B: one broker of three.
"${SVC[@]}" cluster-kill "$C"
"${SVC[@]}" cluster-cont "$B"
r=$(rounds 1)
wait_for 60 rounds_past 1 $((r + 5))
all_alive
check_eq "with two brokers of three down (no quorum), every collector and rater keeps running" 0 "$?"
# B alone cannot learn that C died: its metadata still names C as P's leader
"${SVC[@]}" cluster-leader "$GPUMETER_TOPIC" "$P" >/dev/null 2>&1
check_eq "services.sh cluster-leader with no quorum: the leader named (broker $C) is down, exit 1" 1 "$?"

# 4. A back: a quorum again, and B (in sync, never behind) leads P.
"${SVC[@]}" cluster-start "$A"
wait_for 120 leader_not "$P" "$C"
check_eq "with broker $A back, partition $P has a leader again" 0 "$?"
wait_for 120 spool_at_most 1 1
check_eq "collector 1's spool drains" 0 "$?"
"${SVC[@]}" cluster-start "$C"
wait_for 120 all_in_sync
check_eq "with broker $C back, every partition has three replicas in sync" 0 "$?"

# 5. C loses its disk: killed, its data removed, started again. It is
# formatted with the cluster's id and copies every partition back.
"${SVC[@]}" cluster-kill "$C"
wait_for 60 without_node "$C"
rm -rf "$GPUMETER_KAFKA_CLUSTER_DIR/node-$C/data"
"${SVC[@]}" cluster-start "$C" >/dev/null
wait_for 120 all_in_sync
check_eq "broker $C started again on an empty data dir (a lost disk): every partition has three replicas in sync" 0 "$?"

# Stop the collectors (each delivers its spool first), then let the raters
# drain the topic and stop them.
for i in $(seq 1 "$COLLECTORS"); do
    kill -TERM "${COLLECTOR[i]}"
    wait "${COLLECTOR[i]}"
    check_eq "collector $i stops cleanly after delivering (exit 0)" 0 "$?"
done
sent=$(topic_messages)
wait_for 180 consumed_at_least "$sent"
for i in 1 2; do
    kill -TERM "${RATER[i]}"
    wait "${RATER[i]}"
    check_eq "rater $i stops cleanly (exit 0)" 0 "$?"
done
PIDS=()

# The generator's record: each collector's events (its metrics), and its
# GPU time, first to last round (its round lines: every round after the
# first bills the time since the one before).
events=0
gpu_ms=0
for i in $(seq 1 "$COLLECTORS"); do
    events=$((events + $(metric "$i" events_total)))
    first=$(sed -n 's/^gpumeter: dcgm round at \([^:]*:[^:]*:[^:]*\): .*/\1/p' "$TMP/collector-$i.log" | head -n 1)
    last=$(sed -n 's/^gpumeter: dcgm round at \([^:]*:[^:]*:[^:]*\): .*/\1/p' "$TMP/collector-$i.log" | tail -n 1)
    gpu_ms=$((gpu_ms + $(date -d "$last" +%s%3N) - $(date -d "$first" +%s%3N)))
done
# Per source (the message key), distinct seqs on the topic and how many are
# out of 1..N.
check_eq "every collected event reached the topic, each source's seq 1..N without a gap" "$events 0" \
    "$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%k %s\n' |
        sed 's/ .*"seq":\([0-9]*\),.*/ \1/' | sort -u | sort -k1,1 -k2,2n |
        awk '$1 != src { src = $1; want = 1 } { n++; if ($2 != want++) gaps++ } END { print n + 0, gaps + 0 }')"
read -r consumed accepted dups dead <<<"$(counters)"
check_fields "every event rated once, every copy counted as a duplicate" \
    "consumed accepted duplicates dead_letters" "$sent $events $((sent - events)) 0" \
    "$consumed $accepted $dups $dead"
check_match "conservation holds" "conservation: holds" "$("$GM" conservation 2>&1)"
period=$(TZ=Asia/Shanghai date -d "$(sed -n 's/^gpumeter: dcgm round at \([^:]*:[^:]*:[^:]*\): .*/\1/p' \
    "$TMP/collector-1.log" | head -n 1)" +%Y-%m)
printf 'account,meter,model,quantity\nteam-a,gpu_ms,H800,%s\nteam-a,energy_mj,H800,0\n' "$gpu_ms" \
    >"$TMP/totals.csv"
"$GM" invoice run --period "$period" >/dev/null 2>&1
scenario "3-broker cluster: kill, pause, no quorum${GPUMETER_FAULT_WEAKEN:+ ($GPUMETER_FAULT_WEAKEN)}" \
    "$sent" "$TMP/totals.csv" "$period"
finish
