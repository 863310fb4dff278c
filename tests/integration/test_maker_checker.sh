#!/bin/bash
# Maker-checker (issue 39, schema 069, docs/plans.md "Proposals and
# approval"): a plan or contract version proposed by one person takes
# effect only when another approves it; the proposer cannot approve it,
# nor decide it twice, nor approve it once the code's versions changed
# (stale); a rejection needs a reason; with the seller's approval off a
# proposal applies at once; `apply` stays for administrators, audited as
# such; every step's audit row exact; the API's database role cannot
# approve round the functions (psql as gpumeter_api). The database alone:
# no broker, no server.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database"; finish; }
AUDIT0=$(q "SELECT coalesce(max(id), 0) FROM audit_log") # the template's own rows before
DOC=$ROOT/docs/examples/plan-gpu-2027.json
plan_price() { q "SELECT coalesce((SELECT d.document->'gpu_hours'->'prices'->0->>'unit_price'
                  FROM document d WHERE d.kind = 'plan' AND d.code = 'gpu-2027'
                  AND d.effective_from = '2027-01-01'), 'none')"; }

check_eq "069 adds its audit actions to every earlier one (034's deposits too)" "true true true" \
    "$(q "SELECT string_agg((pg_get_constraintdef(oid) ~ w)::text, ' ' ORDER BY w) FROM pg_constraint,
          unnest(ARRAY['propose', 'receive', 'write_off']) w
          WHERE conrelid = 'audit_log'::regclass AND conname = 'audit_log_action_check'")"
# ---- propose, refused self-approval, approval by another ----
check_eq "approval is on by default" "approval on" "$("$GM" plan approval)"
out=$("$GM" plan propose "$DOC" --as sam 2>&1)
check_eq "a proposal is stored, pending" \
    "plan gpu-2027 version 2027-01-01: proposal 1, pending approval (gpumeter plan approve 1 --as NAME, by someone else)" "$out"
check_eq "and does not take effect" none "$(plan_price)"
sed -e 's/"9.50"/"-9.50"/' -e 's/"model": "H20"/"model": "H2O"/' "$DOC" >"$TMP/bad.json"
err=$("$GM" plan propose "$TMP/bad.json" --as sam 2>&1 >/dev/null)
check_eq "a bad proposal exits 2" 2 "$?"
check_eq "naming every problem at its JSON path" "\$.gpu_hours.prices[1].unit_price: must not be negative
\$.gpu_hours.prices[2].model: unknown accelerator model \"H2O\"; did you mean 'H20'?" "$(grep '^\$' <<<"$err")"
sed 's/"effective_from": "2027-01-01"/"effective_from": "2027-01-01", "currency": "XYZ"/; s/"currency": "CNY",//' \
    "$DOC" >"$TMP/xyz.json"
check_match "the database's checks too, as apply makes them" '\$.currency: unknown currency "XYZ"' \
    "$("$GM" plan propose "$TMP/xyz.json" --as sam 2>&1)"
check_eq "neither was stored as a proposal" 1 "$(q "SELECT count(*) FROM proposal")"

"$GM" plan approve 1 >/dev/null 2>&1
check_eq "an approval names who approves (--as): exit 2" 2 "$?"
err=$("$GM" plan approve 1 --as sam 2>&1)
check_eq "the proposer cannot approve it: exit 2" 2 "$?"
check_match "saying so" 'proposal 1 was proposed by sam: someone else must decide it' "$err"
check_eq "it is still pending, nothing applied" "pending none" \
    "$(q "SELECT status FROM proposal WHERE id = 1") $(plan_price)"
out=$("$GM" plan approve 1 --as fay 2>&1)
check_eq "another person approves it" \
    "proposal 1 (plan gpu-2027 version 2027-01-01, by sam): approved by fay, version created" "$out"
check_eq "and it takes effect, applied by fay" "16.80 fay" \
    "$(plan_price) $(q "SELECT applied_by FROM document WHERE code = 'gpu-2027'")"
check_eq "the proposal records both, with times" "approved sam fay true" \
    "$(q "SELECT status || ' ' || proposed_by || ' ' || decided_by || ' ' ||
                 (decided_at >= proposed_at) FROM proposal WHERE id = 1")"
"$GM" plan approve 1 --as fay >/dev/null 2>&1
check_eq "a decided proposal is not decided again: exit 2" 2 "$?"
"$GM" contract approve 1 --as fay >/dev/null 2>&1
check_eq "nor under the other kind: exit 2" 2 "$?"

# ---- stale, and reject ----
sed 's/"16.80"/"15.80"/' "$DOC" >"$TMP/cheaper.json"
"$GM" plan propose "$TMP/cheaper.json" --as sam >/dev/null
sed 's/"16.80"/"14.80"/; s/2027-01-01/2027-07-01/' "$DOC" >"$TMP/july.json"
check_eq "an administrator applies directly" "plan gpu-2027 version 2027-07-01: created" \
    "$("$GM" plan apply "$TMP/july.json" --actor root)"
err=$("$GM" plan approve 2 --as fay 2>&1)
check_eq "a proposal on versions changed since is refused: exit 2" 2 "$?"
check_match "as stale, saying so" 'proposal 2 is stale: the versions of plan gpu-2027 changed since it was proposed' "$err"
check_eq "still pending, the price unchanged" "pending 16.80" \
    "$(q "SELECT status FROM proposal WHERE id = 2") $(plan_price)"
"$GM" plan reject 2 --as fay >/dev/null 2>&1
check_eq "a rejection needs a reason: exit 2" 2 "$?"
check_eq "rejected with its reason" \
    "proposal 2 (plan gpu-2027 version 2027-01-01, by sam): rejected by fay" \
    "$("$GM" plan reject 2 --as fay --reason "propose it on the July version")"
check_eq "recorded" "rejected|fay|propose it on the July version" \
    "$(q "SELECT status || '|' || decided_by || '|' || reason FROM proposal WHERE id = 2")"
check_match "proposals lists both" "^2 +gpu-2027 +2027-01-01  rejected .*
1 +gpu-2027 +2027-01-01  approved " "$("$GM" plan proposals)"

# ---- a contract: the same path, its accounts written on approval ----
"$GM" customer add omega --name Omega >/dev/null
cat >"$TMP/contract.json" <<'JSON'
{"contract": "omega-2026", "customer": "omega", "effective_from": "2026-01-01",
 "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06",
 "accounts": [{"account": "ns-omega"}]}
JSON
"$GM" contract propose "$TMP/contract.json" --as sam >/dev/null
check_eq "a proposed contract writes no account" 0 "$(q "SELECT count(*) FROM account WHERE account = 'ns-omega'")"
check_match "its approval does" 'approved by fay, version created' \
    "$("$GM" contract approve 3 --as fay)"
check_eq "the contract's account" "ns-omega omega-2026" \
    "$(q "SELECT account || ' ' || contract FROM account WHERE account = 'ns-omega'")"

# ---- the seller turns approval off: a proposal applies at once ----
check_eq "approval off" "approval off" "$("$GM" plan approval off --actor root)"
check_eq "a proposal then applies at once" \
    "plan gpu-2027 version 2027-01-01: replaced (approval is off: applied at once)" \
    "$("$GM" plan propose "$TMP/cheaper.json" --as sam)"
check_eq "no proposal row, the price changed" "3 15.80" "$(q "SELECT count(*) FROM proposal") $(plan_price)"
"$GM" plan approval on --actor root >/dev/null

# ---- the audit trail, exact ----
check_eq "every step audited, in order" \
"sam|plan|gpu-2027@2027-01-01|propose|proposal 1
fay|plan|gpu-2027@2027-01-01|approve|proposal 1
fay|plan|gpu-2027@2027-01-01|create|proposal 1 approved by fay (proposed by sam)
sam|plan|gpu-2027@2027-01-01|propose|proposal 2
root|plan|gpu-2027@2027-07-01|create|direct apply by administrator
fay|plan|gpu-2027@2027-01-01|reject|proposal 2
root|approval_policy|seller|update|
sam|plan|gpu-2027@2027-01-01|replace|applied at once by its proposer (approval off)
root|approval_policy|seller|update|" \
    "$(q "SELECT actor || '|' || object || '|' || key || '|' || action || '|' || coalesce(via, '')
          FROM audit_log WHERE object IN ('plan', 'approval_policy') AND id > $AUDIT0 ORDER BY id")"
check_eq "the decisions' rows name both people" "sam fay | sam fay propose it on the July version" \
    "$(q "SELECT string_agg(concat_ws(' ', after->>'proposed_by', after->>'decided_by', after->>'reason'), ' | '
                            ORDER BY id) FROM audit_log WHERE action IN ('approve', 'reject')
                            AND object = 'plan'")"

# ---- least privilege: the API's role approves only through the function ----
"$GM" plan propose "$TMP/july.json" --as sam >/dev/null 2>&1 # unchanged: nothing proposed
sed 's/"16.80"/"13.80"/; s/2027-01-01/2027-07-01/' "$DOC" >"$TMP/july2.json"
check_match "sam proposes again" 'proposal 4, pending' "$("$GM" plan propose "$TMP/july2.json" --as sam)"
refused_as "the API's role cannot mark a proposal approved" gpumeter_api \
    "UPDATE proposal SET status = 'approved', decided_by = 'x', decided_at = now() WHERE id = 4" \
    'permission denied'
refused_as "nor insert one" gpumeter_api \
    "INSERT INTO proposal (kind, code, effective_from, document, sha256, base, proposed_by)
     VALUES ('plan', 'x', '2027-01-01', '{}', '', '', 'x')" 'permission denied'
refused_as "nor write a plan version" gpumeter_api \
    "UPDATE document SET document = document WHERE code = 'gpu-2027'" 'permission denied'
refused_as "nor approve its own proposal through the function" gpumeter_api \
    "SELECT proposal_decide(4, 'sam', true, NULL)" 'someone else must decide it'
refused_as "not even the owner stores a self-approval" gpumeter \
    "UPDATE proposal SET status = 'approved', decided_by = 'sam', decided_at = now() WHERE id = 4" \
    'violates check constraint "proposal_check1"'
refused_as "nor removes a proposal" gpumeter "DELETE FROM proposal WHERE id = 1" \
    'decided once and never changed or removed'
check_eq "the API's role records another's decision through it" "rejected" \
    "$(as gpumeter_api "SELECT status FROM proposal_decide(4, 'fay', false, 'no')")"
# ---- two approvals on one code at once: the second sees the first's version ----
# Two proposals on the same versions, approved in two transactions at the
# same time: without one lock per code each reads the versions before the
# other commits and both pass the stale check, the second writing over
# prices its approver never saw. The first approval is held open; the
# second must wait for it, then be refused as stale.
sed 's/"16.80"/"12.80"/; s/2027-01-01/2027-10-01/' "$DOC" >"$TMP/oct.json"
sed 's/"16.80"/"11.80"/; s/2027-01-01/2027-10-01/' "$DOC" >"$TMP/oct2.json"
ra=$("$GM" plan propose "$TMP/oct.json" --as sam | sed -n 's/.*proposal \([0-9]*\),.*/\1/p')
rb=$("$GM" plan propose "$TMP/oct2.json" --as sam | sed -n 's/.*proposal \([0-9]*\),.*/\1/p')
mkfifo -m 600 "$TMP/first"
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U gpumeter_api -d "$DB" -tA \
    <"$TMP/first" >"$TMP/first.out" 2>&1 &
first=$!
exec 3>"$TMP/first"
echo "BEGIN; SELECT proposal_decide($ra, 'fay', true, NULL) IS NOT NULL; SELECT proposal_apply($ra);
      SELECT 'held';" >&3
for _ in $(seq 600); do grep -q held "$TMP/first.out" && break; sleep 0.1; done
as gpumeter_api "SELECT status FROM proposal_decide($rb, 'fin', true, NULL)" >"$TMP/second.out" &
second=$!
# the second either waits on the first (a lock) or has finished
for _ in $(seq 600); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
              AND query LIKE '%proposal_decide($rb,%'")" = 1 ] && break
    kill -0 "$second" 2>/dev/null || break
    sleep 0.1
done
echo "COMMIT;" >&3
exec 3>&-
wait "$first"
wait "$second"
check_match "the second approval at the same time is refused as stale" \
    "proposal $rb is stale" "$(cat "$TMP/second.out")"
check_eq "the first's price stands, the second pending" "12.80 approved pending" \
    "$(q "SELECT document->'gpu_hours'->'prices'->0->>'unit_price' FROM document
          WHERE code = 'gpu-2027' AND effective_from = '2027-10-01'") $(q "SELECT string_agg(status, ' ' ORDER BY id)
          FROM proposal WHERE id IN ($ra, $rb)")"
"$GM" plan reject "$rb" --as fin --reason "stale" >/dev/null
# ---- the API: sales proposes, finance decides; the console's CSRF ----
KS=$("$GM" customer key create --sales --label sam 2>/dev/null)
KF1=$("$GM" customer key create --finance --label fay 2>/dev/null)
KF2=$("$GM" customer key create --finance --label fin 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || { fail "the server starts"; finish; }
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
post() { # key path file -> "status"; the body in $TMP/body
    curl -s -o "$TMP/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
        --data-binary @"$3" "$U$2"
}
price_2028() { q "SELECT coalesce((SELECT document->'gpu_hours'->'prices'->0->>'unit_price' || ' ' || applied_by
                  FROM document WHERE code = 'gpu-2027' AND effective_from = '2028-01-01'), 'none')"; }
check_eq "a bad document is 422, each problem with its path and code" \
    '422 [{"path":"$.gpu_hours.prices[1].unit_price","code":"negative"},{"path":"$.gpu_hours.prices[2].model","code":"unknown_model"}]' \
    "$(post "$KS" /v1/proposals "$TMP/bad.json") $(jq -c '[.error.problems[] | {path, code}]' "$TMP/body")"
sed 's/"16.80"/"12.80"/; s/2027-01-01/2028-01-01/' "$DOC" >"$TMP/y2028.json"
check_eq "sales proposes through the API" "201 pending sales key $(cut -d_ -f2 <<<"$KS")" \
    "$(post "$KS" /v1/proposals "$TMP/y2028.json") $(jq -r '.status + " " + .proposed_by' "$TMP/body")"
pid=$(jq .proposal "$TMP/body")
check_eq "it is not in effect" none "$(price_2028)"
check_eq "a method the path does not take names every one it does" \
    "405 OPTIONS is not allowed here; allowed: GET, HEAD, POST" \
    "$(curl -s -o "$TMP/body" -w '%{http_code}' -X OPTIONS "$U/v1/proposals") $(jq -r .error.message "$TMP/body")"
check_eq "sales cannot decide" 403 "$(post "$KS" "/v1/proposals/decide?id=$pid&decision=approve" /dev/null)"
sed 's/"16.80"/"11.80"/; s/2027-01-01/2029-01-01/' "$DOC" >"$TMP/y2029.json"
post "$KF1" /v1/proposals "$TMP/y2029.json" >/dev/null
own=$(jq .proposal "$TMP/body")
check_eq "a finance key cannot approve its own proposal" "409 refused" \
    "$(post "$KF1" "/v1/proposals/decide?id=$own&decision=approve" /dev/null) $(jq -r .error.code "$TMP/body")"
check_match "saying so" 'someone else must decide it' "$(jq -r .error.message "$TMP/body")"
check_eq "another finance key approves sales's" "200 approved created" \
    "$(post "$KF2" "/v1/proposals/decide?id=$pid&decision=approve" /dev/null) $(jq -r '.status + " " + .version' "$TMP/body")"
check_eq "and it takes effect, applied by that key" "12.80 finance key $(cut -d_ -f2 <<<"$KF2")" "$(price_2028)"
check_eq "audited as approved by it" "proposal $pid approved by finance key $(cut -d_ -f2 <<<"$KF2") (proposed by sales key $(cut -d_ -f2 <<<"$KS"))" \
    "$(q "SELECT via FROM audit_log WHERE key = 'gpu-2027@2028-01-01' AND action = 'create'")"
# the API's database role can store a proposal itself, round the
# validators: its approval in the console checks the document again
sed 's/2027-01-01/2028-06-01/' "$TMP/bad.json" >"$TMP/forged.json"
forged=$(as gpumeter_api "SELECT proposal_submit('plan', 'gpu-2027', '2028-06-01', NULL,
    \$\$$(cat "$TMP/forged.json")\$\$::jsonb, 'x', 'sales key $(cut -d_ -f2 <<<"$KS")')")
check_eq "an invalid document stored round the API is not approved" "409 refused" \
    "$(post "$KF2" "/v1/proposals/decide?id=$forged&decision=approve" /dev/null) $(jq -r .error.code "$TMP/body")"
check_match "naming its problems" "proposal $forged no longer validates: .*unit_price: must not be negative" \
    "$(jq -r .error.message "$TMP/body")"
check_eq "nothing stored, still pending" "0 pending" \
    "$(q "SELECT count(*) FROM document WHERE code = 'gpu-2027' AND effective_from = '2028-06-01'") $(q "SELECT status FROM proposal WHERE id = $forged")"
sed 's/2027-01-01/2028-07-01/' "$DOC" >"$TMP/elsewhere.json"
other=$(as gpumeter_api "SELECT proposal_submit('plan', 'gpu-2027', '2028-08-01', NULL,
    \$\$$(cat "$TMP/elsewhere.json")\$\$::jsonb, 'x', 'sales key $(cut -d_ -f2 <<<"$KS")')")
check_eq "nor a document of another date than its proposal" "409 the document is gpu-2027 from 2028-07-01, the proposal gpu-2027 from 2028-08-01" \
    "$(post "$KF2" "/v1/proposals/decide?id=$other&decision=approve" /dev/null) $(jq -r .error.message "$TMP/body" | sed 's/.*validates: \$: //')"
check_eq "a rejection's reason with a bidi override is refused, naming why" \
    "400 reason contains a bidirectional formatting character: it takes 1 to 256 printable characters pending" \
    "$(post "$KF2" "/v1/proposals/decide?id=$forged&decision=reject&reason=%E2%80%AEdevorppa" /dev/null) $(jq -r .error.message "$TMP/body") $(q "SELECT status FROM proposal WHERE id = $forged")"
check_eq "and one longer than the CLI allows" "400 reason is too long: it takes 1 to 256 printable characters" \
    "$(post "$KF2" "/v1/proposals/decide?id=$forged&decision=reject&reason=$(printf 'r%.0s' $(seq 257))" /dev/null) $(jq -r .error.message "$TMP/body")"
for p in "$forged" "$other"; do post "$KF2" "/v1/proposals/decide?id=$p&decision=reject&reason=forged" /dev/null >/dev/null; done
check_eq "the pending list holds the finance key's own" "$own" \
    "$(curl -s -H "Authorization: Bearer $KS" "$U/v1/proposals?status=pending" | jq -c '[.proposals[].id] | join(",")' -r)"
# with the seller's approval off, a plan proposed through the API applies at once
"$GM" plan approval off --actor root >/dev/null
sed 's/"16.80"/"10.80"/; s/2027-01-01/2030-01-01/' "$DOC" >"$TMP/y2030.json"
check_eq "approval off: the API's proposal applies at once" "200 created off" \
    "$(post "$KS" /v1/proposals "$TMP/y2030.json") $(jq -r '.status + " " + .approval' "$TMP/body")"
check_eq "audited as such, by the sales key" "sales key $(cut -d_ -f2 <<<"$KS")|applied at once by its proposer (approval off)" \
    "$(q "SELECT actor || '|' || via FROM audit_log WHERE key = 'gpu-2027@2030-01-01'")"
"$GM" plan approval on --actor root >/dev/null
refused_as "with approval on, the API's role cannot apply at once" gpumeter_api \
    "SELECT proposal_apply_at_once('plan', 'gpu-2027', '2031-01-01', NULL, '{}', 's', 'x')" 'approval is on'
# ---- a contract through the API: the same store and account rows as the CLI's ----
accounts() { q "SELECT coalesce(string_agg(a.account || ' ' || a.valid_from || ' ' || coalesce(a.valid_until::text, '-')
                || ' ' || a.contract, ', ' ORDER BY a.valid_from, a.account), 'none')
                FROM account a JOIN customer c ON c.id = a.customer_id WHERE c.code = 'omega'"; }
sed 's/2026-01-01/2026-07-01/; s/"accounts": \[/"accounts": [{"account": "ns-omega-b"}, /' \
    "$TMP/contract.json" >"$TMP/contract-july.json"
check_eq "sales proposes a contract version through the API" "201 pending" \
    "$(post "$KS" "/v1/proposals?kind=contract" "$TMP/contract-july.json") $(jq -r .status "$TMP/body")"
cpid=$(jq .proposal "$TMP/body")
check_eq "which writes no account" "ns-omega 2026-01-01 - omega-2026" "$(accounts)"
check_eq "sales's key cannot decide it" 403 "$(post "$KS" "/v1/proposals/decide?id=$cpid&decision=approve" /dev/null)"
check_eq "another finance key approves it: in effect" "200 approved created" \
    "$(post "$KF1" "/v1/proposals/decide?id=$cpid&decision=approve" /dev/null) $(jq -r '.status + " " + .version' "$TMP/body")"
check_eq "its accounts rewritten as the CLI's approval writes them" \
    "ns-omega 2026-01-01 2026-06-30 omega-2026, ns-omega 2026-07-01 - omega-2026, ns-omega-b 2026-07-01 - omega-2026" \
    "$(accounts)"
sed 's/2026-01-01/2027-01-01/' "$TMP/contract.json" >"$TMP/contract-2027.json"
post "$KF2" "/v1/proposals?kind=contract" "$TMP/contract-2027.json" >/dev/null
own=$(jq .proposal "$TMP/body")
check_eq "a finance key cannot approve its own contract proposal" "409 refused pending" \
    "$(post "$KF2" "/v1/proposals/decide?id=$own&decision=approve" /dev/null) $(jq -r .error.code "$TMP/body") $(q "SELECT status FROM proposal WHERE id = $own")"
check_eq "nor is anything of it in effect" "none" \
    "$(q "SELECT coalesce((SELECT 'stored' FROM document WHERE code = 'omega-2026' AND effective_from = '2027-01-01'), 'none')")"
"$GM" plan approval off --actor root >/dev/null
"$GM" customer add theta --name Theta >/dev/null
sed 's/omega/theta/g; s/ns-theta/ns-omega-b/' "$TMP/contract.json" >"$TMP/theta.json"
check_eq "approval off: a contract claiming another's account is 422, nothing stored" \
    '422 $.accounts[0] none' \
    "$(post "$KS" "/v1/proposals?kind=contract" "$TMP/theta.json") $(jq -r '.error.problems[0].path' "$TMP/body") $(q "SELECT coalesce((SELECT 'stored' FROM document WHERE code = 'theta-2026'), 'none')")"
check_eq "approval off: a contract proposed through the API applies at once" "200 created off" \
    "$(post "$KS" "/v1/proposals?kind=contract" "$TMP/contract-2027.json") $(jq -r '.status + " " + .approval' "$TMP/body")"
check_eq "its accounts rewritten at once" \
    "ns-omega 2026-01-01 2026-06-30 omega-2026, ns-omega 2026-07-01 2026-12-31 omega-2026, ns-omega-b 2026-07-01 2026-12-31 omega-2026, ns-omega 2027-01-01 - omega-2026" \
    "$(accounts)"
"$GM" plan approval on --actor root >/dev/null
check_eq "the contract's audit rows, exact" \
"sam|propose|omega-2026@2026-01-01|proposal 3
fay|approve|omega-2026@2026-01-01|proposal 3
fay|create|omega-2026@2026-01-01|proposal 3 approved by fay (proposed by sam)
sales key $(cut -d_ -f2 <<<"$KS")|propose|omega-2026@2026-07-01|proposal $cpid
finance key $(cut -d_ -f2 <<<"$KF1")|approve|omega-2026@2026-07-01|proposal $cpid
finance key $(cut -d_ -f2 <<<"$KF1")|create|omega-2026@2026-07-01|proposal $cpid approved by finance key $(cut -d_ -f2 <<<"$KF1") (proposed by sales key $(cut -d_ -f2 <<<"$KS"))
finance key $(cut -d_ -f2 <<<"$KF2")|propose|omega-2026@2027-01-01|proposal $own
sales key $(cut -d_ -f2 <<<"$KS")|create|omega-2026@2027-01-01|applied at once by its proposer (approval off)" \
    "$(q "SELECT actor || '|' || action || '|' || key || '|' || coalesce(via, '') FROM audit_log
          WHERE object = 'contract' AND id > $AUDIT0 ORDER BY id")"
# the console's session: a write without its CSRF token changes nothing
cookie=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $KS" "$U/v1/session" |
    sed -n 's/.*gm_session=\([0-9a-f]*\);.*/\1/p')
csrf=$(curl -s -b "gm_session=$cookie" "$U/v1/me" | jq -r .csrf)
before=$(q "SELECT count(*) FROM proposal")
check_eq "a cross-site POST with the session cookie alone is refused" "403 csrf_failed" \
    "$(curl -s -o "$TMP/body" -w '%{http_code}' -X POST -b "gm_session=$cookie" -H 'Origin: https://evil.example' \
        --data-binary @"$TMP/y2029.json" "$U/v1/proposals") $(jq -r .error.code "$TMP/body")"
check_eq "and stored nothing" "$before" "$(q "SELECT count(*) FROM proposal")"
check_eq "with the session's token it is proposed" 201 \
    "$(curl -s -o "$TMP/body" -w '%{http_code}' -X POST -b "gm_session=$cookie" -H "X-CSRF-Token: $csrf" \
        -H "Origin: $U" --data-binary @"$TMP/y2029.json" "$U/v1/proposals")"
check_eq "one more proposal" "$((before + 1))" "$(q "SELECT count(*) FROM proposal")"
kill "$SERVER"
wait "$SERVER" 2>/dev/null
sanitizer_clean "the server reported no sanitizer error" "$TMP/serve.log"
finish
