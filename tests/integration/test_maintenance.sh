#!/bin/bash
# Issue 36's documents against PostgreSQL: the operator's maintenance
# document applied, listed, diffed, replaced, versioned and audited; which
# moments its windows exclude (maintenance_excludes, schema 048: scope,
# half-open, the version in effect, the notice rule counted from when
# gpumeter first held a window, maintenance.notice_hours); a bad document
# rejected whole with its paths and nothing stored; least privilege (the
# application's roles read the windows, only maintenance_store writes
# them); a contract with an "sla" applied, shown and refused by path.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null || fail "apply the site"

ex() { # site node device at -> t | f
    q "SELECT maintenance_excludes('$1', nullif('$2', ''), nullif('$3', ''), '$4')"
}
GPU=GPU-5fd0a6e1-3f2c-4a8b-9c71-1e2d3c4b5a69
cat >"$TMP/m1.json" <<JSON
{"maintenance": "lingang-2027", "name": "Lingang 2027", "effective_from": "2027-01-01",
 "windows": [
  {"site": "sh-lingang", "start": "2027-01-10T02:00:00+08:00", "end": "2027-01-10T06:00:00+08:00",
   "announced_at": "2026-12-01T10:00:00+08:00", "reason": "UPS replacement"},
  {"site": "sh-lingang", "node": "gpu-node-07", "start": "2027-01-20T00:00:00Z",
   "end": "2027-01-20T03:00:00Z", "announced_at": "2027-01-18T00:00:00Z", "reason": "BIOS update"},
  {"site": "sh-lingang", "node": "gpu-node-08", "device": "$GPU",
   "start": "2027-01-21T00:00:00Z", "end": "2027-01-21T01:00:00Z",
   "announced_at": "2026-12-20T00:00:00Z", "reason": "reseat"}]}
JSON
run_gm 0 "maintenance apply" maintenance apply "$TMP/m1.json" --actor ops
check_match "maintenance apply: created" "maintenance lingang-2027 version 2027-01-01: created" "$out"
check_match "maintenance apply: warns of the window announced 48 hours ahead" \
    'windows\[1\]: announced 48.0 hours before its start, under the 72 hours of notice' "$out"
check_eq "maintenance apply: its three windows stored" "3" \
    "$(q "SELECT count(*) FROM maintenance_window WHERE code = 'lingang-2027'")"

run_gm 0 "maintenance list" maintenance list
check_eq "maintenance list: every window, scope, UTC times, announced or not, reason" \
    "lingang-2027         2027-01-01  sh-lingang                               2027-01-09T18:00:00Z  2027-01-09T22:00:00Z  announced    UPS replacement
lingang-2027         2027-01-01  sh-lingang/gpu-node-07                   2027-01-20T00:00:00Z  2027-01-20T03:00:00Z  unannounced  BIOS update
lingang-2027         2027-01-01  sh-lingang/gpu-node-08/$GPU 2027-01-21T00:00:00Z  2027-01-21T01:00:00Z  announced    reseat" \
    "$(tail -n +2 <<<"$out")"

# What each window excludes: a site window every node and device of the
# site, from its start up to (not at) its end; a device window that device
# alone; an unannounced window nothing.
check_eq "a site window excludes any device of the site, start included, end not" "t t f f f" \
    "$(ex sh-lingang n1 GPU-x 2027-01-09T18:00:00Z) $(ex sh-lingang n2 '' 2027-01-09T21:59:59Z) \
$(ex sh-lingang n1 GPU-x 2027-01-09T22:00:00Z) $(ex sh-lingang n1 GPU-x 2027-01-09T17:59:59Z) \
$(ex other-site n1 GPU-x 2027-01-09T19:00:00Z)"
check_eq "a device window excludes that device only" "t f f" \
    "$(ex sh-lingang gpu-node-08 "$GPU" 2027-01-21T00:30:00Z) \
$(ex sh-lingang gpu-node-08 GPU-other 2027-01-21T00:30:00Z) \
$(ex sh-lingang gpu-node-09 "$GPU" 2027-01-21T00:30:00Z)"
check_eq "an unannounced node window (48 of 72 hours' notice) excludes nothing" "f" \
    "$(ex sh-lingang gpu-node-07 GPU-x 2027-01-20T01:00:00Z)"

run_gm 0 "the same document again" maintenance apply "$TMP/m1.json" --actor ops
check_match "the same document again: unchanged" "version 2027-01-01: unchanged" "$out"
check_eq "one audit row: created by ops" "maintenance|lingang-2027@2027-01-01|ops|create" \
    "$(q "SELECT string_agg(object || '|' || key || '|' || actor || '|' || action, ' ' ORDER BY id)
          FROM audit_log WHERE object = 'maintenance'")"

# Replacing the version: the node window announced earlier, a window more.
recorded=$(q "SELECT recorded_at FROM maintenance_window WHERE code = 'lingang-2027' AND idx = 0")
sed -e 's|"announced_at": "2027-01-18T00:00:00Z"|"announced_at": "2027-01-10T00:00:00Z"|' \
    -e 's|"reason": "reseat"}]}|"reason": "reseat"},\n  {"site": "sh-lingang", "node": "gpu-node-09", "start": "2027-01-25T00:00:00Z", "end": "2027-01-25T02:00:00Z", "announced_at": "2027-01-02T00:00:00Z", "reason": "cooling"}]}|' \
    "$TMP/m1.json" >"$TMP/m2.json"
run_gm 0 "maintenance diff" maintenance diff "$TMP/m2.json"
check_eq "maintenance diff: what goes and what comes" \
    "maintenance lingang-2027: $TMP/m2.json against version 2027-01-01
- \$.windows[1].announced_at = \"2027-01-18T00:00:00Z\"
+ \$.windows[1].announced_at = \"2027-01-10T00:00:00Z\"
+ \$.windows[3].site = \"sh-lingang\"
+ \$.windows[3].node = \"gpu-node-09\"
+ \$.windows[3].start = \"2027-01-25T00:00:00Z\"
+ \$.windows[3].end = \"2027-01-25T02:00:00Z\"
+ \$.windows[3].announced_at = \"2027-01-02T00:00:00Z\"
+ \$.windows[3].reason = \"cooling\"" "$out"
run_gm 0 "maintenance apply: a replacement" maintenance apply "$TMP/m2.json" --actor ops2
check_match "a replacement: replaced" "version 2027-01-01: replaced" "$out"
check_eq "a replacement: audited with before and after" "replace|ops2|2027-01-18T00:00:00Z|2027-01-10T00:00:00Z" \
    "$(q "SELECT action || '|' || actor || '|' || (before->'windows'->1->>'announced_at') || '|' ||
                 (after->'windows'->1->>'announced_at')
          FROM audit_log WHERE object = 'maintenance' ORDER BY id DESC LIMIT 1")"
check_eq "a replacement: four windows, the node window now announced" "4 true" \
    "$(q "SELECT count(*) || ' ' || bool_or(idx = 1 AND maintenance_announced(m))
          FROM maintenance_window m WHERE code = 'lingang-2027'")"
check_eq "a window held before keeps when gpumeter first held it" "$recorded" \
    "$(q "SELECT recorded_at FROM maintenance_window WHERE code = 'lingang-2027' AND idx = 0")"

# A later version governs from its day: before it, the first version's
# windows; from it, its own.
cat >"$TMP/m3.json" <<JSON
{"maintenance": "lingang-2027", "effective_from": "2027-01-15",
 "windows": [{"site": "sh-lingang", "node": "gpu-node-09", "start": "2027-01-26T00:00:00Z",
   "end": "2027-01-26T02:00:00Z", "announced_at": "2027-01-02T00:00:00Z", "reason": "cooling, moved"}]}
JSON
run_gm 0 "maintenance apply: a new version" maintenance apply "$TMP/m3.json" --actor ops
check_match "a new version: created" "maintenance lingang-2027 version 2027-01-15: created" "$out"
check_eq "each version governs its own days" "t f t" \
    "$(ex sh-lingang n1 GPU-x 2027-01-09T19:00:00Z) $(ex sh-lingang gpu-node-09 GPU-x 2027-01-25T01:00:00Z) \
$(ex sh-lingang gpu-node-09 GPU-x 2027-01-26T01:00:00Z)"
run_gm 0 "maintenance show --at" maintenance show lingang-2027 --at 2027-01-10
check_match "maintenance show --at: the version in effect that day" '"reason":[[:space:]]*"UPS replacement"' "$out"

# An announcement counts from when gpumeter first held the window: one
# announced "a month ago" but applied a day before it starts is late.
start=$(date -u -d "+24 hours" +%FT%H:00:00Z)
end=$(date -u -d "+26 hours" +%FT%H:00:00Z)
today=$(date -u +%F)
cat >"$TMP/late.json" <<JSON
{"maintenance": "urgent", "effective_from": "$today",
 "windows": [{"site": "sh-lingang", "start": "$start", "end": "$end",
   "announced_at": "$(date -u -d '-30 days' +%FT%TZ)", "reason": "fan swap"}]}
JSON
run_gm 0 "a window applied a day before it starts" maintenance apply "$TMP/late.json"
check_match "a window applied a day before it starts: warned, naming the moment the notice counts from" \
    'windows\[0\]: first held by gpumeter 2[34]\.[0-9] hours before its start \(notice counts from then, not from announced_at\), under the 72 hours' "$out"
check_eq "a window applied a day before it starts excludes nothing" "f" \
    "$(ex sh-lingang n1 GPU-x "$(date -u -d "$start + 1 hour" +%FT%TZ)")"
# A window recorded after it happened (a new operator catching up on an
# outage): the warning says after, not a negative number of hours before.
cat >"$TMP/past.json" <<JSON
{"maintenance": "past", "effective_from": "$(date -u -d '-10 days' +%F)",
 "windows": [{"site": "sh-lingang", "start": "$(date -u -d '-5 days' +%FT%H:00:00Z)",
   "end": "$(date -u -d '-5 days + 2 hours' +%FT%H:00:00Z)",
   "announced_at": "$(date -u -d '-9 days' +%FT%TZ)", "reason": "PSU swap"}]}
JSON
run_gm 0 "a window recorded after it happened" maintenance apply "$TMP/past.json"
check_match "a window recorded after it happened: warned as after its start" \
    'windows\[0\]: first held by gpumeter 1[12][0-9]\.[0-9] hours after its start \(notice counts from then, not from announced_at\), under the 72 hours' "$out"
check_eq "a window recorded after it happened: no negative hours" "" "$(grep -o 'announced -[0-9.]* hours' <<<"$out")"
cat >"$TMP/after.json" <<JSON
{"maintenance": "after", "effective_from": "$(date -u -d '+1 days' +%F)",
 "windows": [{"site": "sh-lingang", "start": "$(date -u -d '+10 days' +%F)T00:00:00Z",
   "end": "$(date -u -d '+10 days' +%F)T02:00:00Z",
   "announced_at": "$(date -u -d '+10 days' +%F)T03:00:00Z", "reason": "announced late"}]}
JSON
run_gm 0 "a window whose announced_at is after its start" maintenance apply "$TMP/after.json"
check_match "a window whose announced_at is after its start: announced 3.0 hours after" \
    'windows\[0\]: announced 3\.0 hours after its start, under the 72 hours' "$out"
# ... unless the operator's notice is shorter (maintenance.notice_hours)
sed -e 's|"urgent"|"urgent-12h"|' "$TMP/late.json" >"$TMP/late12.json"
echo "maintenance.notice_hours = 12" >>"$GPUMETER_CONFIG"
run_gm 0 "under 12 hours of notice" maintenance apply "$TMP/late12.json"
check_eq "under 12 hours of notice: no warning" "maintenance urgent-12h version $today: created" "$out"
check_eq "under 12 hours of notice: no warning, the window stored with its notice" "12:00:00 true" \
    "$(q "SELECT notice || ' ' || maintenance_announced(m) FROM maintenance_window m WHERE code = 'urgent-12h'")"
sed -i '$d' "$GPUMETER_CONFIG"

# A bad document is rejected whole, every problem with its path.
docs=$(q "SELECT count(*) FROM document")
rows=$(q "SELECT count(*) FROM maintenance_window")
cat >"$TMP/bad.json" <<JSON
{"maintenance": "lingang-2027", "effective_from": "2027-02-01",
 "windows": [{"site": "sh-lingang", "start": "2027-02-03T00:00:00Z", "end": "2027-02-02T00:00:00Z",
   "announced_at": "2027-01-01T00:00:00Z", "reason": "backwards"},
  {"site": "sh-lingang", "device": "$GPU", "start": "2027-02-03T00:00:00", "end": "2027-02-04T00:00:00Z",
   "announced_at": "2027-01-01T00:00:00Z", "reason": "no node, no zone"}]}
JSON
run_gm 2 "a bad document" maintenance apply "$TMP/bad.json"
check_match "a bad document: rejected whole" "rejected: 3 problems, nothing applied" "$out"
check_match "a bad document: end before start" '\$\.windows\[0\]\.end: must be after start' "$out"
check_match "a bad document: a device without its node" '\$\.windows\[1\]\.device: a device is named with its node' "$out"
check_match "a bad document: a time without its zone" '\$\.windows\[1\]\.start: must be an RFC 3339 time with its zone' "$out"
sed 's|"site": "sh-lingang", "start": "2027-02-03T00:00:00Z", "end": "2027-02-02T00:00:00Z"|"site": "nowhere", "start": "2027-02-01T00:00:00Z", "end": "2027-02-02T00:00:00Z"|; s|"device": "[^"]*", ||; s|"2027-02-03T00:00:00"|"2027-02-03T00:00:00Z"|' \
    "$TMP/bad.json" >"$TMP/nosite.json"
run_gm 2 "a window of an unknown site" maintenance apply "$TMP/nosite.json"
check_match "a window of an unknown site: named" '\$\.windows\[0\]\.site: unknown site "nowhere" \(gpumeter site apply\)' "$out"
check_eq "nothing stored by the rejected documents" "$docs $rows" \
    "$(q "SELECT count(*) FROM document") $(q "SELECT count(*) FROM maintenance_window")"
sed 's|"lingang-2027"|"dry"|' "$TMP/m1.json" >"$TMP/dry.json"
run_gm 0 "maintenance apply --dry-run" maintenance apply "$TMP/dry.json" --dry-run
check_match "--dry-run: valid, would be created" "maintenance dry version 2027-01-01: valid, would be created" "$out"
check_eq "--dry-run stores nothing" "$docs $rows" \
    "$(q "SELECT count(*) FROM document") $(q "SELECT count(*) FROM maintenance_window")"
run_gm 2 "a bad flag" maintenance list --colour

# Least privilege: the roles read, only maintenance_store writes.
for role in gpumeter_api gpumeter_billing gpumeter_rater; do
    check_eq "$role reads the windows" "9" "$(as $role "SELECT count(*) FROM maintenance_window")"
done
refused_as "billing cannot insert a window but through maintenance_store" gpumeter_billing \
    "INSERT INTO maintenance_window SELECT * FROM maintenance_window LIMIT 1" "permission denied"
refused_as "billing cannot change a window" gpumeter_billing \
    "UPDATE maintenance_window SET announced_at = '2000-01-01'" "permission denied"
refused_as "billing cannot delete a window" gpumeter_billing \
    "DELETE FROM maintenance_window" "permission denied"
refused_as "the API cannot store windows" gpumeter_api \
    "SELECT maintenance_store('lingang-2027', '2027-01-01', 0)" "permission denied for function"
refused_as "the rater cannot store windows" gpumeter_rater \
    "SELECT maintenance_store('lingang-2027', '2027-01-01', 0)" "permission denied for function"

# A contract's SLA terms: applied, shown, and refused by path.
run_gm 0 "a contract with sla" contract apply /dev/stdin <<<"$(sed 's|"accounts"|"sla": {"measured": "reserved", "reserved": [{"site": "sh-lingang", "node": "gpu-node-07"}], "target": "99.5", "tiers": [{"below": "99.5", "credit": "10"}, {"below": "99.0", "credit": "25"}], "cap": "30", "excludes": ["maintenance", "customer_caused"]}, "accounts"|' "$ROOT/scripts/seed/contract-alpha.json")"
check_match "a contract with sla: replaced" "contract alpha-2026 version 2026-01-01: replaced" "$out"
run_gm 0 "contract show" contract show alpha-2026
check_match "contract show prints the sla" '"tiers":[[:space:]]*\[\{
[[:space:]]*"below":[[:space:]]*"99.5",
[[:space:]]*"credit":[[:space:]]*"10"' "$out"
check_eq "the sla audited" "replace|99.5|30" \
    "$(q "SELECT action || '|' || (after->'sla'->>'target') || '|' || (after->'sla'->>'cap')
          FROM audit_log WHERE object = 'contract' ORDER BY id DESC LIMIT 1")"
out=$(seed_contract_with alpha '"sla": {"measured": "reserved", "target": "99.5", "tiers": [{"below": "99.0", "credit": "10"}, {"below": "99.0", "credit": "25"}], "commitment_shrink": true}')
check_match "a bad sla: a bound not strictly decreasing" '\$\.sla\.tiers\[1\]\.below: must be below tiers\[0\]\.below' "$out"
check_match "a bad sla: a shrink without a commitment" '\$\.sla\.commitment_shrink: the contract has no commitment to shrink' "$out"
# A reserved device at a site gpumeter does not know would never be
# metered, nor its customer credited: refused by path, each site once.
out=$(seed_contract_with alpha '"sla": {"measured": "reserved", "reserved": [{"site": "sh-lingang"}, {"site": "sh-lingagn", "node": "gpu-node-2l"}, {"site": "sh-lingagn", "node": "gpu-node-22"}], "target": "99.5", "tiers": [{"below": "99.5", "credit": "10"}]}')
check_match "a reserved site that does not exist: refused at its first entry" \
    '\$\.sla\.reserved\[1\]\.site: unknown site "sh-lingagn" \(gpumeter site apply\)' "$out"
check_eq "and named once" "1" "$(grep -c 'unknown site' <<<"$out")"
check_eq "a bad sla: the stored contract keeps its cap" "30" \
    "$(q "SELECT document->'sla'->>'cap' FROM document WHERE kind = 'contract' AND code = 'alpha-2026'")"
finish
