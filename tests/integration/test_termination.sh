#!/bin/bash
# Early termination (issue 34, deliverable 7; docs/contracts.md "Early
# termination") on the real broker and database: `contract terminate`'s
# refusals (exit 2, naming why), its record (append-only, audited, one
# contract.terminated notification), usage after the last day no longer
# the contract's, and the final invoices hand-computed to the fen for both
# fee kinds and both make-up bank settlements, one of them on a GPU-hour
# commitment; the deposit clause applies the deposit held to the final
# invoice ("apply") or leaves it held ("refund"). Plan gpu-standard: H800
# 16.80 per GPU-hour; tax 6%.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
lines() { # customer period: kind|detail|quantity|amount|tax of its invoice's lines
    q "SELECT string_agg(l.kind || '|' || l.detail || '|' || l.quantity || '|' || l.amount
                         || '|' || l.tax, ' ' ORDER BY l.line_no)
       FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
       WHERE c.code = '$1' AND i.period = '$2-01' AND i.kind = 'invoice'"
}
totals() { # customer period: subtotal|tax|total
    q "SELECT i.subtotal || '|' || i.tax || '|' || i.total FROM invoice i
       JOIN customer c ON c.id = i.customer_id
       WHERE c.code = '$1' AND i.period = '$2-01' AND i.kind = 'invoice'"
}

"$GM" customer add ta --name "Termination A" >/dev/null
"$GM" customer add tb --name "Termination B" >/dev/null
# A: 10,000.00 a month, banked 3 months; 30 days' notice; a fee of three
# months of commitment; the bank forfeited.
cat >"$TMP/ta.json" <<'DOC'
{"contract": "ta-2026", "customer": "ta", "effective_from": "2026-01-01", "until": "2026-12-31",
 "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06", "accounts": [{"account": "ns-ta"}],
 "commitment": {"amount": "10000.00", "makeup_periods": 3},
 "termination": {"notice_days": 30, "fee": {"months_of_commitment": 3}, "makeup_bank": "forfeit",
                 "deposit": "refund"}}
DOC
# B: 100 GPU-hours a month at 12.00 per hour short, banked 2 months; half
# of the commitment left to June as the fee; the bank credited back.
cat >"$TMP/tb.json" <<'DOC'
{"contract": "tb-2026", "customer": "tb", "effective_from": "2026-01-01", "until": "2026-06-30",
 "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06", "accounts": [{"account": "ns-tb"}],
 "commitment": {"gpu_hours": 100, "shortfall_price": "12.00", "makeup_periods": 2},
 "termination": {"fee": {"share_of_remaining": "0.50"}, "makeup_bank": "credit", "deposit": "apply"}}
DOC
"$GM" contract apply "$TMP/ta.json" >/dev/null 2>&1
check_eq "ta's contract is applied" 0 "$?"
"$GM" contract apply "$TMP/tb.json" >/dev/null 2>&1
check_eq "tb's contract is applied" 0 "$?"

# The clause is validated whole, each problem on its path.
bad() { # name jq-edit expected-error
    jq "$2" "$TMP/ta.json" >"$TMP/bad.json"
    local out
    out=$("$GM" contract apply "$TMP/bad.json" 2>&1)
    local rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$3" <<<"$out"; then pass "$1"; else
        fail "$1 (expected exit 2 and [$3], got $rc [$out])"
    fi
}
bad "a fee of both kinds is refused" '.termination.fee = {"months_of_commitment": 1, "share_of_remaining": "0.5"}' \
    '$.termination.fee: needs exactly one of "months_of_commitment" and "share_of_remaining"'
bad "a share above 1 is refused" '.termination.fee = {"share_of_remaining": "1.5"}' \
    '$.termination.fee.share_of_remaining: must be above 0 and at most 1'
bad "a fee without a commitment is refused" 'del(.commitment)' \
    '$.termination.fee: a fee is priced from the commitment: the contract has none'
bad "a share of the remainder without until is refused" 'del(.until) | .termination.fee = {"share_of_remaining": "0.5"}' \
    "\$.termination.fee: a share of the remaining commitment needs the contract's \"until\""
bad "an unknown bank settlement is refused" '.termination.makeup_bank = "keep"' \
    '$.termination.makeup_bank: must be "forfeit" or "credit"'
bad "an unknown field is refused" '.termination.penalty = 1' '$.termination.penalty'

# January: ta 100 h (1,680.00: shortfall 8,320.00, banked); tb 40 h
# (672.00; 60 h short at 12.00: shortfall 720.00, banked).
h800_hours ns-ta 2026-01-10T02:00:00Z 100
h800_hours ns-tb 2026-01-10T02:00:00Z 40
rate_and_issue 2026-01
check_eq "ta's January banks 8,320.00" "usage||360000000|168000|10080 shortfall||832000|832000|49920" \
    "$(lines ta 2026-01)"
check_eq "tb's January banks 60 h at 12.00" "usage||144000000|67200|4032 shortfall||216000000|72000|4320" \
    "$(lines tb 2026-01)"
# February: ta 700 h = 11,760.00, 1,760.00 over: drawn from January's
# bank (6,560.00 left).
h800_hours ns-ta 2026-02-10T02:00:00Z 700
"$GM" rate --until-idle 2>/dev/null # tb's February waits for its termination
"$GM" invoice run --period 2026-02 --customer ta >/dev/null 2>&1 &&
    "$GM" invoice issue --period 2026-02 --customer ta >/dev/null 2>&1
check_eq "ta's February draws 1,760.00" "usage||2520000000|1176000|70560 makeup_draw|2026-01|176000|-176000|-10560" \
    "$(lines ta 2026-02)"

# Refusals: exit 2, naming why; nothing recorded.
refused() { # name expected-error args...
    local name=$1 want=$2 out rc
    shift 2
    out=$("$GM" contract terminate "$@" 2>&1)
    rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$want" <<<"$out"; then pass "$name"; else
        fail "$name (expected exit 2 and [$want], got $rc [$out])"
    fi
}
refused "an unknown contract" 'unknown contract "nope"' nope --date 2026-03-15
refused "without --date" '--date YYYY-MM-DD is required' ta-2026
refused "a bad flag" 'unknown option' ta-2026 --date 2026-03-15 --when now
refused "a date before the notice allows (30 days from 2026-02-10)" \
    "the contract needs 30 days' notice, given on 2026-02-10, so the earliest last day is 2026-03-12" \
    ta-2026 --date 2026-03-11 --noticed 2026-02-10
refused "a date before the notice was given" "it is before the notice was given (2026-02-10)" \
    tb-2026 --date 2026-02-09 --noticed 2026-02-10
refused "notice given after today" "notice cannot be given after today" \
    ta-2026 --date 2099-12-31 --noticed 2099-01-01
refused "a date in an issued month" "it would change issued months: 2026-02 (INV-2026-000003)" \
    ta-2026 --date 2026-02-20 --noticed 2026-01-05
refused "a date after the contract's until" 'contract "tb-2026" is not in effect on 2026-07-01' \
    tb-2026 --date 2026-07-01 --noticed 2026-02-01
check_eq "nothing recorded by a refusal" "0 0" \
    "$(q "SELECT (SELECT count(*) FROM contract_termination) || ' ' ||
                 (SELECT count(*) FROM outbox WHERE kind = 'contract.terminated')")"

out=$("$GM" contract terminate ta-2026 --date 2026-03-15 --noticed 2026-02-10 \
    --reason "offtaker exits: prices fell" --actor finance-lead 2>&1)
check_eq "ta-2026 is terminated on the first day its notice allows or later" \
    "ta-2026: terminated; its last day is 2026-03-15 (notice given 2026-02-10)" "$out"
# tb's February drafted before its termination (its commitment's shortfall
# alone, no fee): issued as it stands, the final invoice would never carry
# the termination's lines. The termination removes it; the next run writes
# the final invoice (below).
"$GM" invoice run --period 2026-02 --customer tb >/dev/null 2>&1
check_eq "tb's February is a draft before its termination" "draft" \
    "$(q "SELECT i.status FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'tb' AND i.period = '2026-02-01' AND i.kind = 'invoice'")"
out=$("$GM" contract terminate tb-2026 --date 2026-02-10 --noticed 2026-02-01 2>&1)
check_eq "tb-2026 is terminated (no notice needed)" 0 "$?"
check_eq "and says the draft priced before it was removed" \
    "tb-2026: terminated; its last day is 2026-02-10 (notice given 2026-02-01)
tb-2026: its draft of 2026-02, priced before the termination, was removed: \`invoice run\` writes the final invoice" \
    "$out"
"$GM" invoice issue --period 2026-02 --customer tb >/dev/null 2>&1
check_eq "so invoice issue finds no stale draft of tb's February to issue" "0" \
    "$(q "SELECT count(*) FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'tb' AND i.period = '2026-02-01'")"
refused "a contract terminated already" 'contract "ta-2026" has already ended: it was terminated on 2026-03-15' \
    ta-2026 --date 2026-04-30 --noticed 2026-02-10
check_eq "the termination row, with the clause it ends under" \
    "ta-2026|ta|2026-03-15|2026-02-10|offtaker exits: prices fell|finance-lead|3|forfeit" \
    "$(q "SELECT t.contract || '|' || c.code || '|' || t.ends_on || '|' || t.noticed_on || '|' || t.reason
                 || '|' || t.actor || '|' || (t.terms->'fee'->>'months_of_commitment') || '|'
                 || (t.terms->>'makeup_bank')
          FROM contract_termination t JOIN customer c ON c.id = t.customer_id WHERE t.contract = 'ta-2026'")"
check_eq "audited, with the actor" "finance-lead|contract_termination|ta-2026|create|2026-03-15" \
    "$(q "SELECT actor || '|' || object || '|' || key || '|' || action || '|' || (after->>'ends_on')
          FROM audit_log WHERE object = 'contract_termination' AND key = 'ta-2026'")"
check_eq "contract.terminated is emitted once per contract, in the outbox" \
    "contract.terminated|ta-2026|ta|2026-03-15 contract.terminated|tb-2026|tb|2026-02-10" \
    "$(q "SELECT string_agg(o.kind || '|' || o.subject || '|' || (o.payload->>'customer') || '|'
                            || (o.payload->>'ends_on'), ' ' ORDER BY o.subject)
          FROM outbox o WHERE o.kind = 'contract.terminated'")"
refused_as "a termination row cannot be changed" gpumeter \
    "UPDATE contract_termination SET ends_on = '2026-03-31'" "append-only|append only"
refused_as "nor deleted by billing" gpumeter_billing "DELETE FROM contract_termination" "permission denied|append"
# Billing may insert a termination (the command does), but only a true one
# (schema 045): a contract that exists, of the customer named, under the
# termination clause of the version in effect that month. A forged row
# would end no contract, or another customer's, or apply a deposit the
# contract says to refund (ledger_post_invoice_termination reads it).
tb_id=$(q "SELECT id FROM customer WHERE code = 'tb'")
alpha_id=$(q "SELECT id FROM customer WHERE code = 'alpha'")
refused_as "a termination of no contract is refused" gpumeter_billing \
    "INSERT INTO contract_termination (contract, customer_id, ends_on, noticed_on, actor, terms)
     VALUES ('no-such', $tb_id, '2026-03-31', '2026-03-01', 'forged', '{}')" 'no contract "no-such"'
refused_as "one naming another customer is refused" gpumeter_billing \
    "INSERT INTO contract_termination (contract, customer_id, ends_on, noticed_on, actor, terms)
     VALUES ('alpha-2026', $tb_id, '2026-03-31', '2026-03-01', 'forged', '{}')" 'is customer alpha.s'
refused_as "one under other terms than the contract's is refused" gpumeter_billing \
    "INSERT INTO contract_termination (contract, customer_id, ends_on, noticed_on, actor, terms)
     VALUES ('alpha-2026', $alpha_id, '2026-03-31', '2026-03-01', 'forged', '{\"deposit\": \"apply\"}')" \
    'not the termination clause of contract alpha-2026'
check_eq "none of them was recorded" "ta-2026 tb-2026" \
    "$(q "SELECT string_agg(contract, ' ' ORDER BY contract) FROM contract_termination")"
check_eq "its account rows end on its last day" "ns-ta|2026-01-01|2026-03-15" \
    "$(q "SELECT account || '|' || valid_from || '|' || valid_until FROM account WHERE contract = 'ta-2026'")"
"$GM" contract apply "$TMP/ta.json" >"$TMP/again" 2>&1
check_eq "a version of a terminated contract is refused (exit 2)" 2 "$?"
check_match "naming its termination" '\$.contract: contract "ta-2026" was terminated on 2026-03-15' "$(cat "$TMP/again")"
# applying another of the customer's contracts rewrites its account rows:
# the terminated one's still end on its last day
jq '.contract = "ta-2027" | .effective_from = "2027-01-01" | .until = "2027-12-31" | .accounts = [{"account": "ns-ta2"}]' \
    "$TMP/ta.json" >"$TMP/ta2.json"
"$GM" contract apply "$TMP/ta2.json" >/dev/null 2>&1
check_eq "another contract applied keeps the termination's end" "ns-ta|2026-03-15 ns-ta2|2027-12-31" \
    "$(q "SELECT string_agg(account || '|' || valid_until, ' ' ORDER BY account) FROM account
          WHERE customer_id = (SELECT id FROM customer WHERE code = 'ta')")"

# March, ta's final month: 50 h on the 10th (840.00) and 20 h on the 20th,
# after its last day: not the contract's. 15 of March's 31 days served:
# commitment 10,000.00 x 15 / 31 = 4,838.709... -> 4,838.71; short
# 3,998.71 (not banked: no month follows). January's bank (6,560.00 left)
# is forfeited: an expiry row, no line. Fee 3 x 10,000.00 = 30,000.00.
# Tax per line: 50.40 + 239.9226 -> 239.92 + 1,800.00 = 2,090.32.
h800_hours ns-ta 2026-03-10T02:00:00Z 50
h800_hours ns-ta 2026-03-20T02:00:00Z 20
# ta holds a deposit of 500.00, and its clause says "refund": the final
# invoice leaves it held.
"$GM" deposit receive --customer ta --amount 500.00 --reference DEP-TA-1 >/dev/null 2>&1
check_eq "ta's deposit of 500.00 is received" 0 "$?"
rate_and_issue 2026-03
check_eq "ta's final invoice, line by line" \
    "usage||180000000|84000|5040 shortfall||399871|399871|23992 termination_fee|3 x 10000.00|0|3000000|180000" \
    "$(lines ta 2026-03)"
check_eq "ta's final invoice: 34,838.71 + 2,090.32 = 36,929.03" "3483871|209032|3692903" "$(totals ta 2026-03)"
check_eq "ta's deposit (refund) stays held, its final invoice wholly open" "50000 3692903" \
    "$(q "SELECT deposit_held(c.id, 'CNY') || ' ' || o.open FROM customer c
          JOIN invoice_open_at(now()) o ON o.customer_id = c.id AND o.period = '2026-03-01'
          WHERE c.code = 'ta'")"
check_eq "ta's bank: January's 6,560.00 expires in March (forfeit), nothing banked in March" \
    "2026-01|expiry|656000|656000" \
    "$(q "SELECT string_agg(to_char(entry_period, 'YYYY-MM') || '|' || kind || '|' || units || '|' || value, ' ')
          FROM commitment_ledger l JOIN customer c ON c.id = l.customer_id
          WHERE c.code = 'ta' AND l.period = '2026-03-01'")"
check_eq "the usage after the last day is not billed to the contract" "180000000" \
    "$(q "SELECT sum(quantity) FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
          JOIN customer c ON c.id = i.customer_id WHERE c.code = 'ta' AND l.kind = 'usage'
          AND i.period = '2026-03-01'")"
"$GM" invoice run --period 2026-04 >"$TMP/april" 2>&1
check_eq "April: no invoice for ta (no contract in effect after its month)" "0" \
    "$(q "SELECT count(*) FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'ta' AND i.period = '2026-04-01'")"

cal=$("$GM" report contracts --from 2026-03 --horizon 2 2>&1)
check_eq "ta-2026 is not in effect in April" "0" \
    "$(q "SELECT count(*) FROM contract_in_effect('2026-04-01') WHERE contract = 'ta-2026'")"
check_match "the calendar lists it ending in March" "^2026-03 .* ta-2026 " "$(grep '^2026-03' <<<"$cal")"

# February, tb's final month: 50 h on the 5th = 840.00. 10 of February's
# 28 days served: commitment 100 h x 10 / 28 = 128,571,428.57 ms ->
# 128,571,429 ms; 180,000,000 ms used, 51,428,571 ms over: drawn from
# January's bank (216,000,000 ms paid 720.00): 720.00 x 51,428,571 /
# 216,000,000 = 171.42857 -> -171.43. The bank's rest, 164,571,429 ms
# paid 548.57, is credited back (makeup_settlement -548.57). Fee: half of
# the commitment left, 1,200.00 a month (100 h x 12.00) x (18/28 of
# February + March to June, 4 months) x 0.50 = 2,785.714... -> 2,785.71.
# Tax: 50.40 - 10.29 - 32.91 + 167.14 = 174.34.
h800_hours ns-tb 2026-02-05T02:00:00Z 50
# tb holds a deposit of 1,000.00 and its clause says "apply": the final
# invoice, as it is issued, takes all of it (3,080.05 open before).
"$GM" deposit receive --customer tb --amount 1000.00 --reference DEP-TB-1 >/dev/null 2>&1
check_eq "tb's deposit of 1,000.00 is received" 0 "$?"
rate_and_issue 2026-02
check_eq "tb's final invoice, line by line" \
    "usage||180000000|84000|5040 makeup_draw|2026-01|51428571|-17143|-1029 makeup_settlement||0|-54857|-3291 termination_fee|0.5|0|278571|16714" \
    "$(lines tb 2026-02)"
check_eq "tb's final invoice: 2,905.71 + 174.34 = 3,080.05" "290571|17434|308005" "$(totals tb 2026-02)"
check_eq "tb's deposit (apply) pays 1,000.00 of its final invoice as it is issued: 2,080.05 open, none held" \
    "application|termination|deposit:100000 receivable:-100000|208005|0" \
    "$(q "SELECT t.kind || '|' || t.actor || '|' ||
                 (SELECT string_agg(e.account || ':' || e.amount_minor, ' ' ORDER BY e.line_no)
                  FROM ledger_entry e WHERE e.txn_id = t.id) || '|' || o.open || '|' ||
                 deposit_held(c.id, 'CNY')
          FROM customer c JOIN invoice_open_at(now()) o ON o.customer_id = c.id AND o.period = '2026-02-01'
          JOIN ledger_txn t ON t.customer_id = c.id AND t.kind = 'application' AND t.reference = o.number
          WHERE c.code = 'tb'")"
check_eq "tb's bank is empty after its final month" "0|0" \
    "$(q "SELECT sum(signed_units) || '|' || sum(signed_value) FROM commitment_ledger_signed l
          JOIN customer c ON c.id = l.customer_id WHERE c.code = 'tb'")"
check_eq "the final invoices post to the ledger: debits equal credits" "t" \
    "$(q "SELECT sum(amount_minor) FILTER (WHERE amount_minor > 0)
                 = -sum(amount_minor) FILTER (WHERE amount_minor < 0) FROM ledger_entry")"
out=$("$GM" invoice show --customer tb --period 2026-02 2>&1)
check_match "the text invoice shows the fee, in line with the other amounts" \
    "^4 +- +termination_fee 0.5 {25,}2785.71$" "$out"
check_match "and the bank credited back" "^3 +- +makeup_settlement {30,}-548.57$" "$out"
"$GM" invoice show --customer tb --period 2026-02 --format pdf --output "$TMP/tb.pdf" >/dev/null 2>&1
pdftotext "$TMP/tb.pdf" "$TMP/tb.txt" 2>/dev/null
check_match "the PDF names the fee in Chinese and English" "提前终止违约金" "$(cat "$TMP/tb.txt")"
check_match "and the bank's settlement" "补用额度终止退还" "$(cat "$TMP/tb.txt")"
# After its final month a terminated customer has no contract in effect,
# but owes what it owes (its invoices are unpaid here: 58,129.03 with the
# final one): credit show reads it under its last version and
# says to hold it (what a scheduler acts on, GET /v1/credit's hold).
out=$("$GM" credit show ta 2>&1)
check_eq "credit show of a terminated customer: its final invoice open, no contract, hold" \
    "rc 0|open $(q "SELECT round(sum(open)::numeric / 100, 2) FROM invoice_open_at(now()) WHERE open > 0
                    AND customer_id = (SELECT id FROM customer WHERE code = 'ta')") CNY|contract none this month|hold yes" \
    "rc $?|$(grep -E '^(open|contract|hold) ' <<<"$out" | tr -s ' ' | paste -sd'|')"
finish
