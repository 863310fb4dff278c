#!/bin/bash
# A GPU that several pods share (time-slicing, MPS; dcgm-exporter 4.x's
# vgpu copies), through the spool, the broker and the rater: each tenant is
# rated its equal share, the shares sum to the window to the millisecond
# and millijoule, and the order of the scrape's lines changes nothing
# (issue 31). Replaying the scrape adds nothing.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a team-c
q "INSERT INTO account (account, customer_id) SELECT 'team-b', id FROM customer WHERE code = 'beta'
   ON CONFLICT DO NOTHING" >/dev/null
F=$ROOT/tests/fixtures/ingest
collect() { GPUMETER_QUIET=0 "$GM" collect dcgm "$@" 2>>"$TMP/collect.log"; }

rc=0
collect --file "$F/dcgm-shared-t0.prom" --at 2026-11-01T00:00:00Z --state-dir "$TMP/st" || rc=1
# the second scrape with its lines reversed: the order must not matter
tac "$F/dcgm-shared-t1.prom" >"$TMP/t1-reversed.prom"
collect --file "$TMP/t1-reversed.prom" --at 2026-11-01T00:00:31Z --state-dir "$TMP/st" || rc=1
out=$(GPUMETER_QUIET=0 "$GM" collect dcgm --file "$F/dcgm-shared-t1.prom" \
    --at 2026-11-01T00:00:31Z --state-dir "$TMP/st" 2>&1)
check_eq "every run exits 0" 0 "$rc"
check_match "a replayed scrape charges nothing" " 0 events, 0 bad lines" "$out"
check_match "the round before says which GPU was shared" \
    "1 shared units split between 3 tenants" "$(cat "$TMP/collect.log")"
# 3 shares of GPU 0, GPU 1 whole, one capacity event
check_eq "5 events reached the topic" 5 "$(topic_messages)"

"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "rater: 5 consumed, 5 rated" "5 5 0 0"
got=$(q "SELECT string_agg(account || ' ' || job || ' ' || meter || ' ' || total, ', '
                           ORDER BY account, job, meter)
         FROM (SELECT account, job, meter, sum(quantity) AS total FROM usage_hourly
               GROUP BY account, job, meter) t")
check_eq "each pod is rated its equal share, the remainder to the last in order" \
    "team-a infer-0 energy_mj 7233333, team-a infer-0 gpu_ms 10333, \
team-a infer-1 energy_mj 7233333, team-a infer-1 gpu_ms 10333, \
team-b embed-0 energy_mj 7233334, team-b embed-0 gpu_ms 10334, \
team-c train-0 energy_mj 21700000, team-c train-0 gpu_ms 31000" "$got"
check_eq "the shared GPU's shares sum to its 31 s window and its 21,700,000 mJ" "31000 21700000" \
    "$(q "SELECT sum(quantity) FILTER (WHERE meter = 'gpu_ms') || ' ' ||
                 sum(quantity) FILTER (WHERE meter = 'energy_mj')
          FROM usage_hourly WHERE account IN ('team-a', 'team-b')")"
check_eq "each customer is billed its tenants' part (alpha: team-a and team-c; beta: team-b)" \
    "alpha 51666, beta 10334" \
    "$(q "SELECT string_agg(code || ' ' || total, ', ' ORDER BY code)
          FROM (SELECT c.code, sum(u.quantity) AS total FROM usage_hourly u
                JOIN account a ON a.account = u.account JOIN customer c ON c.id = a.customer_id
                WHERE u.meter = 'gpu_ms' GROUP BY c.code) t")"
check_eq "capacity: 2 H800s for 31 s, both allocated" "62000 62000 0" \
    "$(q "SELECT installed_ms || ' ' || allocated_ms || ' ' || idle_energy_mj FROM capacity_hourly")"
"$GM" invoice run --period 2026-11 >/dev/null 2>>"$TMP/collect.log"
# an invoice line rounds GPU time up to the plan's increment (docs/plans.md),
# once per line: alpha's 51,666 (team-a and team-c) -> 52,000, beta's
# 10,334 -> 11,000
check_eq "and invoiced so: alpha's GPU line 52,000 GPU-ms, beta's 11,000" \
    "alpha gpu_ms 52000, beta gpu_ms 11000" \
    "$(q "SELECT string_agg(c.code || ' ' || l.meter || ' ' || l.quantity, ', ' ORDER BY c.code)
          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
          JOIN customer c ON c.id = i.customer_id WHERE l.meter = 'gpu_ms'")"
finish
