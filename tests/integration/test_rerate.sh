#!/bin/bash
# A plan correction is a recomputation: rerate reprices the month from the
# rated quantities, refreshes the draft and records what changed; a second
# rerate changes nothing.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
# Sales first applied the H800 at 17.80 by mistake; the seed's 16.80 is right.
sed 's/"16.80"/"17.80"/' "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/wrong.json"
"$GM" plan apply "$TMP/wrong.json" >/dev/null
"$GM" collect synthetic --month 2026-10 --seed 41 --jobs 8 --totals "$TMP/totals.csv"
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
before=$(q "SELECT total FROM invoice i JOIN customer c ON c.id = i.customer_id
            WHERE c.code = 'alpha'")
check_eq "the plan correction replaces the version (drafts only)" "plan gpu-standard version 2026-01-01: replaced" \
    "$("$GM" plan apply "$ROOT/scripts/seed/plan-gpu-standard.json")"
out=$("$GM" rerate --customer alpha --period 2026-10)
check_eq "rerate succeeds" 0 "$?"
check_match "and prints the changed line" "gpu_ms +H800" "$out"
after=$(q "SELECT total FROM invoice i JOIN customer c ON c.id = i.customer_id
           WHERE c.code = 'alpha'")
check_eq "the draft total changed" "t" "$(q "SELECT $after < $before")"
"$GM" rerate --customer beta --period 2026-10 >/dev/null # beta's plan has H800 too
check_eq "the totals check agrees with the new price" "mismatches 0" \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"
check_eq "the rerate is recorded with the old and new totals" "$before $after 1" \
    "$(q "SELECT old_total || ' ' || new_total || ' ' || jsonb_array_length(changes)
          FROM rerate_log ORDER BY id LIMIT 1")"
"$GM" rerate --customer alpha --period 2026-10 >/dev/null
check_eq "a second rerate changes nothing" "$after $after 0" \
    "$(q "SELECT old_total || ' ' || new_total || ' ' || jsonb_array_length(changes)
          FROM rerate_log ORDER BY id DESC LIMIT 1")"
"$GM" rerate --customer alpha >/dev/null 2>&1
check_eq "rerate without --period exits 2" 2 "$?"
finish
