#!/bin/bash
# What a compute voucher claims of an invoice is its program's debt
# (voucher_claim), never the customer's (docs/receivables.md): a credit
# balance pays the next invoice as it is issued (schema 033's
# ledger_post_invoice_credit) only its due, and the credit limit's
# exposure counts a month not yet issued at its due (billing/credit_limit.c),
# as the receivable will be. Hand-computed to the fen.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" customer add fx --name "Fx Compute" >/dev/null
cat >"$TMP/plan.json" <<'JSON'
{"plan": "fx-2026", "name": "Fx 2026", "currency": "CNY", "effective_from": "2026-01-01",
 "gpu_hours": {"prices": [{"model": "H800", "unit_price": "16.80"}]}}
JSON
cat >"$TMP/contract.json" <<'JSON'
{"contract": "fx-2026", "customer": "fx", "effective_from": "2026-01-01",
 "plan": "fx-2026", "currency": "CNY", "tax_rate": "0.06", "accounts": [{"account": "ns-fx"}],
 "credit_limit": {"amount": "1000.00", "thresholds": [50, 80, 100]}}
JSON
cat >"$TMP/v.json" <<'JSON'
{"voucher": "a-1", "program": "after-fx", "customer": "fx", "currency": "CNY",
 "face_value": "100000.00", "coverage": "0.20", "priority": 1, "valid_from": "2026-04-01",
 "valid_until": "2030-12-31", "eligible": {"meters": ["gpu_hours"]}}
JSON
"$GM" plan apply "$TMP/plan.json" >/dev/null && "$GM" contract apply "$TMP/contract.json" >/dev/null &&
    "$GM" voucher issue "$TMP/v.json" >/dev/null
check_eq "plan, contract and voucher are applied" 0 "$?"

h800_hours ns-fx 2026-03-10T02:00:00Z 5
h800_hours ns-fx 2026-04-10T02:00:00Z 10
"$GM" rate --until-idle 2>/dev/null
for m in 03 04; do "$GM" invoice run --period 2026-$m >/dev/null 2>&1; done
# March: 5 h x 16.80 = 84.00 + 6% 5.04 = 89.04, no voucher yet. Paid
# 500.00: 89.04 to March, 410.96 the customer's credit balance.
"$GM" invoice issue --period 2026-03 >/dev/null 2>&1
"$GM" payment record --customer fx --amount 500.00 --reference CHQ-0001 >/dev/null 2>&1
check_eq "March is paid, 410.96 held as credit" "0|41096" \
    "$(q "SELECT (SELECT open FROM invoice_open_at(now()) WHERE period = '2026-03-01') || '|' ||
                 (SELECT credit FROM customer_balance b JOIN customer c ON c.id = b.customer_id
                  WHERE c.code = 'fx')")"
# April: 10 h x 16.80 = 168.00 + 10.08 = 178.08; the after-tax voucher
# claims 20% of 178.08 = 35.616 -> 35.62; the customer owes 142.46.
check_eq "April's total, claimed and due" "17808|3562|14246" \
    "$(q "SELECT total || '|' || claimed || '|' || due FROM invoice WHERE period = '2026-04-01'")"
"$GM" invoice issue --period 2026-04 >/dev/null 2>&1
# Issued, the credit pays its due, 142.46: nothing open (not -35.62), and
# 410.96 - 142.46 = 268.50 still held.
check_eq "April: the credit balance pays its due, 142.46, and no more" \
    "application|14246|0|paid|26850" \
    "$(q "SELECT t.kind || '|' || -e.amount_minor || '|' || s.open || '|' || s.state || '|' ||
                 (SELECT credit FROM customer_balance b WHERE b.customer_id = s.customer_id)
          FROM invoice_state_at(now()) s
          JOIN ledger_entry e ON e.invoice_id = s.invoice_id AND e.account = 'receivable'
          JOIN ledger_txn t ON t.id = e.txn_id AND t.kind = 'application'
          WHERE s.period = '2026-04-01'")"

# This month, not yet invoiced: 10 h, 168.00 + 10.08 = 178.08, the voucher
# claims 35.62, the customer will owe 142.46. Exposure: nothing open,
# 142.46 unbilled, less the 268.50 prepaid: -126.04 (not 178.08 - 268.50).
hour=$(q "SELECT to_char(greatest(date_trunc('hour', now()) - interval '1 hour',
                                  date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')
                         AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
month=$(q "SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')")
h800_hours ns-fx "$hour" 10
"$GM" rate --until-idle 2>/dev/null
check_eq "this month's statement: total 178.08, claimed 35.62, due 142.46" "17808|3562|14246" \
    "$("$GM" statement --customer fx --period "$month" --format json | jq -r '"\(.total_minor)|\(.claimed_minor)|\(.due_minor)"')"
run_gm 0 "credit show fx" credit show fx
check_eq "the exposure counts this month at its due" "unbilled 142.46 CNY|prepaid 268.50 CNY|exposure -126.04 CNY" \
    "$(tr -s ' ' <<<"$out" | grep -E '^(unbilled|prepaid|exposure) ' | paste -sd '|')"
check_ledger_balanced
# Issuing reads its own invoice's open amount, not every issued invoice's
# (schema 068): the definition is inlined into the trigger's query, so the
# filter on the invoice reaches the index. A Function Scan is the whole set.
plan=$(q "SET enable_seqscan = off; EXPLAIN SELECT coalesce(max(o.open), 0)
          FROM invoice_open_rows(now()) o WHERE o.invoice_id = 1")
check_eq "one invoice's open amount is read through the invoice's key" "inlined, by key" \
    "$(grep -q 'Function Scan' <<<"$plan" && echo "a Function Scan" || echo inlined), $(grep -q 'invoice_pkey' <<<"$plan" && echo "by key" || echo "not by key")"
finish
