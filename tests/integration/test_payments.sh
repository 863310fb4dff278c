#!/bin/bash
# Payments (issue 34, deliverable 3; schema 033, docs/payments.md) on the
# real broker and database: a camt.053 statement written in the shape a
# bank produces (tests/fixtures/bank/) imports exactly, hand-computed to
# the fen: a payment naming one invoice and overpaying it, one matched by
# amount alone, one naming two invoices and paying the second in part, the
# rest of it less the bank's charges, a customer code in the remittance,
# an unknown payer held unapplied, a debit and a pending entry skipped.
# Imported again, it posts nothing. Then payment apply, the credit balance
# used by the next invoice as it is issued, refunds, a manual record, a
# write-off, the concurrency guard, and the app roles posting only through
# schema 033's functions. Debits equal credits after each step.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
FIX=$ROOT/tests/fixtures/bank
balanced() { # after a step: every transaction balances, and the whole ledger
    check_eq "$1: debits equal credits, every transaction balances" "true|0" \
        "$(q "SELECT (coalesce(sum(amount_minor) FILTER (WHERE amount_minor > 0), 0)
                     = coalesce(-sum(amount_minor) FILTER (WHERE amount_minor < 0), 0)) || '|' ||
                     (SELECT count(*) FROM (SELECT 1 FROM ledger_entry GROUP BY txn_id
                                            HAVING sum(amount_minor) <> 0) x)
              FROM ledger_entry")"
}
opens() { q "SELECT string_agg(number || '|' || paid || '|' || written_off || '|' || open, ' ' ORDER BY number)
             FROM invoice_open_at(clock_timestamp())"; }
credit_of() { q "SELECT coalesce(sum(b.credit), 0) FROM customer_balance b JOIN customer c
                 ON c.id = b.customer_id WHERE c.code = '$1'"; }
account_sum() { q "SELECT coalesce(sum(amount_minor), 0) FROM ledger_entry WHERE account = '$1'"; }

# January: alpha 10 H800 hours at 16.80 = 168.00 + 6% = 178.08; beta 5
# hours 84.00 + 5.04 = 89.04. February: alpha 3 hours 50.40 + 3.02 =
# 53.42; beta 2 hours 33.60 + 2.02 = 35.62.
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
h800_hours ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
h800_hours ns-alpha 2026-02-10T02:00:00Z 3
h800_hours ns-beta 2026-02-11T02:00:00Z 2
rate_and_issue 2026-02
check_eq "four invoices issued, hand-computed" \
    "INV-2026-000001|alpha|17808 INV-2026-000002|beta|8904 INV-2026-000003|alpha|5342 INV-2026-000004|beta|3562" \
    "$(q "SELECT string_agg(i.number || '|' || c.code || '|' || i.total, ' ' ORDER BY i.number)
          FROM invoice i JOIN customer c ON c.id = i.customer_id")"

"$GM" payment import "$FIX/camt053-month.xml" --actor finance-li >"$TMP/import" 2>&1
rc=$?
check_eq "the statement imports" 0 "$rc"
check_eq "its summary" \
    "$FIX/camt053-month.xml: 8 entries read: 5 credits posted (3 by invoice number, 1 by customer reference, 1 by amount), 1 unapplied, 0 imported before (nothing posted again); skipped: 1 debits, 1 pending, 0 reversals" \
    "$(cat "$TMP/import")"
# 1: 53.42 is INV-3's open amount alone. 2: 200.00 for INV-1 (178.08):
# alpha has nothing else open, 21.92 into its credit. 3: 100.00 for INV-4 (35.62) then INV-2
# (64.38 of 89.04: 24.66 left). 4: 14.66 booked + 10.00 charges = 24.66
# settles INV-2. 5: 10.00 with alpha's code: its credit, 31.92 in all.
check_eq "open amounts per invoice (number|paid|written off|open)" \
    "INV-2026-000001|17808|0|0 INV-2026-000002|8904|0|0 INV-2026-000003|5342|0|0 INV-2026-000004|3562|0|0" \
    "$(opens)"
check_eq "the payments' entries, by bank reference (debit +, credit -)" \
    "BOC20260302000245:cash|5342 receivable|-5342|INV-2026-000003 BOC20260302000117:cash|20000 receivable|-17808|INV-2026-000001 customer_credit|-2192 BOC20260303000031:cash|10000 receivable|-3562|INV-2026-000004 receivable|-6438|INV-2026-000002 BOC20260304000410:cash|1466 bank_fee|1000 receivable|-2466|INV-2026-000002 BOC20260304000522:cash|1000 customer_credit|-1000" \
    "$(q "SELECT string_agg(t.reference || ':' || e, ' ' ORDER BY t.id) FROM ledger_txn t,
          LATERAL (SELECT string_agg(concat_ws('|', e.account, e.amount_minor, i.number), ' '
                                     ORDER BY e.line_no) AS e
                   FROM ledger_entry e LEFT JOIN invoice i ON i.id = e.invoice_id
                   WHERE e.txn_id = t.id) x
          WHERE t.kind = 'payment'")"
check_eq "cash 377.08 (the unknown payer's 66.00 is not in the ledger), bank fees 10.00" "37808 1000" \
    "$(account_sum cash) $(account_sum bank_fee)"
check_eq "alpha's credit balance 21.92 + 10.00, beta's none" "3192 0" "$(credit_of alpha) $(credit_of beta)"
check_eq "the bank credits as matched" \
    "BOC20260302000245|applied|amount|alpha BOC20260302000117|applied|invoice|alpha BOC20260303000031|applied|invoice|beta BOC20260304000410|applied|invoice|beta BOC20260304000522|credited|reference|alpha BOC20260305000077|unapplied||" \
    "$(q "SELECT string_agg(concat_ws('|', b.bank_ref, b.status, coalesce(b.matched_by, ''), coalesce(c.code, '')), ' '
          ORDER BY b.id) FROM bank_credit b LEFT JOIN customer c ON c.id = b.customer_id")"
check_eq "each posting has its actor, an audit row and one payment.received" "5 5 5" \
    "$(q "SELECT count(*) FILTER (WHERE actor = 'finance-li') FROM ledger_txn WHERE kind = 'payment'") $(q "SELECT count(*) FROM audit_log WHERE action = 'payment' AND actor = 'finance-li'") $(q "SELECT count(*) FROM outbox o JOIN ledger_txn t ON t.reference = o.payload->>'bank_ref' AND t.kind = 'payment' AND t.customer_id = o.customer_id WHERE o.kind = 'payment.received'")"
check_eq "payment.received for the charged payment carries the gross sent" "beta|2466|1000" \
    "$(q "SELECT concat_ws('|', payload->>'customer', payload->>'amount_minor', payload->>'charges_minor')
          FROM outbox WHERE kind = 'payment.received' AND subject = '310066726018800012345/BOC20260304000410'")"
balanced "after the import"

before=$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM ledger_entry) || ' ' || (SELECT count(*) FROM bank_credit) FROM ledger_txn")
"$GM" payment import "$FIX/camt053-month.xml" >"$TMP/again" 2>&1
check_eq "imported again: it says so and posts nothing" \
    "0|$FIX/camt053-month.xml: 8 entries read: 0 credits posted (0 by invoice number, 0 by customer reference, 0 by amount), 0 unapplied, 6 imported before (nothing posted again); skipped: 1 debits, 1 pending, 0 reversals|$before" \
    "$?|$(cat "$TMP/again")|$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM ledger_entry) || ' ' || (SELECT count(*) FROM bank_credit) FROM ledger_txn")"
"$GM" payment import "$FIX/camt053-month.xml" --dry-run >/dev/null 2>&1
check_eq "a dry run records nothing, not even the statement" "2" "$(q "SELECT count(*) FROM bank_statement")"

"$GM" payment list --unapplied >"$TMP/list" 2>&1
check_eq "payment list --unapplied: CSV, the unknown payer's formula-looking name written as text" \
    "bank_ref,booked_on,amount,charges,currency,status,matched_by,customer,payer,remittance
BOC20260305000077,2026-03-05,66.00,0.00,CNY,unapplied,,,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"Unknown Trading\"\")\",货款" \
    "$(cat "$TMP/list")"
# The same credits over HTTP (GET /v1/payments, the one view of
# payment list): finance reads them all and the unapplied one; a
# customer key only its own, never another's or the unapplied; a sales
# key none.
KF=$("$GM" customer key create --finance 2>/dev/null)
KB=$("$GM" customer key create beta 2>/dev/null)
KS=$("$GM" customer key create --sales 2>/dev/null)
start_server "$TMP/serve.log" || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
check_eq "finance: every credit, as payment list --format json" \
    "200 $("$GM" payment list --format json)" "$(api_get "$KF" /v1/payments)"
check_eq "finance: the unapplied one, its formula-looking payer as JSON text" \
    "BOC20260305000077|=HYPERLINK(\"http://x.example\",\"Unknown Trading\")|6600|null" \
    "$(api_get "$KF" '/v1/payments?status=unapplied' | cut -d' ' -f2- |
       jq -r '.payments[] | [.bank_ref, .payer, .amount_minor, .customer] | map(tostring) | join("|")')"
check_eq "a customer key: beta's own credits only" \
    "BOC20260303000031 BOC20260304000410" \
    "$(api_get "$KB" /v1/payments | cut -d' ' -f2- | jq -r '[.payments[].bank_ref] | join(" ")')"
check_eq "naming another customer is 403" 403 "$(api_get "$KB" '/v1/payments?customer=alpha' | cut -d" " -f1)"
check_eq "the unapplied ones are finance's: 403" 403 "$(api_get "$KB" '/v1/payments?status=unapplied' | cut -d" " -f1)"
check_eq "a sales key: 403" 403 "$(api_get "$KS" /v1/payments | cut -d" " -f1)"
check_eq "a bad status: 400" 400 "$(api_get "$KF" '/v1/payments?status=paid' | cut -d" " -f1)"
kill "$SERVER" 2>/dev/null
"$GM" payment apply BOC20260305000077 --customer beta --actor finance-li >"$TMP/apply" 2>&1
check_eq "payment apply --customer: beta has nothing open, all 66.00 to its credit" \
    "0|BOC20260305000077: nothing applied to an invoice (the customer's credit balance)
beta's credit balance: 66.00 CNY" "$?|$(cat "$TMP/apply")"
"$GM" payment apply BOC20260305000077 --customer beta >"$TMP/apply2" 2>&1
rc=$?
check_eq "applying it again is refused (exit 2), nothing posted" "2|6600" "$rc|$(credit_of beta)"
check_match "and says why" 'already credited \(to customer beta\)' "$(cat "$TMP/apply2")"
balanced "after payment apply"

# March: alpha 1 hour 16.80 + 1.01 = 17.81, paid from its 31.92 credit
# as it is issued (14.11 left); beta 2 hours 35.62 from its 66.00 (30.38).
h800_hours ns-alpha 2026-03-10T02:00:00Z 1
h800_hours ns-beta 2026-03-11T02:00:00Z 2
rate_and_issue 2026-03
check_eq "March's invoices are paid by the credit balances as issued" \
    "INV-2026-000005|1781|0|0 INV-2026-000006|3562|0|0" \
    "$(opens | tr ' ' '\n' | grep -E 'INV-2026-00000[56]' | tr '\n' ' ' | sed 's/ $//')"
check_eq "in the issuing transaction, as applications: customer_credit debit, receivable credit" \
    "INV-2026-000005|1781|-1781 INV-2026-000006|3562|-3562" \
    "$(q "SELECT string_agg(t.reference || '|' || e.c || '|' || e.r, ' ' ORDER BY t.reference)
          FROM ledger_txn t JOIN invoice i ON i.number = t.reference AND t.at = i.issued_at,
          LATERAL (SELECT sum(amount_minor) FILTER (WHERE account = 'customer_credit') c,
                          sum(amount_minor) FILTER (WHERE account = 'receivable') r
                   FROM ledger_entry WHERE txn_id = t.id) e WHERE t.kind = 'application'")"
check_eq "credit balances left: alpha 14.11, beta 30.38" "1411 3038" "$(credit_of alpha) $(credit_of beta)"
balanced "after March's issue"

"$GM" payment refund --customer alpha --amount 14.11 --reference RF-001 --actor finance-li >"$TMP/refund" 2>&1
check_eq "alpha's credit refunded: customer_credit debit, cash credit" \
    "0|0|customer_credit|1411 cash|-1411" \
    "$?|$(credit_of alpha)|$(q "SELECT string_agg(e.account || '|' || e.amount_minor, ' ' ORDER BY e.line_no)
                                FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id WHERE t.kind = 'refund'")"
"$GM" payment refund --customer alpha --amount 14.11 --reference RF-001 >"$TMP/refund2" 2>&1
check_eq "the same refund again posts nothing" "0|RF-001: refunded before: nothing posted|1" \
    "$?|$(head -n 1 "$TMP/refund2")|$(q "SELECT count(*) FROM ledger_txn WHERE kind = 'refund'")"
"$GM" payment refund --customer beta --amount 30.39 --reference RF-002 >"$TMP/refund3" 2>&1
rc=$?
check_eq "a refund beyond the credit balance is refused (exit 2), nothing posted" "2|3038" "$rc|$(credit_of beta)"
check_match "and says what is held" 'holds a credit balance of 3038 minor units of CNY, less than the refund of 3039' \
    "$(cat "$TMP/refund3")"
"$GM" payment refund --customer alpha --amount 1.001 --reference RF-003 >"$TMP/refund4" 2>&1
check_eq "an amount with 3 decimals is refused (exit 2)" "2|gpumeter: error: --amount: 3 decimals, CNY has 2" \
    "$?|$(head -n 1 "$TMP/refund4")"

# April: alpha 2 hours 35.62 (no credit left); beta 1 hour 17.81 from its
# 30.38 (12.57 left). A cheque of 10.00 from alpha, recorded by hand, goes
# to its oldest open invoice; the rest, 25.62, is written off.
h800_hours ns-alpha 2026-04-10T02:00:00Z 2
h800_hours ns-beta 2026-04-11T02:00:00Z 1
rate_and_issue 2026-04
"$GM" payment record --customer alpha --amount 10.00 --reference CHQ-0042 --method cheque \
    --date 2026-05-02 --actor finance-li >"$TMP/record" 2>&1
check_eq "payment record: the cheque applied to INV-2026-000007" \
    "0|CHQ-0042: applied INV-2026-000007 10.00 CNY" "$?|$(head -n 1 "$TMP/record")"
"$GM" payment record --customer alpha --amount 10.00 --reference CHQ-0042 --method cheque >"$TMP/record2" 2>&1
check_eq "recorded again: nothing posted" "0|CHQ-0042: recorded before: nothing posted|1" \
    "$?|$(head -n 1 "$TMP/record2")|$(q "SELECT count(*) FROM ledger_txn WHERE reference = 'CHQ-0042'")"
"$GM" payment record --customer alpha --amount 11.00 --reference CHQ-0042 >"$TMP/record3" 2>&1
check_eq "the same reference with another amount is refused (exit 2)" "2" "$?"
"$GM" payment record --customer alpha --amount 10.00 --reference X --currency USD >"$TMP/record4" 2>&1
check_eq "a currency alpha is not billed in is refused (exit 2)" \
    "2|gpumeter: error: customer \"alpha\" is not billed in USD" "$?|$(head -n 1 "$TMP/record4")"
"$GM" invoice write-off INV-2026-000007 --reason "customer insolvent" --actor finance-li >"$TMP/wo" 2>&1
check_eq "invoice write-off: the 25.62 open written off" \
    "0|INV-2026-000007: 25.62 CNY written off|INV-2026-000007|1000|2562|0" \
    "$?|$(cat "$TMP/wo")|$(opens | tr ' ' '\n' | grep INV-2026-000007)"
check_eq "its entries and its audit row with the reason" \
    "write_off|2562 receivable|-2562|finance-li|customer insolvent" \
    "$(q "SELECT string_agg(e.account || '|' || e.amount_minor, ' ' ORDER BY e.line_no)
          FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id WHERE t.kind = 'write_off'")|$(q "SELECT actor || '|' || (after->>'reason') FROM audit_log WHERE action = 'write_off'")"
"$GM" invoice write-off INV-2026-000007 --reason again >"$TMP/wo2" 2>&1
check_eq "written off again: refused (exit 2), nothing open" "2" "$?"
check_eq "beta's April invoice was paid from its credit: 12.57 left" "INV-2026-000008|1781|0|0 1257" \
    "$(opens | tr ' ' '\n' | grep INV-2026-000008) $(credit_of beta)"
balanced "after refunds, a record and a write-off"

# The concurrency guard: two records against alpha's May invoice (35.62)
# at once, 30.00 each. The first holds alpha while it posts; the second
# waits, then sees 5.62 open: 5.62 applied, 24.38 to the credit balance.
# Without the customer's lock both would apply 30.00 (open -24.38).
h800_hours ns-alpha 2026-05-10T02:00:00Z 2
rate_and_issue 2026-05
pg -c "BEGIN; SELECT payment_record('alpha', 'CNY', 3000, 'RACE-A', NULL, NULL, 'transfer', 'a');
       SELECT pg_sleep(5); COMMIT;" >"$TMP/race_a" 2>&1 &
race_a=$!
holding() { # A has posted (it writes the ledger after taking alpha), and waits to commit
    [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE a.query LIKE '%RACE-A%' AND a.pid <> pg_backend_pid()
              AND l.relation = 'ledger_txn'::regclass AND l.mode = 'RowExclusiveLock'")" = 1 ]
}
wait_for 60 holding || fail "the first record never got to post"
as gpumeter_billing "SELECT payment_record('alpha', 'CNY', 3000, 'RACE-B', NULL, NULL, 'transfer', 'b')" >"$TMP/race_b" 2>&1
wait "$race_a"
check_eq "two concurrent records never over-apply: 30.00 + 5.62, 24.38 to credit" \
    "INV-2026-000009|3562|0|0 2438" \
    "$(opens | tr ' ' '\n' | grep INV-2026-000009) $(credit_of alpha)"
balanced "after the race"

# References finance sets: beta's Chinese name in the remittance, its
# bank's spelling of its name as the payer. Each tells beta as its code
# would: nothing of beta's is open, so 10.00 + 5.00 join its 12.57 credit.
"$GM" payment reference 贝塔机器人 --customer beta --actor finance-li >"$TMP/ref" 2>&1
check_eq "payment reference: added" "0|贝塔机器人: now tells this customer's payments" "$?|$(cat "$TMP/ref")"
"$GM" payment reference "Beta Robotics" --customer beta >/dev/null 2>&1
"$GM" payment reference 贝塔机器人 --customer beta >"$TMP/ref" 2>&1
check_eq "added again: nothing changes" "0|贝塔机器人: was already this customer's" "$?|$(cat "$TMP/ref")"
"$GM" payment reference 贝塔机器人 --customer alpha >"$TMP/ref" 2>&1
rc=$?
check_eq "another customer's reference is refused (exit 2)" "2" "$rc"
check_match "naming whose it is" "payment reference \"贝塔机器人\" is customer beta's" "$(cat "$TMP/ref")"
"$GM" payment reference abc --customer beta >/dev/null 2>&1
check_eq "a reference under 4 characters is refused (exit 2)" "2|2" "$?|$(q "SELECT count(*) FROM payment_reference")"
sed -n '1,/<\/Bal>/p' "$FIX/camt053-month.xml" | sed 's/STMT20260305GPUM001/STMT20260601GPUM001/' >"$TMP/june.xml"
cat >>"$TMP/june.xml" <<'XML'
      <Ntry>
        <Amt Ccy="CNY">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-06-01</Dt></BookgDt><AcctSvcrRef>BOC20260601000001</AcctSvcrRef>
        <NtryDtls><TxDtls><RmtInf><Ustrd>六月服务费 贝塔机器人</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CNY">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-06-01</Dt></BookgDt><AcctSvcrRef>BOC20260601000002</AcctSvcrRef>
        <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>BETA ROBOTICS CO</Nm></Dbtr></RltdPties>
        <RmtInf><Ustrd>service</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
XML
"$GM" payment import "$TMP/june.xml" >"$TMP/june" 2>&1
check_match "both matched by customer reference" "2 credits posted \(0 by invoice number, 2 by customer reference, 0 by amount\)" "$(cat "$TMP/june")"
check_eq "to beta: its credit balance 12.57 + 10.00 + 5.00" "beta beta 2757" \
    "$(q "SELECT string_agg(c.code, ' ' ORDER BY b.id) FROM bank_credit b JOIN customer c ON c.id = b.customer_id WHERE b.bank_ref LIKE 'BOC20260601%'") $(credit_of beta)"
balanced "after the references"

# A bank that gives no AcctSvcrRef numbers each statement's entries
# NtryRef 1, 2, ...: the next day's entry 1 is another credit under a
# reference already imported. It is refused, whole and loudly (exit 2,
# nothing posted), never skipped as "imported before" (the money would be
# lost unseen); the first day's statement imported again is still skipped.
ntryref_day() { # day amount
    cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>NR-$1</MsgId><CreDtTm>$1T18:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>NR-STMT-$1</Id>
      <Acct><Id><Othr><Id>6222021001122334455</Id></Othr></Id></Acct>
      <Ntry>
        <NtryRef>1</NtryRef>
        <Amt Ccy="CNY">$2</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>$1</Dt></BookgDt>
        <NtryDtls><TxDtls><RmtInf><Ustrd>prepayment alpha</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
XML
}
ntryref_day 2026-07-01 5.00 >"$TMP/nr1.xml"
ntryref_day 2026-07-02 7.00 >"$TMP/nr2.xml"
alpha_credit=$(credit_of alpha)
run_gm 0 "NtryRef 1 of July 1st imports" payment import "$TMP/nr1.xml"
check_eq "its 5.00 into alpha's credit balance" "$((alpha_credit + 500))" "$(credit_of alpha)"
before=$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM bank_credit) FROM ledger_entry")
run_gm 2 "NtryRef 1 of July 2nd (another credit, 7.00) is refused" payment import "$TMP/nr2.xml"
check_eq "the refusal names the entry, the reference and both credits, and that nothing posted" \
    "gpumeter: error: /Document/BkToCstmrStmt/Stmt[1]/Ntry[1]: bank reference 1 was imported before for another credit (CNY 5.00 booked on 2026-07-01; this one CNY 7.00 booked on 2026-07-02): not skipped as imported before|gpumeter: error: $TMP/nr2.xml: refused, nothing posted" \
    "$(grep '^gpumeter: error: /Document' <<<"$out")|$(tail -n 1 <<<"$out")"
check_eq "nothing posted: ledger entries and bank credits as before" "$before" \
    "$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM bank_credit) FROM ledger_entry")"
run_gm 0 "July 1st's statement imported again" payment import "$TMP/nr1.xml"
check_match "is still skipped as imported before" "1 imported before" "$out"
balanced "after the NtryRef statements"

# A batch booking: one entry of 7.00 whose two transactions are two
# payers' (alpha's 3.00 naming its INV-2026-000001, beta's 4.00 naming its
# INV-2026-000002, both paid by now). Each transaction is its own credit,
# to its own customer, as a clerk would post them: beta's 4.00 is not
# alpha's credit. The statement is written from the camt.053.001.02 message
# definition (NtryDtls/Btch, TxDtls/AmtDtls/TxAmt).
cat >"$TMP/batch.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BATCH-20260705</MsgId><CreDtTm>2026-07-05T18:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>BATCH-STMT-20260705</Id>
      <Acct><Id><Othr><Id>6222021001122334455</Id></Othr></Id></Acct>
      <Ntry>
        <Amt Ccy="CNY">7.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-07-05</Dt></BookgDt>
        <AcctSvcrRef>ICBC20260705000001</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <Btch><NbOfTxs>2</NbOfTxs><TtlAmt Ccy="CNY">7.00</TtlAmt><CdtDbtInd>CRDT</CdtDbtInd></Btch>
          <TxDtls>
            <Refs><EndToEndId>A-0705</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="CNY">3.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>Alpha AI Co</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>INV-2026-000001</Ustrd></RmtInf>
          </TxDtls>
          <TxDtls>
            <Refs><EndToEndId>B-0705</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="CNY">4.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>Beta Robotics</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>INV-2026-000002</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
XML
alpha_credit=$(credit_of alpha) beta_credit=$(credit_of beta)
run_gm 0 "a batch booking of two payers imports" payment import "$TMP/batch.xml"
check_eq "its summary: one entry, two credits" \
    "$TMP/batch.xml: 1 entries read: 2 credits posted (2 by invoice number, 0 by customer reference, 0 by amount), 0 unapplied, 0 imported before (nothing posted again); skipped: 0 debits, 0 pending, 0 reversals" \
    "$out"
check_eq "one credit per transaction, each its payer's (bank_ref|customer|amount|payer|remittance)" \
    "ICBC20260705000001/1|alpha|300|Alpha AI Co|INV-2026-000001 ICBC20260705000001/2|beta|400|Beta Robotics|INV-2026-000002" \
    "$(q "SELECT string_agg(concat_ws('|', b.bank_ref, c.code, b.amount_minor, b.debtor_name, b.remittance), ' '
          ORDER BY b.id) FROM bank_credit b JOIN customer c ON c.id = b.customer_id
          WHERE b.bank_ref LIKE 'ICBC20260705%'")"
check_eq "alpha's credit balance + 3.00, beta's + 4.00" "$((alpha_credit + 300)) $((beta_credit + 400))" \
    "$(credit_of alpha) $(credit_of beta)"
run_gm 0 "the batch imported again" payment import "$TMP/batch.xml"
check_match "posts nothing" "0 credits posted .* 2 imported before" "$out"
balanced "after the batch booking"
# The same, as a bank that gives each transaction its own NtryDtls.
cat >"$TMP/batch2.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BATCH2-20260705</MsgId><CreDtTm>2026-07-05T18:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>BATCH2-STMT-20260705</Id>
      <Acct><Id><Othr><Id>6222021001122334455</Id></Othr></Id></Acct>
      <Ntry>
        <Amt Ccy="CNY">7.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-07-05</Dt></BookgDt>
        <AcctSvcrRef>ICBC20260705000002</AcctSvcrRef>
        <NtryDtls><TxDtls>
            <AmtDtls><TxAmt><Amt Ccy="CNY">3.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>Alpha AI Co</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>INV-2026-000001</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
        <NtryDtls><TxDtls>
            <AmtDtls><TxAmt><Amt Ccy="CNY">4.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>Beta Robotics</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>INV-2026-000002</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
XML
check_eq "the second batch has two NtryDtls of one TxDtls each" "2 2" \
    "$(grep -c '<NtryDtls>' "$TMP/batch2.xml") $(grep -c '<TxDtls>' "$TMP/batch2.xml")"
alpha_credit=$(credit_of alpha) beta_credit=$(credit_of beta)
run_gm 0 "a batch booking in two NtryDtls imports" payment import "$TMP/batch2.xml"
check_eq "one credit per transaction there too" \
    "ICBC20260705000002/1|alpha|300 ICBC20260705000002/2|beta|400" \
    "$(q "SELECT string_agg(concat_ws('|', b.bank_ref, c.code, b.amount_minor), ' ' ORDER BY b.id)
          FROM bank_credit b JOIN customer c ON c.id = b.customer_id
          WHERE b.bank_ref LIKE 'ICBC20260705000002%'")"
check_eq "alpha's credit balance + 3.00, beta's + 4.00 again" "$((alpha_credit + 300)) $((beta_credit + 400))" \
    "$(credit_of alpha) $(credit_of beta)"

# Charges as banks report them: (1) .001.08, a charge record with
# ChrgInclInd false: the bank charged it apart, not deducted from the 5.00
# booked, so the customer sent 5.00, not 6.00, and no bank fee is in this
# entry; (2) .001.02, the charges of an entry's one transaction under
# TxDtls/Chrgs: 4.00 booked + 1.00 deducted = 5.00 sent.
charges_file() { # version status entry-charges tx-charges remittance amount ref
    cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.0$1">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>CHG-$7</MsgId><CreDtTm>2026-07-06T18:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>CHG-STMT-$7</Id>
      <Acct><Id><Othr><Id>6222021001122334455</Id></Othr></Id></Acct>
      <Ntry>
        <Amt Ccy="CNY">$6</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>$2</Sts>
        <BookgDt><Dt>2026-07-06</Dt></BookgDt>
        <AcctSvcrRef>$7</AcctSvcrRef>
        $3
        <NtryDtls><TxDtls>$4<RmtInf><Ustrd>$5</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
XML
}
charges_file 8 "<Cd>BOOK</Cd>" \
    '<Chrgs><TtlChrgsAndTaxAmt Ccy="CNY">1.00</TtlChrgsAndTaxAmt><Rcrd><Amt Ccy="CNY">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><ChrgInclInd>false</ChrgInclInd></Rcrd></Chrgs>' \
    "" "prepayment alpha" 5.00 ICBC20260706000001 >"$TMP/charges-apart.xml"
charges_file 2 BOOK "" '<Chrgs><Amt Ccy="CNY">1.00</Amt></Chrgs>' "prepayment beta" 4.00 \
    ICBC20260706000002 >"$TMP/charges-tx.xml"
alpha_credit=$(credit_of alpha) beta_credit=$(credit_of beta) fees=$(account_sum bank_fee)
run_gm 0 "a charge not included imports" payment import "$TMP/charges-apart.xml"
run_gm 0 "a transaction's charges import" payment import "$TMP/charges-tx.xml"
check_eq "(amount|charges) as the bank booked and deducted" "ICBC20260706000001|500|0 ICBC20260706000002|400|100" \
    "$(q "SELECT string_agg(concat_ws('|', bank_ref, amount_minor, charges_minor), ' ' ORDER BY id)
          FROM bank_credit WHERE bank_ref LIKE 'ICBC20260706%'")"
check_eq "alpha's credit + 5.00 (what it sent), beta's + 5.00, bank fees + 1.00" \
    "$((alpha_credit + 500)) $((beta_credit + 500)) $((fees + 100))" \
    "$(credit_of alpha) $(credit_of beta) $(account_sum bank_fee)"
balanced "after the charges"

# A structured remittance (RmtInf/Strd) names the invoice where the
# standard puts it, the referred document's number (RfrdDocInf/Nb, type
# CINV): beta's 2.00 for its INV-2026-000002 is matched by it, and the
# number is the credit's remittance text finance sees.
cat >"$TMP/strd.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STRD-20260707</MsgId><CreDtTm>2026-07-07T18:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STRD-STMT-20260707</Id>
      <Acct><Id><Othr><Id>6222021001122334455</Id></Othr></Id></Acct>
      <Ntry>
        <Amt Ccy="CNY">2.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-07-07</Dt></BookgDt>
        <AcctSvcrRef>ICBC20260707000001</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <RltdPties><Dbtr><Nm>Shenzhen Payer Ltd</Nm></Dbtr></RltdPties>
          <RmtInf><Strd>
            <RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>INV-2026-000002</Nb><RltdDt>2026-02-01</RltdDt></RfrdDocInf>
            <RfrdDocAmt><RmtdAmt Ccy="CNY">2.00</RmtdAmt></RfrdDocAmt>
          </Strd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
XML
beta_credit=$(credit_of beta)
run_gm 0 "a structured remittance imports" payment import "$TMP/strd.xml"
check_eq "matched by the referred document's number (status|matched_by|customer|remittance)" \
    "credited|invoice|beta|INV-2026-000002" \
    "$(q "SELECT concat_ws('|', b.status, b.matched_by, c.code, b.remittance) FROM bank_credit b
          LEFT JOIN customer c ON c.id = b.customer_id WHERE b.bank_ref = 'ICBC20260707000001'")"
check_eq "beta's credit + 2.00" "$((beta_credit + 200))" "$(credit_of beta)"
balanced "after the structured remittance"

# The bank returns a payment (ISO 20022: a credit reversed is an entry
# with CdtDbtInd DBIT and RvslInd true, here BkTxCd PMNT/RCDT/RRTN): it
# posts nothing, but it is counted as a reversal and named for finance,
# not counted among the operator's own debits.
cat >"$TMP/return.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>RTRN-20260708</MsgId><CreDtTm>2026-07-08T18:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>RTRN-STMT-20260708</Id>
      <Acct><Id><Othr><Id>6222021001122334455</Id></Othr></Id></Acct>
      <Ntry>
        <Amt Ccy="CNY">2.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-07-08</Dt></BookgDt>
        <AcctSvcrRef>ICBC20260708000001</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>ICBC20260707000001</AcctSvcrRef></Refs>
          <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
XML
before=$(q "SELECT count(*) FROM ledger_entry")
run_gm 0 "a returned payment imports" payment import "$TMP/return.xml"
check_eq "counted as a reversal, named for finance, nothing posted" \
    "gpumeter: warning: /Document/BkToCstmrStmt/Stmt[1]/Ntry[1]: the bank reversed a credit (RvslInd, bank reference ICBC20260708000001): nothing posted; the payment it reverses stays applied until finance undoes it|$TMP/return.xml: 1 entries read: 0 credits posted (0 by invoice number, 0 by customer reference, 0 by amount), 0 unapplied, 0 imported before (nothing posted again); skipped: 0 debits, 0 pending, 1 reversals|$before" \
    "$(head -n 1 <<<"$out")|$(tail -n 1 <<<"$out")|$(q "SELECT count(*) FROM ledger_entry")"

# Invoice numbers as payers write them: lower case with spaces, run
# together, two joined by a comma. Beta's INV-2026-000002 and
# INV-2026-000004 are paid by now, so each credit is beta's credit
# balance, told by the number alone (no code, no amount open).
numbers_file() { # ref remittance
    cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>NUM-$1</MsgId><CreDtTm>2026-07-09T18:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>NUM-STMT-$1</Id>
      <Acct><Id><Othr><Id>6222021001122334455</Id></Othr></Id></Acct>
      <Ntry>
        <Amt Ccy="CNY">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-07-09</Dt></BookgDt>
        <AcctSvcrRef>$1</AcctSvcrRef>
        <NtryDtls><TxDtls><RmtInf><Ustrd>$2</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
XML
}
beta_credit=$(credit_of beta)
for n in "NUM1|inv 2026 000002 货款" "NUM2|INV2026000004" "NUM3|INV-2026-000002,INV-2026-000004"; do
    numbers_file "${n%%|*}" "${n#*|}" >"$TMP/${n%%|*}.xml"
    run_gm 0 "remittance [${n#*|}] imports" payment import "$TMP/${n%%|*}.xml"
done
check_eq "each matched by invoice number to beta (bank_ref|matched_by|customer)" \
    "NUM1|invoice|beta NUM2|invoice|beta NUM3|invoice|beta" \
    "$(q "SELECT string_agg(concat_ws('|', b.bank_ref, b.matched_by, c.code), ' ' ORDER BY b.id)
          FROM bank_credit b LEFT JOIN customer c ON c.id = b.customer_id WHERE b.bank_ref LIKE 'NUM%'")"
check_eq "beta's credit + 3.00" "$((beta_credit + 300))" "$(credit_of beta)"
balanced "after the numbers as payers write them"

# The app roles write no payment table and no ledger row but through the
# functions; the API and the rater may not call them.
for r in gpumeter_billing gpumeter_api gpumeter_rater; do
    refused_as "$r may not insert a bank credit" $r \
        "INSERT INTO bank_credit (statement_id, bank_account, bank_ref, booked_on, amount_minor, currency, status, actor)
         VALUES (1, 'x', 'x', '2026-01-01', 1, 'CNY', 'unapplied', 'x')" 'permission denied'
    refused_as "$r may not update a bank credit" $r "UPDATE bank_credit SET status = 'unapplied'" 'permission denied'
    refused_as "$r may not call payment_post" $r "SELECT payment_post(1, '{}', 'x')" 'permission denied for function'
done
for r in gpumeter_api gpumeter_rater; do
    refused_as "$r may not record a payment" $r \
        "SELECT payment_record('alpha', 'CNY', 1, 'R', NULL, NULL, 'transfer', 'x')" 'permission denied for function'
    refused_as "$r may not write off" $r "SELECT invoice_write_off('INV-2026-000009', 'x', 'x')" \
        'permission denied for function'
done
finish
