#!/bin/bash
# Issued months are frozen (issue 32, deliverable 1; docs/plans.md, "Issued
# months are frozen"): a plan or contract version that would price a month
# already issued for a customer is refused (exit 2, naming the customers and
# months, hinting at the first open month), while a version that prices
# nothing issued may be corrected; a statement and a simulation of an
# issued month show the issued invoice, to the fen, and say so; a month
# issued for some customers is frozen for those only. Hand-computed:
#   alpha: 10 H800 GPU-hours x 16.80 = 168.00, tax 6% 10.08, total 178.08
#   beta:   5 H800 GPU-hours x 16.80 =  84.00, tax 6%  5.04, total  89.04
#   at 18.00: alpha 180.00 + 10.80 = 190.80, beta 90.00 + 5.40 = 95.40
#   at 20.00: alpha 200.00 + 12.00 = 212.00
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
# alpha 10 and beta 5 H800 GPU-hours, 02:00-03:00Z on 2026-10-10
for e in '1 ns-alpha 36000000' '2 ns-beta 18000000'; do
    set -- $e
    printf 'f\t{"v":1,"source":"f","seq":%d,"account":"%s","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"2026-10-10T02:00:00Z","end":"2026-10-10T03:00:00Z"}\n' "$1" "$2" "$3"
done | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
"$GM" invoice issue --period 2026-10 --customer alpha >/dev/null 2>&1
check_eq "October is issued for alpha only, beta stays draft" "alpha|issued|17808 beta|draft|8904" \
    "$(q "SELECT string_agg(c.code || '|' || i.status || '|' || i.total, ' ' ORDER BY c.code)
          FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE i.period = '2026-10-01'")"
INV=$(q "SELECT i.number FROM invoice i JOIN customer c ON c.id = i.customer_id
         WHERE c.code = 'alpha' AND i.period = '2026-10-01'")

# A new gpu-standard version from 2026-10-01 would price alpha's issued
# October: refused, naming alpha and October (not beta, whose month is open).
sed -e 's/"2026-01-01"/"2026-10-01"/' -e 's/"16.80"/"18.00"/' \
    "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/oct.json"
err=$("$GM" plan apply "$TMP/oct.json" --dry-run 2>&1 >/dev/null)
check_eq "a back-dated plan version is refused even as a dry run, exit 2" 2 "$?"
err=$("$GM" plan apply "$TMP/oct.json" --actor sales 2>&1 >/dev/null)
check_eq "a back-dated plan version is refused, exit 2" 2 "$?"
check_match "naming the version" "plan gpu-standard version 2026-10-01 would price 1 issued month" "$err"
check_match "naming the customer, month and invoice" "customer alpha 2026-10: invoice $INV" "$err"
check_eq "and no other customer" "" "$(grep -o 'customer beta' <<<"$err")"
check_match "hinting at the first open month" "Set effective_from to 2026-11-01" "$err"
check_match "or at voiding and rerate" "gpumeter rerate" "$err"
check_eq "nothing was stored or audited" "1 0" \
    "$(q "SELECT (SELECT count(*) FROM document WHERE code = 'gpu-standard') || ' ' ||
                 (SELECT count(*) FROM audit_log WHERE actor = 'sales')")"
sed 's/"2026-10-01"/"2026-11-01"/' "$TMP/oct.json" >"$TMP/nov.json"
check_eq "the same version from the first open month is accepted" \
    "plan gpu-standard version 2026-11-01: created" "$("$GM" plan apply "$TMP/nov.json")"
# Replacing the version that priced October (the seed's, from January) is
# refused the same way.
sed 's/"16.80"/"17.00"/' "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/jan.json"
err=$("$GM" plan apply "$TMP/jan.json" 2>&1 >/dev/null)
check_eq "replacing the version that priced the issued month is refused, exit 2" 2 "$?"
check_match "naming it" "customer alpha 2026-10: invoice $INV" "$err"

# The issue's example: a version from the 16th prices from the next month
# (the version in effect on a month's first day prices the month), so it
# priced nothing issued and may be corrected.
sed -e 's/"2026-01-01"/"2026-10-16"/' -e 's/"16.80"/"17.00"/' \
    "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/16th.json"
check_eq "a version from the 16th is created" "plan gpu-standard version 2026-10-16: created" \
    "$("$GM" plan apply "$TMP/16th.json")"
sed 's/"17.00"/"17.50"/' "$TMP/16th.json" >"$TMP/16th-fixed.json"
out=$("$GM" plan apply "$TMP/16th-fixed.json" 2>&1)
check_eq "and corrected, since it priced nothing issued" \
    "plan gpu-standard version 2026-10-16: replaced" "$out"

# Contracts follow the one rule: alpha's contract versions from October or
# before price the issued month; beta's prices nothing issued.
sed -e 's/"alpha-2026"/"alpha-2026-q4"/' -e 's/"2026-01-01"/"2026-10-01"/' \
    "$ROOT/scripts/seed/contract-alpha.json" >"$TMP/c-oct.json"
err=$("$GM" contract apply "$TMP/c-oct.json" 2>&1 >/dev/null)
check_eq "a back-dated contract version is refused, exit 2" 2 "$?"
check_match "naming the customer and month" \
    "contract alpha-2026-q4 version 2026-10-01 would price 1 issued month.*customer alpha 2026-10: invoice $INV" \
    "$(tr '\n' ' ' <<<"$err")"
check_match "hinting at the first open month" "Set effective_from to 2026-11-01" "$err"
sed 's/"0.06"/"0.09"/' "$ROOT/scripts/seed/contract-alpha.json" >"$TMP/c-jan.json"
err=$("$GM" contract apply "$TMP/c-jan.json" 2>&1 >/dev/null)
check_eq "replacing the contract version that priced it is refused, exit 2" 2 "$?"
check_match "naming it" "contract alpha-2026 version 2026-01-01 would price 1 issued month" "$err"
sed 's/"2026-10-01"/"2026-11-01"/' "$TMP/c-oct.json" >"$TMP/c-nov.json"
check_eq "a contract version from the first open month is accepted" \
    "contract alpha-2026-q4 version 2026-11-01: created" "$("$GM" contract apply "$TMP/c-nov.json")"
sed 's/"0.06"/"0.09"/' "$ROOT/scripts/seed/contract-beta.json" >"$TMP/c-beta.json"
check_eq "beta's contract, whose October is open, may be replaced" \
    "contract beta-2026 version 2026-01-01: replaced" "$("$GM" contract apply "$TMP/c-beta.json")"
"$GM" contract apply "$ROOT/scripts/seed/contract-beta.json" >/dev/null

# A version that prices an issued month may still be stored: an older
# release accepted one (the issue's report), so it is put in place here the
# way that release did. The issued month does not move.
q "INSERT INTO document (kind, code, effective_from, document, sha256, applied_by)
   SELECT kind, code, '2026-10-01', jsonb_set(document, '{effective_from}', '\"2026-10-01\"'),
          sha256, 'an older release' FROM document
   WHERE kind = 'plan' AND code = 'gpu-standard' AND effective_from = '2026-11-01'" >/dev/null
st=$("$GM" statement --customer alpha --period 2026-10 --format json)
check_match "alpha's October statement is the issued invoice, to the fen" \
    "\"total_minor\":17808," "$st"
check_match "and says so" "\"status\":\"issued\",\"issued\":true,\"source\":\"issued invoice $INV\"" "$st"
check_eq "its lines are the invoice's" "$("$GM" invoice show "$INV" --format csv)" \
    "$("$GM" statement --customer alpha --period 2026-10 --format csv)"
check_match "the text statement says it is the issued invoice" \
    "^source    issued invoice $INV: the month is frozen" \
    "$("$GM" statement --customer alpha --period 2026-10)"
bst=$("$GM" statement --customer beta --period 2026-10 --format json)
check_match "beta's open October is priced live, under the version now in effect" \
    "\"total_minor\":9540," "$bst"
check_match "and says so" "\"issued\":false,\"source\":\"priced live\"" "$bst"

sed -e 's/"2026-01-01"/"2026-12-01"/' -e 's/"16.80"/"20.00"/' \
    "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/proposed.json"
sim=$("$GM" plan simulate --customer alpha --period 2026-10 --plan "$TMP/proposed.json")
check_match "the simulation's current column is the issued money" \
    "^total +178\.08 +212\.00 +33\.92$" "$sim"
check_match "and says where it comes from" \
    "^simulate alpha 2026-10 \\(CNY\\): current plan gpu-standard as issued on invoice $INV, proposed plan gpu-standard$" "$sim"

KF=$("$GM" customer key create --finance 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || { fail "start the server"; finish; }
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
check_eq "the API statement equals the CLI's, byte for byte" "$st" \
    "$(curl -s -H "Authorization: Bearer $KF" "$U/v1/statement?period=2026-10&customer=alpha")"
api_sim=$(curl -s -H "Authorization: Bearer $KF" -H "Content-Type: application/json" \
    --data-binary @"$TMP/proposed.json" "$U/v1/simulate?customer=alpha&period=2026-10")
check_match "the API simulation's current is the issued invoice" \
    "\"current_issued\":true,\"current_source\":\"issued invoice $INV\"" "$api_sim"
check_match "and its current total the issued money" \
    '"line":"total","total":true,"current":"178.08","current_minor":17808,"proposed":"212.00"' "$api_sim"
finish
