#!/bin/bash
# Payment terms, due dates, invoice states, aging, DSO and dunning (issue
# 34, deliverables 2 and 4; schema 032, docs/receivables.md) on the real
# broker and database, every figure hand-computed.
#
# The invoices are issued today (day D, Asia/Shanghai), so every date below
# is D + n days; payments and write-offs are posted with their own future
# moments, which the ledger keeps as `at`, so that "as of D + n" sees the
# ledger as it will stand then. Until the payments part of issue 34 exists,
# payments and write-offs are balanced transactions the test posts as the
# owner through ledger_post (the one helper every posting goes through).
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
contract() { # customer effective_from terms-json: its contract's version with these terms
    printf '{"contract": "%s-2026", "customer": "%s", "effective_from": "%s", "plan": "gpu-standard",
             "currency": "CNY", "tax_rate": "0.06", "accounts": [{"account": "ns-%s"}]%s}\n' \
        "$1" "$1" "$2" "$1" "${3:+, \"payment_terms\": $3}" >"$TMP/$1-$2.json"
    "$GM" contract apply "$TMP/$1-$2.json" >/dev/null
}

# The rule alone, on fixed days (schema 032's payment_terms_due):
# net 30 from 31 January 2026 is 2 March (28 days of February); the 31st
# of the month after January is 28 February 2026 (no 31st: its last day),
# 29 February in the leap year 2028; the 15th after 20 December is 15
# January of the next year; net 0 and no terms: the issue day itself.
check_eq "due days of both kinds of terms and the month's end, hand-computed" \
    "2026-03-02 2026-02-28 2028-02-29 2027-01-15 2026-12-20 2026-12-20 2026-02-01" \
    "$(q "SELECT concat_ws(' ', payment_terms_due('{\"net_days\": 30}', '2026-01-31'),
                              payment_terms_due('{\"day_of_month\": 31}', '2026-01-10'),
                              payment_terms_due('{\"day_of_month\": 31}', '2028-01-31'),
                              payment_terms_due('{\"day_of_month\": 15}', '2026-12-20'),
                              payment_terms_due('{\"net_days\": 0}', '2026-12-20'),
                              payment_terms_due(NULL, '2026-12-20'),
                              payment_terms_due('{\"day_of_month\": 1}', '2026-01-31'))")"

# Refused terms, each with its path, nothing applied (exit 2).
printf '{"contract": "alpha-2026", "customer": "alpha", "effective_from": "2026-01-01", "plan": "gpu-standard",
  "currency": "CNY", "tax_rate": "0.06", "accounts": [{"account": "ns-alpha"}],
  "payment_terms": {"net_days": 366, "day_of_month": 0, "days": 3}}\n' >"$TMP/bad.json"
err=$("$GM" contract apply "$TMP/bad.json" 2>&1 >/dev/null)
check_eq "bad payment terms are refused whole with exit 2" "2" "$?"
check_eq "each problem of the terms is named by its path" \
    '$.payment_terms.days: unknown field
$.payment_terms.net_days: must be a whole number from 0 to 365
$.payment_terms.day_of_month: must be a whole number from 1 to 31
$.payment_terms: needs exactly one of "net_days" and "day_of_month"' \
    "$(grep '^\$' <<<"$err")"

# alpha: net 30 all year. beta: the 31st of the month after the issue
# month in January, net 0 (due on the issue day) from February.
contract alpha 2026-01-01 '{"net_days": 30}'
contract beta 2026-01-01 '{"day_of_month": 31}'
contract beta 2026-02-01 '{"net_days": 0}'

# January: alpha 10 H800 hours at 16.80, 168.00 + 6% = 178.08; beta 5
# hours, 84.00 + 5.04 = 89.04. February: alpha 3 hours, 50.40 + 3.02 =
# 53.42; beta 2 hours, 33.60 + 2.02 (2.016) = 35.62.
h800_hours ns-alpha 2026-01-10T02:00:00Z 10
h800_hours ns-beta 2026-01-11T02:00:00Z 5
rate_and_issue 2026-01
h800_hours ns-alpha 2026-02-10T02:00:00Z 3
h800_hours ns-beta 2026-02-11T02:00:00Z 2
rate_and_issue 2026-02
check_eq "the invoices issued, hand-computed" \
    "INV-2026-000001|alpha|17808 INV-2026-000002|beta|8904 INV-2026-000003|alpha|5342 INV-2026-000004|beta|3562" \
    "$(q "SELECT string_agg(i.number || '|' || c.code || '|' || i.total, ' ' ORDER BY i.number)
          FROM invoice i JOIN customer c ON c.id = i.customer_id")"

D=$(issued_on INV-2026-000001)
day() { date -d "$D + $1 day" +%F; } # D + n days
# beta's January: the 31st of the month after D's month, which is that
# month's last day whatever month it is (none has more than 31 days).
E=$(date -d "$(date -d "$D" +%Y-%m-01) + 2 month - 1 day" +%F)
check_eq "due dates as issued: alpha D+30 (net 30), beta January the month after's last day, February D (net 0)" \
    "INV-2026-000001|$(day 30) INV-2026-000002|$E INV-2026-000003|$(day 30) INV-2026-000004|$D" \
    "$(q "SELECT string_agg(number || '|' || due_date, ' ' ORDER BY number) FROM invoice")"
refused_as "an issued invoice's due day is not changed, even by billing" gpumeter_billing \
    "UPDATE invoice SET due_date = due_date + 30 WHERE number = 'INV-2026-000001'" \
    'issued invoices are immutable'
check_eq "the invoice.issued notification carries the due day" "$(day 30)" \
    "$(q "SELECT payload->>'due_on' FROM outbox WHERE kind = 'invoice.issued' AND subject = 'INV-2026-000001'")"

# Payments and a write-off, as the owner through ledger_post (see the top):
# alpha pays 100.00 of its January on D+10 and its February whole (53.42)
# on D+40; beta's January (89.04) is written off on D+1. Each at local noon.
at() { echo "$(day "$1") 12:00 Asia/Shanghai"; }
inv() { q "SELECT id FROM invoice WHERE number = '$1'"; }
alpha=$(q "SELECT id FROM customer WHERE code = 'alpha'")
beta=$(q "SELECT id FROM customer WHERE code = 'beta'")
post() { # customer kind reference day debit-account amount invoice
    as gpumeter "SET ROLE gpumeter_owner; BEGIN;
        SELECT ledger_post($1, 'CNY', '$2', '$3', 'test', '$(at "$4")',
                           '[{\"account\": \"$5\", \"amount_minor\": $6},
                             {\"account\": \"receivable\", \"amount_minor\": -$6, \"invoice_id\": $7}]');
        COMMIT" >/dev/null
}
states() { # day: each invoice's state as of the end of that local day
    q "SELECT string_agg(concat_ws('|', number, state, overdue, days_past_due, open), ' ' ORDER BY number)
       FROM invoice_state_at(receivables_day_end('$1', 'Asia/Shanghai'))"
}
check_eq "as issued: all open, none overdue (beta's February is due today)" \
    "INV-2026-000001|open|f|0|17808 INV-2026-000002|open|f|0|8904 INV-2026-000003|open|f|0|5342 INV-2026-000004|open|f|0|3562" \
    "$(states "$D")"
post "$alpha" payment BANK-A1 10 cash 10000 "$(inv INV-2026-000001)"
post "$beta" write_off WO-B1 1 write_off 8904 "$(inv INV-2026-000002)"
post "$alpha" payment BANK-A2 40 cash 5342 "$(inv INV-2026-000003)"
check_eq "D+1: beta's January written off, its February overdue 1 day" \
    "INV-2026-000001|open|f|0|17808 INV-2026-000002|written_off|f|0|0 INV-2026-000003|open|f|0|5342 INV-2026-000004|open|t|1|3562" \
    "$(states "$(day 1)")"
check_eq "D+10: alpha's January partially paid (78.08 open), not yet due" \
    "INV-2026-000001|partially_paid|f|0|7808" \
    "$(states "$(day 10)" | cut -d' ' -f1)"
check_eq "D+35: alpha's January partially paid and overdue 5 days; its February open and overdue" \
    "INV-2026-000001|partially_paid|t|5|7808 INV-2026-000003|open|t|5|5342" \
    "$(states "$(day 35)" | cut -d' ' -f1,3)"
check_eq "D+40: alpha's February paid" "INV-2026-000003|paid|f|10|0" \
    "$(states "$(day 40)" | cut -d' ' -f3)"
check_eq "D+1 again, after the later postings: the earlier day's states are unchanged" \
    "INV-2026-000001|open|f|0|17808 INV-2026-000002|written_off|f|0|0 INV-2026-000003|open|f|0|5342 INV-2026-000004|open|t|1|3562" \
    "$(states "$(day 1)")"

# Aging (report receivables), as of D+20 and D+50.
# Sales of the 90 days to either: every invoice, issued on D: alpha
# 178.08 + 53.42 = 231.50, beta 89.04 + 35.62 = 124.66, in all 356.16
# (a write-off is no credit note: it does not reduce sales).
# D+20: alpha's January 78.08 and February 53.42 are current (due D+30):
#   131.50; beta's February is 20 days past due: 35.62 in 1-30.
#   DSO alpha 131.50 / 231.50 x 90 = 51.12 -> 51.1; beta 35.62 / 124.66 x
#   90 = 25.72 -> 25.7; all 167.12 / 356.16 x 90 = 42.23 -> 42.2.
# D+50: alpha's January 20 days late: 78.08 in 1-30 (its February paid on
#   D+40); beta's February 50 days: 35.62 in 31-60. DSO alpha 78.08 /
#   231.50 x 90 = 30.36 -> 30.4; beta 25.7; all 113.70 / 356.16 x 90 =
#   28.73 -> 28.7.
# D+95: alpha's January 65 days late (61-90), beta's February 95 (over
#   90); nothing was sold in the 90 days to D+95 (D+6 .. D+95): no DSO.
aging() { "$GM" report receivables --as-of "$1" --format csv "${@:2}"; }
check_eq "aging as of D+20, hand-computed" \
    "as_of,customer,currency,current,days_1_30,days_31_60,days_61_90,over_90,open,sales_90d,invoices,dso,default_since
$(day 20),alpha,CNY,131.50,0.00,0.00,0.00,0.00,131.50,231.50,2,51.1,
$(day 20),beta,CNY,0.00,35.62,0.00,0.00,0.00,35.62,124.66,1,25.7,
$(day 20),total,CNY,131.50,35.62,0.00,0.00,0.00,167.12,356.16,3,42.2," \
    "$(aging "$(day 20)")"
check_eq "aging as of D+50, hand-computed: alpha's later payment counts" \
    "$(day 50),alpha,CNY,0.00,78.08,0.00,0.00,0.00,78.08,231.50,1,30.4,
$(day 50),beta,CNY,0.00,0.00,35.62,0.00,0.00,35.62,124.66,1,25.7,
$(day 50),total,CNY,0.00,78.08,35.62,0.00,0.00,113.70,356.16,2,28.7," \
    "$(aging "$(day 50)" | tail -n +2)"
# Both are in default by then (receivables.default_after_days, 60): alpha's
# January, due D+30, since D+91; beta's February, due D+0, since D+61.
check_eq "aging as of D+95: the last two buckets, no DSO without sales, and the defaults flagged" \
    "$(day 95),alpha,CNY,0.00,0.00,0.00,78.08,0.00,78.08,0.00,1,-,$(day 91)
$(day 95),beta,CNY,0.00,0.00,0.00,0.00,35.62,35.62,0.00,1,-,$(day 61)
$(day 95),total,CNY,0.00,0.00,0.00,78.08,35.62,113.70,0.00,2,-," \
    "$(aging "$(day 95)" | tail -n +2)"
check_eq "one customer's aging as JSON" \
    "{\"as_of\":\"$(day 20)\",\"rows\":[{\"customer\":\"beta\",\"total\":false,\"currency\":\"CNY\",\"current_minor\":0,\"current\":\"0.00\",\"days_1_30_minor\":3562,\"days_1_30\":\"35.62\",\"days_31_60_minor\":0,\"days_31_60\":\"0.00\",\"days_61_90_minor\":0,\"days_61_90\":\"0.00\",\"over_90_minor\":0,\"over_90\":\"0.00\",\"open_minor\":3562,\"open\":\"35.62\",\"sales_90d_minor\":12466,\"sales_90d\":\"124.66\",\"invoices\":1,\"dso\":\"25.7\",\"default_since\":null},{\"customer\":null,\"total\":true,\"currency\":\"CNY\",\"current_minor\":0,\"current\":\"0.00\",\"days_1_30_minor\":3562,\"days_1_30\":\"35.62\",\"days_31_60_minor\":0,\"days_31_60\":\"0.00\",\"days_61_90_minor\":0,\"days_61_90\":\"0.00\",\"over_90_minor\":0,\"over_90\":\"0.00\",\"open_minor\":3562,\"open\":\"35.62\",\"sales_90d_minor\":12466,\"sales_90d\":\"124.66\",\"invoices\":1,\"dso\":\"25.7\",\"default_since\":null}]}" \
    "$("$GM" report receivables --as-of "$(day 20)" --customer beta --format json)"
check_match "the text report has its header and total" "total +CNY +131.50 +35.62" \
    "$("$GM" report receivables --as-of "$(day 20)")"

# The finance API: the same JSON; a customer key its own rows only.
KF=$("$GM" customer key create --finance 2>/dev/null)
KA=$("$GM" customer key create alpha 2>/dev/null)
KS=$("$GM" customer key create --sales 2>/dev/null)
start_server "$TMP/serve.log" || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
get() { api_get "$@"; }
check_eq "GET /v1/receivables (finance) is report receivables --format json" \
    "200 $("$GM" report receivables --as-of "$(day 50)" --format json)" \
    "$(get "$KF" "/v1/receivables?as_of=$(day 50)")"
check_eq "a customer key reads its own row (and its total) only" \
    "200 $("$GM" report receivables --as-of "$(day 50)" --customer alpha --format json)" \
    "$(get "$KA" "/v1/receivables?as_of=$(day 50)")"
check_match "a customer key naming another customer is refused" '^403 .*reads only customer alpha' \
    "$(get "$KA" "/v1/receivables?customer=beta")"
check_match "a sales key is refused" '^403 ' "$(get "$KS" "/v1/receivables")"
check_match "finance naming no customer gets 404" '^404 .*no such customer' \
    "$(get "$KF" "/v1/receivables?customer=alfa")"
check_match "a bad as_of is 400" '^400 .*as_of is a day YYYY-MM-DD' \
    "$(get "$KF" "/v1/receivables?as_of=2026-13-01")"
check_match "the API's invoice list has each one's due day and state" \
    "^200 .*\"number\":\"INV-2026-000003\".*\"remaining_minor\":5342,\"due_on\":\"$(day 30)\",\"state\":\"open\",\"overdue\":false,\"days_overdue\":0" \
    "$(get "$KA" "/v1/invoices")"
check_match "the API's invoice JSON has the due day and state" \
    "^200 .*\"due_on\":\"$D\",\"state\":\"open\",\"overdue\":false" \
    "$(get "$KF" "/v1/invoices/INV-2026-000004")"

for bad in 2026-13-01 2026-02-30 yesterday; do
    err=$("$GM" report receivables --as-of "$bad" 2>&1 >/dev/null)
    check_eq "report receivables --as-of $bad exits 2" "2" "$?"
    check_match "and names the value" "--as-of $bad: .* \\(expected YYYY-MM-DD\\)" "$err"
done
"$GM" report receivables --format xml >/dev/null 2>&1
check_eq "a bad --format exits 2" "2" "$?"
"$GM" report receivables --customer 'Alpha;' >/dev/null 2>&1
check_eq "a --customer that is no code exits 2" "2" "$?"
err=$("$GM" report receivables --customer alfa 2>&1 >/dev/null)
check_eq "a customer that does not exist exits 1, not an empty report" "1" "$?"
check_match "naming it" 'error: unknown customer .alfa.' "$err"
check_eq "gamma, who owes nothing, has an empty report as of today (exit 0)" \
    "{\"as_of\":\"$(TZ=Asia/Shanghai date +%F)\",\"rows\":[]} 0" \
    "$("$GM" report receivables --customer gamma --format json 2>&1) $?"
err=$("$GM" dunning run --as-of 2026-13-01 2>&1 >/dev/null)
check_eq "dunning run --as-of 2026-13-01 exits 2" "2" "$?"
check_match "and names the value" '--as-of 2026-13-01: month 13 is not 01..12 \(expected YYYY-MM-DD\)' "$err"
check_eq "and sends nothing" "0" "$(q "SELECT count(*) FROM dunning_reminder")"
err=$("$GM" dunning run --as-of "$(day 50)" 2>&1 >/dev/null)
check_eq "a day after today without --ahead exits 2 and sends nothing" "2 0" \
    "$? $(q "SELECT count(*) FROM dunning_reminder")"
check_match "and says why" "--as-of $(day 50) is after today" "$err"

# Dunning: the default steps 1, 15, 30, 60 days past due.
dun() { "$GM" dunning run --as-of "$1" --ahead --actor dunner | tail -1; }
check_eq "dunning on D: nothing is past due" "dunning: 0 reminders sent" "$(dun "$D")"
check_eq "D+1: beta's February reaches step 1" "dunning: 1 reminder sent" "$(dun "$(day 1)")"
check_eq "D+1 again: nothing more" "dunning: 0 reminders sent" "$(dun "$(day 1)")"
check_eq "D+20: beta's February reaches step 15" "dunning: 1 reminder sent" "$(dun "$(day 20)")"
# alpha's January first late on D+31; on D+50 it is 20 days late: step 15
# only (step 1 is passed, not sent late); beta's February reaches step 30.
check_eq "D+50: alpha's January at step 15, beta's February at 30" \
    "INV-2026-000001 alpha: step 15 reached (20 days past due, 78.08 CNY open)
INV-2026-000004 beta: step 30 reached (50 days past due, 35.62 CNY open)
dunning: 2 reminders sent" \
    "$("$GM" dunning run --as-of "$(day 50)" --ahead --actor dunner | sed 's/; invoice.overdue .*//')"
# D+42 after it: alpha's January is then at step 1 (12 days late; its
# February was paid on D+40), passed over when
# step 15 was sent: never sent late.
check_eq "D+50 again, and D+42 after it: nothing more (a step passed over is not sent late)" \
    "dunning: 0 reminders sent dunning: 0 reminders sent" "$(dun "$(day 50)") $(dun "$(day 42)")"
check_eq "each step notified once (invoice.overdue <number>/<step>) with what was open" \
    "INV-2026-000001/15|1|7808|20 INV-2026-000004/1|1|3562|1 INV-2026-000004/15|1|3562|20 INV-2026-000004/30|1|3562|50" \
    "$(q "SELECT string_agg(subject || '|' || n || '|' || open || '|' || dpd, ' ' ORDER BY subject)
          FROM (SELECT subject, count(*) n, max(payload->>'open_minor') open,
                       max(payload->>'days_past_due') dpd
                FROM outbox WHERE kind = 'invoice.overdue' GROUP BY subject) x")"
check_eq "each reminder recorded on its invoice with its event and actor" \
    "INV-2026-000001|15|dunner|true INV-2026-000004|1|dunner|true INV-2026-000004|15|dunner|true INV-2026-000004|30|dunner|true" \
    "$(q "SELECT string_agg(i.number || '|' || d.step || '|' || d.actor || '|' || (o.id IS NOT NULL), ' '
                            ORDER BY i.number, d.step)
          FROM dunning_reminder d JOIN invoice i ON i.id = d.invoice_id
          LEFT JOIN outbox o ON o.event_id = d.event_id")"
# What a person reads, now (day D: the postings above are all later).
check_eq "invoice show: the due day, the state now and the reminders sent" \
    "due       $D
state     open (35.62 CNY open)
reminders 1 ($(day 1)), 15 ($(day 20)), 30 ($(day 50)) (days past due, as of)" \
    "$("$GM" invoice show INV-2026-000004 | grep -E '^(due|state|reminders) ')"
check_match "invoice show --format json carries them" \
    "\"due_on\":\"$(day 30)\",\"state\":\"open\",\"overdue\":false,\"days_overdue\":0,\"open\":\"178.08\",\"open_minor\":17808,\"reminders\":\"15 \\($(day 50)\\)\"" \
    "$("$GM" invoice show INV-2026-000001 --format json)"
"$GM" invoice show INV-2026-000001 --format pdf --output "$TMP/due.pdf" >/dev/null 2>&1
check_match "the PDF prints the due day (fixed at issue; not the state, which changes)" \
    "到期日 Due date +$(day 30)" "$(pdftotext -layout "$TMP/due.pdf" - 2>&1)"
check_eq "invoice list: the due day and the state" \
    "INV-2026-000001 due $(day 30) open
INV-2026-000002 due $E open
INV-2026-000003 due $(day 30) open
INV-2026-000004 due $D open" \
    "$("$GM" invoice list | awk 'NR > 1 {print $1, $(NF-2), $(NF-1), $NF}')"
echo "receivables.dunning_steps = 1,15,15" >>"$GPUMETER_CONFIG"
err=$("$GM" dunning run 2>&1 >/dev/null)
check_eq "steps out of order are refused at start (exit 2)" "2" "$?"
check_match "naming the step" 'receivables.dunning_steps: "15" is not a step' "$err"
refused_as "billing may not write a reminder itself" gpumeter_billing \
    "INSERT INTO dunning_reminder VALUES (1, 99, now(), 99, 1, 'x', now(), gen_random_uuid())" \
    'permission denied'
refused_as "a reminder, once sent, is not changed" gpumeter \
    "UPDATE dunning_reminder SET step = 2" 'dunning_reminder is append-only'
# The ledger balances after everything above (issue 34's acceptance).
check_ledger_balanced
finish
