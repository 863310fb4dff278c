#!/bin/bash
# Deposits (issue 34, deliverable 5; schema 034, docs/receivables.md
# "Deposits") on the real broker and database, every ledger hand-computed
# to the fen: a deposit received posts once per bank reference; a contract
# whose deposit applies to invoices has it applied at issue (alpha: all of
# January, February only in part); one held "on_default" is not (beta);
# applying more than open or held is refused; ledger_apply_deposit (the
# default path's) applies; a refund is refused while an invoice is past
# due or beyond what is held, and posts once; bad flags exit 2 naming
# them; the contract's deposit and credit limit are validated; debits equal
# credits after all of it.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
alpha=$(q "SELECT id FROM customer WHERE code = 'alpha'")
beta=$(q "SELECT id FROM customer WHERE code = 'beta'")
# Every deposit posting, oldest first: kind|reference|account:amount,...
postings() { # customer-id
    q "SELECT string_agg(t.kind || '|' || t.reference || '|' || x.e, ' ' ORDER BY t.id)
       FROM ledger_txn t, LATERAL (SELECT string_agg(e.account || ':' || e.amount_minor, ',' ORDER BY e.line_no) e
                                   FROM ledger_entry e WHERE e.txn_id = t.id) x
       WHERE t.customer_id = $1 AND t.kind IN ('deposit', 'application', 'refund')"
}
held() { q "SELECT deposit FROM customer_balance WHERE customer_id = $1"; }
open_of() { q "SELECT open FROM invoice_open_at(now()) WHERE number = '$1'"; }

# The contract's deposit and credit limit, validated as "JSON path: reason".
out=$(seed_contract_with alpha '"deposit": {"amount": "500.00", "apply": "monthly"}')
check_match "names \$.deposit.apply" '\$\.deposit\.apply: must be "invoices" or "on_default"' "$out"
out=$(seed_contract_with alpha '"deposit": {"amount": "0", "apply": "invoices", "held": 1}')
check_match "a deposit of 0 is refused" '\$\.deposit\.amount: must be above 0' "$out"
check_match "an unknown deposit member is refused" '\$\.deposit.*held' "$out"
out=$(seed_contract_with alpha '"credit_limit": {"amount": "1000.00", "thresholds": [50, 50, 1001]}')
check_match "thresholds must ascend" '\$\.credit_limit\.thresholds\[1\]: thresholds must be ascending: 50 after 50' "$out"
check_match "a threshold above 1000% is refused" '\$\.credit_limit\.thresholds\[2\]' "$out"
out=$(seed_contract_with alpha '"credit_limit": {"amount": "1000.00"}')
check_match "thresholds are required" '\$\.credit_limit\.thresholds' "$out"
check_eq "none of those was applied: alpha's contract has neither" "0" \
    "$(q "SELECT count(*) FROM document WHERE customer = 'alpha' AND (document ? 'deposit' OR document ? 'credit_limit')")"

# alpha's deposit applies to invoices, beta's is held until default.
seed_contract_with alpha '"deposit": {"amount": "250.00", "apply": "invoices"}, "credit_limit": {"amount": "1000.00", "thresholds": [50, 80, 100]}' >/dev/null
check_eq "alpha's contract with a deposit applied to invoices is applied" "invoices" \
    "$(q "SELECT document->'deposit'->>'apply' FROM contract_in_effect('2026-01-01') WHERE customer = 'alpha'")"
seed_contract_with beta '"deposit": {"amount": "300.00", "apply": "on_default"}' >/dev/null
check_eq "beta's, held on default" "on_default" \
    "$(q "SELECT document->'deposit'->>'apply' FROM contract_in_effect('2026-01-01') WHERE customer = 'beta'")"

# Bad flags exit 2 naming them; nothing posts.
run_gm 2 "an amount with three decimals" deposit receive --customer alpha --amount 1.234 --reference B
check_match "names --amount and its decimals" '--amount "1.234" has too many decimals: at most 2' "$out"
run_gm 2 "a negative amount" deposit receive --customer alpha --amount -5 --reference B
check_match "names --amount" '--amount "-5" is not a plain decimal' "$out"
run_gm 2 "an amount of 0" deposit receive --customer alpha --amount 0 --reference B
check_match "names --amount" '--amount "0" is not above 0' "$out"
run_gm 2 "no bank reference" deposit receive --customer alpha --amount 5
check_match "names --reference" '--reference is required' "$out"
run_gm 2 "a day in the future" deposit receive --customer alpha --amount 5 --reference B --date 2999-01-01
check_match "names --date" '--date 2999-01-01 is in the future' "$out"
run_gm 2 "a day that is no day" deposit receive --customer alpha --amount 5 --reference B --date 2026-02-30
run_gm 2 "a customer that is no code" deposit receive --customer 'Alpha;' --amount 5 --reference B
run_gm 1 "an unknown customer" deposit receive --customer nobody --amount 5 --reference B
check_match "says so" 'unknown customer .nobody.' "$out"
run_gm 2 "apply: an invoice number that is no number" deposit apply --customer alpha --invoice "x' OR 1=1"
run_gm 2 "an unknown flag" deposit refund --customer alpha --amount 5 --reference B --force
check_eq "nothing posted" "0" "$(q "SELECT count(*) FROM ledger_txn")"

# Received: alpha 250.00 (BANK-D1), beta 300.00 (BANK-D2), each once.
run_gm 0 "alpha's deposit received" deposit receive --customer alpha --amount 250.00 --reference BANK-D1 --actor finance-li
check_eq "it says what was received and what is held" "alpha: received 250.00 CNY (BANK-D1); deposit held 250.00 CNY" "$out"
run_gm 0 "the same receipt again is no new posting" deposit receive --customer alpha --amount 250.00 --reference BANK-D1
check_eq "and says so" "alpha: already received 250.00 CNY (BANK-D1); deposit held 250.00 CNY" "$out"
run_gm 1 "another receipt under a used bank reference is refused" deposit receive --customer beta --amount 300 --reference BANK-D1
check_match "naming the reference" 'bank reference "BANK-D1" was received already' "$out"
run_gm 0 "beta's deposit received, on a past day" deposit receive --customer beta --amount 300 --reference BANK-D2 --date 2026-01-05
check_eq "beta's receipt posts at the start of its local day" "2026-01-05 00:00:00" \
    "$(q "SELECT to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') FROM ledger_txn WHERE reference = 'BANK-D2'")"
check_eq "alpha: cash +250.00, deposit -250.00, once" "deposit|BANK-D1|cash:25000,deposit:-25000" "$(postings "$alpha")"
check_eq "the receipt is audited with its actor" "finance-li|deposit|alpha|receive|BANK-D1|25000" \
    "$(q "SELECT concat_ws('|', actor, object, key, action, after->>'reference', after->>'amount_minor')
          FROM audit_log WHERE object = 'deposit' AND after->>'reference' = 'BANK-D1'")"

# January: alpha 10 H800 hours, 168.00 + 6% = 178.08, all from the
# deposit (250.00 -> 71.92 held); beta 5 hours, 84.00 + 5.04 = 89.04, its
# deposit held (on_default), the invoice open whole.
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
h800_hours ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
inv1=$(q "SELECT number FROM invoice WHERE kind = 'invoice' AND customer_id = $alpha AND period = '2026-01-01'")
invb=$(q "SELECT number FROM invoice WHERE kind = 'invoice' AND customer_id = $beta AND period = '2026-01-01'")
check_eq "January issued: alpha 178.08, beta 89.04" "17808 8904" \
    "$(q "SELECT total FROM invoice WHERE number = '$inv1'") $(q "SELECT total FROM invoice WHERE number = '$invb'")"
check_eq "alpha's deposit was applied to its invoice at issue: deposit +178.08, receivable -178.08" \
    "deposit|BANK-D1|cash:25000,deposit:-25000 application|$inv1|deposit:17808,receivable:-17808" "$(postings "$alpha")"
check_eq "in the issuing transaction, by the issuing role" "true|gpumeter_billing" \
    "$(q "SELECT (t.at = i.issued_at) || '|' || t.actor FROM ledger_txn t JOIN invoice i ON i.number = t.reference
          WHERE t.kind = 'application'")"
check_eq "alpha's January is paid: open 0; 71.92 held" "0 7192" "$(open_of "$inv1") $(held "$alpha")"
check_eq "invoice_open_at counts the deposit as paid" "17808" \
    "$(q "SELECT paid FROM invoice_open_at(now()) WHERE number = '$inv1'")"
check_eq "beta's on_default deposit is not applied at issue: open 89.04, 300.00 held" "8904 30000" \
    "$(open_of "$invb") $(held "$beta")"

# February: alpha 5 hours, 89.04; the 71.92 held goes to it, 17.12 open.
h800_hours ns-alpha 2026-02-10T02:00:00Z 5
rate_and_issue 2026-02
inv2=$(q "SELECT number FROM invoice WHERE kind = 'invoice' AND customer_id = $alpha AND period = '2026-02-01'")
check_eq "February's invoice takes what is held, only in part: 71.92 of 89.04" \
    "application|$inv2|deposit:7192,receivable:-7192" "$(postings "$alpha" | tr ' ' '\n' | tail -n 1)"
check_eq "17.12 open, nothing held" "1712 0" "$(open_of "$inv2") $(held "$alpha")"

# Applying by hand: never more than open, nor more than held.
run_gm 1 "applying more than beta's invoice's open amount is refused" deposit apply --customer beta --invoice "$invb" --amount 100.00
check_match "and says why" "is more than its open amount, 8904" "$out"
run_gm 0 "alpha receives 10.00 more" deposit receive --customer alpha --amount 10 --reference BANK-D3
run_gm 1 "applying more than alpha holds is refused" deposit apply --customer alpha --invoice "$inv2" --amount 17.12
check_match "and says why" "is more than the deposit held, 1000" "$out"
run_gm 1 "another customer's invoice is refused" deposit apply --customer alpha --invoice "$invb"
check_match "as no invoice of alpha's" "customer \"alpha\" has no issued invoice numbered \"$invb\"" "$out"
run_gm 0 "applying without an amount takes what is held" deposit apply --customer alpha --invoice "$inv2" --actor finance-li
check_eq "and says so" "alpha: applied 10.00 CNY to $inv2; deposit held 0.00 CNY" "$out"
check_eq "7.12 open, nothing held" "712 0" "$(open_of "$inv2") $(held "$alpha")"
run_gm 0 "applying with nothing held applies nothing" deposit apply --customer alpha --invoice "$inv2"
check_match "and says so" "nothing applied to $inv2" "$out"
check_eq "the application is audited" "finance-li|apply|$inv2|1000" \
    "$(q "SELECT concat_ws('|', actor, action, after->>'invoice', after->>'amount_minor') FROM audit_log
          WHERE object = 'deposit' AND action = 'apply'")"

# The default path's function, as billing: 50.00 of beta's deposit to its
# invoice (89.04 -> 39.04 open, 300.00 -> 250.00 held); not the API's.
binv=$(q "SELECT id FROM invoice WHERE number = '$invb'")
check_eq "ledger_apply_deposit applies 50.00 and returns it" "5000" \
    "$(as gpumeter_billing "SELECT ledger_apply_deposit($beta, $binv, 5000, 'default test')")"
check_eq "3904 open, 250.00 held" "3904 25000" "$(open_of "$invb") $(held "$beta")"
refused_as "ledger_apply_deposit refuses more than open" gpumeter_billing \
    "SELECT ledger_apply_deposit($beta, $binv, 3905, 'x')" 'more than its open amount, 3904'
refused_as "and an invoice of another customer" gpumeter_billing \
    "SELECT ledger_apply_deposit($alpha, $binv, 1, 'x')" "no issued invoice $binv of customer $alpha"
refused_as "the API may not apply a deposit" gpumeter_api \
    "SELECT ledger_apply_deposit($beta, $binv, 1, 'x')" 'permission denied for function'
refused_as "nor receive one" gpumeter_api \
    "SELECT deposit_receive($beta, 1, 'x', 'x', now())" 'permission denied for function'

# Refunds: refused while an invoice is past due (beta's made 10 days past
# due here: its due day is set by hand, triggers off, as terms would set
# it), refused beyond what is held, then paid back once.
q "SET session_replication_role = replica; UPDATE invoice SET due_date = current_date - 10 WHERE id = $binv" >/dev/null
run_gm 1 "a refund while an invoice is past due is refused" deposit refund --customer beta --amount 10 --reference OUT-1
check_match "naming the invoice" "invoice $invb is 1[01] days past due with 3904 open: apply the deposit to it first" "$out"
# 10 days past due is a default after 5 days: the check finds beta's
# spell, tells it once, and its deposit, held "on_default", pays the
# invoice in default (schema 037), once: a second check applies nothing.
export GPUMETER_DEFAULT_AFTER_DAYS=5
run_gm 0 "receivables check finds beta in default" receivables check --actor collections
check_match "and applies its on_default deposit to the invoice in default" \
    "^beta +CNY +39.04  [0-9-]{10} +1[01]  $invb  \\(notified; deposit applied 39.04\\)$" "$out"
check_eq "which takes 39.04, by the check's actor: beta's invoice is paid, 210.96 held" \
    "0 21096 collections" \
    "$(open_of "$invb") $(held "$beta") $(q "SELECT actor FROM ledger_txn WHERE kind = 'application'
                                           AND customer_id = $beta ORDER BY id DESC LIMIT 1")"
run_gm 0 "the check again" receivables check
check_eq "finds no one in default and applies nothing more" \
    "no customer is in default (after 5 days past due)|21096" "$out|$(held "$beta")"
unset GPUMETER_DEFAULT_AFTER_DAYS
run_gm 1 "refunding more than held is refused" deposit refund --customer beta --amount 210.97 --reference OUT-1
check_match "and says why" "refunding 21097 is more than the deposit held, 21096" "$out"
run_gm 0 "the rest is refunded" deposit refund --customer beta --amount 210.96 --reference OUT-1
check_eq "and says so" "beta: refunded 210.96 CNY (OUT-1); deposit held 0.00 CNY" "$out"
run_gm 0 "the same refund again is no new posting" deposit refund --customer beta --amount 210.96 --reference OUT-1
check_match "and says so" "already refunded" "$out"
check_eq "beta's deposit, entry by entry" \
    "deposit|BANK-D2|cash:30000,deposit:-30000 application|$invb|deposit:5000,receivable:-5000 application|$invb|deposit:3904,receivable:-3904 refund|OUT-1|deposit:21096,cash:-21096" \
    "$(postings "$beta")"
"$GM" deposit list --customer beta | tail -n +2 >"$TMP/list" # under its header
check_eq "deposit list: beta's postings and what is held after each" \
    "beta received 300.00 CNY held 300.00 BANK-D2|beta applied -50.00 CNY held 250.00 $invb|beta applied -39.04 CNY held 210.96 $invb|beta refunded -210.96 CNY held 0.00 OUT-1" \
    "$(cut -c13- "$TMP/list" | tr -s ' ' | paste -sd'|')"
check_eq "deposit list: the local day received" "2026-01-05" "$(head -n 1 "$TMP/list" | cut -c1-10)"

check_ledger_balanced
# alpha: 260.00 in, 178.08 + 71.92 + 10.00 applied; beta: 300.00 in,
# 89.04 applied, 210.96 back. Cash: 260.00 + 300.00 - 210.96 = 349.04.
check_eq "customer_balance: alpha owes 7.12, beta nothing, nothing held" "alpha|712|0|0 beta|0|0|0" \
    "$(q "SELECT string_agg(c.code || '|' || b.receivable || '|' || b.credit || '|' || b.deposit, ' ' ORDER BY c.code)
          FROM customer_balance b JOIN customer c ON c.id = b.customer_id WHERE c.code IN ('alpha', 'beta')")"
check_eq "cash is 349.04" "34904" "$(q "SELECT sum(amount_minor) FROM ledger_entry WHERE account = 'cash'")"
# beta owes nothing now, though it was billed 89.04 this quarter: its
# aging is empty, no total row of nothing with a DSO of 0.0.
check_eq "report receivables of a customer who owes nothing: no rows" "[]" \
    "$("$GM" report receivables --customer beta --format json | jq -c .rows)"
finish
