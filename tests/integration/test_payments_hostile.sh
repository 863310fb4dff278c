#!/bin/bash
# Hostile and malformed bank statements (issue 34, deliverable 3;
# docs/payments.md, "Refusals"): each is refused whole, exit 2, with the
# path of the element at fault and why, and nothing is posted, not even
# the good entry each carries before the bad one. Entities are never
# expanded nor fetched (a billion laughs, an external entity), a file over
# the size limit is refused before it is read, and a bad flag exits 2.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
FIX=$ROOT/tests/fixtures/bank
# January: alpha 10 H800 hours, INV-2026-000001, 178.08 CNY (the good
# entry of each hostile file pays it).
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
rate_and_issue 2026-01
check_eq "alpha's January is issued" "INV-2026-000001|17808" \
    "$(q "SELECT number || '|' || total FROM invoice")"

nothing() { q "SELECT (SELECT count(*) FROM ledger_txn WHERE kind <> 'invoice') || ' ' ||
                      (SELECT count(*) FROM bank_credit) || ' ' || (SELECT count(*) FROM bank_statement)"; }
N='/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]'
refused_file() { # name file expected-message
    local out rc
    out=$("$GM" payment import "$2" 2>&1)
    rc=$?
    check_eq "$1: refused (exit 2), nothing posted" "2|0 0 0" "$rc|$(nothing)"
    if grep -qF -- "$3" <<<"$out"; then pass "$1: says where and why"
    else fail "$1: expected the message [$3], got [$out]"; fi
}
refused_file "an amount with 3 decimals" "$FIX/hostile-three-decimals.xml" "$N/Amt: 3 decimals, CNY has 2"
refused_file "an amount that is not a number" "$FIX/hostile-not-a-number.xml" "$N/Amt: \"12,00\" is not a number"
refused_file "an amount of 10^400" "$FIX/hostile-huge-amount.xml" \
    "$N/Amt: \"1000000000000000000000000000000000000000...\" is too large"
refused_file "an unknown currency" "$FIX/hostile-unknown-currency.xml" "$N/Amt: unknown currency \"XYZ\""
refused_file "a currency the customer is not billed in" "$FIX/hostile-usd-not-billed.xml" \
    "$N: a credit in USD for customer alpha, which is not billed in USD"
refused_file "a missing amount" "$FIX/hostile-missing-amount.xml" "$N/Amt: missing"
refused_file "trailing garbage" "$FIX/hostile-trailing-garbage.xml" "/: line 16: Extra content at the end of the document"
refused_file "the wrong namespace (a camt.052 report)" "$FIX/hostile-wrong-namespace.xml" \
    "/Document: not a camt.053 statement (a Document in namespace urn:iso:std:iso:20022:tech:xsd:camt.053.001.02 to .08)"
refused_file "a billion laughs" "$FIX/hostile-billion-laughs.xml" "/: a DOCTYPE or ENTITY declaration is refused"
refused_file "an external entity" "$FIX/hostile-external-entity.xml" "/: a DOCTYPE or ENTITY declaration is refused"
refused_file "invalid UTF-8" "$FIX/hostile-invalid-utf8.xml" "/: not valid UTF-8"
truncate -s 300M "$TMP/huge.xml"
refused_file "a file over 256 MiB, before it is read" "$TMP/huge.xml" \
    "refused, nothing posted: 314572800 bytes, over the 256 MiB a statement may be"
"$GM" payment import "$FIX/camt053-month.xml" --format mt940 >"$TMP/flag" 2>&1
check_eq "a bad --format exits 2" "2" "$?"
"$GM" payment import >"$TMP/flag" 2>&1
check_eq "no FILE exits 2" "2" "$?"

# The good entry alone, from a well-formed copy of one hostile file, posts.
sed 's/<Amt Ccy="CNY">12.345<\/Amt>/<Amt Ccy="CNY">12.34<\/Amt>/' "$FIX/hostile-three-decimals.xml" >"$TMP/fixed.xml"
"$GM" payment import "$TMP/fixed.xml" >/dev/null 2>&1
check_eq "corrected, the same statement posts: INV-2026-000001 paid, 12.34 to alpha's credit" "0|0|1234" \
    "$?|$(q "SELECT open FROM invoice_open WHERE number = 'INV-2026-000001'")|$(q "SELECT credit FROM customer_balance")"
check_eq "debits equal credits, every transaction balances" "0 0" \
    "$(q "SELECT coalesce(sum(amount_minor), 0) || ' ' || (SELECT count(*) FROM (SELECT 1 FROM ledger_entry
          GROUP BY txn_id HAVING sum(amount_minor) <> 0) x) FROM ledger_entry")"
finish
