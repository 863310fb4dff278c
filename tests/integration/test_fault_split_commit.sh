#!/bin/bash
# A batch's commit split over connections by partition (rater.commit_connections,
# docs/rating.md#the-commit-split-over-connections) and the rater killed
# between the per-connection commits of one batch (the test knob
# GPUMETER_FAULT_EXIT_AFTER_COMMITS=N: _exit right after the Nth transaction
# commits). Each partition's transaction holds its usage and its stored
# offset, so after the kill every partition is either wholly committed (its
# counters equal its stored offset) or wholly not (still at 0), and the
# restarted rater rates the rest: every event once, money to the fen.
#
# tests/run.sh: faults only (the split is off by default, rater.commit_connections 1;
# make check is at its 10-minute limit; docs/testing.md)
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$ROOT/build/gpumeter" collect synthetic --month 2026-10 --seed 5 --jobs 60 \
    --totals "$TMP/totals.csv"
sent=$(topic_messages)
if [ "$sent" -ge 10000 ]; then pass "$sent events to rate"; else
    fail "events to rate: expected at least 10000 on the topic, got $sent"; fi
# partitions holding events (a source's events go to one, by its key)
parts=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%p\n' | sort -u | wc -l)

# Partitions wholly committed: their counters equal their stored offset.
# "<committed> <partial>": partial ones (counted but not all up to the
# offset, or the reverse) would be a transaction that covered a partition
# in part.
partition_state() {
    q "SELECT count(*) FILTER (WHERE o.next_offset > 0 AND c.consumed = o.next_offset) || ' ' ||
              count(*) FILTER (WHERE coalesce(c.consumed, 0) <> o.next_offset)
       FROM consumer_offset o LEFT JOIN rating_counter c USING (topic, partition)"
}

# One batch holding every partition (drained before it commits), over two
# connections: the first partition transaction commits, then the exit.
GPUMETER_COMMIT_CONNECTIONS=2 GPUMETER_FAULT_EXIT_AFTER_COMMITS=1 \
    "$GM" rate --until-idle --batch 1000000 --batch-ms 600000 2>>"$TMP/rate.log"
check_eq "the rater exits at the fault knob, after one connection's commit" 137 "$?"
# the batch's partitions are dealt to the two connections in turn: one
# connection's share is half of them, rounded either way
read -r whole partial <<<"$(partition_state)"
if [ "$partial" -eq 0 ] && [ "$whole" -ge $((parts / 2)) ] && [ "$whole" -le $(((parts + 1) / 2)) ]; then
    pass "one connection's partitions ($whole of $parts) committed wholly, none in part"
else
    fail "one connection's partitions committed: expected $((parts / 2)) or $(((parts + 1) / 2)) of $parts whole and 0 in part, got $whole and $partial"
fi
mid=$(consumed)
if [ "$mid" -gt 0 ] && [ "$mid" -lt "$sent" ]; then
    pass "killed between the commits of one batch ($mid of $sent committed)"
else
    fail "killed between the commits of one batch: expected between 1 and $((sent - 1)) of $sent committed, got $mid"
fi

# Smaller batches over three connections, killed after the second
# transaction (within a later batch).
GPUMETER_COMMIT_CONNECTIONS=3 GPUMETER_FAULT_EXIT_AFTER_COMMITS=2 \
    "$GM" rate --until-idle --batch 2000 2>>"$TMP/rate.log"
check_eq "the rater exits again at the knob" 137 "$?"
check_eq "after the second kill no partition is committed in part" 0 \
    "$(partition_state | cut -d' ' -f2)"

# A serialization failure (what PostgreSQL answers a transaction it
# aborts, as for a deadlock) injected once, at the first counters a
# batch's transaction adds (after its offsets): that transaction runs
# again from its start.
pg -c "CREATE SEQUENCE fault_aborts;
       GRANT USAGE ON SEQUENCE fault_aborts TO gpumeter_rater;
       CREATE FUNCTION fault_abort_once() RETURNS trigger LANGUAGE plpgsql AS \$\$
       BEGIN
           IF nextval('fault_aborts') = 1 THEN
               RAISE EXCEPTION 'injected by the test' USING ERRCODE = '40001';
           END IF;
           RETURN NULL;
       END \$\$;
       GRANT EXECUTE ON FUNCTION fault_abort_once() TO gpumeter_rater;
       CREATE TRIGGER fault_abort_once BEFORE INSERT ON rating_counter
           FOR EACH STATEMENT EXECUTE FUNCTION fault_abort_once();" >/dev/null
GPUMETER_COMMIT_CONNECTIONS=2 "$GM" rate --until-idle 2>"$TMP/retry.log"
check_eq "the restarted rater finishes" 0 "$?"
check_eq "the aborted transaction is run again at once, once" 1 \
    "$(grep -c 'SQLSTATE 40001); committing it again' "$TMP/retry.log")"
check_counters "after the kills: every message consumed once, no duplicates" "$sent $sent 0 0"
check_eq "every partition committed up to its end" "$parts 0" "$(partition_state)"
# the connections after the first moved usage versions of their own
# (schema 071), which the API reads summed
if [ "$(q "SELECT count(*) FROM usage_version WHERE slot = 1")" -gt 0 ]; then
    pass "the second connection moved its own usage versions"
else
    fail "the second connection moved its own usage versions: expected rows of slot 1, got none"
fi
# and the days' change times of their own (schema 077), so the two did not
# queue on the customer's day rows; late usage reads any slot's
check_eq "each connection moved its own day rows (slots 0 and 1)" "0 1" \
    "$(q "SELECT string_agg(DISTINCT slot::text, ' ') FROM usage_day_changed")"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "totals match the generator to the fen" "mismatches 0" \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"
check_match "conservation holds" "conservation: holds" "$("$GM" conservation)"

# One new source whose events are on two partitions (a producer that keys
# otherwise, or a topic given more partitions): seqs 1-50 on partition 0,
# 51-100 on 1, met at once by the two connections' transactions; then
# every seq again on partition 2. The second transaction must read the
# first's window, not start from an empty one and overwrite it.
map_accounts ns-split
ev() { # seq
    printf '{"v":1,"source":"split/one","seq":%s,"account":"ns-split","cluster":"c1","site":"s1","start":"2026-10-01T00:00:00Z","end":"2026-10-01T00:00:00Z","tokens":%s}\n' "$1" "$((1000 * $1))"
}
to_partition() { kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -p "$1"; }
for s in $(seq 1 50); do ev "$s"; done | to_partition 0
for s in $(seq 51 100); do ev "$s"; done | to_partition 1
GPUMETER_COMMIT_CONNECTIONS=2 "$GM" rate --until-idle --batch 1000000 --batch-ms 600000 2>>"$TMP/rate.log"
for s in $(seq 1 100); do ev "$s"; done | to_partition 2
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "a source on two partitions: its window whole, every seq once" "100 {} 5050000" \
    "$(q "SELECT contiguous_seq || ' ' || above::text || ' ' ||
                 (SELECT sum(quantity) FROM usage_hourly WHERE account = 'ns-split')
          FROM source_seq WHERE source = 'split/one'")"
check_counters "and its copies duplicates" "$((sent + 200)) $((sent + 100)) 100 0"

# Two transactions of one batch that share a month's and a day's rollup
# rows, made to meet: partition 0's (connection 1) updates an hourly row of
# 3 October and adds one on 5 October, partition 1's (connection 2) updates
# another of 5 October. Before schema 074 the upsert's UPDATE and INSERT
# triggers took the rollup rows in two passes and the two deadlocked
# (40P01, run again by the rater); since 078 usage_hourly_add takes the
# days, the hourly rows and then the rollup rows, each in one pass in key
# order. Advisory locks held by two sessions of the test order them: the
# second connection's transaction waits at its first counter write until
# the first has written its usage (it waits at an AFTER INSERT trigger on
# the rollup, holding every row it wrote), then the first goes on once the
# second waits for a row lock.
map_accounts ns-dl
dl() { # source cluster seq hour
    printf '{"v":1,"source":"%s","seq":%s,"account":"ns-dl","cluster":"%s","site":"s1","start":"%s","end":"%s","tokens":1000}\n' \
        "$1" "$3" "$2" "$4" "$4"
}
dl dl/a c1 1 2026-10-03T04:00:00Z | to_partition 0
dl dl/b c2 1 2026-10-05T05:00:00Z | to_partition 1
"$GM" rate --until-idle 2>>"$TMP/rate.log"
pg -c "CREATE FUNCTION fault_hold_first() RETURNS trigger LANGUAGE plpgsql AS \$\$
       BEGIN
           IF coalesce(nullif(current_setting('gpumeter.usage_version_slot', true), ''), '0') = '0'
           THEN PERFORM pg_advisory_xact_lock(741); END IF;
           RETURN NULL;
       END \$\$;
       CREATE FUNCTION fault_hold_second() RETURNS trigger LANGUAGE plpgsql AS \$\$
       BEGIN
           IF current_setting('gpumeter.usage_version_slot', true) = '1'
           THEN PERFORM pg_advisory_xact_lock(742); END IF;
           RETURN NULL;
       END \$\$;
       GRANT EXECUTE ON FUNCTION fault_hold_first(), fault_hold_second() TO gpumeter_rater;
       CREATE TRIGGER a_fault_hold_first AFTER INSERT ON usage_rollup
           FOR EACH STATEMENT EXECUTE FUNCTION fault_hold_first();
       CREATE TRIGGER a_fault_hold_second BEFORE INSERT ON rating_counter
           FOR EACH STATEMENT EXECUTE FUNCTION fault_hold_second();" >/dev/null
hold() { # key: a session holding the advisory lock until it is ended
    PGAPPNAME=fault_hold_$1 pg -c "SELECT pg_advisory_lock($1)" -c "SELECT pg_sleep(300)" \
        >/dev/null 2>&1 &
}
release() { q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE application_name = 'fault_hold_$1'" >/dev/null; }
waiting() { # "advisory <key>" or "row": a rater's backend waits for that lock
    local what="l.locktype = 'advisory' AND l.objid = ${2:-0}"
    [ "$1" = row ] && what="l.locktype <> 'advisory'"
    [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE NOT l.granted AND a.datname = current_database() AND $what")" -gt 0 ]
}
holding() { [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                    WHERE l.locktype = 'advisory' AND l.granted AND l.objid IN (741, 742)
                      AND d.datname = current_database()")" = 2 ]; }
hold 741
hold 742
wait_for 60 holding || fail "the test's sessions hold their advisory locks"
dl dl/a c1 2 2026-10-03T04:00:00Z | to_partition 0
dl dl/a c1 3 2026-10-05T04:00:00Z | to_partition 0
dl dl/b c2 2 2026-10-05T05:00:00Z | to_partition 1
GPUMETER_QUIET=0 GPUMETER_COMMIT_CONNECTIONS=2 "$GM" rate --until-idle --batch 1000000 \
    --batch-ms 600000 2>"$TMP/meet.log" &
rater=$!
wait_for 120 waiting advisory 741
check_eq "the first connection's transaction holds after its usage writes" 0 "$?"
release 742
wait_for 120 waiting row
check_eq "the second connection's transaction then waits for a row the first holds" 0 "$?"
release 741
wait "$rater"
check_eq "the rater finishes" 0 "$?"
check_eq "no transaction aborted by a deadlock, none run again (the rater's count)" \
    "0 0" "$(echo $(grep -c "committing it again" "$TMP/meet.log"; sed -n 's/.* s committing, \([0-9]*\) run again).*/\1/p' "$TMP/meet.log"))"
check_eq "the two transactions' usage, every event once" "5 3 3000 2000" \
    "$(q "SELECT sum(events) || ' ' || count(*) || ' ' ||
                 sum(quantity) FILTER (WHERE cluster = 'c1') || ' ' ||
                 sum(quantity) FILTER (WHERE cluster = 'c2')
          FROM usage_hourly WHERE account = 'ns-dl'")"
check_eq "the rollup equals the hourly rows" 0 "$(q "SELECT count(*) FROM usage_rollup_mismatch")"
finish
