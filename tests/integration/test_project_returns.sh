#!/bin/bash
# The investor's year of a project (issue 37, deliverable 2;
# docs/investor.md, "Backlog, payback, NPV and IRR", its worked example)
# on the real broker and database, every figure by hand through the CLI:
# a fleet bought for 1,200.00, two take-or-pay contracts invoiced and
# issued month by month, one customer paying a month late and the other
# never (in default at the period's end), a loan, rent; then `report
# project` for December: DSCR, CFADS to date, the backlog (the defaulting
# customer's apart), payback, NPV and IRR to date and with the backlog,
# and the backlog curve. The customer in default is judged at the end of
# the period. A year cannot be waited for: each month's invoices are
# issued, then dated back as an insider (the superuser, triggers off for
# that one statement) to 02:00 on the 2nd of the next month in Shanghai,
# their issue posting with them, as a finance team issuing monthly would
# have, and each payment's postings to the day it was paid, so the test
# passes whatever day it runs.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
echo "receivables.default_after_days = 5" >>"$GPUMETER_CONFIG"
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null || fail "apply the site"
# The fleet: 2 H20s at 600.00 = 1,200.00 (the yield's purchase cost).
cat >"$TMP/asset.json" <<'JSON'
{"site": "sh-lingang", "model": "H20", "effective_from": "2026-01-01", "currency": "CNY",
 "devices": 2, "cost_per_device": "600.00", "life_months": 60}
JSON
run_gm 0 "apply the H20 asset" asset apply "$TMP/asset.json"
# alpha commits 100.00 a month to 2027-06-30; beta 50.00 a month, open-ended.
out=$(seed_contract_with alpha '"until": "2027-06-30", "commitment": {"amount": "100.00"}')
check_eq "alpha's contract with a commitment is applied" 0 "$?"
out=$(seed_contract_with beta '"commitment": {"amount": "50.00"}')
check_eq "beta's contract with a commitment is applied" 0 "$?"
cat >"$TMP/p.json" <<'JSON'
{"project": "spv-year", "effective_from": "2026-01-01", "currency": "CNY",
 "assets": [{"site": "sh-lingang", "model": "H20"}],
 "contracts": ["alpha-2026", "beta-2026"],
 "debt": {"drawdowns": [{"date": "2026-01-01", "amount": "1200.00"}],
          "annual_rate": "0.06", "day_count": "30/360",
          "repayment": {"kind": "linear", "frequency": "monthly", "first_due": "2026-02-01",
                        "payments": 12}},
 "fixed_costs": [{"what": "rent", "monthly": "20.00", "from": "2026-01-01"}], "discount_rate": "0.12"}
JSON
run_gm 0 "project apply" project apply "$TMP/p.json" --actor cfo

# January to November: no usage, so each invoice is the commitment's
# shortfall: alpha 100.00 + 6% = 106.00, beta 50.00 + 3.00 = 53.00.
for m in 01 02 03 04 05 06 07 08 09 10 11; do
    "$GM" invoice run --period "2026-$m" >/dev/null 2>&1 &&
        "$GM" invoice issue --period "2026-$m" >/dev/null 2>&1 || fail "invoice 2026-$m"
    on="('2026-$m-01'::date + interval '1 month 1 day 2 hours') AT TIME ZONE 'Asia/Shanghai'"
    q "SET session_replication_role = replica;
       UPDATE ledger_txn SET at = $on WHERE kind = 'invoice' AND id IN
           (SELECT e.txn_id FROM ledger_entry e JOIN invoice i ON i.id = e.invoice_id
            WHERE i.period = '2026-$m-01' AND i.kind = 'invoice');
       UPDATE invoice SET issued_at = $on, due_date = ('2026-$m-01'::date + interval '1 month 1 day')::date
        WHERE period = '2026-$m-01' AND kind = 'invoice'" >/dev/null || fail "date 2026-$m's invoices back"
done
check_eq "each month's invoices issued (and due) on the 2nd of the next" "22 22" \
    "$(q "SELECT count(*) FILTER (WHERE (issued_at AT TIME ZONE 'Asia/Shanghai')::date
                                      = (period + interval '1 month 1 day')::date)
                || ' ' || count(*) FILTER (WHERE invoice_due_on(i) = (period + interval '1 month 1 day')::date)
          FROM invoice i WHERE kind = 'invoice' AND status = 'issued'")"
check_eq "alpha's and beta's invoices (customer|invoices|subtotals|totals)" \
    "alpha|11|10000..10000|10600..10600 beta|11|5000..5000|5300..5300" \
    "$(q "SELECT string_agg(x, ' ' ORDER BY x) FROM (SELECT c.code || '|' || count(*) || '|'
          || min(i.subtotal) || '..' || max(i.subtotal) || '|' || min(i.total) || '..'
          || max(i.total) AS x FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE c.code IN ('alpha', 'beta') AND i.status = 'issued' GROUP BY c.code) s")"
# alpha pays each month's invoice on the 10th of the next (January's on
# 10 February, November's on 10 December); beta never pays.
n=0
for m in 01 02 03 04 05 06 07 08 09 10 11; do
    n=$((n + 1))
    inv=$(q "SELECT i.number FROM invoice i JOIN customer c ON c.id = i.customer_id
             WHERE c.code = 'alpha' AND i.period = '2026-$m-01' AND i.kind = 'invoice'")
    paid=$(date -d "2026-$m-10 + 1 month" +%F)
    last=$(q "SELECT coalesce(max(id), 0) FROM ledger_txn")
    "$GM" payment record --customer alpha --amount 106.00 --reference "P-$n" --invoice "$inv" \
        --date "$paid" >/dev/null 2>&1 || fail "alpha pays $inv on $paid"
    # its bank credit and postings dated back to the day it was paid, as the
    # invoices are
    at="('$paid'::date + interval '10 hours') AT TIME ZONE 'Asia/Shanghai'"
    q "SET session_replication_role = replica;
       UPDATE ledger_txn SET at = $at WHERE id > $last;
       UPDATE bank_credit SET posted_at = $at WHERE bank_ref = 'P-$n'" >/dev/null ||
        fail "date $paid's payment back"
done

# December by hand (docs/investor.md, worked example): nothing billed (not
# issued yet), 106.00 collected (November's), rent 20.00: CFADS 86.00;
# due 2026-12-01: 100.00 + 200.00 x 0.005 = 101.00; DSCR 86.00 / 101.00 =
# 0.8514... -> 0.85. The fleet: 2 x 600.00. CFADS to date: January -20.00,
# February to December 86.00 each: -20.00 + 11 x 86.00 = 926.00. Backlog:
# alpha 2027-01 to 2027-06, 6 x 100.00 = 600.00; beta, in default at
# 2026-12-31 (its invoices open more than 5 days past due), 36 months x
# 50.00 = 1,800.00 apart. Flows: -1,200.00, -20.00, 11 x 86.00, then 6 x
# (100.00 - 20.00) = 80.00 each. At 12% a year (1% a month): to date
# -1,200.00 - 1,980.20 + 882.79 ... NPV -337.01 (exact -337.0138...); with
# the backlog + 411.46: 74.44 (74.4414...). IRR: -41.8784% to date,
# 19.5527% with the backlog. Payback: -274.00 to date (none); + 80.00 a
# month from 2027-01: 2027-04 (+46.00).
run_gm 0 "report project December" report project --project spv-year --period 2026-12 --format csv
check_eq "December, by hand" \
"figure,value
revenue_billed,0.00
cash_collected,106.00
energy_cost,0.00
fixed_costs,20.00
operating_cost,20.00
cfads,86.00
debt_service,101.00
dscr,0.85
utilisation_percent,
purchase_cost,1200.00
first_month,2026-01
cfads_to_date,926.00
backlog,600.00
backlog_in_default,1800.00
backlog_last_month,2027-06
discount_rate_percent,12.0000
npv_to_date,-337.01
npv_with_backlog,74.44
irr_to_date_percent,-41.8784
irr_with_backlog_percent,19.5527
payback_to_date,
payback_with_backlog,2027-04" "$out"
run_gm 0 "report project December (JSON)" report project --project spv-year --period 2026-12 --format json
check_match "JSON: NPV and IRR with the backlog" '"npv_with_backlog":"74.44","irr_to_date_percent":"-41.8784","irr_with_backlog_percent":"19.5527","payback_to_date":null,"payback_with_backlog":"2027-04"}' "$out"
run_gm 0 "report project December (text)" report project --project spv-year --period 2026-12
check_match "text: payback to date none" "payback_to_date +none" "$out"
# The lender pack shows a percentage with the decimals the report prints:
# a cell of 19.5527 in "0.00" would read 19.55 (and -41.8784 as -41.88,
# rounded the other way from the report's rounding down).
run_gm 0 "the lender pack of December" report project --project spv-year --from 2026-12 --to 2026-12 \
    --format xlsx --out "$TMP/pack.xlsx"
check_eq "the pack's rates and ratios, shown to the report's decimals" \
"months!9	A=s:dscr	B=n:0.85|0.00##
months!17	A=s:discount_rate_percent	B=n:12.0|0.00##
months!20	A=s:irr_to_date_percent	B=n:-41.8784|0.00##
months!21	A=s:irr_with_backlog_percent	B=n:19.5527|0.00##" \
    "$(python3 "$ROOT/tests/tools/xlsx_cells.py" --typed "$TMP/pack.xlsx" 1 | grep -E '^months!(9|17|20|21)\s')"

# The curve: alpha's months, then beta's alone (in default).
run_gm 0 "report project --backlog" report project --project spv-year --period 2026-12 --backlog --format csv
check_eq "the backlog curve: 36 months" 37 "$(wc -l <<<"$out")"
check_eq "the backlog curve: its first, seventh and last months" \
"month,contracts,backlog,in_default
2027-01,1,100.00,50.00
2027-07,0,0.00,50.00
2029-12,0,0.00,50.00" "$(sed -n '1p;2p;8p;$p' <<<"$out")"
check_eq "the backlog curve sums to the report's backlog and in default" "60000 180000" \
    "$(awk -F, 'NR > 1 { b += $3 * 100; d += $4 * 100 } END { printf "%d %d", b, d }' <<<"$out")"

# The curve through the finance API (GET /v1/project/backlog): the
# report's own JSON, byte for byte; 403, 400 and 404 as /v1/project.
KF=$("$GM" customer key create --finance 2>/dev/null)
KS=$("$GM" customer key create --sales 2>/dev/null)
KA=$("$GM" customer key create alpha 2>/dev/null)
start_server "$TMP/serve.log" || { fail "the server starts"; finish; }
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
B=$("$GM" report project --project spv-year --period 2026-12 --backlog --format json)
check_eq "GET /v1/project/backlog is report project --backlog's JSON" "200 $B" \
    "$(api_get "$KF" "/v1/project/backlog?project=spv-year&period=2026-12")"
check_match "a customer's key may not read the backlog" '^403 .*"forbidden"' \
    "$(api_get "$KA" "/v1/project/backlog?project=spv-year&period=2026-12")"
check_match "nor a sales key" '^403 .*"forbidden"' \
    "$(api_get "$KS" "/v1/project/backlog?project=spv-year&period=2026-12")"
check_match "no project: 400 naming it" '^400 .*project is a project code' \
    "$(api_get "$KF" "/v1/project/backlog?period=2026-12")"
check_match "a bad period: 400 naming it" '^400 .*period is a month' \
    "$(api_get "$KF" "/v1/project/backlog?project=spv-year&period=2026-13")"
check_match "an unknown parameter: 400" '^400 ' \
    "$(api_get "$KF" "/v1/project/backlog?project=spv-year&period=2026-12&format=csv")"
check_match "an unknown project: 404 naming it" '^404 .*"not_found".*nowhere' \
    "$(api_get "$KF" "/v1/project/backlog?project=nowhere&period=2026-12")"
check_match "a month before the project: 404" '^404 ' \
    "$(api_get "$KF" "/v1/project/backlog?project=spv-year&period=2025-12")"

# The curve on the console's Investor page (tests/tools/console_investor.mjs):
# the chart draws the API's months and amounts (counted and in default
# stacked, the currency on its axis), the table holds them exactly, in
# English and in Chinese; screenshots in build/console/ (not committed).
SHOTS=$ROOT/build/console
mkdir -p "$SHOTS"
(cd "$TMP" && node "$ROOT/tests/tools/console_investor.mjs" "$U/" "$KF" spv-year 2026-12 "$SHOTS" backlog) \
    >"$TMP/seen" 2>"$TMP/drive.err"
check_eq "the browser drove the investor page in both languages" 0 "$?"
[ -s "$TMP/drive.err" ] && sed 's/^/# drive: /' "$TMP/drive.err" | head -20
seen() { sed -n "s/^$1 //p" "$TMP/seen"; }
echo "$B" >"$TMP/backlog.json"
for lang in en zh; do
    seen "backlogchart.$lang" >"$TMP/chart.json"
    check_eq "the backlog chart draws the API's curve ($lang)" equal \
        "$(python3 "$ROOT/tests/tools/console_chart_check.py" backlog "$TMP/backlog.json" "$TMP/chart.json")"
done
check_eq "the chart's axis: 36 months, 2027-01 to 2029-12, in CNY" "36 2027-01 2029-12 CNY" \
    "$(seen backlogchart.en | jq -r '"\(.x | length) \(.x[0]) \(.x[-1]) \(.unit)"')"
check_eq "the legend names both parts (English)" "Backlog (counted)|Customers in default (left out)" \
    "$(seen backlogchart.en | jq -r '.legend | join("|")')"
check_eq "the legend names both parts (Chinese)" "储备（计入）|违约客户（未计入）" \
    "$(seen backlogchart.zh | jq -r '.legend | join("|")')"
check_eq "the table: 36 months, the first, seventh and last by hand" \
"36 2027-01|1|CN¥100.00|CN¥50.00 2027-07|0|CN¥0.00|CN¥50.00 2029-12|0|CN¥0.00|CN¥50.00" \
    "$(seen backlog.en | tr ';' '\n' | sed -n '$=') $(seen backlog.en | tr ';' '\n' | sed -n '1p;7p;$p' | paste -sd' ')"
check_eq "the table in Chinese" "2027-01|1|¥100.00|¥50.00" "$(seen backlog.zh | cut -d';' -f1)"
check_eq "nothing said instead" "none none" "$(seen empty.en) $(seen empty.zh)"
check_eq "no page or console errors" 0 "$(seen errors)"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null

# A version from December without a discount rate: no NPV, the rest the
# same (the version in effect on the period's last day decides).
sed -e 's/, *"discount_rate": "0.12"//' -e 's/"effective_from": "2026-01-01"/"effective_from": "2026-12-01"/' \
    "$TMP/p.json" >"$TMP/p2.json"
run_gm 0 "project apply without a discount rate" project apply "$TMP/p2.json" --actor cfo
run_gm 0 "report project without a discount rate" report project --project spv-year --period 2026-12 --format csv
check_eq "no discount rate: no NPV" "discount_rate_percent, npv_to_date, npv_with_backlog, irr_with_backlog_percent,19.5527" \
    "$(grep -E '^(discount_rate_percent|npv_|irr_with)' <<<"$out" | paste -sd' ')"

# Default is judged at the period's end, not today. November: one month
# less to date (-20.00 + 10 x 86.00); alpha's backlog from December, 7 x
# 100.00; beta (January's 53.00 due 2 February, never paid) already in
# default. January: none of beta's invoices was issued by 31 January
# (January's was on 2 February), so it was not in default then and its 36
# months from February count: alpha 17 x 100.00 + beta 36 x 50.00 =
# 3,500.00, to 2029-01. February: January's invoice 26 days past due at
# its end: beta's 1,800.00 apart again.
run_gm 0 "report project November" report project --project spv-year --period 2026-11 --format csv
check_eq "November: CFADS to date and backlog, beta in default" \
    "cfads_to_date,840.00 backlog,700.00 backlog_in_default,1800.00 backlog_last_month,2027-06" \
    "$(grep -E '^(cfads_to_date|backlog,|backlog_in|backlog_last)' <<<"$out" | paste -sd' ')"
run_gm 0 "report project January" report project --project spv-year --period 2026-01 --format csv
check_eq "January: beta not in default yet, its backlog counts" \
    "cfads_to_date,-20.00 backlog,3500.00 backlog_in_default,0.00 backlog_last_month,2029-01" \
    "$(grep -E '^(cfads_to_date|backlog,|backlog_in|backlog_last)' <<<"$out" | paste -sd' ')"
run_gm 0 "report project February" report project --project spv-year --period 2026-02 --format csv
check_eq "February: beta in default (January's invoice 26 days past due)" \
    "backlog,1600.00 backlog_in_default,1800.00 backlog_last_month,2027-06" \
    "$(grep -E '^(backlog,|backlog_in|backlog_last)' <<<"$out" | paste -sd' ')"
# alpha terminates on 2027-03-15 (no termination clause: by agreement, no
# notice): its backlog ends that day, March pro rata to the 15 of its 31
# days as its final invoice bills it: 100.00 x 15 / 31 = 48.3870... ->
# 48.39; 100.00 + 100.00 + 48.39 = 248.39.
run_gm 0 "alpha terminates on 2027-03-15" contract terminate alpha-2026 --date 2027-03-15 --actor cfo
run_gm 0 "report project December, alpha terminated" report project --project spv-year --period 2026-12 --backlog --format csv
check_eq "a terminated contract's backlog ends on its last day, pro rata" \
"2027-02,1,100.00,50.00
2027-03,1,48.39,50.00
2027-04,0,0.00,50.00" "$(sed -n '3,5p' <<<"$out")"
run_gm 0 "report project December, alpha terminated (figures)" report project --project spv-year --period 2026-12 --format csv
check_eq "the terminated backlog's total and last month" "backlog,248.39 backlog_last_month,2027-03" \
    "$(grep -E '^(backlog,|backlog_last)' <<<"$out" | paste -sd' ')"
run_gm 2 "report project --backlog with a bad format" report project --project spv-year --period 2026-12 --backlog --format xml
# A month that is not one is named as given, not called missing.
run_gm 2 "report project --period 2026-13" report project --project spv-year --period 2026-13
check_match "the bad month named" '^gpumeter: error: --period 2026-13: month 13 is not 01..12 \(expected YYYY-MM\)' "$out"
run_gm 2 "report project without --period" report project --project spv-year
check_match "a missing month is required" '^gpumeter: error: --period YYYY-MM is required' "$out"
run_gm 2 "index publish --period 2026-1" index publish --period 2026-1
check_match "the same rule for every --period" '^gpumeter: error: --period 2026-1: not in the form YYYY-MM \(expected YYYY-MM\)' "$out"
finish
