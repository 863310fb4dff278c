#!/bin/bash
# A credit note on an invoice already paid gives the customer its money
# back as a credit balance (schema 042): what it takes off beyond what is
# open moves from the invoice's receivable to customer_credit, so no
# invoice is left below 0 open, the next invoice takes it and a refund can
# pay it back (docs/receivables.md). Hand-computed to the fen: alpha's
# January 10 H800 hours, 168.00 + 10.08 = 178.08, paid whole, then
# credited 10.00 + 0.60 = 10.60; February 3 hours, 50.40 + 3.02 = 53.42.
# beta's January 5 hours, 84.00 + 5.04 = 89.04, paid whole, then voided.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
h800_hours ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
num() { q "SELECT number FROM invoice WHERE kind = 'invoice' AND period = '$2-01'
           AND customer_id = (SELECT id FROM customer WHERE code = '$1')"; }
ja=$(num alpha 2026-01)
jb=$(num beta 2026-01)
state() { q "SELECT concat_ws('|', total, credited, paid, open, state) FROM invoice_state_at(now())
             WHERE number = '$1'"; }
credit() { q "SELECT coalesce(max(b.credit), 0) FROM customer_balance b JOIN customer c
              ON c.id = b.customer_id WHERE c.code = '$1'"; }
"$GM" payment record --customer alpha --amount 178.08 --reference CHQ-A --invoice "$ja" >/dev/null 2>&1
"$GM" payment record --customer beta --amount 89.04 --reference CHQ-B --invoice "$jb" >/dev/null 2>&1
check_eq "both paid whole" "17808|0|17808|0|paid 8904|0|8904|0|paid" "$(state "$ja") $(state "$jb")"

"$GM" invoice credit "$ja" --amount 10.00 --reason 04 >/dev/null 2>&1
check_eq "alpha's January: 10.60 credited, nothing open (not -10.60), paid 167.48 net" \
    "17808|1060|16748|0|paid" "$(state "$ja")"
check_eq "alpha holds the 10.60 as its credit balance" "1060" "$(credit alpha)"

h800_hours ns-alpha 2026-02-10T02:00:00Z 3
rate_and_issue 2026-02
fa=$(num alpha 2026-02)
check_eq "February's 53.42 takes the 10.60: 42.82 open, nothing held" "5342|0|1060|4282|partially_paid 0" \
    "$(state "$fa") $(credit alpha)"

"$GM" invoice void "$jb" --reason "wrong contract" >/dev/null 2>&1
check_eq "beta's paid January is voided" "void" "$(q "SELECT status FROM invoice WHERE number = '$jb'")"
check_eq "void, nothing open (not -89.04), nothing paid net" "8904|8904|0|0|void" "$(state "$jb")"
check_eq "beta holds the 89.04 as its credit balance" "8904" "$(credit beta)"
run_gm 0 "and it can be paid back" payment refund --customer beta --amount 89.04 --reference OUT-B
check_eq "beta holds nothing, owes nothing" "0|0" \
    "$(q "SELECT b.credit || '|' || b.receivable FROM customer_balance b JOIN customer c ON c.id = b.customer_id WHERE c.code = 'beta'")"
check_eq "no invoice is below 0 open" "0" "$(q "SELECT count(*) FROM invoice_open_at(now()) WHERE open < 0")"
check_ledger_balanced
finish
