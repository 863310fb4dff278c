#!/bin/bash
# make demo: one month of a simulated mixed cluster, end to end on the real
# local services: collect -> Kafka -> rate -> PostgreSQL -> invoices and a
# statement, then a check of every amount against the generator's totals.
# Uses its own database (gpumeter_demo, recreated) and a new topic per run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

GPUMETER=$ROOT/build/gpumeter
PERIOD=${DEMO_PERIOD:-2026-10}
DB=gpumeter_demo
OUT=$ROOT/build/demo
export GPUMETER_PG="host=127.0.0.1 port=$PG_PORT dbname=$DB user=gpumeter"
export GPUMETER_KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
export GPUMETER_TOPIC="gpumeter.demo.$(date +%Y%m%d%H%M%S)"
psql_demo() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d "$DB" "$@"; }
step() { printf '\n== %s\n' "$*"; }

mkdir -p "$OUT"
step "fresh database $DB, schema, demo customers and plans, topic $GPUMETER_TOPIC"
dropdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter --if-exists "$DB"
createdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter "$DB"
"$GPUMETER" migrate
"$ROOT/scripts/seed.sh" "$GPUMETER"
"$GPUMETER" customer list
"$GPUMETER" topics

step "the operator's site, its energy tariff and its fleet (what the hardware costs)"
"$GPUMETER" site apply "$ROOT/scripts/seed/site-sh-lingang.json" --actor ops-demo
"$GPUMETER" tariff apply "$ROOT/scripts/seed/tariff-sh-lingang.json" --actor ops-demo
for asset in "$ROOT"/scripts/seed/asset-sh-lingang-*.json; do
    "$GPUMETER" asset apply "$asset" --actor ops-demo
done

step "collect: simulate $PERIOD (12 nodes of H800, A800, H20, Ascend 910B; 5 accounts), jobs scheduled on the nodes, each node's capacity hour by hour, 4 malformed messages"
"$GPUMETER" collect synthetic --month "$PERIOD" --seed 2026 --malformed 4 --totals "$OUT/totals.csv" \
    --capacity --capacity-totals "$OUT/capacity.csv"

step "rate: consume exactly once into PostgreSQL (ns-delta has no customer yet: parked)"
"$GPUMETER" rate --until-idle
psql_demo -c "SELECT reason_code, reason FROM dead_letter ORDER BY kafka_offset"
"$GPUMETER" conservation

step "sales signs ns-delta to customer beta: the rater releases its parked events"
"$GPUMETER" contract diff "$ROOT/scripts/seed/contract-beta-with-delta.json"
"$GPUMETER" contract apply "$ROOT/scripts/seed/contract-beta-with-delta.json" --actor sales-demo
"$GPUMETER" rate --until-idle
"$GPUMETER" conservation

step "rate again: nothing new to rate, totals unchanged"
before=$(psql_demo -tAc "SELECT sum(quantity) FROM usage_hourly")
"$GPUMETER" rate --until-idle
after=$(psql_demo -tAc "SELECT sum(quantity) FROM usage_hourly")
[ "$before" = "$after" ] || { echo "demo: rating twice changed the totals ($before -> $after)"; exit 3; }

step "invoice run for $PERIOD"
"$GPUMETER" invoice run --period "$PERIOD"
"$GPUMETER" invoice show --customer alpha --period "$PERIOD"

step "statement for gamma (by-token plan), CSV"
"$GPUMETER" statement --customer gamma --period "$PERIOD" --format csv

step "check: every quantity and every invoice against the generator's totals"
result=$(psql_demo -tA -v totals="$OUT/totals.csv" -v period="$PERIOD" -f "$ROOT/scripts/check-totals.sql")
echo "$result"
if [ "$(echo "$result" | tail -n 1)" != "mismatches 0" ]; then
    echo "demo: FAILED, totals differ from what the generator produced" >&2
    exit 3
fi
echo "demo: OK, all quantities and invoice totals match the generator to the fen"

step "capacity: every node's hours against the generator's, per model"
psql_demo -c "CREATE TEMP TABLE want (model text, installed bigint, allocated bigint, whole bigint,
                                      stranded bigint, energy bigint)" \
    -c "\\copy want FROM '$OUT/capacity.csv' CSV HEADER" \
    -c "SELECT 'capacity mismatches ' || count(*) FROM want w FULL JOIN (
          SELECT model, sum(installed_ms) installed, sum(allocated_ms) allocated,
                 sum(idle_whole_ms) whole, sum(idle_stranded_ms) stranded,
                 sum(idle_energy_mj) energy FROM capacity_hourly GROUP BY 1) g USING (model)
        WHERE (w.installed, w.allocated, w.whole, w.stranded, w.energy)
              IS DISTINCT FROM (g.installed, g.allocated, g.whole, g.stranded, g.energy)" \
    -tA | tee "$OUT/capacity-check.txt"
grep -qx "capacity mismatches 0" "$OUT/capacity-check.txt" ||
    { echo "demo: FAILED, capacity differs from what the generator scheduled" >&2; exit 3; }

step "finance issues $PERIOD; the operator's view: what each GPU earned in $PERIOD"
"$GPUMETER" invoice issue --period "$PERIOD"
"$GPUMETER" report capacity --from "$PERIOD-01" --to "$PERIOD-03" --by day
"$GPUMETER" report yield --period "$PERIOD" --by site
"$GPUMETER" report yield --period "$PERIOD"
echo "demo: yield of $PERIOD above (docs/operator.md explains every column)"
