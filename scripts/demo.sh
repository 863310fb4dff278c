#!/bin/bash
# make demo: one month of a simulated mixed cluster, end to end on the real
# local services: collect -> Kafka -> rate -> PostgreSQL -> invoices and a
# statement, then a check of every amount against the generator's totals;
# then the month after it from invoice to cash (demo-receivables.sh) and the
# cluster as a financed project with the price index (demo-investor.sh).
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
# The operator as its invoices and fapiao name it (made-up numbers).
cat >"$OUT/gpumeter.conf" <<'CONF'
invoice.seller = 上海临港算力科技有限公司
invoice.seller_tax_id = 91310000MA1FL6DEMO
invoice.seller_address = 上海市浦东新区临港新片区 1 号
invoice.seller_phone = 021-5888 0000
invoice.seller_bank = 中国工商银行上海临港支行
invoice.seller_account = 1001234509876543210
fapiao.tax_code = 3040203000000000000
# The price index's confidentiality minimum: the demo bills GPU-hours to two
# customers only (alpha, beta; gamma by tokens), so 2, not the default 3
# (docs/investor.md, "In the demo").
index.min_contracts = 2
CONF
export GPUMETER_CONFIG=$OUT/gpumeter.conf
step "fresh database $DB, schema, demo customers and plans, topic $GPUMETER_TOPIC"
# The previous demo's console still serves its database: stop it first, so
# that the database can be made again (a second make demo in a row).
if [ -f "$OUT/serve.pid" ]; then
    kill "$(cat "$OUT/serve.pid")" 2>/dev/null || true
    rm -f "$OUT/serve.pid"
    for _ in $(seq 50); do
        [ "$(psql -X -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d postgres -tAc \
             "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB'")" = 0 ] && break
        sleep 0.1
    done
fi
dropdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter --if-exists "$DB"
createdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter "$DB"
"$GPUMETER" migrate
"$ROOT/scripts/seed.sh" "$GPUMETER"
"$GPUMETER" customer list
# Shanghai's compute voucher for domestic chips: 30% of what gamma's tokens
# cost, in proportion to the GPU time its training ran on domestic
# accelerators (docs/contracts.md, Voucher).
"$GPUMETER" voucher issue "$ROOT/scripts/seed/voucher-gamma-domestic.json"
# A plan that bills energy too (0.80 per facility kWh), for beta.
"$GPUMETER" plan apply "$ROOT/scripts/seed/plan-gpu-energy.json"
"$GPUMETER" topics

step "the operator's site, its energy tariff and its fleet (what the hardware costs)"
"$GPUMETER" site apply "$ROOT/scripts/seed/site-sh-lingang.json" --actor ops-demo
"$GPUMETER" tariff apply "$ROOT/scripts/seed/tariff-sh-lingang.json" --actor ops-demo
# Shanghai's energy subsidy for domestic accelerators at the site: 0.20 per
# facility kWh of the energy lines it covers (beta's Ascend and DCU lines).
"$GPUMETER" subsidy apply "$ROOT/scripts/seed/subsidy-sh-domestic.json" --actor ops-demo
for asset in "$ROOT"/scripts/seed/asset-sh-lingang-*.json; do
    "$GPUMETER" asset apply "$asset" --actor ops-demo
done

step "collect: simulate $PERIOD (12 nodes of a Chinese mixed cluster: H800, H20, Ascend 910B, Hygon DCU K100_AI and a HAMi-shared H20 node; 5 accounts), jobs scheduled on the nodes, each node's capacity hour by hour, 4 malformed messages"
"$GPUMETER" collect synthetic --month "$PERIOD" --seed 2026 --malformed 4 --totals "$OUT/totals.csv" \
    --capacity --capacity-totals "$OUT/capacity.csv"

step "rate: consume exactly once into PostgreSQL (ns-delta has no customer yet: parked)"
"$GPUMETER" rate --until-idle
psql_demo -c "SELECT reason_code, reason FROM dead_letter ORDER BY kafka_offset"
"$GPUMETER" conservation

step "sales signs ns-delta to customer beta, on a plan that bills energy: the rater releases its parked events"
"$GPUMETER" contract diff "$ROOT/scripts/seed/contract-beta-with-delta-energy.json"
"$GPUMETER" contract apply "$ROOT/scripts/seed/contract-beta-with-delta-energy.json" --actor sales-demo
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
# Beta (energy, the subsidy) and gamma (its voucher) are priced by the
# check's terms section, which models both, from the seed documents'
# figures written again; alpha by its demo prices.
printf '%s\n' customer,time_zone,basis,tax,job_prefix beta,Asia/Shanghai,gpu_hours,0.06, \
    gamma,Asia/Shanghai,tokens,0.06, >"$OUT/terms.csv"
printf '%s\n' customer,meter,model,unit_price,pue beta,gpu_ms,H800,16.80,1 beta,gpu_ms,H20,7.25,1 \
    beta,gpu_ms,Ascend910B,8.333333,1 beta,gpu_ms,DCUK100AI,6.50,1 beta,energy_mj,H800,0.80,1.25 \
    beta,energy_mj,H20,0.80,1.25 beta,energy_mj,Ascend910B,0.80,1.25 \
    beta,energy_mj,DCUK100AI,0.80,1.25 gamma,tokens,,3.00,1 >"$OUT/prices.csv"
printf '%s\n' customer,voucher,priority,pre_tax,coverage,meters,domestic_only \
    gamma,shd-0001,1,false,0.30,tokens,true >"$OUT/vouchers.csv"
printf '%s\n' subsidy,rate_per_kwh,domestic_only,cap_per_period \
    green-sh-domestic,0.20,true,5000.00 >"$OUT/subsidies.csv"
result=$(psql_demo -tA -v totals="$OUT/totals.csv" -v period="$PERIOD" -v terms="$OUT/terms.csv" \
    -v prices="$OUT/prices.csv" -v vouchers="$OUT/vouchers.csv" -v subsidies="$OUT/subsidies.csv" \
    -f "$ROOT/scripts/check-totals.sql")
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

step "a node that fails mid-month: sh-b's gpu-node-07 (8 H800), its dcgm-exporter collected for real with --health; GPU 3 falls off the bus (XID 79) for 3.5 hours on $PERIOD-15"
# Five scrapes of the node's XID series (scripts/seed/health/h800-node.source),
# through the real collector, Kafka and the rater into device_health. The
# node is a second cluster's, beside the twelve simulated ones: its
# collector also reports the node's capacity, which the checks above (the
# generator's cluster sh-a) leave out. Scraped 2.5 to 3.5 hours apart
# (--max-gap 4 h), so one XID's window is hours long (docs/availability.md,
# In the demo).
if [ "$PERIOD" = 2026-10 ]; then
    rm -rf "$OUT/dcgm-health"
    t=0
    for at in 00:00 02:30 06:00 09:00 12:00; do
        "$GPUMETER" collect dcgm --health --file "$ROOT/scripts/seed/health/h800-node-t$t.prom" \
            --at "$PERIOD-15T$at:00Z" --state-dir "$OUT/dcgm-health" --cluster sh-b \
            --site sh-lingang --node gpu-node-07 --max-gap 14400
        t=$((t + 1))
    done
    "$GPUMETER" rate --until-idle
    "$GPUMETER" conservation
    "$GPUMETER" report availability --from "$PERIOD-01" --to "$PERIOD-31" --by node
    "$GPUMETER" report availability --from "$PERIOD-01" --to "$PERIOD-31" --by device
    # By hand: 4 windows, 12 h = 43,200,000 ms per GPU, 345,600,000 for the
    # node; GPU 3 down 02:30-06:00 (12,600,000, XID 79), GPU 6 degraded
    # 06:00-09:00 (10,800,000, XID 13); up 322,200,000 / 345,600,000 =
    # 0.932291666... -> 932,291 ppm, GPU 3 30,600,000 / 43,200,000 =
    # 0.708333... -> 708,333 (rounded down).
    uuid=GPU-4e1a7c2N-9b3d-4f60-a8e5-d0c6b2f1930N
    want="node,devices,metered_ms,up_ms,degraded_ms,down_ms,availability_ppm
sh-lingang/gpu-node-07,8,345600000,322200000,10800000,12600000,932291
all,8,345600000,322200000,10800000,12600000,932291
device,devices,metered_ms,up_ms,degraded_ms,down_ms,availability_ppm"
    for g in 0 1 2 3 4 5 6 7; do
        case $g in
            3) figures=43200000,30600000,0,12600000,708333 ;;
            6) figures=43200000,32400000,10800000,0,750000 ;;
            *) figures=43200000,43200000,0,0,1000000 ;;
        esac
        want="$want
sh-lingang/gpu-node-07/${uuid//N/$g},1,$figures"
    done
    want="$want
all,8,345600000,322200000,10800000,12600000,932291"
    got="$("$GPUMETER" report availability --from "$PERIOD-01" --to "$PERIOD-31" --by node --format csv)
$("$GPUMETER" report availability --from "$PERIOD-01" --to "$PERIOD-31" --by device --format csv)"
    if [ "$got" != "$want" ]; then
        printf 'demo: FAILED, availability differs from the hand-computed figures\nexpected:\n%s\ngot:\n%s\n' \
            "$want" "$got" >&2
        exit 3
    fi
    echo "demo: OK, availability of $PERIOD as computed by hand (gpu-node-07 93.2291%, its GPU 3 70.8333%)"
fi

step "the documents an SLA credit will be computed from: beta's contract promises 99.5% (contract show), the operator's maintenance windows"
"$GPUMETER" contract show beta-2026
# One window on h20-node1 in $PERIOD, recorded now, after it: gpumeter first
# held it too late to count as announced (the notice rule); one 14 days
# ahead, announced in time.
ahead=$(date -u -d '+14 days' +%Y-%m-%d)
jq --arg s "${ahead}T02:00:00+08:00" --arg e "${ahead}T04:00:00+08:00" \
    '.windows += [{"site": "sh-lingang", "node": "h800-node1", "start": $s, "end": $e,
                   "announced_at": "2026-10-01T00:00:00Z", "reason": "BMC firmware update"}]' \
    "$ROOT/scripts/seed/maintenance-sh-lingang.json" >"$OUT/maintenance.json"
"$GPUMETER" maintenance apply "$OUT/maintenance.json" --actor ops-demo
"$GPUMETER" maintenance list | tee "$OUT/maintenance.txt"
statuses=$(awk 'NR > 1 { print $3, $6 }' "$OUT/maintenance.txt") # under its header
want=$'sh-lingang/h20-node1 unannounced\nsh-lingang/h800-node1 announced'
[ "$statuses" = "$want" ] || { printf 'demo: FAILED, maintenance windows\nexpected:\n%s\ngot:\n%s\n' \
    "$want" "$statuses" >&2; exit 3; }

step "beta's SLA credit: beta reserves gpu-node-07, so $PERIOD invoiced again with the node's health carries the credit its availability earns"
"$GPUMETER" invoice run --period "$PERIOD" --customer beta
if [ "$PERIOD" = 2026-10 ]; then
    # By hand (docs/availability.md, "Credits"): the node's 345,600,000 ms
    # metered; GPU 3 down 12,600,000 (XID 79); GPU 6's 10,800,000 degraded
    # by XID 13, the application's, excluded (beta's terms exclude
    # customer_caused): 333,000,000 / 345,600,000 = 96.3541..%, under 99.0:
    # 25% (the cap, 30%, does not bite). The affected charges are beta's
    # H800 lines, GPU time 10,672.85 and energy at sh-lingang 444.70 (the
    # figures the check of every invoice against the generator tied above):
    # 11,117.55 x 25% = 2,779.3875 -> 2,779.39, tax -166.7634 -> -166.76.
    want="sla_credit|96.3541% < 99%: 25% x 11117.55|-277939|-16676"
    got=$(psql_demo -tAc "SELECT l.kind || '|' || l.detail || '|' || l.amount || '|' || l.tax
                          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
                          JOIN customer c ON c.id = i.customer_id
                          WHERE c.code = 'beta' AND i.period = '$PERIOD-01' AND l.kind = 'sla_credit'")
    if [ "$got" != "$want" ]; then
        printf 'demo: FAILED, beta'"'"'s SLA credit differs from the hand-computed line\nexpected: %s\ngot:      %s\n' \
            "$want" "$got" >&2
        exit 3
    fi
    "$GPUMETER" invoice show --customer beta --period "$PERIOD" | grep -E "sla_credit|^ *(subtotal|tax|total)"
    # the evidence, one request away: what beta (its key, GET
    # /v1/availability) and its PDF's evidence pages show
    "$GPUMETER" report availability --customer beta --period "$PERIOD" | sed -n '1,/^$/p;/not up/,$p'
    echo "demo: OK, beta's $PERIOD credit as computed by hand: -2,779.39 (25% of its H800 charges, availability 96.3541%)"
fi

step "finance issues $PERIOD and publishes its price index; the operator's view: what each GPU earned in $PERIOD"
"$GPUMETER" invoice issue --period "$PERIOD"
"$GPUMETER" index publish --period "$PERIOD"
"$GPUMETER" report capacity --from "$PERIOD-01" --to "$PERIOD-03" --by day
"$GPUMETER" report yield --period "$PERIOD" --by site
"$GPUMETER" report yield --period "$PERIOD"
echo "demo: yield of $PERIOD above (docs/operator.md explains every column)"
# The domestic split of the same yield: each model's row under its vendor
# as the collectors reported it (the catalogue's; every vendor it knows
# besides NVIDIA makes domestic chips), and what gamma's domestic-only
# voucher claimed, as its redemption records it.
# (the CSV's first table: the by-token one follows a blank line)
"$GPUMETER" report yield --period "$PERIOD" --format csv | sed '/^$/,$d' >"$OUT/yield-$PERIOD.csv"
psql_demo -c "CREATE TEMP TABLE y (site text, node text, model text, installed_ms bigint,
                allocated_ms bigint, idle_whole_ms bigint, idle_stranded_ms bigint, installed text,
                allocated text, util text, idle_whole text, idle_stranded text, revenue numeric,
                revenue_gpu_hours numeric, revenue_tokens numeric, energy_billed numeric,
                revenue_other numeric, per_installed text, per_allocated text, vouchers numeric,
                subsidies numeric, kwh_allocated text, kwh_idle text, energy_cost numeric,
                depreciation text, margin text, margin_to_date text, purchase text, payback text,
                health_metered_ms bigint, health_up_ms bigint, availability_ppm bigint)" \
    -c "\\copy y FROM '$OUT/yield-$PERIOD.csv' CSV HEADER" \
    -c "SELECT CASE WHEN v.vendor = 'nvidia' THEN 'imported' ELSE 'domestic' END AS origin,
               string_agg(DISTINCT v.vendor || ' ' || y.model, ', ') AS models,
               round(sum(y.installed_ms) / 3600000.0, 3) AS installed_gpu_h,
               round(sum(y.allocated_ms) / 3600000.0, 3) AS allocated_gpu_h,
               sum(y.revenue) AS revenue, sum(y.revenue_tokens) AS of_it_tokens,
               sum(y.vouchers) AS vouchers, sum(y.subsidies) AS subsidies
        FROM y JOIN (SELECT DISTINCT model, vendor FROM capacity_hourly) v USING (model)
        GROUP BY 1 ORDER BY 1" \
    -c "SELECT r.voucher, c.code AS customer, round(r.amount / 100.0, 2) AS claimed
        FROM voucher_redemption r JOIN customer c ON c.id = r.customer_id
        WHERE r.period = '$PERIOD-01' AND NOT r.reversal ORDER BY 1"

step "the paperwork of $PERIOD: PDFs, the fapiao hand-off, FOCUS"
psql_demo -tAc "SELECT number FROM invoice WHERE period = '$PERIOD-01' AND status = 'issued' ORDER BY number" |
    while read -r number; do
        "$GPUMETER" invoice show "$number" --format pdf --output "$OUT/$number.pdf"
        pdftoppm -r 80 -png -f 1 -l 1 "$OUT/$number.pdf" "$OUT/$number"
        if pdffonts "$OUT/$number.pdf" | awk 'NR > 2' | grep -qv ' yes yes '; then
            echo "demo: FAILED, $number.pdf has a font that is not embedded" >&2
            exit 3
        fi
        echo "$OUT/$number.pdf (page 1 as $OUT/$number-1.png): every font embedded"
    done
"$GPUMETER" export etax --period "$PERIOD" --output "$OUT/etax-$PERIOD.xlsx"
"$GPUMETER" export focus --period "$PERIOD" --output "$OUT/focus-$PERIOD.csv"
site=$(echo "$FOCUS_VENV"/lib/python3*/site-packages)
verdict=$(cd "$site" && "$FOCUS_VENV/bin/focus-validator" --data-file "$OUT/focus-$PERIOD.csv" \
    --validate-version 1.0 --override-file "$ROOT/tests/tools/focus-overrides.yaml" 2>&1 | tail -n 1)
echo "focus-validator 1.0 on $OUT/focus-$PERIOD.csv: $verdict"
[ "$verdict" = "Validation succeeded." ] ||
    { echo "demo: FAILED, the FOCUS export does not validate" >&2; exit 3; }

step "the tax system issued alpha's fapiao; then alpha's invoice is voided (03 服务中止): the red reversal"
alpha=$(psql_demo -tAc "SELECT i.number FROM invoice i JOIN customer c ON c.id = i.customer_id
                        WHERE c.code = 'alpha' AND i.period = '$PERIOD-01' AND i.status = 'issued'")
# A fapiao is dated from its invoice's issue date (today, in the demo) to
# today, in the invoice's time zone: the tax system issues it after ours.
fapiao_day=$(psql_demo -tAc "SELECT to_char(issued_at AT TIME ZONE customer_time_zone(customer_id, period),
                                           'YYYY-MM-DD') FROM invoice WHERE number = '$alpha'")
"$GPUMETER" invoice fapiao "$alpha" --number 26312000000000000001 --date "$fapiao_day" --actor finance-demo
"$GPUMETER" invoice void "$alpha" --reason "服务中止：合同提前终止" --code 03
credit=$(psql_demo -tAc "SELECT c.number FROM invoice c JOIN invoice i ON i.id = c.credits WHERE i.number = '$alpha'")
"$GPUMETER" invoice show "$credit" --format pdf --output "$OUT/$credit.pdf"
pdftoppm -r 80 -png "$OUT/$credit.pdf" "$OUT/$credit"
"$GPUMETER" invoice list --period "$PERIOD"
"$GPUMETER" export etax --period "$PERIOD" --output "$OUT/etax-$PERIOD-void.xlsx"
# The demo month's hand-off, against files written by hand from its
# invoices (which the check above ties to the generator to the fen).
if [ "$PERIOD" = 2026-10 ]; then
    for f in etax-2026-10 etax-2026-10-void; do
        python3 "$ROOT/tests/tools/xlsx_cells.py" "$OUT/$f.xlsx" >"$OUT/$f.txt"
        # (the file's fapiao date is the one its hand-written row assumed)
        if ! diff <(grep -v '^#' "$ROOT/tests/fixtures/etax/demo-${f#etax-}.txt" |
                    sed "s/\tB=2026-11-03\t/\tB=$fapiao_day\t/") "$OUT/$f.txt"; then
            echo "demo: FAILED, $f.xlsx differs from tests/fixtures/etax/demo-${f#etax-}.txt" >&2
            exit 3
        fi
        echo "$OUT/$f.xlsx: every cell as tests/fixtures/etax/demo-${f#etax-}.txt expects"
    done
fi
echo "demo: OK, the paperwork is in $OUT"

. "$ROOT/scripts/demo-receivables.sh"
. "$ROOT/scripts/demo-investor.sh"

step "the web console on the demo month (docs/console.md)"
# 8080, or the next free port of the ten after it: one where nothing
# answers yet, and then our own server (alive) does.
pid=
for port in $(seq 8080 8090); do
    LISTEN=${DEMO_CONSOLE:-127.0.0.1:$port}
    curl -s -o /dev/null --max-time 1 "http://$LISTEN/" && continue # taken
    setsid nohup "$GPUMETER" serve --listen "$LISTEN" >"$OUT/serve.log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        curl -sf "http://$LISTEN/healthz" >/dev/null && break 2
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    pid=
done
[ -n "$pid" ] || { echo "demo: FAILED, no free port for the console from 8080 to 8090" >&2; exit 3; }
echo "$pid" >"$OUT/serve.pid"
customer_key=$("$GPUMETER" customer key create gamma --label "demo console" --actor finance-demo)
finance_key=$("$GPUMETER" customer key create --finance --label "demo console" --actor finance-demo)
sales_key=$("$GPUMETER" customer key create --sales --label "demo console" --actor finance-demo)
operator_key=$("$GPUMETER" customer key create --operator --label "demo console" --actor finance-demo)
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $finance_key" "http://$LISTEN/v1/session")
[ "$status" = 200 ] || { echo "demo: FAILED, the console at http://$LISTEN/ does not sign in (see $OUT/serve.log)" >&2; exit 3; }
cat >"$OUT/console.txt" <<TXT
The console: http://$LISTEN/#/customer?period=$PERIOD
  gamma's $NEXT (sign in with its key): its invoice's fixed-for-floating line, with
  the H800 index of $NEXT it settled at and its publication date, under the line:
  http://$LISTEN/#/customer?period=$NEXT
  customer key (gamma): $customer_key
  finance key:          $finance_key
  sales key:            $sales_key
  operator key:         $operator_key (the fleet: http://$LISTEN/#/operator?period=$PERIOD)
The investor's pages (sign in with the finance key): lingang-spv-1's month, debt
  schedule and backlog curve, and the price index of both months with its revisions:
  http://$LISTEN/#/investor?project=lingang-spv-1&period=$PERIOD
  http://$LISTEN/#/index?from=$PERIOD&to=$NEXT
It keeps serving after the demo; make services-down stops it.
TXT
cat "$OUT/console.txt"
# The demo's data is in its own database: a shell that was not told so
# reaches the default one (docs/commands.md, "After make demo").
echo "To look at the demo's month: export GPUMETER_PG=\"$GPUMETER_PG\" GPUMETER_CONFIG=$GPUMETER_CONFIG; $GPUMETER invoice list --period $PERIOD" |
    tee "$OUT/cli.txt"
