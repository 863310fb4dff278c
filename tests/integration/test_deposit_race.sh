#!/bin/bash
# A deposit applied to an invoice while the customer's payment of it is
# posted (schema 039): both take the customer's money lock, so the second
# reads what the first applied, and the invoice is never paid twice. beta:
# 5 H800 hours in January, 84.00 + 6% = 89.04; a deposit of 300.00 held.
# The deposit is applied to the whole 89.04 in a transaction that is held
# open for 3 seconds; meanwhile a cheque of 89.04 is recorded for the same
# invoice. Expected: the deposit pays it (89.04), the cheque waits and,
# nothing being open, becomes beta's credit balance (89.04); the invoice
# is paid, 0 open; the deposit holds 300.00 - 89.04 = 210.96.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
seed_contract_with beta '"deposit": {"amount": "300.00", "apply": "on_default"}' >/dev/null
h800_hours ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
"$GM" deposit receive --customer beta --amount 300.00 --reference DEP-1 --date 2026-01-05 >/dev/null 2>&1
beta=$(q "SELECT id FROM customer WHERE code = 'beta'")
inv=$(q "SELECT number FROM invoice WHERE customer_id = $beta AND kind = 'invoice'")
invid=$(q "SELECT id FROM invoice WHERE number = '$inv'")
check_eq "beta's January is 89.04 open, 300.00 deposit held" "8904|30000" \
    "$(q "SELECT open || '|' || (SELECT deposit FROM customer_balance WHERE customer_id = $beta)
          FROM invoice_open_at(now()) WHERE number = '$inv'")"

as gpumeter_billing "BEGIN; SELECT ledger_apply_deposit($beta, $invid, NULL, 'race');
                     SELECT pg_sleep(3); COMMIT;" >"$TMP/apply.out" &
applying=$!
sleep 1
"$GM" payment record --customer beta --amount 89.04 --reference CHQ-RACE --invoice "$inv" \
    >"$TMP/record.out" 2>&1
check_eq "the cheque is recorded" "0" "$?"
wait $applying
check_eq "the deposit applied 89.04" "8904" "$(head -1 "$TMP/apply.out")"
check_eq "the invoice is paid once: paid 89.04, 0 open; the cheque is beta's credit, the deposit 210.96" \
    "paid|8904|0|8904|21096|0" \
    "$(q "SELECT s.state || '|' || s.paid || '|' || s.open || '|' || b.credit || '|' || b.deposit
                 || '|' || b.receivable
          FROM invoice_state_at(now()) s JOIN customer_balance b ON b.customer_id = s.customer_id
          WHERE s.number = '$inv'")"
check_ledger_balanced
finish
