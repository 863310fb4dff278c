#!/bin/bash
# Whose usage is it at the edges (account_window, schema 029):
#  - usage no contract covers, judged across time zones (billing.c's
#    uncovered_sql): an account handed from a customer at UTC+14
#    (Pacific/Kiritimati) to one at UTC-12 (Etc/GMT+12), 26 hours apart.
#    The first hour of November at +14 is 30 October 22:00 at -12: usage
#    the new owner's row covers (its October), so `invoice run --period
#    2026-11` must not call it unbilled. Usage in a real gap still is.
#  - a customer signed from next month for an account its old owner keeps
#    to the end of this one (month.c's uncontracted_sql): this month's
#    usage is the old owner's, so the new customer is not "usage but no
#    contract in effect" and the month's invoice run succeeds.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" customer add kiri --name "Kiri Ltd" --tax-id 91310115MA1H8XKP5N >/dev/null &&
    "$GM" customer add baker --name "Baker Ltd" --tax-id 91310115MA1H8XKP6N >/dev/null ||
    fail "the customers are added"
contract() { # customer zone account-json
    printf '{ "contract": "%s-2026", "customer": "%s", "effective_from": "2026-01-01",
  "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06", "time_zone": "%s",
  "accounts": [ %s ] }\n' "$1" "$1" "$2" "$3" >"$TMP/$1.json"
    "$GM" contract apply "$TMP/$1.json" --actor test >/dev/null
}
# kiri's until 29 October, baker's from the 30th (local days of each): no
# row covers the whole of November, so every hour of it is judged.
contract kiri Pacific/Kiritimati '{ "account": "acct-x", "until": "2026-10-29" }' &&
    contract baker Etc/GMT+12 '{ "account": "acct-x", "from": "2026-10-30", "until": "2026-11-20" }' ||
    fail "the contracts apply"

usage() { # hour (UTC) -> one hour of GPU time of acct-x
    q "SELECT usage_hourly_partitions('$1', '$1'::timestamptz + interval '1 hour')" >/dev/null
    q "INSERT INTO usage_hourly (account, hour, meter, model, vendor, site, cluster, job, quantity,
                                 events, first_ingest, last_ingest)
       VALUES ('acct-x', '$1', 'gpu_ms', 'H800', 'nvidia', 's', 'c', 'j1', 3600000, 1, now(), now())" \
        >/dev/null
}
# 31 October 10:00 UTC: 1 November 00:00 at +14 (kiri's November, its row
# ended), 30 October 22:00 at -12 (baker's row, from the 30th).
usage '2026-10-31T10:00:00Z'
"$GM" invoice run --period 2026-11 >/dev/null 2>"$TMP/run.err"
check_eq "usage the new owner's row covers, 26 hours of zones apart, is not called unbilled" "" \
    "$(grep 'no contract covers' "$TMP/run.err")"

# 21 November 12:00 UTC is after baker's row (to 20 November at -12, so
# 21 November 12:00 UTC) and kiri's: no contract covers it.
usage '2026-11-21T12:00:00Z'
"$GM" invoice run --period 2026-11 >/dev/null 2>"$TMP/run.err"
check_match "usage in a real gap still is" \
    'account "acct-x" has [0-9]+ hourly usage rows in 2026-11 that no contract covers \(jobs: j1\)' \
    "$(cat "$TMP/run.err")"

# zeta signs from December for ns-beta, which beta keeps to 30 November.
sed 's/{ "account": "ns-beta" }/{ "account": "ns-beta", "until": "2026-11-30" }/' \
    "$ROOT/scripts/seed/contract-beta.json" >"$TMP/beta.json"
"$GM" customer add zeta --name "Zeta Ltd" --tax-id 91310115MA1H8XKP7N >/dev/null &&
    "$GM" contract apply "$TMP/beta.json" --actor test >/dev/null &&
    printf '{ "contract": "zeta-2026", "customer": "zeta", "effective_from": "2026-12-01",
  "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06",
  "accounts": [ { "account": "ns-beta", "from": "2026-12-01" } ] }\n' >"$TMP/zeta.json" &&
    "$GM" contract apply "$TMP/zeta.json" --actor test >/dev/null ||
    fail "the hand-over from December applies"
q "INSERT INTO usage_hourly (account, hour, meter, model, vendor, site, cluster, job, quantity,
                             events, first_ingest, last_ingest)
   VALUES ('ns-beta', '2026-11-10T04:00:00Z', 'gpu_ms', 'H800', 'nvidia', 's', 'c', 'j2',
           3600000, 1, now(), now())" >/dev/null
"$GM" invoice run --period 2026-11 >"$TMP/run.out" 2>"$TMP/run.err"
check_eq "the month before a hand-over invoices (exit 0)" 0 "$?"
check_eq "the new customer is not 'usage but no contract in effect' for the old owner's usage" "" \
    "$(grep -i 'zeta' "$TMP/run.err" "$TMP/run.out")"
check_eq "the old owner's invoice bills it" "3600000" \
    "$(q "SELECT sum(l.quantity) FROM invoice i JOIN customer c ON c.id = i.customer_id
          JOIN invoice_line l ON l.invoice_id = i.id
          WHERE c.code = 'beta' AND i.period = '2026-11-01' AND l.meter = 'gpu_ms'")"
finish
