#!/bin/bash
# The investor's month of a project (issue 37; docs/investor.md, "The
# investor's month"; billing/project_report.c) on the real broker and
# database: the worked example of the docs, every figure by hand. Alpha's
# contract is the project's, beta's is not; invoices issued and paid
# through the CLI; January, February and March as CSV, text and JSON;
# a bad flag exits 2, an unknown project 1. The same months through the
# finance API (GET /v1/project, /v1/projects, /v1/project/schedule), as
# the XLSX lender pack, read back cell by cell, and on the console's
# Investor page in headless Chromium, in both languages.
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
 "name": "=HYPERLINK(\"http://x\",\"SPV\") _x0041_",
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
run_gm 2 "report project with a project code that is not UTF-8 (PostgreSQL refused it: exit 1)" \
    report project --project $'demo\xff' --period 2026-01
check_match "the code named" '--project CODE is required: a project code' "$out"
run_gm 1 "report project of an unknown project" report project --project nowhere --period 2026-01
run_gm 1 "report project before the project" report project --project demo-spv --period 2025-12
# The lender pack (docs/investor.md, "The lender pack"): the three months
# as numbers, money in the currency's format, the ratios plain, none an
# empty cell; the figures' names in the CSV's order.
cells() { python3 "$ROOT/tests/tools/xlsx_cells.py" --typed "$1" 1 | sed 's/\t/  /g'; }
run_gm 0 "the lender pack, January to March" report project --project demo-spv --from 2026-01 \
    --to 2026-03 --format xlsx --out "$TMP/pack.xlsx"
check_eq "the lender pack says what it wrote" "$TMP/pack.xlsx: project demo-spv, 2026-01 to 2026-03" "$out"
M='|#,##0.00 "CNY"'
check_eq "the months sheet, by hand (the CSVs above)" \
"months!1  A=s:figure  B=s:2026-01  C=s:2026-02  D=s:2026-03
months!2  A=s:revenue_billed  B=n:168.0$M  C=n:67.2$M  D=n:0.0$M
months!3  A=s:cash_collected  B=n:0.0$M  C=n:178.08$M  D=n:71.23$M
months!4  A=s:energy_cost  B=n:0.0$M  C=n:3.02$M  D=n:0.0$M
months!5  A=s:fixed_costs  B=n:20.0$M  C=n:20.0$M  D=n:20.0$M
months!6  A=s:operating_cost  B=n:20.0$M  C=n:23.02$M  D=n:20.0$M
months!7  A=s:cfads  B=n:-20.0$M  C=n:155.06$M  D=n:51.23$M
months!8  A=s:debt_service  B=n:0.0$M  C=n:106.0$M  D=n:105.5$M
months!9  A=s:dscr  C=n:1.46|0.00##  D=n:0.48|0.00##
months!10  A=s:utilisation_percent  C=n:50.0|0.00##
months!11  A=s:purchase_cost  B=n:0.0|#,##0.00 \"CNY\"  C=n:0.0|#,##0.00 \"CNY\"  D=n:0.0|#,##0.00 \"CNY\"
months!12  A=s:first_month  B=s:2026-01  C=s:2026-01  D=s:2026-01
months!13  A=s:cfads_to_date  B=n:-20.0|#,##0.00 \"CNY\"  C=n:135.06|#,##0.00 \"CNY\"  D=n:186.29|#,##0.00 \"CNY\"
months!14  A=s:backlog  B=n:0.0|#,##0.00 \"CNY\"  C=n:0.0|#,##0.00 \"CNY\"  D=n:0.0|#,##0.00 \"CNY\"
months!15  A=s:backlog_in_default  B=n:0.0|#,##0.00 \"CNY\"  C=n:0.0|#,##0.00 \"CNY\"  D=n:0.0|#,##0.00 \"CNY\"
months!16  A=s:backlog_last_month
months!17  A=s:discount_rate_percent
months!18  A=s:npv_to_date
months!19  A=s:npv_with_backlog
months!20  A=s:irr_to_date_percent
months!21  A=s:irr_with_backlog_percent
months!22  A=s:payback_to_date  B=s:2026-01  C=s:2026-01  D=s:2026-01
months!23  A=s:payback_with_backlog  B=s:2026-01  C=s:2026-01  D=s:2026-01" "$(cells "$TMP/pack.xlsx" | grep '^months!')"
# Each month read once for the whole pack (docs/investor.md, "The lender
# pack", "Time"): February to June reads January (before --from) and the
# five months, 6 reads, not 2 + 3 + 4 + 5 + 6 = 20; counted, not timed.
# The months after the first keep their figures: March's CFADS to date
# sums January from the months before --from.
out=$(GPUMETER_DEBUG=1 "$GM" report project --project demo-spv --from 2026-02 --to 2026-06 \
    --format xlsx --out "$TMP/later.xlsx" 2>&1)
check_eq "a pack reads each month once" "gpumeter: debug: lender pack: 6 month reads for 5 months" \
    "$(printf '%s\n' "$out" | grep 'lender pack:')"
check_eq "a pack from a later month: the same months" \
"months!13  A=s:cfads_to_date  B=n:135.06|#,##0.00 \"CNY\"  C=n:186.29|#,##0.00 \"CNY\"" \
    "$(cells "$TMP/later.xlsx" | grep '^months!13 ' | sed 's/  D=.*//')"
# the cover: a name a spreadsheet would evaluate stays text, and an
# _xHHHH_ in it reads back as written
check_eq "the cover sheet" \
"cover!1  A=s:gpumeter report project --format xlsx: the lender pack
cover!3  A=s:project  B=s:demo-spv
cover!4  A=s:name  B=s:=HYPERLINK(\"http://x\",\"SPV\") _x0041_
cover!5  A=s:version  B=s:2026-01-01
cover!6  A=s:currency  B=s:CNY
cover!7  A=s:period  B=s:2026-01 to 2026-03" "$(cells "$TMP/pack.xlsx" | grep '^cover!' | grep -v generated_at)"
check_match "the cover says when it was generated" \
    'cover!8  A=s:generated_at  B=s:20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:.]*Z$' \
    "$(cells "$TMP/pack.xlsx" | grep '^cover!8')"
# the debt schedule: the rows of `project show --schedule`, typed
run_gm 0 "the schedule as CSV" project show demo-spv --schedule --format csv
check_eq "the schedule sheet holds project show --schedule's rows" "$out" \
    "$(python3 "$ROOT/tests/tools/xlsx_cells.py" "$TMP/pack.xlsx" 1 | grep '^debt schedule!' |
        cut -f2- | sed -e 's/\t[A-Z]*=/,/g' -e 's/^A=//' |
        awk -F, -v OFS=, 'NR > 1 { for (i = 4; i <= NF; i++) $i = sprintf("%.2f", $i) } 1')"
check_eq "the schedule sheet: period 2 typed, by hand" \
    "debt schedule!3  A=n:2.0|0  B=s:2026-02-01  C=s:2026-03-01  D=n:1100.0$M  E=n:0.0$M  F=n:5.5$M  G=n:100.0$M  H=n:105.5$M  I=n:1000.0$M" \
    "$(cells "$TMP/pack.xlsx" | grep '^debt schedule!3 ')"
run_gm 2 "the lender pack without --out" report project --project demo-spv --from 2026-01 \
    --to 2026-03 --format xlsx
run_gm 2 "the lender pack with --to before --from" report project --project demo-spv \
    --from 2026-03 --to 2026-01 --format xlsx --out "$TMP/x.xlsx"
run_gm 2 "the lender pack with --period" report project --project demo-spv --period 2026-01 \
    --format xlsx --out "$TMP/x.xlsx"
run_gm 2 "the lender pack of 601 months" report project --project demo-spv --from 2026-01 \
    --to 2076-01 --format xlsx --out "$TMP/x.xlsx"
run_gm 2 "--out without xlsx" report project --project demo-spv --period 2026-01 --out "$TMP/x.xlsx"
run_gm 1 "the lender pack of an unknown project" report project --project nowhere --from 2026-01 \
    --to 2026-03 --format xlsx --out "$TMP/x.xlsx"
check_eq "and writes no file" "no file" "$([ -e "$TMP/x.xlsx" ] && echo file || echo no file)"
# A pack that fails after its workbook is begun (a month before the
# project's first) leaves a file already at --out as it was: it removed it.
echo "last quarter's pack" >"$TMP/kept.xlsx"
run_gm 1 "the lender pack from a month before the project" report project --project demo-spv \
    --from 2025-12 --to 2026-01 --format xlsx --out "$TMP/kept.xlsx"
check_eq "a failed pack leaves the file at --out untouched" "last quarter's pack" \
    "$(cat "$TMP/kept.xlsx" 2>&1)"
check_eq "and no temporary file behind" "" "$(ls "$TMP" | grep -F 'kept.xlsx.' || true)"

# The finance API: the report's own JSON, through the API role (schema
# 061's project_cash_collected: it still may not read the ledger).
KF=$("$GM" customer key create --finance 2>/dev/null)
KS=$("$GM" customer key create --sales 2>/dev/null)
KA=$("$GM" customer key create alpha 2>/dev/null)
start_server "$TMP/serve.log" || fail "the server starts"
for m in 2026-01 2026-02 2026-03; do
    J=$("$GM" report project --project demo-spv --period $m --format json)
    check_eq "GET /v1/project of $m is report project's JSON" "200 $J" \
        "$(api_get "$KF" "/v1/project?project=demo-spv&period=$m")"
done
check_match "a customer's key may not read a project" '^403 .*"forbidden"' \
    "$(api_get "$KA" "/v1/project?project=demo-spv&period=2026-02")"
check_match "nor a sales key" '^403 .*"forbidden"' \
    "$(api_get "$KS" "/v1/project?project=demo-spv&period=2026-02")"
check_match "nor the project list" '^403 ' "$(api_get "$KS" "/v1/projects")"
check_match "nor the schedule" '^403 ' "$(api_get "$KA" "/v1/project/schedule?project=demo-spv")"
check_match "no project: 400 naming it" '^400 .*project is a project code' \
    "$(api_get "$KF" "/v1/project?period=2026-02")"
check_match "a project code with upper case: 400 naming it" '^400 .*project is a project code' \
    "$(api_get "$KF" "/v1/project?project=Demo&period=2026-02")"
for bad in "" "&period=2026-13" "&period=2026-2" "&period=2026-02-01"; do
    check_match "period ?project=demo-spv$bad: 400 naming it" '^400 .*period is a month' \
        "$(api_get "$KF" "/v1/project?project=demo-spv$bad")"
done
check_match "an unknown parameter: 400" '^400 ' \
    "$(api_get "$KF" "/v1/project?project=demo-spv&period=2026-02&format=csv")"
check_match "an unknown project: 404" '^404 .*"not_found".*nowhere' \
    "$(api_get "$KF" "/v1/project?project=nowhere&period=2026-02")"
check_match "a month before the project: 404" '^404 ' \
    "$(api_get "$KF" "/v1/project?project=demo-spv&period=2025-12")"
check_match "a month past the 480 the returns judge: 400 saying so (was 404 \"no version in effect\")" \
    '^400 .*period 2066-01 is more than 480 months after project \\"demo-spv\\"' \
    "$(api_get "$KF" "/v1/project?project=demo-spv&period=2066-01")"
check_eq "GET /v1/projects: codes, versions, names" \
    '200 {"projects":[{"project":"demo-spv","versions":[{"effective_from":"2026-01-01","name":"=HYPERLINK(\"http://x\",\"SPV\") _x0041_","currency":"CNY"}]}]}' \
    "$(api_get "$KF" "/v1/projects")"
J=$("$GM" project show demo-spv --schedule --format json)
check_eq "GET /v1/project/schedule is project show --schedule's JSON" "200 $J" \
    "$(api_get "$KF" "/v1/project/schedule?project=demo-spv")"
check_eq "and at a day" "200 $J" "$(api_get "$KF" "/v1/project/schedule?project=demo-spv&at=2026-06-30")"
check_match "the schedule before the project: 404" '^404 ' \
    "$(api_get "$KF" "/v1/project/schedule?project=demo-spv&at=2025-12-31")"
check_match "a bad day: 400 naming it" '^400 .*at is a day' \
    "$(api_get "$KF" "/v1/project/schedule?project=demo-spv&at=2026-02-30")"
refused_as "the API role still may not read the ledger" gpumeter_api \
    "SELECT count(*) FROM ledger_entry" "permission denied"

# The console's investor page (tests/tools/console_investor.mjs): a finance
# key, the project picked, February in English and in Chinese, every figure
# the API's own; screenshots in build/console/ (not committed).
SHOTS=$ROOT/build/console
mkdir -p "$SHOTS"
(cd "$TMP" && node "$ROOT/tests/tools/console_investor.mjs" "$U/" "$KF" demo-spv 2026-02 "$SHOTS") \
    >"$TMP/seen" 2>"$TMP/drive.err"
check_eq "the browser drove the investor page in both languages" 0 "$?"
[ -s "$TMP/drive.err" ] && sed 's/^/# drive: /' "$TMP/drive.err" | head -20
seen() { sed -n "s/^$1 //p" "$TMP/seen"; }
check_eq "the page's tab, in both languages" "Investor 投资人" "$(seen nav.en) $(seen nav.zh)"
check_eq "the project and month picked" "Investor · demo-spv · February 2026" "$(seen title.en)"
check_eq "the version and currency" "version of 1 Jan 2026 · money in CNY" "$(seen sub.en)"
check_eq "February's figures, as the API answered them (English)" \
"Revenue billed|CN¥67.20;Cash collected|CN¥178.08;Energy cost|CN¥3.02;Fixed costs|CN¥20.00;\
Operating cost|CN¥23.02;Cash flow available for debt service (CFADS)|CN¥155.06;Debt service|CN¥106.00;\
Debt service coverage ratio (DSCR)|1.46;Utilisation|50.00%;Purchase cost of the fleets|CN¥0.00;\
First month|2026-01;CFADS to date|CN¥135.06;Contracted backlog|CN¥0.00;\
Backlog of customers in default (left out)|CN¥0.00;Backlog's last month|none;Discount rate|none;\
NPV to date|none;NPV with the backlog|none;IRR to date|none;IRR with the backlog|none;\
Paid back (to date)|2026-01;Payback projected from the backlog|2026-01" "$(seen month.en)"
check_eq "February's figures (Chinese)" \
"已开票收入|¥67.20;已收现金|¥178.08;电费|¥3.02;固定成本|¥20.00;运营成本|¥23.02;\
可用于偿债的现金流（CFADS）|¥155.06;应还本息|¥106.00;偿债覆盖率（DSCR）|1.46;利用率|50.00%;\
机队购置成本|¥0.00;首月|2026-01;累计 CFADS|¥135.06;合同储备（剩余承诺）|¥0.00;违约客户的承诺（未计入）|¥0.00;\
储备最后月份|无;折现率|无;至今净现值（NPV）|无;含储备的净现值|无;至今内部收益率（IRR）|无;含储备的内部收益率|无;\
已回本月份|2026-01;按储备预计的回本月份|2026-01" "$(seen month.zh)"
check_eq "the debt schedule: twelve periods, the first two and the last by hand" \
"12 1|1 Jan 2026|1 Feb 2026|CN¥0.00|CN¥1,200.00|CN¥6.00|CN¥100.00|CN¥106.00|CN¥1,100.00 \
2|1 Feb 2026|1 Mar 2026|CN¥1,100.00|CN¥0.00|CN¥5.50|CN¥100.00|CN¥105.50|CN¥1,000.00 \
12|1 Dec 2026|1 Jan 2027|CN¥100.00|CN¥0.00|CN¥0.50|CN¥100.00|CN¥100.50|CN¥0.00" \
    "$(seen schedule.en | tr ';' '\n' | sed -n '$=')$(seen schedule.en | tr ';' '\n' | sed -n '1,2{s/^/ /;p};$s/^/ /p' | tr -d '\n')"
check_eq "the debt schedule's first period (Chinese)" \
    "1|2026年1月1日|2026年2月1日|¥0.00|¥1,200.00|¥6.00|¥100.00|¥106.00|¥1,100.00" \
    "$(seen schedule.zh | cut -d';' -f1)"
check_eq "no commitment of the project's: the backlog curve says so, no chart" \
    "No contract of the project commits anything after this month. 本月之后该项目没有任何合同承诺。 0" \
    "$(seen empty.en) $(seen empty.zh) $(grep -c '^backlogchart' "$TMP/seen")"
check_eq "no page or console errors" 0 "$(seen errors)"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null

# An amount of more than 15 significant digits, which no spreadsheet
# number holds exactly, goes into the pack as its exact text; 15 or fewer
# stay numbers. From April a lease of 12,345,678,901,234.56 a month: fixed
# costs 12,345,678,901,254.56 (16 digits), CFADS its negative; the debt
# service due 2026-04-01, 100.00 + 1,000.00 x 0.005 = 105.00, a number.
sed -e 's/"effective_from": "2026-01-01"/"effective_from": "2026-04-01"/' \
    -e 's/"from": "2026-01-01"}]/"from": "2026-01-01"}, {"what": "lease", "monthly": "12345678901234.56", "from": "2026-04-01"}]/' \
    "$TMP/p.json" >"$TMP/p2.json"
run_gm 0 "a version with a lease from April" project apply "$TMP/p2.json" --actor cfo
run_gm 0 "the lender pack of April" report project --project demo-spv --from 2026-04 --to 2026-04 \
    --format xlsx --out "$TMP/april.xlsx"
check_eq "16 digits as text, exact; the rest numbers" \
"months!5  A=s:fixed_costs  B=s:12345678901254.56
months!6  A=s:operating_cost  B=s:12345678901254.56
months!7  A=s:cfads  B=s:-12345678901254.56
months!8  A=s:debt_service  B=n:105.0$M" "$(cells "$TMP/april.xlsx" | grep '^months![5-8] ')"
check_eq "the cover names April's version" "cover!5  A=s:version  B=s:2026-04-01" \
    "$(cells "$TMP/april.xlsx" | grep '^cover!5 ')"

# A partial credit note lowers the revenue of the month it credits, as it
# lowers the month's net invoiced money (INVOICE_NETS): 20.00 of alpha's
# January 168.00 leaves 148.00. It is not cash: February still collected
# 178.08 (the invoice's payment), and nothing was refunded.
run_gm 0 "20.00 of alpha's January credited" invoice credit INV-2026-000001 --amount 20.00 --reason 04
run_gm 0 "report project January after the credit note" report project --project demo-spv --period 2026-01 --format csv
check_eq "January's revenue net of the credit note" "revenue_billed,148.00" "$(grep '^revenue_billed,' <<<"$out")"
run_gm 0 "report project February after the credit note" report project --project demo-spv --period 2026-02 --format csv
check_eq "a credit note is not cash" "cash_collected,178.08" "$(grep '^cash_collected,' <<<"$out")"

# Cash kept on the credit balance (schema 062): alpha pays 100.00 on
# 2026-03-20 with nothing open, a prepayment: March's cash is 71.23 +
# 100.00 = 171.23, counted when the bank credits it, not again when it
# pays an invoice. Refunded, 30.00 of its balance is cash out in the month
# of the refund (today's, whatever put the money there: here the credit
# note's 21.20 among it). beta's prepayment is not the project's.
run_gm 0 "alpha prepays 100.00" payment record --customer alpha --amount 100.00 --reference PRE-1 \
    --date 2026-03-20
run_gm 0 "beta prepays 50.00" payment record --customer beta --amount 50.00 --reference PRE-2 \
    --date 2026-03-21
run_gm 0 "report project March after the prepayment" report project --project demo-spv --period 2026-03 --format csv
check_eq "a prepayment is cash in its value date's month" "cash_collected,171.23" \
    "$(grep '^cash_collected,' <<<"$out")"
run_gm 0 "30.00 of alpha's balance refunded" payment refund --customer alpha --amount 30.00 --reference RF-1
now=$(q "SELECT to_char(now() AT TIME ZONE default_time_zone(), 'YYYY-MM')")
run_gm 0 "report project of the refund's month" report project --project demo-spv --period "$now" --format csv
check_eq "a refund from the balance is cash out in its month" "cash_collected,-30.00" \
    "$(grep '^cash_collected,' <<<"$out")"
finish
