#!/bin/bash
# The customer's money lock and what an application may take (schemas 038 and 039,
# docs/receivables.md): every posting that reads what is open and takes
# from it holds the customer's row (FOR NO KEY UPDATE) and reads the
# ledger as it stands once it holds it, so no invoice is ever open below 0.
# - A cheque recorded against an invoice and `deposit apply` of the same
#   invoice, at once (the cheque's transaction holds its posting open two
#   seconds): the deposit waits, then applies what the cheque left (0).
# - A deposit application whose transaction began before a payment that
#   committed first still sees that payment.
# - A credit balance paid into an invoice at issue takes at most what the
#   customer owes (its due), not its total: an after-tax voucher's claim
#   is the voucher program's debt.
# - Two imports of overlapping statements at once never deadlock: imports
#   run one after another.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
beta=$(q "SELECT id FROM customer WHERE code = 'beta'")
open_of() { q "SELECT open FROM invoice_open WHERE number = '$1'"; }
receivable_postings() { # invoice -> "kind:amount ..." oldest first
    q "SELECT string_agg(t.kind || ':' || e.amount_minor, ' ' ORDER BY t.id)
       FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id
       WHERE e.account = 'receivable' AND e.invoice_id = (SELECT id FROM invoice WHERE number = '$1')"
}
billing() { # sql: as gpumeter_billing, in one transaction
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U gpumeter_billing -d "$DB" -tA -c "$1" 2>&1
}

# beta holds 300.00 on default; January: 5 H800 hours, 89.04.
seed_contract_with beta '"deposit": {"amount": "300.00", "apply": "on_default"}' >/dev/null
"$GM" deposit receive --customer beta --amount 300 --reference BANK-D2 >/dev/null
h800_hours ns-beta 2026-01-11T02:00:00Z 5
h800_hours ns-beta 2026-02-11T02:00:00Z 5
rate_and_issue 2026-01
rate_and_issue 2026-02
jan=$(q "SELECT number FROM invoice WHERE kind = 'invoice' AND customer_id = $beta AND period = '2026-01-01'")
feb=$(q "SELECT number FROM invoice WHERE kind = 'invoice' AND customer_id = $beta AND period = '2026-02-01'")
check_eq "January and February are 89.04 each, open" "8904 8904" "$(open_of "$jan") $(open_of "$feb")"

# A cheque for January holds its transaction open; deposit apply meanwhile.
billing "BEGIN; SELECT payment_record('beta', 'CNY', 8904, 'CHQ-1', ARRAY['$jan'], NULL, 'cheque', 'race-a');
         SELECT pg_sleep(2); COMMIT;" >"$TMP/a.out" &
a=$!
sleep 0.7
run_gm 0 "deposit apply while the cheque posts" deposit apply --customer beta --invoice "$jan" --actor race-b
wait "$a"
check_eq "the cheque posted" "" "$(grep -v '^\[' "$TMP/a.out" | grep -v '^$')"
check_eq "January: the cheque paid it, the deposit applied nothing" "invoice:8904 payment:-8904" \
    "$(receivable_postings "$jan")"
check_eq "January is open 0, not below" "0" "$(open_of "$jan")"
check_eq "the deposit held is still 300.00" "30000" \
    "$(q "SELECT deposit FROM customer_balance WHERE customer_id = $beta")"

# A deposit application begun before a payment that commits first.
billing "BEGIN; SELECT pg_sleep(1.5); SELECT ledger_apply_deposit($beta, id, NULL, 'slow-b')
         FROM invoice WHERE number = '$feb'; COMMIT;" >"$TMP/b.out" &
b=$!
sleep 0.5
run_gm 0 "a cheque for February meanwhile" payment record --customer beta --amount 89.04 --reference CHQ-2 --invoice "$feb"
wait "$b"
check_eq "February: the cheque paid it, the later application took nothing" "invoice:8904 payment:-8904" \
    "$(receivable_postings "$feb")"
check_eq "February is open 0, not below" "0" "$(open_of "$feb")"

# alpha: January 178.08 paid with a cheque of 500.00 (321.92 credit); an
# after-tax voucher covers 30% of February: 89.04, claimed 26.71, due 62.33.
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
rate_and_issue 2026-01
ajan=$(q "SELECT number FROM invoice WHERE kind = 'invoice' AND period = '2026-01-01'
          AND customer_id = (SELECT id FROM customer WHERE code = 'alpha')")
"$GM" payment record --customer alpha --amount 500.00 --reference CHQ-9 --invoice "$ajan" >/dev/null
echo '{"voucher": "a-1", "program": "after-gpu", "customer": "alpha", "coverage": "0.30", "priority": 1,
       "currency": "CNY", "face_value": "100000.00", "valid_from": "2026-02-01", "valid_until": "2026-12-31"}' \
    >"$TMP/v.json"
"$GM" voucher issue "$TMP/v.json" >/dev/null
h800_hours ns-alpha 2026-02-10T02:00:00Z 5
rate_and_issue 2026-02
afeb=$(q "SELECT number FROM invoice WHERE kind = 'invoice' AND period = '2026-02-01'
          AND customer_id = (SELECT id FROM customer WHERE code = 'alpha')")
check_eq "February: total 89.04, claimed 26.71, due 62.33" "8904 2671 6233" \
    "$(q "SELECT total || ' ' || claimed || ' ' || due FROM invoice WHERE number = '$afeb'")"
check_eq "the credit balance pays the due, 62.33, not the total" "invoice:6233 application:-6233" \
    "$(receivable_postings "$afeb")"
check_eq "February is open 0, not below" "0" "$(open_of "$afeb")"
check_eq "alpha's credit balance: 321.92 - 62.33 = 259.59" "25959" \
    "$(q "SELECT credit FROM customer_balance WHERE customer_id = (SELECT id FROM customer WHERE code = 'alpha')")"

# Two imports at once of overlapping statements that pay alpha and beta in
# opposite orders: each waits for the other's customers, which PostgreSQL
# broke by failing one (exit 1, "deadlock detected") in about half the
# rounds. Imports now run one after another (schema 046): every round,
# both exit 0 and each credit posts once.
statement() { # file msgid first last: credits of 1.00 alternately naming beta's and alpha's January
    local i
    {
        printf '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>%s</MsgId></GrpHdr><Stmt><Id>S</Id><Acct><Id><Othr><Id>ACC-L</Id></Othr></Id></Acct>' "$2"
        for i in $(seq "$3" "$4"); do
            printf '<Ntry><Amt Ccy="CNY">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>%s-%d</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>%s</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>' \
                "$2" "$i" "$([ $((i % 2)) = 0 ] && echo "$jan" || echo "$ajan")"
        done
        printf '</Stmt></BkToCstmrStmt></Document>\n'
    } >"$1"
}
failed=0
for r in 1 2 3 4 5 6; do
    statement "$TMP/a.xml" "R$r" 1 8
    statement "$TMP/b.xml" "R$r" 5 12
    "$GM" payment import "$TMP/a.xml" >"$TMP/a.log" 2>&1 &
    a=$!
    "$GM" payment import "$TMP/b.xml" >"$TMP/b.log" 2>&1 &
    b=$!
    wait "$a" || failed=$((failed + 1))
    wait "$b" || failed=$((failed + 1))
done
check_eq "six rounds of two overlapping imports at once: none fails" "0" "$failed"
check_eq "each of their 72 credits posted once" "72 72" \
    "$(q "SELECT count(*) || ' ' || count(DISTINCT t.reference) FROM ledger_txn t WHERE t.reference ~ '^R[0-9]-'")"

check_eq "no invoice is open below 0 or above its total" "" \
    "$(q "SELECT string_agg(number || ':' || open, ' ') FROM invoice_open WHERE open < 0 OR open > total")"
check_ledger_balanced
finish
