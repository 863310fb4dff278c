#!/bin/bash
# Issued money is immutable even to the application's own billing role
# (issue 32, schema 027), tried as the insider a reviewer played with
# `psql -U gpumeter_billing`: a credit note inserted already issued (any
# amount, any number, another customer's), a void or a first fapiao record
# by a bare UPDATE, a fapiao dated before the issue, an audit row
# back-dated: each refused naming its rule, and nothing of it kept. The
# commands themselves (void, partial credit, fapiao) still work as that
# role, and leave the rows the guards ask for.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
as() { # role sql -> output and errors
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$1" -d "$DB" -tAc "$2" 2>&1
}
insider() { # name sql pattern: refused as gpumeter_billing with the pattern
    local out
    out=$(as gpumeter_billing "$2")
    if [ $? -ne 0 ] && grep -qE -- "$3" <<<"$out"; then
        pass "$1"
    else
        fail "$1 (expected an error matching [$3], got [$out])"
    fi
}
snapshot() { q "SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
                  SELECT i::text AS t FROM invoice i UNION ALL SELECT l::text FROM invoice_line l
                  UNION ALL SELECT n::text FROM invoice_number n
                  UNION ALL SELECT a::text FROM audit_log a) x"; }

# alpha's and beta's January: 10 H800 hours each, 178.08 with tax.
for c in alpha beta; do
    printf 'g\t{"v":1,"source":"g","seq":%d,"account":"ns-%s","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":36000000,"start":"2026-01-10T02:00:00Z","end":"2026-01-10T03:00:00Z"}\n' \
        "$([ $c = alpha ] && echo 1 || echo 2)" "$c"
done | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 >/dev/null 2>&1 && "$GM" invoice issue --period 2026-01 >/dev/null 2>&1
A=INV-2026-000001 B=INV-2026-000002
check_eq "alpha's and beta's January are issued, 178.08 each" "$A alpha 17808 $B beta 17808" \
    "$(q "SELECT string_agg(i.number || ' ' || c.code || ' ' || i.total, ' ' ORDER BY i.number)
          FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE i.status = 'issued'")"
before=$(snapshot)

# A credit note's columns, as the app writes them, with $1 status, $2
# amount (fen, tax 0) and $3 the customer's code.
cn() { echo "INSERT INTO invoice (customer_id, period, status, currency, tax_rate_ppm, subtotal,
        tax, total, claimed, due, contract, plan, kind, credits, number, issued_at)
      SELECT c.id, i.period, '$1', i.currency, i.tax_rate_ppm, $2, 0, $2, 0, $2, i.contract,
             i.plan, 'credit_note', i.id, CASE '$1' WHEN 'issued' THEN 'CN-2026-999998' END,
             CASE '$1' WHEN 'issued' THEN now() END
      FROM invoice i, customer c WHERE i.number = '$A' AND c.code = '$3'"; }
insider "a credit note inserted already issued is refused" \
    "$(cn issued -100 alpha)" 'invoice CN-2026-999998 is inserted issued: invoices and credit notes are inserted as drafts'
insider "so is an invoice inserted already issued" \
    "INSERT INTO invoice (customer_id, period, status, currency, tax_rate_ppm, subtotal, tax, total,
       due, number, issued_at) SELECT id, '2026-03-01', 'issued', 'CNY', 0, 100, 0, 100, 100,
       'INV-2026-999999', now() FROM customer WHERE code = 'alpha'" \
    'invoice INV-2026-999999 is inserted issued: invoices and credit notes are inserted as drafts'
insider "a credit note of -106,000.00 inserted issued is refused as an over-credit" \
    "$(cn issued -10600000 alpha)" "credit note CN-2026-999998 would credit more than remains of invoice $A"
insider "beta's credit note of alpha's invoice is refused, even as a draft" \
    "$(cn draft -100 beta)" 'credit note \(draft\) is refused: a credit note credits an invoice of its own customer, currency and period'
insider "and alpha's credit note of its January dated February" \
    "$(cn draft -100 alpha | sed 's/SELECT c.id, i.period,/SELECT c.id, date '"'"'2026-02-01'"'"',/')" \
    'credit note \(draft\) is refused: a credit note credits an invoice of its own customer, currency and period'
insider "a draft credit note issued with a number outside the series is refused at commit" \
    "BEGIN; $(cn draft -100 alpha);
     UPDATE invoice SET status = 'issued', issued_at = now(), number = 'CN-2026-999998'
      WHERE kind = 'credit_note' AND status = 'draft'; COMMIT" \
    'invoice CN-2026-999998 is refused: an issued credit_note bears the next number of series CN, taken by the same transaction'
insider "a bare void is refused at commit" \
    "UPDATE invoice SET status = 'void', voided_at = now(), void_reason = 'insider', void_code = '01'
      WHERE number = '$A'" \
    "invoice $A is refused void: its issued credit notes must reverse it whole \(they credit 0 of 17808\)"
insider "and one with its audit row but no credit note" \
    "BEGIN; UPDATE invoice SET status = 'void', voided_at = now(), void_reason = 'insider',
       void_code = '01' WHERE number = '$A';
     INSERT INTO audit_log (actor, object, key, action, before, after)
       VALUES ('insider', 'invoice', '$A', 'void', '{}', '{}'); COMMIT" \
    "invoice $A is refused void: its issued credit notes must reverse it whole"
today=$(q "SELECT to_char(now() AT TIME ZONE customer_time_zone(customer_id, period), 'YYYY-MM-DD')
           FROM invoice WHERE number = '$A'")
insider "a fapiao recorded by a bare UPDATE is refused at commit" \
    "UPDATE invoice SET fapiao_number = '33333333333333333333', fapiao_date = '$today'
      WHERE number = '$A'" \
    "fapiao 33333333333333333333 of invoice $A is refused: a fapiao is recorded with its 'fapiao' audit row in the same transaction"
fapiao_sql() { # date
    echo "BEGIN; INSERT INTO audit_log (actor, object, key, action, after) VALUES ('insider',
       'invoice', '$A', 'fapiao', '{\"fapiao_number\": \"33333333333333333333\"}');
     UPDATE invoice SET fapiao_number = '33333333333333333333', fapiao_date = '$1'
      WHERE number = '$A'; COMMIT"
}
insider "a fapiao dated before the invoice's issue is refused, audit row or not" "$(fapiao_sql 2020-01-01)" \
    "fapiao date 2020-01-01 of invoice $A is refused: a fapiao date is from the invoice's issue date \($(issued_on $A)\) to today \($today\)"
insider "and one dated after today" "$(fapiao_sql 2099-01-01)" \
    "fapiao date 2099-01-01 of invoice $A is refused"
check_eq "nothing of the refused statements is kept" "$before" "$(snapshot)"

# The audit log's time is the transaction's, whatever the client says.
check_eq "a back-dated audit row gets the transaction's time" "t" \
    "$(as gpumeter_billing "INSERT INTO audit_log (actor, object, key, action, before, after, at)
        VALUES ('insider', 'invoice', '$B', 'void', '{}', '{}', '2026-01-01')
        RETURNING at = now()")"
check_eq "no audit row is dated 2026-01-01" "0" \
    "$(q "SELECT count(*) FROM audit_log WHERE at < '2026-01-02'")"

# The commands, as the billing role, still do all of it.
"$GM" invoice credit "$A" --amount 10.00 --reason 04 >/dev/null 2>&1
check_eq "invoice credit works" "CN-2026-000001 -1000 -60 -1060" \
    "$(q "SELECT number || ' ' || subtotal || ' ' || tax || ' ' || total FROM invoice
          WHERE kind = 'credit_note'")"
"$GM" invoice fapiao "$A" --number 26312000000012345678 --date "$(issued_on $A)" >/dev/null 2>&1
check_eq "invoice fapiao works, audited" "26312000000012345678 1" \
    "$(q "SELECT fapiao_number || ' ' || (SELECT count(*) FROM audit_log WHERE action = 'fapiao')
          FROM invoice WHERE number = '$A'")"
"$GM" invoice void "$A" --reason "wrong rate" >/dev/null 2>&1
check_eq "invoice void after a partial credit works: its credit notes reverse it whole" \
    "void -17808 1" \
    "$(q "SELECT i.status || ' ' || (SELECT sum(total) FROM invoice WHERE credits = i.id
                                     AND status = 'issued') || ' ' ||
                 (SELECT count(*) FROM audit_log WHERE action = 'void' AND key = '$A')
          FROM invoice i WHERE number = '$A'")"
"$GM" invoice void "$B" --reason "wrong rate" >/dev/null 2>&1
check_eq "and a whole void" "void CN-2026-000003 -17808" \
    "$(q "SELECT i.status || ' ' || c.number || ' ' || c.total FROM invoice i
          JOIN invoice c ON c.credits = i.id WHERE i.number = '$B'")"
finish
