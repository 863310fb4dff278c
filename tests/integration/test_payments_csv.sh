#!/bin/bash
# A domestic bank's CSV export (issue 34, deliverable 3; docs/payments.md,
# "CSV layout"), in UTF-8 and GB18030, written in the shape Chinese
# corporate online banking exports: title and account lines above the
# header, 发生额 columns with a unit, thousands separators, a payer's name
# with a comma and a remittance with a line break in quotes, a debit, a
# totals line. Imported exactly, hand-computed to the fen; the same
# transactions in the other encoding post nothing again; malformed
# exports are refused whole with the line, the column and why.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
FIX=$ROOT/tests/fixtures/bank
ACCT=310066726018800012345
# January: alpha 10 H800 hours 178.08 (INV-2026-000001), beta 5 hours
# 89.04 (INV-2026-000002).
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
h800_hours ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
check_eq "January is issued" "INV-2026-000001|17808 INV-2026-000002|8904" \
    "$(q "SELECT string_agg(number || '|' || total, ' ' ORDER BY number) FROM invoice")"

"$GM" payment import "$FIX/bank-export-gb18030.csv" --format csv --encoding gb18030 --account $ACCT --dry-run >"$TMP/dry" 2>&1
check_eq "the GB18030 export, dry run: read as the bank wrote it" \
    "0|$FIX/bank-export-gb18030.csv: 4 entries read: 2 credits posted (2 by invoice number, 0 by customer reference, 0 by amount), 1 unapplied, 0 imported before (nothing posted again); skipped: 1 debits, 0 pending, 0 reversals (dry run: nothing posted)|0" \
    "$?|$(cat "$TMP/dry")|$(q "SELECT count(*) FROM bank_credit")"
"$GM" payment import "$FIX/bank-export-utf8.csv" --format csv --account $ACCT --actor finance-li >"$TMP/utf8" 2>&1
check_eq "the UTF-8 export imports" \
    "0|$FIX/bank-export-utf8.csv: 4 entries read: 2 credits posted (2 by invoice number, 0 by customer reference, 0 by amount), 1 unapplied, 0 imported before (nothing posted again); skipped: 1 debits, 0 pending, 0 reversals" \
    "$?|$(cat "$TMP/utf8")"
# alpha sends 178.08 for INV-1. Beta's bank books 1,000.00 and keeps 5.00:
# beta sent 1,005.00, 89.04 settles INV-2, 915.96 is its credit balance.
check_eq "the postings, entry by entry" \
    "20260302CS0001:cash|17808 receivable|-17808|INV-2026-000001 20260303CS0002:cash|100000 bank_fee|500 receivable|-8904|INV-2026-000002 customer_credit|-91596" \
    "$(q "SELECT string_agg(t.reference || ':' || e, ' ' ORDER BY t.id) FROM ledger_txn t,
          LATERAL (SELECT string_agg(concat_ws('|', e.account, e.amount_minor, i.number), ' '
                                     ORDER BY e.line_no) AS e
                   FROM ledger_entry e LEFT JOIN invoice i ON i.id = e.invoice_id
                   WHERE e.txn_id = t.id) x
          WHERE t.kind = 'payment'")"
check_eq "what the bank said is kept: days, payer, remittance (摘要 and 附言, its CRLF line break kept as the bank wrote it)" \
    "20260302CS0001|2026-03-02|Alpha AI Ltd|转账 INV-2026-000001 一月算力费 20260303CS0002|2026-03-03|Beta Robotics Co, Shenzhen|跨行转账 INV-2026-000002
二月预付 20260305CS0004|2026-03-05|=HYPERLINK(\"http://x.example\",\"x\")|转账 货款" \
    "$(q "SELECT string_agg(concat_ws('|', bank_ref, booked_on, debtor_name, replace(remittance, E'\\r\\n', E'\\n')), ' ' ORDER BY id) FROM bank_credit")"
"$GM" payment import "$FIX/bank-export-gb18030.csv" --format csv --encoding gb18030 --account $ACCT >"$TMP/again" 2>&1
check_eq "the same transactions in GB18030 post nothing again" \
    "0|$FIX/bank-export-gb18030.csv: 4 entries read: 0 credits posted (0 by invoice number, 0 by customer reference, 0 by amount), 0 unapplied, 3 imported before (nothing posted again); skipped: 1 debits, 0 pending, 0 reversals|2" \
    "$?|$(cat "$TMP/again")|$(q "SELECT count(*) FROM ledger_txn WHERE kind = 'payment'")"
# Our account typed as its bank prints it, in groups with spaces: the same
# account, so the same transactions post nothing again.
"$GM" payment import "$FIX/bank-export-utf8.csv" --format csv --account "3100 6672 6018 8000 12345" >"$TMP/spaced" 2>&1
check_eq "the account written with spaces is the same account: nothing posted again" \
    "0|$FIX/bank-export-utf8.csv: 4 entries read: 0 credits posted (0 by invoice number, 0 by customer reference, 0 by amount), 0 unapplied, 3 imported before (nothing posted again); skipped: 1 debits, 0 pending, 0 reversals|2|3" \
    "$?|$(cat "$TMP/spaced")|$(q "SELECT count(*) FROM ledger_txn WHERE kind = 'payment'")|$(q "SELECT count(*) FROM bank_credit")"
check_eq "debits equal credits" "0" "$(q "SELECT sum(amount_minor) FROM ledger_entry")"

# The unknown payer's 66.00 was alpha's, for March (1 hour: 16.80 + 1.01
# = 17.81, INV-2026-000004) as its bank says: finance applies it there
# first, the rest to alpha's older open invoice, February (3 hours: 50.40
# + 3.02 = 53.42, INV-2026-000003): 48.19 of it, 5.23 left open.
h800_hours ns-alpha 2026-02-10T02:00:00Z 3
rate_and_issue 2026-02
h800_hours ns-alpha 2026-03-10T02:00:00Z 1
rate_and_issue 2026-03
"$GM" payment apply 20260305CS0004 --invoice INV-2026-000004 --actor finance-li >"$TMP/apply" 2>&1
check_eq "payment apply --invoice: the named invoice first, the rest oldest first" \
    "0|20260305CS0004: applied INV-2026-000004 17.81 CNY, INV-2026-000003 48.19 CNY
alpha's credit balance: 0.00 CNY|cash|6600 receivable|-1781|INV-2026-000004 receivable|-4819|INV-2026-000003|applied/manual|1|523" \
    "$?|$(cat "$TMP/apply")|$(q "SELECT string_agg(concat_ws('|', e.account, e.amount_minor, i.number), ' ' ORDER BY e.line_no)
          FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id LEFT JOIN invoice i ON i.id = e.invoice_id
          WHERE t.reference = '20260305CS0004'")|$(q "SELECT status || '/' || matched_by FROM bank_credit WHERE bank_ref = '20260305CS0004'")|$(q "SELECT count(*) FROM outbox WHERE kind = 'payment.received' AND subject = '$ACCT/20260305CS0004'")|$(q "SELECT open FROM invoice_open WHERE number = 'INV-2026-000003'")"
"$GM" payment apply NO-SUCH-REF --customer alpha >"$TMP/apply2" 2>&1
check_eq "an unknown bank reference is refused (exit 2)" "2" "$?"
check_match "naming it" 'no bank credit with reference "NO-SUCH-REF"' "$(cat "$TMP/apply2")"
"$GM" payment apply 20260305CS0004 --invoice INV-2026-000003 --customer alpha >/dev/null 2>&1
check_eq "--invoice and --customer together: bad usage (exit 2)" "2" "$?"

nothing() { q "SELECT (SELECT count(*) FROM ledger_txn) || ' ' || (SELECT count(*) FROM bank_credit)"; }
before=$(nothing)
refused_csv() { # name expected-message file args...
    local name=$1 want=$2 out rc
    shift 2
    out=$("$GM" payment import "$@" 2>&1)
    rc=$?
    check_eq "$name: refused (exit 2), nothing posted" "2|$before" "$rc|$(nothing)"
    if grep -qF -- "$want" <<<"$out"; then pass "$name: says where and why"
    else fail "$name: expected the message [$want], got [$out]"; fi
}
refused_csv "an amount with 3 decimals" "line 6, 贷方发生额: 3 decimals, CNY has 2" \
    "$FIX/hostile-csv-three-decimals.csv" --format csv --account $ACCT
refused_csv "an unknown currency" "line 10, 币种: unknown currency \"英镑\"" \
    "$FIX/hostile-csv-unknown-currency.csv" --format csv --account $ACCT
refused_csv "no header row" "/: no header row naming 交易日期 and 贷方金额" \
    "$FIX/hostile-csv-no-header.csv" --format csv --account $ACCT
refused_csv "an unclosed quote" "line 9: text after a quoted field's closing quote" "$FIX/hostile-csv-unclosed-quote.csv" --format csv --account $ACCT
refused_csv "a day that does not exist" "line 6, 交易日期: not a date" \
    "$FIX/hostile-csv-bad-date.csv" --format csv --account $ACCT
refused_csv "GB18030 read as UTF-8" "/: not valid UTF-8 (a GB18030 export: --encoding gb18030)" \
    "$FIX/bank-export-gb18030.csv" --format csv --account $ACCT
printf '交易日期,交易流水号,贷方金额\n2026-03-02,X1,\x81\x30\n' >"$TMP/bad.csv"
refused_csv "bytes that are not GB18030" "/: not GB18030 text" "$TMP/bad.csv" --format csv --encoding gb18030 --account $ACCT
refused_csv "no account" "line 6, 本方账号: no account: name it with --account" \
    "$FIX/bank-export-utf8.csv" --format csv
"$GM" payment import "$FIX/bank-export-utf8.csv" --format csv --encoding latin1 >/dev/null 2>&1
check_eq "a bad --encoding exits 2" "2" "$?"
check_eq "debits equal credits at the end" "0" "$(q "SELECT sum(amount_minor) FROM ledger_entry")"
finish
