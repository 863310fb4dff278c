#!/bin/bash
# Local PostgreSQL 15 and Apache Kafka (KRaft, single node) for this
# checkout: services.sh up | down | status. Idempotent. Ports and the state
# folder come from GPUMETER_PG_PORT, GPUMETER_KAFKA_PORT and
# GPUMETER_STATE_DIR (docs/configuration.md).
#
# Also a three-node KRaft cluster shaped as production runs it (each node a
# broker and one of three controller voters; topics of replication factor
# 3, min.insync.replicas 2, no unclean election), for the broker fault suite
# and operators' rehearsals: cluster-up | cluster-down | cluster-status |
# cluster-brokers, and cluster-kill | cluster-stop | cluster-cont |
# cluster-start | cluster-leader (docs/operations.md, "A three-broker
# rehearsal").
#
# Also a PostgreSQL primary with a streaming standby, beside the shared
# server, for the failover scenario and an operator's rehearsal
# (docs/operations.md, "Database failover"): services.sh pg-pair-up
# sync|async, pg-pair-detach, pg-pair-kill, pg-pair-promote, pg-pair-rejoin,
# pg-pair-status, pg-pair-down (scripts/pg-pair.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
PGDATA=$STATE/pg/data
PGLOG=$STATE/pg/postgresql.log
PGSOCK=$STATE/pg/socket
KDIR=$STATE/kafka
KLOG=$KDIR/kafka.log
KPID=$KDIR/kafka.pid
START_TIMEOUT=${GPUMETER_START_TIMEOUT:-90}

die() {
    echo "services: error: $1" >&2
    [ $# -lt 2 ] || echo "HINT: $2" >&2
    exit 1
}

# initdb and postgres refuse to run as root; CI runs as root. From /, since
# postgres may not enter the caller's folder.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_running() {
    [ -f "$PGDATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

pg_up() {
    mkdir -p "$STATE"
    chmod 755 "$STATE"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        mkdir -p "$STATE/pg"
        [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$STATE/pg"
        as_pg mkdir -p "$PGDATA" "$PGSOCK"
        as_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U gpumeter -E UTF8 --locale=C \
            >"$STATE/initdb.log" 2>&1 || die "initdb failed" "See $STATE/initdb.log."
    fi
    if ! pg_running; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t "$START_TIMEOUT" \
            -o "-p $PG_PORT -k $PGSOCK -c listen_addresses=127.0.0.1 -c max_connections=200" \
            start >/dev/null ||
            die "PostgreSQL did not start within ${START_TIMEOUT} s on port $PG_PORT" "See $PGLOG."
        echo "services: PostgreSQL 15 up on 127.0.0.1:$PG_PORT (data $PGDATA)"
    fi
    if ! psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'gpumeter'" | grep -q 1; then
        createdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter gpumeter
    fi
}

KAFKA_JAVA=(java -Xms256m -Xmx512m -Dlog4j2.configurationFile="$KDIR/log4j2.properties"
    -cp "$KAFKA_JARS/*")

kafka_running() {
    [ -f "$KPID" ] && kill -0 "$(cat "$KPID")" 2>/dev/null
}

kafka_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null
}
kafka_answers() {
    kafka_running || die "Kafka exited during start-up" "See $KLOG."
    kafka_port_open && kcat -b "127.0.0.1:$KAFKA_PORT" -L -m 5 >/dev/null 2>&1
}

# Runs the command once a second until it succeeds; after START_TIMEOUT
# seconds, dies saying what did not happen "within N s".
wait_service() { # what hint command...
    local what=$1 hint=$2 waited=0
    shift 2
    until "$@"; do
        [ "$waited" -lt "$START_TIMEOUT" ] || die "$what within ${START_TIMEOUT} s" "$hint"
        sleep 1
        waited=$((waited + 1))
    done
}

# Kafka's own log: warnings and errors of its classes, the rest at INFO.
kafka_log4j() { # file
    cat >"$1" <<'PROPS'
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
PROPS
}

# The properties of a node that is both broker and controller, on
# 127.0.0.1, single or one of the cluster's (scripts/kafka-cluster.sh).
kafka_node_props() { # node-id broker-port controller-port data-dir
    cat <<PROPS
process.roles=broker,controller
node.id=$1
listeners=PLAINTEXT://127.0.0.1:$2,CONTROLLER://127.0.0.1:$3
advertised.listeners=PLAINTEXT://127.0.0.1:$2
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$4
num.partitions=6
auto.create.topics.enable=false
offsets.topic.num.partitions=6
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=16777216
PROPS
}

kafka_configure() {
    mkdir -p "$KDIR/data"
    {
        kafka_node_props 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KDIR/data"
        cat <<PROPS
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
PROPS
    } >"$KDIR/server.properties"
    kafka_log4j "$KDIR/log4j2.properties"
}

kafka_up() {
    [ -f "$KAFKA_JARS/.complete" ] || die "Kafka jars are missing" "Run \"make setup\"."
    kafka_configure
    if [ ! -f "$KDIR/data/meta.properties" ]; then
        local cluster_id
        cluster_id=$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid 2>>"$KLOG")
        "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" \
            -c "$KDIR/server.properties" --standalone >>"$KLOG" 2>&1 ||
            die "could not format Kafka storage" "See $KLOG."
    fi
    if ! kafka_running; then
        setsid nohup "${KAFKA_JAVA[@]}" kafka.Kafka "$KDIR/server.properties" \
            >>"$KLOG" 2>&1 </dev/null &
        echo $! >"$KPID"
        wait_service "Kafka did not answer on 127.0.0.1:$KAFKA_PORT" "See $KLOG." kafka_answers
        echo "services: Kafka up on 127.0.0.1:$KAFKA_PORT (log $KLOG)"
    fi
    # The default usage topic, with the configured partition count.
    if [ -x "$ROOT/build/gpumeter" ]; then
        GPUMETER_KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" GPUMETER_QUIET=1 \
            "$ROOT/build/gpumeter" topics >/dev/null || die "could not create the usage topic"
    fi
}

kafka_down() {
    kafka_running || { rm -f "$KPID"; return 0; }
    local pid waited=0
    pid=$(cat "$KPID")
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge 60 ]; then kill -9 "$pid"; fi
        sleep 0.5
        waited=$((waited + 1))
    done
    rm -f "$KPID"
    echo "services: Kafka stopped"
}

pg_down() {
    pg_running || return 0
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    echo "services: PostgreSQL stopped"
}

. "$ROOT/scripts/kafka-cluster.sh"

case "${1:-}" in
up)
    pg_up
    kafka_up
    ;;
down)
    # the console `make demo` left serving its month, if any
    if [ -f "$ROOT/build/demo/serve.pid" ]; then
        kill "$(cat "$ROOT/build/demo/serve.pid")" 2>/dev/null || true
        rm -f "$ROOT/build/demo/serve.pid"
    fi
    kafka_down
    pg_down
    if [ -d "$STATE/pg-pair" ]; then # a failover rehearsal's pair, if left running
        . "$ROOT/scripts/pg-pair.sh"
        pair_down
    fi
    ;;
kafka-up | kafka-down | pg-up | pg-down) # one service, for fault tests
    "${1%-*}_${1#*-}"
    ;;
cluster-*) # the three-node cluster: scripts/kafka-cluster.sh
    cluster_command "$@"
    ;;
pg-pair-*) # the primary + standby pair
    . "$ROOT/scripts/pg-pair.sh"
    pair_command "${1#pg-pair-}" "${@:2}"
    ;;
status)
    pg_running && echo "postgresql: running on 127.0.0.1:$PG_PORT" || echo "postgresql: stopped"
    kafka_running && echo "kafka: running on 127.0.0.1:$KAFKA_PORT" || echo "kafka: stopped"
    pg_running && kafka_running
    ;;
*)
    echo "usage: scripts/services.sh up|down|status|kafka-up|kafka-down|pg-up|pg-down" >&2
    echo "       scripts/services.sh cluster-up|cluster-down|cluster-status|cluster-brokers" >&2
    echo "       scripts/services.sh cluster-kill|cluster-stop|cluster-cont|cluster-start NODE" >&2
    echo "       scripts/services.sh cluster-leader TOPIC PARTITION" >&2
    echo "       scripts/services.sh pg-pair-up sync|async|pg-pair-detach|pg-pair-kill|pg-pair-promote|pg-pair-rejoin|pg-pair-status|pg-pair-down" >&2
    exit 2
    ;;
esac
