#!/bin/bash
# A bank credit is imported once per (account, bank reference) (schema 033,
# docs/payments.md "Idempotence"): the same credit again posts nothing, but
# another credit under a reference imported before is refused with the
# statement whole, never dropped as "imported before" (schema 040); the
# same holds for a refund's reference (schema 041). One reference on two
# accounts is two credits, each with its own payment.received (schema 043). alpha: January 10 H800
# hours, 168.00 + 10.08 = 178.08; beta 5 hours, 84.00 + 5.04 = 89.04.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
h800_hours ns-beta 2026-01-10T02:00:00Z 5
rate_and_issue 2026-01
inv=$(q "SELECT number FROM invoice WHERE kind = 'invoice' AND customer_id = (SELECT id FROM customer WHERE code = 'alpha')")
head='交易日期,交易流水号,贷方金额,借方金额,对方户名,摘要'
row() { printf '%s,%s,%s,,Alpha AI Ltd,%s\n' "$1" "$2" "$3" "$inv"; }
{ echo "$head"; row 2026-02-01 REF-1 100.00; } >"$TMP/a.csv"
{ echo "$head"; row 2026-02-03 REF-1 78.08; } >"$TMP/b.csv"
{ echo "$head"; row 2026-02-04 REF-2 5.00; row 2026-02-04 REF-2 7.00; } >"$TMP/c.csv"
paid() { q "SELECT paid || '|' || open FROM invoice_open_at(now()) WHERE number = '$inv'"; }

run_gm 0 "the first statement imports" payment import --format csv --account ACC "$TMP/a.csv"
check_eq "100.00 paid, 78.08 open" "10000|7808" "$(paid)"
run_gm 0 "the same statement again" payment import --format csv --account ACC "$TMP/a.csv"
check_match "posts nothing, counted as imported before" '1 imported before' "$out"
check_eq "still 100.00 paid" "10000|7808" "$(paid)"

run_gm 2 "another credit under REF-1 is refused" payment import --format csv --account ACC "$TMP/b.csv"
check_match "naming the reference and both credits" \
    'line 2: bank reference REF-1 was imported before for another credit \(CNY 100.00 booked on 2026-02-01; this one CNY 78.08 booked on 2026-02-03\): not skipped as imported before' "$out"
run_gm 2 "two credits under one reference in one statement are refused" \
    payment import --format csv --account ACC "$TMP/c.csv"
check_match "naming REF-2" 'line 3: bank reference REF-2 was imported before for another credit' "$out"
check_eq "nothing of either posted: one credit, 100.00 paid" "1|10000|7808" \
    "$(q "SELECT count(*) FROM bank_credit")|$(paid)"

# Refunds: beta overpays 100.00 (10.96 credit); its refund under OUT-1 of
# 5.00 posts; the same again posts nothing; beta's refund of 3.00 under
# OUT-1, or another customer's, is another refund and is refused, not
# "refunded before" with nothing posted.
"$GM" payment record --customer beta --amount 100.00 --reference CHQ-B >/dev/null 2>&1
credit() { q "SELECT credit FROM customer_balance b JOIN customer c ON c.id = b.customer_id WHERE c.code = '$1'"; }
check_eq "beta holds 10.96" "1096" "$(credit beta)"
run_gm 0 "beta's refund of 5.00 under OUT-1" payment refund --customer beta --amount 5.00 --reference OUT-1
run_gm 0 "the same refund again" payment refund --customer beta --amount 5.00 --reference OUT-1
check_match "posts nothing" 'OUT-1: refunded before: nothing posted' "$out"
run_gm 2 "another refund of beta's under OUT-1 is refused" payment refund --customer beta --amount 3.00 --reference OUT-1
check_match "naming the refund it was" 'refund reference "OUT-1" was used before for customer beta, 500 CNY' "$out"
"$GM" payment record --customer alpha --amount 78.08 --reference CHQ-A2 --invoice "$inv" >/dev/null 2>&1
"$GM" payment record --customer alpha --amount 10.00 --reference CHQ-A3 >/dev/null 2>&1
check_eq "alpha holds 10.00" "1000" "$(credit alpha)"
run_gm 2 "alpha's refund under beta's OUT-1 is refused" payment refund --customer alpha --amount 10.00 --reference OUT-1
check_match "naming whose it was" 'refund reference "OUT-1" was used before for customer beta, 500 CNY' "$out"
check_eq "beta refunded 5.00 once (5.96 left), alpha nothing (10.00 left)" "596 1000 1" \
    "$(credit beta) $(credit alpha) $(q "SELECT count(*) FROM ledger_txn WHERE kind = 'refund'")"

# Two banks' exports may number their credits alike: 000123 on ICBC-1 is
# alpha's 5.00, on CMB-2 beta's 1.00; each is posted and notified, the
# notification's subject being the credit's account and reference.
{ echo "$head"; printf '2026-02-05,000123,5.00,,Alpha AI Ltd,alpha\n'; } >"$TMP/icbc.csv"
{ echo "$head"; printf '2026-02-05,000123,1.00,,Beta,beta\n'; } >"$TMP/cmb.csv"
run_gm 0 "000123 on ICBC-1" payment import --format csv --account ICBC-1 "$TMP/icbc.csv"
run_gm 0 "000123 on CMB-2" payment import --format csv --account CMB-2 "$TMP/cmb.csv"
check_eq "two payment.received, one per account" "CMB-2/000123|beta|100 ICBC-1/000123|alpha|500" \
    "$(q "SELECT string_agg(concat_ws('|', subject, payload->>'customer', payload->>'amount_minor'), ' '
                            ORDER BY subject)
          FROM outbox WHERE kind = 'payment.received' AND payload->>'bank_ref' = '000123'")"
check_ledger_balanced
# The function billing may call refuses what the command does: a refund
# of -5.00 would credit the customer out of nothing.
refused_as "payment_refund of a negative amount is refused, even called by billing" gpumeter_billing \
    "SELECT payment_refund('alpha', 'CNY', -500, 'NEG-REFUND', 'x')" 'a refund is above 0, not -500'
check_eq "and nothing posted" "0" "$(q "SELECT count(*) FROM ledger_txn WHERE reference = 'NEG-REFUND'")"
finish
