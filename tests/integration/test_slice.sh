#!/bin/bash
# The end-to-end slice on the real broker and database: collect a month,
# rate it exactly once, invoice it, and check every quantity and amount to
# the fen against the generator's totals; rating and invoicing again change
# nothing; statements equal invoices; malformed messages are set aside.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" collect synthetic --month 2026-10 --seed 7 --jobs 6 --malformed 4 --totals "$TMP/totals.csv"
check_eq "collector succeeds" 0 "$?"
sent=$(topic_messages)
"$GM" rate --until-idle
check_eq "rater succeeds" 0 "$?"
check_counters "consumed = accepted + 0 duplicates + 4 dead letters" "$sent $((sent - 4)) 0 4"
check_eq "each malformed message is a dead letter with its reason" \
    "invalid_quantity|1 malformed_json|1 missing_field|1 unsupported_version|1" \
    "$(q "SELECT string_agg(reason_code || '|' || n, ' ' ORDER BY reason_code)
          FROM (SELECT reason_code, count(*) n FROM dead_letter GROUP BY 1) r")"
check_eq "dead-letter payloads are kept byte for byte" 1 \
    "$(q "SELECT count(*) FROM dead_letter WHERE convert_from(payload, 'UTF8') =
          '{\"v\":1,\"source\":\"synthetic/bad\",\"seq\":'")"
check_eq "the unmapped account's events are parked, each kept" \
    "$(q "SELECT count(*) FROM parked_event WHERE account = 'ns-delta'")" "$(parked)"
if [ "$(parked)" -gt 0 ]; then pass "ns-delta has parked events"; else fail "ns-delta has parked events: expected some, got none"; fi
"$GM" conservation >"$TMP/conservation.out"
check_eq "the conservation command passes" 0 "$?"
check_match "and says so" "conservation: holds" "$(cat "$TMP/conservation.out")"

"$GM" invoice run --period 2026-10 >"$TMP/run.out" 2>"$TMP/run.err"
check_eq "invoice run succeeds" 0 "$?"
check_eq "one draft invoice per customer with usage" 3 "$(q 'SELECT count(*) FROM invoice')"
check_eq "quantities and invoices match the generator to the fen" "mismatches 0" \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"
check_match "parked usage is reported by the invoice run" 'account "ns-delta".*parked.*not billed' \
    "$(GPUMETER_QUIET=0 "$GM" invoice run --period 2026-10 2>&1 >/dev/null)"

list=$("$GM" invoice list --period 2026-10)
check_eq "invoice list shows one draft per customer" "alpha beta gamma" \
    "$(echo "$list" | awk '$4 == "draft" {print $2}' | xargs)"
alpha_total=$(q "SELECT to_char(total / 100.0, 'FM999999990.00') FROM invoice i
                 JOIN customer c ON c.id = i.customer_id WHERE c.code = 'alpha'")
check_match "invoice list shows alpha's total to the fen" "^- +alpha +2026-10 +draft +$alpha_total CNY" \
    "$list"

for c in alpha beta gamma; do
    inv=$(q "SELECT i.total FROM invoice i JOIN customer c ON c.id = i.customer_id
             WHERE c.code = '$c'")
    json=$("$GM" statement --customer "$c" --period 2026-10 --format json)
    check_match "statement json total of $c equals its invoice" "\"total_minor\":$inv," "$json"
    csv_total=$("$GM" statement --customer "$c" --period 2026-10 --format csv | grep '^total,')
    shown=$("$GM" invoice show --customer "$c" --period 2026-10 --format csv | grep '^total,')
    check_eq "statement csv total of $c equals invoice show" "$shown" "$csv_total"
done

"$GM" invoice run --period 2026-11 --customer alpha >/dev/null 2>&1
check_eq "no draft for a customer without usage in the month" 0 \
    "$(q "SELECT count(*) FROM invoice WHERE period = '2026-11-01'")"
out=$("$GM" statement --customer nobody --period 2026-10 2>&1); rc=$?
check_eq "statement of an unknown customer exits 1" 1 "$rc"
check_match "statement of an unknown customer says so" 'unknown customer .nobody.' "$out"
"$GM" invoice show --customer alpha --period 2026-11 >/dev/null 2>&1
check_eq "showing a missing invoice exits 1" 1 "$?"

usage=$(usage_snapshot)
counts=$(counters)
"$GM" rate --until-idle
check_eq "rating again adds no usage" "$usage" "$(usage_snapshot)"
check_counters "rating again consumes nothing" "$counts"
ids=$(q "SELECT string_agg(id || ':' || total, ',' ORDER BY id) FROM invoice")
lines=$(q "SELECT count(*) FROM invoice_line")
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "invoice run again keeps the same invoices" "$ids" \
    "$(q "SELECT string_agg(id || ':' || total, ',' ORDER BY id) FROM invoice")"
check_eq "invoice run again duplicates no line" "$lines" "$(q 'SELECT count(*) FROM invoice_line')"

# The check above must be able to fail: one extra GPU-ms anywhere shows up.
q "UPDATE usage_hourly SET quantity = quantity + 1
   WHERE ctid = (SELECT ctid FROM usage_hourly WHERE account = 'ns-alpha' LIMIT 1)" >/dev/null
check_match "the totals check catches a single extra GPU-ms" 'mismatches [1-9]' \
    "$(totals_mismatches "$TMP/totals.csv" 2026-10)"
finish
