#!/bin/bash
# A HAMi-shared pool through the spool, the broker and the rater (issue 35):
# each pod is rated window x its cores share, an overcommitted GPU's shares
# are clamped to its window, what no share covers is stranded (idle, never
# rated), and a replayed scrape adds nothing. The scrape is built from
# HAMi's published formats (tests/fixtures/ingest/hami-shares.prom says
# which GPU holds what); the unit test test_hami_shares_of_one_gpu checks
# the same events before Kafka.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a team-b team-c team-d team-e team-f team-g team-h team-i
F=$ROOT/tests/fixtures/ingest
collect() { GPUMETER_QUIET=0 "$GM" collect hami --model H800 --state-dir "$TMP/st" "$@" \
    2>>"$TMP/collect.log"; }

rc=0
collect --file "$F/hami-shares.prom" --at 2026-11-01T00:00:00Z || rc=1
collect --file "$F/hami-shares.prom" --at 2026-11-01T00:01:00Z || rc=1
check_eq "both runs exit 0" 0 "$rc"
check_match "the round counts the two bad lines and the idle GPU with the stranded 20 %, 55 % and 90 %" \
    "01:00Z: 11 events, 2 bad lines, 0 gaps, 0 resets, 1 idle units \(159000 GPU-ms unallocated\)" \
    "$(cat "$TMP/collect.log")"
out=$(GPUMETER_QUIET=0 "$GM" collect hami --model H800 --state-dir "$TMP/st" \
    --file "$F/hami-shares.prom" --at 2026-11-01T00:01:00Z 2>&1)
check_match "a replayed scrape charges nothing" " 0 events, 2 bad lines" "$out"
# 10 shares and one capacity event
check_eq "11 events reached the topic" 11 "$(topic_messages)"

"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "rater: 11 consumed, 11 rated" "11 11 0 0"
check_eq "each pod is rated 60 s x its cores share, clamped in (account, job) order" \
    "team-a infer-0 18000, team-a infer-1 30000, team-b embed-0 30000, team-c train-0 30000, \
team-d dev-0 30000, team-e nb-0 30000, team-f lab-0 30000, team-g etl-0 30000, \
team-h svc-0 27000, team-i job-0 6000" \
    "$(q "SELECT string_agg(account || ' ' || job || ' ' || total, ', ' ORDER BY account, job)
          FROM (SELECT account, job, sum(quantity) AS total FROM usage_hourly
                WHERE meter = 'gpu_ms' GROUP BY account, job) t")"
check_eq "capacity: 7 GPUs for 60 s, 261,000 GPU-ms of them allocated" "420000 261000" \
    "$(q "SELECT installed_ms || ' ' || allocated_ms FROM capacity_hourly")"
finish
