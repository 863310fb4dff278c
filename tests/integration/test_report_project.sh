#!/bin/bash
# The investor's month of a project (issue 37; docs/investor.md, "The
# investor's month"; billing/project_report.c) on the real broker and
# database: the worked example of the docs, every figure by hand. Alpha's
# contract is the project's, beta's is not; invoices issued and paid
# through the CLI; January, February and March as CSV, text and JSON;
# a bad flag exits 2, an unknown project 1.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null || fail "apply the site"
"$GM" asset apply "$ROOT/scripts/seed/asset-sh-lingang-h800.json" >/dev/null || fail "apply h800"
"$GM" tariff apply "$ROOT/scripts/seed/tariff-sh-lingang.json" >/dev/null || fail "apply the tariff"

# 1,200.00 drawn 2026-01-01 at 6%, 30/360, linear over 12 months from
# 2026-02-01: due 2026-02-01 100.00 + 6.00 interest = 106.00; due
# 2026-03-01 100.00 + 1,100.00 x 0.005 = 5.50: 105.50. Rent 20.00 a month.
cat >"$TMP/p.json" <<'JSON'
{"project": "demo-spv", "effective_from": "2026-01-01", "currency": "CNY",
 "assets": [{"site": "sh-lingang", "model": "H800"}],
 "contracts": ["alpha-2026"],
 "debt": {"drawdowns": [{"date": "2026-01-01", "amount": "1200.00"}],
          "annual_rate": "0.06", "day_count": "30/360",
          "repayment": {"kind": "linear", "frequency": "monthly", "first_due": "2026-02-01",
                        "payments": 12}},
 "fixed_costs": [{"what": "rent", "monthly": "20.00", "from": "2026-01-01"}]}
JSON
run_gm 0 "project apply" project apply "$TMP/p.json" --actor cfo

# January: alpha 10 H800 hours at 16.80 = 168.00 (+ 6% = 178.08); beta 5
# hours (not the project's). Both at site "s", not the project's fleet: no
# energy cost or capacity of the project in January.
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
h800_hours ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
# February, one hour at the project's fleet, 10:00-11:00 in Shanghai (the
# tariff's peak band, x1.3): node n1's 8 H800s, 4 of them alpha's at 700
# W (10,080,000,000 mJ), the 4 idle at 50 W (720,000,000 mJ). alpha: 4
# GPU-hours x 16.80 = 67.20 (+ 4.03 tax = 71.23).
W='"start":"2026-02-10T02:00:00Z","end":"2026-02-10T03:00:00Z"'
{
    printf 'dcgm/n1\t{"v":1,"source":"dcgm/n1","seq":1,"account":"ns-alpha","cluster":"c","site":"sh-lingang","model":"H800","vendor":"nvidia","job":"j1",%s,"gpu_ms":14400000,"energy_mj":10080000000}\n' "$W"
    printf 'dcgm/n1\t{"v":1,"kind":"capacity","source":"dcgm/n1","seq":2,"cluster":"c","site":"sh-lingang","node":"n1","model":"H800","vendor":"nvidia",%s,"devices":8,"allocated_ms":14400000,"idle_energy_mj":720000000}\n' "$W"
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-02
check_eq "invoices issued, hand-computed (number|customer|subtotal|total)" \
    "INV-2026-000001|alpha|16800|17808 INV-2026-000002|beta|8400|8904 INV-2026-000003|alpha|6720|7123" \
    "$(q "SELECT string_agg(i.number || '|' || c.code || '|' || i.subtotal || '|' || i.total, ' '
          ORDER BY i.number) FROM invoice i JOIN customer c ON c.id = i.customer_id")"
# alpha pays January on 2026-02-10 and February (71.23) on 2026-03-05; beta pays
# its January in February too (not the project's cash).
run_gm 0 "alpha pays January" payment record --customer alpha --amount 178.08 --reference P-1 \
    --invoice INV-2026-000001 --date 2026-02-10
run_gm 0 "beta pays January" payment record --customer beta --amount 89.04 --reference P-2 \
    --date 2026-02-11
run_gm 0 "alpha pays February" payment record --customer alpha --amount 71.23 --reference P-3 \
    --date 2026-03-05

# January: nothing collected, rent 20.00: CFADS -20.00, nothing due: no DSCR.
# The returns (docs/investor.md, "Backlog, payback, NPV and IRR"): the
# H800 asset takes effect in July, so no purchase yet (0.00: paid back at
# once, the first month); alpha's contract commits nothing (no backlog);
# no discount_rate (no NPV); flows 0, -20.00, ... change sign once at most
# with both bounds' NPV of one sign (no IRR). CFADS to date sums the months.
no_returns="backlog,0.00
backlog_in_default,0.00
backlog_last_month,
discount_rate_percent,
npv_to_date,
npv_with_backlog,
irr_to_date_percent,
irr_with_backlog_percent,
payback_to_date,2026-01
payback_with_backlog,2026-01"
run_gm 0 "report project January" report project --project demo-spv --period 2026-01 --format csv
check_eq "January, by hand" \
"figure,value
revenue_billed,168.00
cash_collected,0.00
energy_cost,0.00
fixed_costs,20.00
operating_cost,20.00
cfads,-20.00
debt_service,0.00
dscr,
utilisation_percent,
purchase_cost,0.00
first_month,2026-01
cfads_to_date,-20.00
$no_returns" "$out"
# February: energy (10,080,000,000 + 720,000,000) mJ = 3 kWh x PUE 1.25 x
# 0.62 x 1.3 = 3.0225 -> 3.02; 178.08 collected - (3.02 + 20.00) = 155.06;
# 155.06 / 106.00 = 1.4628... -> 1.46; 4 of 8 GPU-hours allocated: 50.00%.
run_gm 0 "report project February" report project --project demo-spv --period 2026-02 --format csv
check_eq "February, by hand" \
"figure,value
revenue_billed,67.20
cash_collected,178.08
energy_cost,3.02
fixed_costs,20.00
operating_cost,23.02
cfads,155.06
debt_service,106.00
dscr,1.46
utilisation_percent,50.00
purchase_cost,0.00
first_month,2026-01
cfads_to_date,135.06
$no_returns" "$out"
# March: 71.23 - 20.00 = 51.23; 51.23 / 105.50 = 0.4855... -> 0.48 (down).
run_gm 0 "report project March (JSON)" report project --project demo-spv --period 2026-03 --format json
check_eq "March, by hand" \
    '{"project":"demo-spv","effective_from":"2026-01-01","period":"2026-03","currency":"CNY","revenue_billed":"0.00","cash_collected":"71.23","energy_cost":"0.00","fixed_costs":"20.00","operating_cost":"20.00","cfads":"51.23","debt_service":"105.50","dscr":"0.48","utilisation_percent":null,"purchase_cost":"0.00","first_month":"2026-01","cfads_to_date":"186.29","backlog":"0.00","backlog_in_default":"0.00","backlog_last_month":null,"discount_rate_percent":null,"npv_to_date":null,"npv_with_backlog":null,"irr_to_date_percent":null,"irr_with_backlog_percent":null,"payback_to_date":"2026-01","payback_with_backlog":"2026-01"}' \
    "$out"
run_gm 0 "report project March (text)" report project --project demo-spv --period 2026-03
check_match "the text report: its header" "project demo-spv \(version of 2026-01-01\), 2026-03, money in CNY" "$out"
check_match "the text report: DSCR" "dscr +0.48" "$out"
run_gm 0 "report project January (text)" report project --project demo-spv --period 2026-01
check_match "the text report: no DSCR without debt service" "dscr +none" "$out"

run_gm 2 "report project without --project" report project --period 2026-01
run_gm 2 "report project with a bad period" report project --project demo-spv --period 2026-13
run_gm 2 "report project --format xml" report project --project demo-spv --period 2026-01 --format xml
run_gm 1 "report project of an unknown project" report project --project nowhere --period 2026-01
run_gm 1 "report project before the project" report project --project demo-spv --period 2025-12
finish
