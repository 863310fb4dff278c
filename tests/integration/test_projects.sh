#!/bin/bash
# Issue 37's project document against PostgreSQL: applied, listed, shown,
# diffed, replaced and audited; its debt schedule printed as text, CSV and
# JSON (docs/investor.md's worked annuity to the fen); a bad document
# rejected whole with every path and nothing stored; unknown assets and
# contracts named; an asset or a contract in one project at a time
# (project_claims, schema 054), the other project and its version named.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null || fail "apply the site"
for a in h800 h20; do
    "$GM" asset apply "$ROOT/scripts/seed/asset-sh-lingang-$a.json" >/dev/null || fail "apply $a"
done

cat >"$TMP/p1.json" <<'JSON'
{"project": "lingang-spv-1", "name": "Lingang SPV 1", "effective_from": "2026-01-01",
 "currency": "CNY", "assets": [{"site": "sh-lingang", "model": "H800"}],
 "contracts": ["alpha-2026"],
 "debt": {"drawdowns": [{"date": "2026-01-01", "amount": "1000000.00"}],
          "annual_rate": "0.06", "day_count": "30/360",
          "repayment": {"kind": "annuity", "frequency": "monthly", "first_due": "2026-02-01",
                        "payments": 12}},
 "fixed_costs": [{"what": "rent", "monthly": "120000.00", "from": "2026-01-01"}],
 "discount_rate": "0.08"}
JSON
run_gm 0 "project apply" project apply "$TMP/p1.json" --actor cfo
check_match "project apply: created" "project lingang-spv-1 version 2026-01-01: created" "$out"
run_gm 0 "project list" project list
check_match "project list: the version" "lingang-spv-1 +2026-01-01" "$out"
run_gm 0 "project show" project show lingang-spv-1
check_match "project show: the stored document" '"annual_rate":[[:space:]]*"0.06"' "$out"

run_gm 0 "project show --schedule --format csv" project show lingang-spv-1 --schedule --format csv
check_eq "the worked annuity of docs/investor.md, every row to the fen" \
"period,from,due,opening,drawn,interest,principal,payment,closing
1,2026-01-01,2026-02-01,0.00,1000000.00,5000.00,81066.43,86066.43,918933.57
2,2026-02-01,2026-03-01,918933.57,0.00,4594.67,81471.76,86066.43,837461.81
3,2026-03-01,2026-04-01,837461.81,0.00,4187.31,81879.12,86066.43,755582.69
4,2026-04-01,2026-05-01,755582.69,0.00,3777.91,82288.52,86066.43,673294.17
5,2026-05-01,2026-06-01,673294.17,0.00,3366.47,82699.96,86066.43,590594.21
6,2026-06-01,2026-07-01,590594.21,0.00,2952.97,83113.46,86066.43,507480.75
7,2026-07-01,2026-08-01,507480.75,0.00,2537.40,83529.03,86066.43,423951.72
8,2026-08-01,2026-09-01,423951.72,0.00,2119.76,83946.67,86066.43,340005.05
9,2026-09-01,2026-10-01,340005.05,0.00,1700.03,84366.40,86066.43,255638.65
10,2026-10-01,2026-11-01,255638.65,0.00,1278.19,84788.24,86066.43,170850.41
11,2026-11-01,2026-12-01,170850.41,0.00,854.25,85212.18,86066.43,85638.23
12,2026-12-01,2027-01-01,85638.23,0.00,428.19,85638.23,86066.42,0.00" "$out"
run_gm 0 "project show --schedule" project show lingang-spv-1 --schedule
check_match "the text schedule: its terms" \
    "project lingang-spv-1 \(version of 2026-01-01\), CNY, 0.06 a year, 30/360, annuity monthly x 12" "$out"
check_match "the text schedule: totals (interest 32,797.15; principal 1,000,000.00)" \
    "total +1000000.00 +32797.15 +1000000.00 +1032797.15" "$out"
run_gm 0 "project show --schedule --format json" project show lingang-spv-1 --schedule --format json
check_eq "the JSON schedule: the last row" \
    '{"period":12,"from":"2026-12-01","due":"2027-01-01","opening":"85638.23","drawn":"0.00","interest":"428.19","principal":"85638.23","payment":"86066.42","closing":"0.00"}' \
    "$(python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["rows"][-1], separators=(",", ":")))' <<<"$out")"
run_gm 2 "project show --format without --schedule" project show lingang-spv-1 --format csv
run_gm 2 "project show --schedule --format xml" project show lingang-spv-1 --schedule --format xml
run_gm 1 "project show of an unknown project" project show nowhere --schedule
check_match "project show of an unknown project: said" 'unknown project .nowhere.' "$out"

run_gm 0 "the same document again" project apply "$TMP/p1.json" --actor cfo
check_match "the same document again: unchanged" "version 2026-01-01: unchanged" "$out"

# A replacement: the rate, the repayment linear.
sed -e 's|"annual_rate": "0.06"|"annual_rate": "0.065"|' -e 's|"kind": "annuity"|"kind": "linear"|' \
    "$TMP/p1.json" >"$TMP/p1b.json"
run_gm 0 "project diff" project diff "$TMP/p1b.json"
check_eq "project diff: what goes and what comes" \
    "project lingang-spv-1: $TMP/p1b.json against version 2026-01-01
- \$.debt.repayment.kind = \"annuity\"
- \$.debt.annual_rate = \"0.06\"
+ \$.debt.annual_rate = \"0.065\"
+ \$.debt.repayment.kind = \"linear\"" "$out"
run_gm 0 "project apply: a replacement" project apply "$TMP/p1b.json" --actor cfo2
check_match "project apply: replaced" "version 2026-01-01: replaced" "$out"
check_eq "two audit rows: created by cfo, replaced by cfo2, before and after" \
    "lingang-spv-1@2026-01-01|cfo|create|false|true lingang-spv-1@2026-01-01|cfo2|replace|true|true" \
    "$(q "SELECT string_agg(key || '|' || actor || '|' || action || '|' || (before IS NOT NULL) || '|' ||
                            (after IS NOT NULL), ' ' ORDER BY id) FROM audit_log WHERE object = 'project'")"
run_gm 0 "the linear schedule" project show lingang-spv-1 --schedule --format csv
check_eq "the linear schedule: 1,000,000.00 / 12 in equal parts, 83,333.33 or .34, to 0" \
    "1,2026-01-01,2026-02-01,0.00,1000000.00,5416.67,83333.33,88750.00,916666.67
12,2026-12-01,2027-01-01,83333.34,0.00,451.39,83333.34,83784.73,0.00" \
    "$(sed -n '2p;13p' <<<"$out")"

# A bad document: every problem by its path, exit 2, nothing stored.
cat >"$TMP/bad.json" <<'JSON'
{"project": "Bad Code", "effective_from": "2026-13-01", "currency": "cny", "colour": "red",
 "assets": [{"site": "sh-lingang", "model": "H900"}, {"site": "sh-lingang", "model": "H20"},
            {"site": "sh-lingang", "model": "H20"}],
 "contracts": ["alpha-2026", 7, "alpha-2026"],
 "debt": {"drawdowns": [{"date": "2026-03-01", "amount": "0"}, {"date": "2026-02-01", "amount": "1.005"},
                        {"date": "2026-05-01", "amount": "10.00"}],
          "annual_rate": "1.5", "day_count": "act/act",
          "repayment": {"kind": "balloon", "frequency": "weekly", "first_due": "2026-04-30",
                        "payments": 0}},
 "fixed_costs": [{"what": "rent", "monthly": "-1", "from": "2026-02-01", "until": "2026-01-31"}],
 "discount_rate": "2"}
JSON
run_gm 2 "a bad project" project apply "$TMP/bad.json"
check_eq "a bad project: every problem on its path" \
"gpumeter: error: project document $TMP/bad.json rejected: 20 problems, nothing applied
\$.colour: unknown field
\$.project: use lower-case letters, digits, '-' and '_'
\$.effective_from: must be a date like \"2026-01-01\"
\$.currency: must be an ISO 4217 code like \"CNY\"
\$.assets[0].model: unknown accelerator model \"H900\"
\$.assets[2]: the same asset as assets[1]
\$.contracts[1]: must be a string of 1 to 64 characters
\$.contracts[2]: the same contract as contracts[0]
\$.debt.annual_rate: must be from 0 to 1 (a fraction a year: \"0.065\" is 6.5%)
\$.debt.day_count: must be \"act/365\", \"act/360\" or \"30/360\"
\$.debt.repayment.kind: must be \"annuity\", \"linear\" or \"bullet\"
\$.debt.repayment.frequency: must be \"monthly\" or \"quarterly\"
\$.debt.repayment.payments: must be a whole number from 1 to 600
\$.debt.drawdowns[0].amount: must be more than 0 and at most 1000000000000000
\$.debt.drawdowns[1].amount: must be a decimal string like \"16.80\" with at most 2 decimals
\$.debt.drawdowns[1].date: must not be before drawdowns[0]'s: list drawdowns in date order
\$.debt.drawdowns[2].date: must be before repayment.first_due: a loan is drawn before it is repaid
\$.fixed_costs[0].monthly: must not be negative
\$.fixed_costs[0].until: must not be before from
\$.discount_rate: must be from 0 to 1 (a fraction a year: \"0.065\" is 6.5%)" \
    "$out"

# Against the database: an asset with no asset document, a contract that
# does not exist.
sed -e 's|"model": "H800"}|"model": "H800"}, {"site": "sh-lingang", "model": "Ascend910B"}|' \
    -e 's|"contracts": \["alpha-2026"\]|"contracts": ["alpha-2026", "omega-2030"]|' \
    -e 's|lingang-spv-1|lingang-spv-9|' "$TMP/p1.json" >"$TMP/unknown.json"
run_gm 2 "unknown assets and contracts" project apply "$TMP/unknown.json"
check_match "unknown asset: named by its path" \
    '\$\.assets\[1\]: unknown asset "sh-lingang/Ascend910B" \(gpumeter asset apply\)' "$out"
check_match "unknown contract: named by its path" \
    '\$\.contracts\[1\]: unknown contract "omega-2030" \(gpumeter contract apply\)' "$out"

# The currency must exist, with two minor digits (docs/investor.md: amounts
# are held in hundredths; another number of minor digits is not supported):
# "XYZ" and JPY (0 digits, where "1000000.00" is no amount) are refused.
sed -e 's|"currency": "CNY"|"currency": "JPY"|' -e 's|lingang-spv-1|lingang-spv-9|' -e 's|"H800"|"H20"|' \
    -e 's|"contracts": \["alpha-2026"\]|"contracts": []|' "$TMP/p1.json" >"$TMP/cur.json"
run_gm 2 "a project in JPY" project apply "$TMP/cur.json"
check_eq "JPY: refused by its path, the only problem" \
"gpumeter: error: project document $TMP/cur.json rejected: 1 problem, nothing applied
\$.currency: \"JPY\" has 0 minor digits: project amounts are in hundredths, other currencies are not supported yet" "$out"
sed -e 's|"currency": "CNY"|"currency": "XYZ"|' -e 's|lingang-spv-1|lingang-spv-9|' "$TMP/p1.json" >"$TMP/cur.json"
run_gm 2 "a project in XYZ" project apply "$TMP/cur.json"
check_match "XYZ: unknown, by its path" '\$\.currency: unknown currency "XYZ"' "$out"

# Drawdowns whose sum passes 2^63 (93 of 10^15): refused by their total, not
# an overflow (UBSan aborted on the running sum in read_debt).
python3 - "$TMP/p1.json" "$TMP/huge.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["project"] = "lingang-spv-9"
d["debt"]["drawdowns"] = [{"date": "2026-01-01", "amount": "1000000000000000"}] * 93
json.dump(d, open(sys.argv[2], "w"))
PY
run_gm 2 "93 drawdowns of 10^15" project apply "$TMP/huge.json"
check_eq "93 drawdowns of 10^15: their total refused" \
"gpumeter: error: project document $TMP/huge.json rejected: 1 problem, nothing applied
\$.debt.drawdowns: must total at most 1000000000000000" "$out"

# A schedule running past 9999-12-31: its dates would print with five
# digits ("10149-09-30"), which no reader of a date takes.
sed -e 's|lingang-spv-1|lingang-spv-9|' -e 's|"2026-01-01", "amount"|"9999-01-01", "amount"|' \
    -e 's|"first_due": "2026-02-01"|"first_due": "9999-11-30"|' -e 's|"H800"|"H20"|' \
    -e 's|"contracts": \["alpha-2026"\]|"contracts": []|' "$TMP/p1.json" >"$TMP/far.json"
run_gm 2 "a schedule past 9999" project apply "$TMP/far.json"
check_eq "a schedule past 9999: refused by the payments" \
"gpumeter: error: project document $TMP/far.json rejected: 1 problem, nothing applied
\$.debt.repayment.payments: the last payment would fall after 9999-12-31 (on 10000-10-31)" "$out"

# One project at a time: a second project claiming the H800 fleet and
# alpha's contract while lingang-spv-1 holds them is refused, naming it.
cat >"$TMP/p2.json" <<'JSON'
{"project": "lingang-spv-2", "effective_from": "2026-06-01", "currency": "CNY",
 "assets": [{"site": "sh-lingang", "model": "H800"}], "contracts": ["beta-2026", "alpha-2026"]}
JSON
run_gm 2 "a second project claiming the same asset and contract" project apply "$TMP/p2.json"
check_eq "the other project and its version named, by path" \
"gpumeter: error: project document $TMP/p2.json rejected: 2 problems, nothing applied
\$.assets[0]: asset \"sh-lingang/H800\" belongs to project \"lingang-spv-1\" (its version of 2026-01-01 on) while this version is in effect: an asset belongs to one project at a time
\$.contracts[1]: contract \"alpha-2026\" belongs to project \"lingang-spv-1\" (its version of 2026-01-01 on) while this version is in effect: a contract belongs to one project at a time" \
    "$out"
check_eq "nothing stored of the refused projects" "1" \
    "$(q "SELECT count(*) FROM document WHERE kind = 'project'")"

# lingang-spv-1 gives the H800 fleet and alpha's contract up from July:
# lingang-spv-2 may take them from July, not from June.
sed -e 's|"effective_from": "2026-01-01"|"effective_from": "2026-07-01"|' \
    -e 's|"model": "H800"|"model": "H20"|' -e 's|"contracts": \["alpha-2026"\]|"contracts": []|' \
    "$TMP/p1b.json" >"$TMP/p1c.json"
run_gm 0 "lingang-spv-1 from July: the H20 fleet instead, no contract" project apply "$TMP/p1c.json"
run_gm 2 "lingang-spv-2 from June still meets lingang-spv-1's first version" \
    project apply "$TMP/p2.json"
check_match "the first version's span named" \
    'belongs to project "lingang-spv-1" \(its version of 2026-01-01 until 2026-06-30\)' "$out"
sed -i 's|"effective_from": "2026-06-01"|"effective_from": "2026-07-01"|' "$TMP/p2.json"
run_gm 0 "lingang-spv-2 from July: accepted" project apply "$TMP/p2.json"
sed -e 's|"effective_from": "2026-07-01"|"effective_from": "2026-08-01"|' \
    -e 's|"model": "H20"}|"model": "H20"}, {"site": "sh-lingang", "model": "H800"}|' \
    "$TMP/p1c.json" >"$TMP/p1d.json"
run_gm 2 "lingang-spv-1 taking the H800 fleet back from August" project apply "$TMP/p1d.json"
check_match "lingang-spv-2 named, open-ended" \
    '\$\.assets\[1\]: asset "sh-lingang/H800" belongs to project "lingang-spv-2" \(its version of 2026-07-01 on\)' "$out"
check_eq "the projects' versions" "lingang-spv-1 2026-01-01 lingang-spv-1 2026-07-01 lingang-spv-2 2026-07-01" \
    "$(q "SELECT string_agg(code || ' ' || effective_from, ' ' ORDER BY code, effective_from)
          FROM document WHERE kind = 'project'")"

# Two projects claiming one fleet, applied at once: one is stored, the
# other refused naming it (project_claims checked under one lock; two
# checks before either insert both passed). A session holding the
# document table (EXCLUSIVE: reads pass, inserts wait) makes both applies
# check before either stores.
"$GM" asset apply "$ROOT/scripts/seed/asset-sh-lingang-ascend910b.json" >/dev/null 2>&1
for n in 3 4; do
    printf '{"project": "race-spv-%s", "effective_from": "2030-01-01", "currency": "CNY",
 "assets": [{"site": "sh-lingang", "model": "Ascend910B"}]}' "$n" >"$TMP/race$n.json"
done
pg -c "BEGIN; LOCK TABLE document IN EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT" >/dev/null &
locker=$!
sleep 1
"$GM" project apply "$TMP/race3.json" >"$TMP/race3.out" 2>&1 &
r3=$!
"$GM" project apply "$TMP/race4.json" >"$TMP/race4.out" 2>&1 &
r4=$!
wait "$r3"; e3=$?
wait "$r4"; e4=$?
wait "$locker"
check_eq "two racing projects claiming one fleet: one stored, one refused (exit 2)" "0 2" \
    "$(printf '%s\n' "$e3" "$e4" | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_eq "the racing projects: one version stored" "1" \
    "$(q "SELECT count(*) FROM document WHERE kind = 'project' AND code LIKE 'race-spv-%'")"
check_match "the refused one names the other" 'asset "sh-lingang/Ascend910B" belongs to project "race-spv-[34]"' \
    "$(cat "$TMP/race3.out" "$TMP/race4.out")"

finish
