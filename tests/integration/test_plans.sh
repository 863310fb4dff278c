#!/bin/bash
# Plan documents: applied whole or not at all, every problem reported with
# its JSON path; applying the same document twice changes nothing; every
# change is audited with its actor, before and after; diff and show.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database"; finish; }
DOC=$ROOT/docs/examples/plan-gpu-2027.json
out=$("$GM" plan apply "$DOC" --actor alice)
check_eq "a valid plan is created" "plan gpu-2027 version 2027-01-01: created" "$out"
out=$("$GM" plan apply "$DOC" --actor alice)
check_eq "applying it again is a no-op" "plan gpu-2027 version 2027-01-01: unchanged" "$out"
check_eq "one audit row: the creation, by alice" "alice|create|true" \
    "$(q "SELECT actor || '|' || action || '|' || (before IS NULL) FROM audit_log
          WHERE key LIKE 'gpu-2027@%'")"

sed -e 's/"9.50"/"-9.50"/' -e 's/"model": "H20"/"model": "H2O"/' \
    -e 's/"from": 17/"from": 11/' -e 's/"name": "GPU-hour/"nmae": "GPU-hour/' "$DOC" >"$TMP/bad.json"
err=$("$GM" plan apply "$TMP/bad.json" 2>&1 >/dev/null)
check_eq "a bad document exits 2" 2 "$?"
check_eq "and lists every problem with its JSON path" "\$.nmae: unknown field
\$.name: is required
\$.gpu_hours.prices[1].unit_price: must not be negative
\$.gpu_hours.prices[2].model: unknown accelerator model \"H2O\"; did you mean 'H20'?
\$.gpu_hours.time_of_use[1]: overlaps band \"peak\" at 11:00" "$(echo "$err" | grep '^\$')"
check_match "saying nothing was applied" "rejected: 5 problems, nothing applied" "$err"
echo '{"plan": "x",' >"$TMP/broken.json"
"$GM" plan apply "$TMP/broken.json" 2>/dev/null
check_eq "malformed JSON exits 2" 2 "$?"
sed 's/"CNY"/"XYZ"/' "$DOC" >"$TMP/usd.json"
check_match "an unknown currency is rejected" '\$.currency: unknown currency "XYZ"' \
    "$("$GM" plan apply "$TMP/usd.json" 2>&1)"
check_eq "nothing of the rejected documents was stored" "1 1" \
    "$(q "SELECT (SELECT count(*) FROM document WHERE code = 'gpu-2027') || ' ' ||
                 (SELECT count(*) FROM audit_log WHERE key LIKE 'gpu-2027@%')")"

sed 's/"16.80"/"15.80"/' "$DOC" >"$TMP/cheaper.json"
check_eq "diff shows the one changed price" "- \$.gpu_hours.prices[0].unit_price = \"16.80\"
+ \$.gpu_hours.prices[0].unit_price = \"15.80\"" "$("$GM" plan diff "$TMP/cheaper.json" | grep '^[-+]')"
check_eq "dry run changes nothing" "plan gpu-2027 version 2027-01-01: valid, would be replaced" \
    "$("$GM" plan apply "$TMP/cheaper.json" --dry-run)"
GPUMETER_ACTOR=bob "$GM" plan apply "$TMP/cheaper.json" >/dev/null
check_eq "a replacement is audited with the actor from the configuration" \
    "bob|replace|16.80|15.80" \
    "$(q "SELECT actor || '|' || action || '|' || (before #>> '{gpu_hours,prices,0,unit_price}')
          || '|' || (after #>> '{gpu_hours,prices,0,unit_price}')
          FROM audit_log ORDER BY id DESC LIMIT 1")"
sed -e 's/"2027-01-01"/"2027-07-01"/' -e 's/"16.80"/"14.80"/' "$DOC" >"$TMP/july.json"
"$GM" plan apply "$TMP/july.json" >/dev/null
check_eq "versions are listed by effective date" "2027-01-01 2027-07-01" \
    "$("$GM" plan list | awk '$1 == "gpu-2027" {print $2}' | xargs)"
check_match "show --at picks the version in effect" '"unit_price":\s*"15.80"' \
    "$("$GM" plan show gpu-2027 --at 2027-03-31 | tr -d '\n\t')"
check_match "and the later one after its date" '"unit_price":\s*"14.80"' \
    "$("$GM" plan show gpu-2027 --at 2027-07-01 | tr -d '\n\t')"
"$GM" plan show gpu-2027 --at 2026-12-31 >/dev/null 2>&1
check_eq "show before the first version exits 1" 1 "$?"
# Duplicate keys and trailing data (issue 14): jsonb keeps the last of two
# keys while a reader takes the first, so a document with one is refused at
# any depth, with its path; so is anything after the document.
{ sed '$d' "$DOC"; echo ', "gpu_hours": {"prices": [{"model": "H800", "unit_price": "0.01"}]}}'; } \
    >"$TMP/dup.json"
sed '0,/"unit_price": "16.80"/s//"unit_price": "16.80", "unit_price": "0.01"/' "$DOC" >"$TMP/dup2.json"
{ cat "$DOC"; echo '{}'; } >"$TMP/trailing.json"
sed 's/"name": "GPU-hour/"name": "GPU\\u0000-hour/' "$DOC" >"$TMP/nul.json"
printf '{"plan": "x\xff"}' >"$TMP/utf8.json"
for bad in 'dup.json|\$\.gpu_hours: duplicate key' \
    'dup2.json|\$\.gpu_hours\.prices\[0\]\.unit_price: duplicate key' \
    'trailing.json|\$: not valid JSON: unexpected data after the JSON value' \
    'nul.json|\$\.name: not valid JSON: \\u0000 \(NUL\) is not allowed' \
    'utf8.json|\$\.plan: not valid JSON: invalid UTF-8 in string'; do
    err=$("$GM" plan apply "$TMP/${bad%%|*}" 2>&1 >/dev/null)
    check_eq "${bad%%|*} is rejected with exit 2" 2 "$?"
    check_match "naming its path" "^${bad#*|}" "$(echo "$err" | grep '^\$')"
done
check_eq "none of them was stored: H800 stays at 15.80, no new audit row" "15.80 3" \
    "$(q "SELECT (SELECT document #>> '{gpu_hours,prices,0,unit_price}' FROM document
                  WHERE code = 'gpu-2027' AND effective_from = '2027-01-01') || ' ' ||
                 (SELECT count(*) FROM audit_log WHERE key LIKE 'gpu-2027@%')")"
# What is stored is what was validated: the stored text, read back, is the
# same document (the same canonical form and digest).
q "SELECT document::text FROM document WHERE code = 'gpu-2027' AND effective_from = '2027-01-01'" \
    >"$TMP/stored.json"
check_eq "the stored document, applied again, is unchanged" \
    "plan gpu-2027 version 2027-01-01: unchanged" "$("$GM" plan apply "$TMP/stored.json")"
finish
