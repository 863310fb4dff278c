# A PostgreSQL 15 primary with one streaming standby, sourced by
# services.sh (pg-pair-*): for the failover scenario
# (tests/integration/test_fault_pg_failover.sh) and an operator's rehearsal
# of the runbook (docs/operations.md, "Database failover"). Two nodes, a and
# b, on GPUMETER_PG_PAIR_PORT and the port after it (default: the shared
# server's port + 4 and + 5, clear of the test runner's lane at + 2), state
# in $STATE/pg-pair; which node is the primary is in its file "primary".
#
#   up sync|async  discards any previous pair, then initdb of a, a physical
#                  replication slot and pg_basebackup -R of b, streaming;
#                  sync: synchronous_standby_names names the standby
#                  (synchronous_commit stays on: a COMMIT returns once the
#                  standby has flushed it), async: empty
#   detach         stops the standby's WAL receiver (primary_conninfo
#                  emptied): it falls behind, as a lagging standby would
#                  (async only: in sync mode every commit would wait)
#   kill           SIGKILL of the primary's postmaster and its backends
#   promote        pg_ctl promote of the standby
#   rejoin         the old primary back as the new primary's standby:
#                  pg_rewind (the nodes run with wal_log_hints), a fresh
#                  base backup if the rewind fails; what the old primary
#                  wrote after the divergence is discarded either way.
#                  Refused unless the new primary answers as a primary.
#   status, down   each node's state; stop both and discard the pair
#
# Relies on services.sh's as_pg, die, PGBIN, STATE, PG_PORT, START_TIMEOUT.

PAIR=$STATE/pg-pair
PAIR_PORT_A=${GPUMETER_PG_PAIR_PORT:-$((PG_PORT + 4))}
PAIR_PORT_B=$((PAIR_PORT_A + 1))

node_port() { if [ "$1" = a ]; then echo "$PAIR_PORT_A"; else echo "$PAIR_PORT_B"; fi; }
other_node() { if [ "$1" = a ]; then echo b; else echo a; fi; }
pair_primary() { cat "$PAIR/primary"; }
pair_mode() { cat "$PAIR/mode"; }
# The standby's name as the primary sees it (its WAL receiver's
# application_name is its cluster_name).
node_name() { echo "gpumeter_$1"; }
node_sql() { # node sql
    psql -X -q -h 127.0.0.1 -p "$(node_port "$1")" -U gpumeter -d postgres -tAc "$2"
}
node_running() { [ -f "$PAIR/$1/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$PAIR/$1" status >/dev/null 2>&1; }
node_start() {
    as_pg "$PGBIN/pg_ctl" -D "$PAIR/$1" -l "$PAIR/$1.log" -w -t "$START_TIMEOUT" \
        -o "$(node_options "$1")" start >/dev/null ||
        die "PostgreSQL node $1 did not start on port $(node_port "$1")" "See $PAIR/$1.log."
}
node_options() { # node
    echo "-p $(node_port "$1") -k $PAIR/sock -c listen_addresses=127.0.0.1 -c max_connections=100" \
        "-c cluster_name=$(node_name "$1")"
}
# Polls a condition up to START_TIMEOUT seconds.
pair_wait() { # what condition...
    local what=$1 waited=0
    shift
    until "$@"; do
        [ "$waited" -lt $((START_TIMEOUT * 10)) ] || die "$what did not happen within ${START_TIMEOUT} s" "See $PAIR/*.log."
        sleep 0.1
        waited=$((waited + 1))
    done
}
streams() { # primary standby: the standby's replication state as the primary sees it
    node_sql "$1" "SELECT sync_state FROM pg_stat_replication
                   WHERE application_name = '$(node_name "$2")' AND state = 'streaming'"
}
streaming() { # primary standby: it streams, synchronously in sync mode
    local want=async
    [ "$(pair_mode)" = async ] || want=sync
    [ "$(streams "$1" "$2")" = "$want" ]
}
# The primary's synchronous_standby_names, set once the standby streams (in
# postgresql.auto.conf, which a base backup copies: the standby's copy is
# dropped, or once promoted it would wait for itself).
set_sync_names() { # primary standby
    local names=
    [ "$(pair_mode)" = async ] || names=$(node_name "$2")
    node_sql "$1" "ALTER SYSTEM SET synchronous_standby_names = '$names'" >/dev/null &&
        node_sql "$1" "SELECT pg_reload_conf()" >/dev/null
}
# A new slot gpumeter_$2 on primary $1, reserving WAL from now on (a
# rewound standby starts from it, before it first connects).
make_slot() { # primary standby
    node_sql "$1" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                   WHERE slot_name = '$(node_name "$2")'" >/dev/null
    node_sql "$1" "SELECT pg_create_physical_replication_slot('$(node_name "$2")', true)" >/dev/null ||
        die "could not create the replication slot on node $1"
}
# Node $2 as a fresh standby of primary $1, streaming through slot
# gpumeter_$2.
make_standby() { # primary standby
    as_pg rm -rf "$PAIR/$2"
    make_slot "$1" "$2"
    as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$(node_port "$1")" -U gpumeter -D "$PAIR/$2" \
        -R -S "$(node_name "$2")" -X stream -c fast >>"$PAIR/basebackup.log" 2>&1 ||
        die "pg_basebackup of node $1 into node $2 failed" "See $PAIR/basebackup.log."
    as_pg sed -i '/^synchronous_standby_names/d' "$PAIR/$2/postgresql.auto.conf"
    node_start "$2"
    pair_wait "node $2 streaming from node $1" eval "[ -n \"\$(streams $1 $2)\" ]"
}
conninfo_hint() {
    echo "services: conninfo host=127.0.0.1,127.0.0.1 port=$PAIR_PORT_A,$PAIR_PORT_B target_session_attrs=read-write"
}

pair_up() { # sync|async
    case "${1:-}" in
    sync | async) ;;
    *)
        echo "services: pg-pair-up needs a mode: sync or async, not '${1:-}'" >&2
        exit 2
        ;;
    esac
    pair_down >/dev/null
    mkdir -p "$PAIR"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PAIR"
    as_pg mkdir -p "$PAIR/sock"
    echo "$1" >"$PAIR/mode"
    echo a >"$PAIR/primary"
    as_pg "$PGBIN/initdb" -D "$PAIR/a" -A trust -U gpumeter -E UTF8 --locale=C \
        >"$PAIR/initdb.log" 2>&1 || die "initdb failed" "See $PAIR/initdb.log."
    # pg_rewind refuses a data folder without wal_log_hints (or data
    # checksums), and rejoin rewinds rather than copy the whole database. In
    # postgresql.conf, not on the command line: pg_rewind's crash recovery
    # of a killed node reads only the files, and would record it off. Base
    # backups copy the file to the standby.
    echo "wal_log_hints = on" | as_pg tee -a "$PAIR/a/postgresql.conf" >/dev/null
    node_start a
    createdb -h 127.0.0.1 -p "$PAIR_PORT_A" -U gpumeter gpumeter
    make_standby a b
    set_sync_names a b
    pair_wait "node b streaming ($1)" streaming a b
    echo "services: PostgreSQL primary a on 127.0.0.1:$PAIR_PORT_A, standby b on 127.0.0.1:$PAIR_PORT_B, $1 replication"
    conninfo_hint
}

pair_detach() {
    local standby
    standby=$(other_node "$(pair_primary)")
    [ "$(pair_mode)" = async ] || die "detaching the synchronous standby would make every commit wait for it" \
        "Use an async pair (pg-pair-up async)."
    echo "primary_conninfo = ''" | as_pg tee -a "$PAIR/$standby/postgresql.auto.conf" >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$PAIR/$standby" reload >/dev/null
    pair_wait "the WAL receiver of node $standby stopping" \
        eval "[ \"\$(node_sql $standby 'SELECT count(*) FROM pg_stat_wal_receiver')\" = 0 ]"
    echo "services: standby $standby no longer receives WAL"
}

pair_kill() {
    local primary pid
    primary=$(pair_primary)
    node_running "$primary" || die "node $primary is not running"
    pid=$(head -n 1 "$PAIR/$primary/postmaster.pid")
    # the postmaster and its backends at once, as when the machine dies
    kill -9 "$pid" $(pgrep -P "$pid") 2>/dev/null || true
    pair_wait "node $primary dying" eval "! kill -0 $pid 2>/dev/null"
    echo "services: killed primary $primary (SIGKILL)"
}

pair_promote() {
    local standby
    standby=$(other_node "$(pair_primary)")
    as_pg "$PGBIN/pg_ctl" -D "$PAIR/$standby" -w -t "$START_TIMEOUT" promote >/dev/null ||
        die "could not promote node $standby" "See $PAIR/$standby.log."
    pair_wait "node $standby leaving recovery" eval "[ \"\$(node_sql $standby 'SELECT pg_is_in_recovery()')\" = f ]"
    echo "$standby" >"$PAIR/primary"
    echo "services: promoted $standby to primary on 127.0.0.1:$(node_port "$standby")"
}

# Node $2, a former primary, rewound onto primary $1's timeline and started
# as its standby; fails (for a base backup instead) when pg_rewind cannot
# (no data folder, WAL it needs gone) or the node does not stream within
# START_TIMEOUT. pg_rewind -R writes primary_conninfo; it copies $1's
# configuration, so the slot name and synchronous_standby_names are set
# after it, as make_standby does.
rewind_standby() { # primary standby
    local conf=$PAIR/$2/postgresql.auto.conf waited=0
    [ -f "$PAIR/$2/PG_VERSION" ] || return 1
    echo "== rewind of node $2 from node $1, $(date -u +%FT%TZ)" >"$PAIR/rewind.log"
    # pg_rewind 15 reads the source's timeline from its control file, which
    # a promotion updates only at its next checkpoint: without one, a node
    # promoted a moment ago looks still on the old timeline and the rewind
    # computes the wrong divergence (it fails, reading WAL of the old
    # timeline that the target no longer has).
    node_sql "$1" CHECKPOINT >/dev/null || return 1
    as_pg "$PGBIN/pg_rewind" -D "$PAIR/$2" -R \
        --source-server="host=127.0.0.1 port=$(node_port "$1") user=gpumeter dbname=postgres" \
        >>"$PAIR/rewind.log" 2>&1 || return 1
    as_pg sed -i '/^synchronous_standby_names/d' "$conf"
    echo "primary_slot_name = '$(node_name "$2")'" | as_pg tee -a "$conf" >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$PAIR/$2" -l "$PAIR/$2.log" -w -t "$START_TIMEOUT" \
        -o "$(node_options "$2")" start >/dev/null || return 1
    until [ -n "$(streams "$1" "$2")" ]; do
        if [ "$waited" -ge $((START_TIMEOUT * 10)) ]; then
            as_pg "$PGBIN/pg_ctl" -D "$PAIR/$2" -m immediate -w stop >/dev/null
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

# The old primary back as the standby of the new one. Refused unless the
# node in "primary" answers as a primary: before the promote the other
# node may be the only copy of the data, and rejoin rewrites it.
pair_rejoin() {
    local primary old how
    primary=$(pair_primary)
    old=$(other_node "$primary")
    [ "$(node_sql "$primary" 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] ||
        die "node $primary does not answer as a primary: nothing to rejoin node $old to" \
            "Promote the standby first (pg-pair-promote); node $old is left as it was."
    # fenced before it is rewritten (a split brain's old primary too)
    if node_running "$old"; then as_pg "$PGBIN/pg_ctl" -D "$PAIR/$old" -m fast -w stop >/dev/null; fi
    make_slot "$primary" "$old"
    if rewind_standby "$primary" "$old"; then
        how="rewound ($(grep -oE 'servers diverged at .*|no rewind required' "$PAIR/rewind.log"))"
    else
        echo "services: pg_rewind of node $old failed (see $PAIR/rewind.log): a fresh base backup instead" >&2
        make_standby "$primary" "$old"
        how="from a fresh base backup"
    fi
    set_sync_names "$primary" "$old"
    pair_wait "node $old streaming ($(pair_mode))" streaming "$primary" "$old"
    echo "services: node $old is the standby of $primary again, $how ($(pair_mode) replication)"
}

pair_status() {
    local n
    [ -f "$PAIR/primary" ] || { echo "pg-pair: none"; return 1; }
    for n in a b; do
        if ! node_running "$n"; then
            echo "node $n: stopped (port $(node_port "$n"))"
        elif [ "$(node_sql "$n" 'SELECT pg_is_in_recovery()')" = t ]; then
            echo "node $n: standby on 127.0.0.1:$(node_port "$n"), replayed up to" \
                "$(node_sql "$n" 'SELECT pg_last_wal_replay_lsn()')"
        else
            echo "node $n: primary on 127.0.0.1:$(node_port "$n"), $(pair_mode):" \
                "$(node_sql "$n" "SELECT coalesce(string_agg(application_name || ' ' || state || ' ' || sync_state, ', '), 'no standby') FROM pg_stat_replication")"
        fi
    done
    conninfo_hint
}

pair_down() {
    local n
    for n in a b; do
        if node_running "$n"; then as_pg "$PGBIN/pg_ctl" -D "$PAIR/$n" -m immediate -w stop >/dev/null; fi
    done
    [ ! -d "$PAIR" ] || as_pg rm -rf "$PAIR/a" "$PAIR/b" "$PAIR/sock"
    rm -rf "$PAIR"
    echo "services: PostgreSQL pair stopped and discarded"
}

pair_command() { # command args...
    case "$1" in
    up | detach | kill | promote | rejoin | status | down) "pair_$1" "${@:2}" ;;
    *)
        echo "services: unknown command pg-pair-$1" >&2
        exit 2
        ;;
    esac
}
