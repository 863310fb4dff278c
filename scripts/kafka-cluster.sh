# Sourced by services.sh: a three-node KRaft cluster for the broker fault
# suite (tests/integration/test_fault_broker_cluster.sh) and operators'
# rehearsals, shaped as docs/operations.md says production runs Kafka: each
# node both a broker and one of three static controller voters (a quorum
# survives one node), topics of replication factor 3 and
# min.insync.replicas 2, no unclean leader election, internal topics
# replicated three times.
#
# Ports: node i (1..3) serves clients on CLUSTER_PORT + 2(i-1) and its
# controller on the next one; CLUSTER_PORT is GPUMETER_KAFKA_CLUSTER_PORT,
# by default GPUMETER_KAFKA_PORT + 10 (the single broker, its controller
# and the test runner's lane keep + 0..3). State: GPUMETER_KAFKA_CLUSTER_DIR
# (default $STATE/kafka-cluster), a folder per node. Extra broker
# properties, one "key=value" a line, come from GPUMETER_KAFKA_CLUSTER_PROPS
# and override the defaults (a later key wins in a properties file): the
# fault suite shortens timeouts there, and weakens the cluster on purpose
# to show that its checks bite.
CLUSTER_DIR=${GPUMETER_KAFKA_CLUSTER_DIR:-$STATE/kafka-cluster}
CLUSTER_PORT=${GPUMETER_KAFKA_CLUSTER_PORT:-$((KAFKA_PORT + 10))}
CLUSTER_NODES=(1 2 3)
# Three JVMs share the machine with everything else: a small heap, one GC
# thread, and only the quick compiler (a test cluster needs no peak speed).
CLUSTER_JAVA=(java -Xms128m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Dlog4j2.configurationFile="$CLUSTER_DIR/log4j2.properties" -cp "$KAFKA_JARS/*")

node_port() { echo $((CLUSTER_PORT + 2 * ($1 - 1))); }
node_controller_port() { echo $((CLUSTER_PORT + 2 * ($1 - 1) + 1)); }
node_dir() { echo "$CLUSTER_DIR/node-$1"; }
node_pid() { cat "$(node_dir "$1")/kafka.pid" 2>/dev/null; }
node_running() {
    local pid
    pid=$(node_pid "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
# The bootstrap list of all three brokers, as clients are given it.
cluster_brokers() {
    local i list=
    for i in "${CLUSTER_NODES[@]}"; do list+="${list:+,}127.0.0.1:$(node_port "$i")"; done
    echo "$list"
}

cluster_configure() { # node
    local i=$1 dir voters= v
    dir=$(node_dir "$i")
    for v in "${CLUSTER_NODES[@]}"; do voters+="${voters:+,}$v@127.0.0.1:$(node_controller_port "$v")"; done
    mkdir -p "$dir/data"
    {
        kafka_node_props "$i" "$(node_port "$i")" "$(node_controller_port "$i")" "$dir/data"
        cat <<PROPS
controller.quorum.voters=$voters
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
num.network.threads=2
num.io.threads=2
num.replica.fetchers=1
background.threads=2
${GPUMETER_KAFKA_CLUSTER_PROPS:-}
PROPS
    } >"$dir/server.properties"
}

cluster_format() {
    local id i
    # A cluster id is 16 random bytes in URL-safe base64 without padding
    # (what StorageTool random-uuid prints, without a JVM start).
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    for i in "${CLUSTER_NODES[@]}"; do
        [ -f "$(node_dir "$i")/data/meta.properties" ] && continue
        "${CLUSTER_JAVA[@]}" kafka.tools.StorageTool format -t "$id" \
            -c "$(node_dir "$i")/server.properties" >>"$(node_dir "$i")/kafka.log" 2>&1 &
    done
    wait
    for i in "${CLUSTER_NODES[@]}"; do
        [ -f "$(node_dir "$i")/data/meta.properties" ] ||
            die "could not format node $i's storage" "See $(node_dir "$i")/kafka.log."
    done
}

# Starts node $1 if it is not running (its files as they are: a restart).
# A node whose data is gone (a lost disk) would die at once without its
# meta.properties: it is formatted again with its peers' cluster id first,
# and then copies every partition from the leaders like a new replica.
cluster_start_node() { # node
    node_running "$1" && return 0
    local dir id i
    dir=$(node_dir "$1")
    if [ ! -f "$dir/data/meta.properties" ]; then
        # || true: the node itself (and any other lost disk) has no file,
        # and under set -e a failed sed here ended services.sh silently
        for i in "${CLUSTER_NODES[@]}"; do
            id=$(sed -n 's/^cluster.id=//p' "$(node_dir "$i")/data/meta.properties" 2>/dev/null || true)
            [ -z "$id" ] || break
        done
        [ -n "$id" ] || die "node $1 has no data and no other node a cluster id" "Run cluster-down, then cluster-up."
        mkdir -p "$dir/data"
        "${CLUSTER_JAVA[@]}" kafka.tools.StorageTool format -t "$id" \
            -c "$dir/server.properties" >>"$dir/kafka.log" 2>&1 ||
            die "could not format node $1's storage" "See $dir/kafka.log."
        echo "services: node $1 had no data (a lost disk): formatted for cluster $id"
    fi
    setsid nohup "${CLUSTER_JAVA[@]}" kafka.Kafka "$dir/server.properties" \
        >>"$dir/kafka.log" 2>&1 </dev/null &
    echo $! >"$dir/kafka.pid"
}

# Waits until every running node answers a metadata request listing the
# brokers that run (a node just started takes a while to register).
cluster_lists() { # brokers
    [ "$(kcat -b "$(cluster_brokers)" -L -m 5 2>/dev/null | grep -c '^  broker ')" -ge "$1" ]
}
cluster_wait() {
    local i want=0
    for i in "${CLUSTER_NODES[@]}"; do node_running "$i" && want=$((want + 1)); done
    wait_service "the Kafka cluster did not list its $want brokers" \
        "See $CLUSTER_DIR/node-*/kafka.log." cluster_lists "$want"
}

cluster_up() {
    [ -f "$KAFKA_JARS/.complete" ] || die "Kafka jars are missing" "Run \"make setup\"."
    mkdir -p "$CLUSTER_DIR"
    kafka_log4j "$CLUSTER_DIR/log4j2.properties"
    local i
    for i in "${CLUSTER_NODES[@]}"; do cluster_configure "$i"; done
    cluster_format
    for i in "${CLUSTER_NODES[@]}"; do cluster_start_node "$i"; done
    cluster_wait
    echo "services: Kafka cluster up on $(cluster_brokers) (logs $CLUSTER_DIR/node-*/kafka.log)"
}

cluster_down() {
    local i pid waited
    for i in "${CLUSTER_NODES[@]}"; do
        node_running "$i" || continue
        pid=$(node_pid "$i")
        kill -CONT "$pid" 2>/dev/null # a paused node cannot stop
        kill "$pid"
    done
    for i in "${CLUSTER_NODES[@]}"; do
        pid=$(node_pid "$i") || continue
        waited=0
        # A node whose peers are gone waits for them before it stops: not long.
        while kill -0 "$pid" 2>/dev/null; do
            [ "$waited" -lt 40 ] || kill -9 "$pid" 2>/dev/null
            sleep 0.5
            waited=$((waited + 1))
        done
        rm -f "$(node_dir "$i")/kafka.pid"
    done
    echo "services: Kafka cluster stopped"
}

cluster_status() {
    local i rc=0
    for i in "${CLUSTER_NODES[@]}"; do
        if node_running "$i"; then
            if grep -q '^State:.*T' "/proc/$(node_pid "$i")/status" 2>/dev/null; then
                echo "kafka node $i: paused (127.0.0.1:$(node_port "$i"))"
            else
                echo "kafka node $i: running on 127.0.0.1:$(node_port "$i")"
            fi
        else
            echo "kafka node $i: stopped"
            rc=1
        fi
    done
    return $rc
}

# The node leading a partition of a topic, from the cluster's metadata.
# Exit 1 when there is none, or when the node named is down: without a
# controller quorum the brokers left keep naming a leader that died (their
# metadata cannot change), which is no leader at all.
cluster_leader() { # topic partition
    local l
    l=$(kcat -b "$(cluster_brokers)" -L -t "$1" -m 5 2>/dev/null |
        sed -n "s/^ *partition $2, leader \\(-\\{0,1\\}[0-9]*\\),.*/\\1/p")
    [ -n "$l" ] && [ "$l" != -1 ] ||
        die "partition $2 of topic $1 has no leader (or no broker answered)"
    node_running "$l" ||
        die "the metadata names node $l as partition $2's leader, but node $l is down" \
            "No controller quorum is left to elect another (cluster-status)."
    echo "$l"
}

cluster_node_arg() { # node: exits 2 unless 1, 2 or 3
    case "${1:-}" in
    1 | 2 | 3) ;;
    *) echo "services: error: a node is 1, 2 or 3, not '${1:-}'" >&2; exit 2 ;;
    esac
}

cluster_command() { # command [node]
    case "$1" in
    cluster-up) cluster_up ;;
    cluster-down) cluster_down ;;
    cluster-status) cluster_status ;;
    cluster-brokers) cluster_brokers ;;
    cluster-leader)
        [ -n "${2:-}" ] && [[ "${3:-}" =~ ^[0-9]+$ ]] || {
            echo "services: error: cluster-leader takes a topic and a partition number" >&2
            exit 2
        }
        cluster_leader "$2" "$3"
        ;;
    cluster-kill | cluster-stop | cluster-cont)
        cluster_node_arg "${2:-}"
        node_running "$2" || die "Kafka node $2 is not running"
        # SIGKILL: a crash; SIGSTOP: a node that stops answering (a long GC
        # pause, a hung disk) and comes back with SIGCONT as if nothing happened
        local sig=${1#cluster-}
        kill "-${sig^^}" "$(node_pid "$2")"
        [ "$sig" != kill ] || rm -f "$(node_dir "$2")/kafka.pid"
        ;;
    cluster-start)
        cluster_node_arg "${2:-}"
        cluster_start_node "$2"
        ;;
    *)
        echo "services: error: unknown command '$1'" >&2
        exit 2
        ;;
    esac
}
