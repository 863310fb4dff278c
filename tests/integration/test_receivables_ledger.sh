#!/bin/bash
# The receivables ledger (issue 34, deliverable 1's foundation; schema 030,
# docs/receivables.md) on the real broker and database: a month issued,
# credited in part and voided posts one balanced transaction per issued
# invoice and credit note, hand-computed to the fen; debits equal credits
# over the whole ledger; invoice_open and customer_balance follow from the
# ledger alone; PostgreSQL refuses an unbalanced transaction at COMMIT, any
# UPDATE, DELETE or TRUNCATE of a ledger row by every role (the owner and
# the superuser included), and any INSERT by the application's roles; and
# the migration posts invoices issued before it.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }

# January: alpha 10 H800 hours at 16.80 (its seed plan), 168.00 + 6% =
# 178.08; beta 5 hours. Both issued; then alpha is credited 10.01 before
# tax (tax 0.60, total -10.61: 167.47 open) and beta's invoice is voided
# (a credit note of minus its whole total). February: alpha 3 hours,
# 50.40 + 3.02 = 53.42.
h800 ns-alpha 2026-01-10T02:00:00Z 10
h800 ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
check_eq "January is issued: alpha's invoice is 178.08" "INV-2026-000001|17808 INV-2026-000002" \
    "$(q "SELECT string_agg(number || CASE WHEN number = 'INV-2026-000001' THEN '|' || total ELSE '' END,
                            ' ' ORDER BY number) FROM invoice")"
"$GM" invoice credit INV-2026-000001 --amount 10.01 --reason 04 >/dev/null 2>&1
check_eq "alpha's credit of 10.01 is issued" "0" "$?"
"$GM" invoice void INV-2026-000002 --reason "wrong contract" >/dev/null 2>&1
check_eq "beta's invoice is voided" "0" "$?"
h800 ns-alpha 2026-02-10T02:00:00Z 3
rate_and_issue 2026-02
check_eq "the documents issued" \
    "CN-2026-000001|-1061 CN-2026-000002|-$(q "SELECT subtotal + tax FROM invoice WHERE number = 'INV-2026-000002'") INV-2026-000001|17808 INV-2026-000002|void INV-2026-000003|5342" \
    "$(q "SELECT string_agg(number || '|' || CASE status WHEN 'void' THEN 'void' ELSE total::text END,
                            ' ' ORDER BY number) FROM invoice")"

check_eq "one transaction per issued invoice and credit note, of its kind, customer and currency" \
    "5 5 0" \
    "$(q "SELECT (SELECT count(*) FROM ledger_txn) || ' ' || count(t.id) || ' ' ||
                 count(*) FILTER (WHERE t.customer_id <> i.customer_id OR t.currency <> i.currency)
          FROM invoice i LEFT JOIN ledger_txn t ON t.kind = i.kind AND t.reference = i.number
          WHERE i.number IS NOT NULL")"
check_eq "alpha's invoice and credit note, entry by entry (debit +, credit -)" \
    "INV-2026-000001:1|receivable|17808|INV-2026-000001 2|revenue|-16800| 3|tax_payable|-1008| CN-2026-000001:1|receivable|-1061|INV-2026-000001 2|revenue|1001| 3|tax_payable|60|" \
    "$(q "SELECT string_agg(t.reference || ':' || e, ' ' ORDER BY t.id) FROM ledger_txn t,
          LATERAL (SELECT string_agg(e.line_no || '|' || e.account || '|' || e.amount_minor || '|'
                                     || coalesce(i.number, ''), ' ' ORDER BY e.line_no) AS e
                   FROM ledger_entry e LEFT JOIN invoice i ON i.id = e.invoice_id
                   WHERE e.txn_id = t.id) x
          WHERE t.reference IN ('INV-2026-000001', 'CN-2026-000001')")"
check_eq "every transaction balances" "" \
    "$(q "SELECT string_agg(txn_id || ':' || s, ' ') FROM (SELECT txn_id, sum(amount_minor) s
          FROM ledger_entry GROUP BY txn_id HAVING sum(amount_minor) <> 0) x")"
check_eq "debits equal credits over the whole ledger" "t" \
    "$(q "SELECT sum(amount_minor) FILTER (WHERE amount_minor > 0)
                 = -sum(amount_minor) FILTER (WHERE amount_minor < 0) FROM ledger_entry")"

# 178.08 - 10.61 = 167.47; beta's void invoice is all credited, 0 open.
check_eq "invoice_open: alpha's January hand-computed" "INV-2026-000001|17808|1061|0|16747" \
    "$(q "SELECT number || '|' || total || '|' || credited || '|' || applied || '|' || open
          FROM invoice_open WHERE number = 'INV-2026-000001'")"
check_eq "invoice_open: every invoice's total less its credit notes' totals" "3 0" \
    "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE o.open <> i.total + coalesce(
              (SELECT sum(c.total) FROM invoice c WHERE c.credits = i.id AND c.status = 'issued'), 0))
          FROM invoice_open o JOIN invoice i ON i.number = o.number")"
check_eq "invoice_open: beta's void invoice is open 0" "0" \
    "$(q "SELECT open FROM invoice_open WHERE number = 'INV-2026-000002'")"
# alpha owes 167.47 + 53.42 = 220.89; beta nothing.
check_eq "customer_balance: alpha owes 220.89, beta 0" "alpha|CNY|22089|0|0|22089 beta|CNY|0|0|0|0" \
    "$(q "SELECT string_agg(c.code || '|' || b.currency || '|' || b.receivable || '|' || b.credit
                            || '|' || b.deposit || '|' || b.net, ' ' ORDER BY c.code)
          FROM customer_balance b JOIN customer c ON c.id = b.customer_id")"

# An unbalanced transaction, written by the owner itself, is refused at
# COMMIT, and nothing of it stays.
alpha=$(q "SELECT id FROM customer WHERE code = 'alpha'")
inv1=$(q "SELECT id FROM invoice WHERE number = 'INV-2026-000001'")
post() { # entries... as "account amount": a payment transaction of alpha's, as the owner
    local sql="SET ROLE gpumeter_owner; BEGIN;
        INSERT INTO ledger_txn (customer_id, currency, kind, reference, actor)
        VALUES ($alpha, 'CNY', 'payment', 'BANK-REF-1', 'test');" n=0 a
    for a in "$@"; do
        n=$((n + 1))
        sql+="INSERT INTO ledger_entry VALUES (currval('ledger_txn_id_seq'), $n, '${a% *}', ${a#* }, $inv1);"
    done
    echo "$sql"
}
refused_as "an unbalanced transaction is refused at COMMIT, even to the owner" gpumeter \
    "$(post "cash 10000" "receivable -9999") COMMIT" \
    'entries sum to 1 CNY, a posting balances'
refused_as "an entry naming another customer's invoice is refused" gpumeter \
    "$(post "cash 100" "receivable -100" | sed "s/, $inv1);/, $(q "SELECT id FROM invoice WHERE number = 'INV-2026-000002'"));/g") COMMIT" \
    'names an invoice of another customer or currency'
check_eq "a balanced one passes the check (rolled back)" "" \
    "$(as gpumeter "$(post "cash 10000" "receivable -10000") SET CONSTRAINTS ledger_balanced IMMEDIATE; ROLLBACK")"
check_eq "nothing of them is in the ledger" "5 0" \
    "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE kind = 'payment') FROM ledger_txn")"

col() { if [ "$1" = ledger_txn ]; then echo customer_id; else echo amount_minor; fi; }
for r in gpumeter gpumeter_owner; do
    set_role=$([ $r = gpumeter_owner ] && echo "SET ROLE gpumeter_owner;")
    for t in ledger_txn ledger_entry; do
        refused_as "$r may not UPDATE $t" gpumeter "$set_role UPDATE $t SET $(col $t) = 7" \
            "$t is append-only: UPDATE is refused"
        refused_as "$r may not DELETE from $t" gpumeter "$set_role DELETE FROM $t" \
            "$t is append-only: DELETE is refused"
        refused_as "$r may not TRUNCATE $t" gpumeter "$set_role TRUNCATE $t CASCADE" \
            "is append-only: TRUNCATE is refused"
    done
    refused_as "$r may not UPDATE an entry's amount" gpumeter \
        "$set_role UPDATE ledger_entry SET amount_minor = 1" 'ledger_entry is append-only: UPDATE is refused'
done
for r in gpumeter_billing gpumeter_api gpumeter_rater; do
    for t in ledger_txn ledger_entry; do
        refused_as "$r may not UPDATE $t" $r "UPDATE $t SET $(col $t) = 7" 'permission denied'
        refused_as "$r may not DELETE from $t" $r "DELETE FROM $t" 'permission denied'
    done
    refused_as "$r may not insert a transaction" $r \
        "INSERT INTO ledger_txn (customer_id, currency, kind, reference, actor)
         VALUES ($alpha, 'CNY', 'payment', 'x', 'x')" 'permission denied'
    refused_as "$r may not insert an entry" $r \
        "INSERT INTO ledger_entry VALUES (1, 9, 'cash', 1, NULL)" 'permission denied'
    refused_as "$r may not post an invoice again itself" $r \
        "SELECT ledger_post_issued($inv1, 'x', now())" 'permission denied for function'
done
check_eq "the ledger is as it was" "5 15" \
    "$(q "SELECT (SELECT count(*) FROM ledger_txn) || ' ' || count(*) FROM ledger_entry")"

# Schema 031: the due day, open amounts as of a moment, and the outbox.
# These invoices were issued without payment terms: each is due on the
# day it was issued, in its customer's zone (Asia/Shanghai).
check_eq "an invoice without terms is due the local day it was issued" \
    "$(q "SELECT (issued_at AT TIME ZONE 'Asia/Shanghai')::date FROM invoice WHERE number = 'INV-2026-000001'")" \
    "$(q "SELECT invoice_due_on(i) FROM invoice i WHERE number = 'INV-2026-000001'")"
cn_at=$(q "SELECT issued_at FROM invoice WHERE number = 'CN-2026-000001'")
feb_at=$(q "SELECT issued_at FROM invoice WHERE number = 'INV-2026-000003'")
check_eq "invoice_open_at now: alpha's January 178.08 less its 10.61 credit, nothing paid" \
    "INV-2026-000001|17808|1061|0|0|16747 INV-2026-000002|$(q "SELECT total FROM invoice WHERE number = 'INV-2026-000002'")|$(q "SELECT total FROM invoice WHERE number = 'INV-2026-000002'")|0|0|0 INV-2026-000003|5342|0|0|0|5342" \
    "$(q "SELECT string_agg(concat_ws('|', number, total, credited, paid, written_off, open), ' ' ORDER BY number)
          FROM invoice_open_at(now())")"
check_eq "invoice_open_at just before the credit note: alpha's January whole, February not yet issued" \
    "INV-2026-000001|17808 INV-2026-000002|$(q "SELECT total FROM invoice WHERE number = 'INV-2026-000002'")" \
    "$(q "SELECT string_agg(number || '|' || open, ' ' ORDER BY number)
          FROM invoice_open_at('$cn_at'::timestamptz - interval '1 microsecond')")"
check_eq "days past due count from the due day to the moment's local day" "0 31" \
    "$(q "SELECT min(days_past_due) || ' ' || (SELECT days_past_due FROM invoice_open_at(
              (SELECT issued_at + interval '31 days' FROM invoice WHERE number = 'INV-2026-000003'))
           WHERE number = 'INV-2026-000003') FROM invoice_open_at('$feb_at')")"
check_eq "the outbox: one notification per issued invoice and credit note, in the issuing transaction" \
    "credit_note.issued|CN-2026-000001|-1061|INV-2026-000001 credit_note.issued|CN-2026-000002|-$(q "SELECT total FROM invoice WHERE number = 'INV-2026-000002'")|INV-2026-000002 invoice.issued|INV-2026-000001|17808| invoice.issued|INV-2026-000002|$(q "SELECT total FROM invoice WHERE number = 'INV-2026-000002'")| invoice.issued|INV-2026-000003|5342|" \
    "$(q "SELECT string_agg(concat_ws('|', o.kind, o.subject, o.payload->>'total_minor',
                                      coalesce(o.payload->>'credits', '')), ' ' ORDER BY o.subject)
          FROM outbox o JOIN invoice i ON i.number = o.subject
          WHERE o.created_at = i.issued_at AND o.customer_id = i.customer_id")"
check_eq "notify_emit writes a (kind, subject) once: true, then false, one row" "t f 1" \
    "$(as gpumeter_billing "SELECT notify_emit('threshold.crossed', NULL, 'alpha/80', '{\"at\":80}');
                            SELECT notify_emit('threshold.crossed', NULL, 'alpha/80', '{\"at\":81}');
                            SELECT count(*) FROM outbox WHERE subject = 'alpha/80'" | tr '\n' ' ' | sed 's/ $//')"
refused_as "the outbox is append-only, even to the owner" gpumeter \
    "UPDATE outbox SET payload = '{}'" 'append-only'
for r in gpumeter_billing gpumeter_api gpumeter_rater; do
    refused_as "$r may not write the outbox but through notify_emit" $r \
        "INSERT INTO outbox (kind, subject, payload) VALUES ('x.y', 'z', '{}')" 'permission denied'
done
refused_as "the API may not emit" gpumeter_api \
    "SELECT notify_emit('x.y', NULL, 'z', '{}')" 'permission denied for function'

# The migration posts what was issued before it: 030 undone by hand and
# applied again to these five documents gives the same ledger.
ledger() { q "SELECT string_agg(t.kind || '|' || t.reference || '|' || t.customer_id || '|' || t.currency
                                || '|' || e.line_no || '|' || e.account || '|' || e.amount_minor
                                || '|' || coalesce(e.invoice_id::text, ''), ' '
                                ORDER BY t.reference, e.line_no)
              FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id"; }
before=$(ledger)
q "DROP VIEW invoice_open, customer_balance; DROP TABLE ledger_entry, ledger_txn;
   DROP TRIGGER ledger_post_invoice ON invoice;
   DROP FUNCTION ledger_post_invoice(), ledger_post_issued(bigint, text, timestamptz), ledger_balanced();
   ALTER INDEX invoice_one_open_per_month RENAME TO invoice_open;
   DELETE FROM schema_migration WHERE version = 30" >/dev/null
"$GM" migrate >"$TMP/migrate" 2>&1
rc=$?; [ $rc -eq 0 ] || sed "s/^/# /" "$TMP/migrate"
check_eq "migrate 030 again succeeds" 0 "$rc"

check_eq "and posts the documents issued before it, the same entries" "$before" "$(ledger)"
check_eq "at their issue time, by 'migrate 030'" "5 5" \
    "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE t.at = i.issued_at AND t.actor = 'migrate 030')
          FROM ledger_txn t JOIN invoice i ON i.number = t.reference")"
finish
