#!/bin/bash
# make demo's receivables month (issue 34, docs/receivables.md): sourced by
# scripts/demo.sh after the paperwork of $PERIOD, with its helpers. The
# month after $PERIOD, under contract versions that carry payment terms, a
# deposit, a credit limit and termination terms:
#   - alpha gives notice and ends its contract early (违约退租): its final
#     invoice carries the pro rata commitment and the fee; it pays nothing,
#     goes into default and its deposit, held "on_default", pays part;
#   - beta pays $PERIOD and half of the new month by bank statement, and
#     is reminded of the rest;
#   - gamma pays both months in full by bank statement, in one transfer;
# then the aging report as finance reads it, and the ledger checked.
NEXT=$(date -d "$PERIOD-01 + 1 month" +%Y-%m)
money_of() { # invoice-number column -> its amount as the bank writes it (2 decimals)
    psql_demo -tAc "SELECT round($2::numeric / 100, 2) FROM invoice WHERE number = '$1'"
}
number_of() { # customer [month] -> its issued invoice of the month ($NEXT)
    psql_demo -tAc "SELECT i.number FROM invoice i JOIN customer c ON c.id = i.customer_id
                    WHERE c.code = '$1' AND i.period = '${2:-$NEXT}-01' AND i.kind = 'invoice'
                      AND i.status = 'issued'"
}

step "receivables, $NEXT: sales signs the terms (payment terms, alpha's commitment, deposit and exit terms, beta's credit limit)"
seed=$ROOT/scripts/seed
jq --arg from "$NEXT-01" '.effective_from = $from | .until = "2027-06-30"
    | .payment_terms = {"net_days": 0}
    | .commitment = {"amount": "30000.00"}
    | .deposit = {"amount": "20000.00", "apply": "on_default"}
    | .termination = {"notice_days": 15, "fee": {"months_of_commitment": 2},
                      "makeup_bank": "forfeit", "deposit": "refund"}' \
    "$seed/contract-alpha.json" >"$OUT/contract-alpha-$NEXT.json"
jq --arg from "$NEXT-01" '.effective_from = $from | .payment_terms = {"net_days": 30}
    | .credit_limit = {"amount": "50000.00", "thresholds": [50, 80, 100]}' \
    "$seed/contract-beta-with-delta-energy.json" >"$OUT/contract-beta-$NEXT.json"
# gamma also fixes the price of 240.5 H800 GPU-hours of the month: it pays
# 17.25 and receives the month's own H800 index (lag 0), settled on its
# invoice (docs/investor.md, "Fixed-for-floating"; "In the demo").
jq --arg from "$NEXT-01" --arg month "$NEXT" '.effective_from = $from | .payment_terms = {"day_of_month": 15}
    | .index_swap = [{"model": "H800", "notional_gpu_hours": "240.5", "fixed_price": "17.25",
                      "lag_months": 0, "from": $month, "until": $month}]' \
    "$seed/contract-gamma.json" >"$OUT/contract-gamma-$NEXT.json"
for c in alpha beta gamma; do
    "$GPUMETER" contract apply "$OUT/contract-$c-$NEXT.json" --actor sales-demo
done
"$GPUMETER" deposit receive --customer alpha --amount 20000.00 --reference DEP-ALPHA-$NEXT \
    --date "$NEXT-02" --actor finance-demo

step "alpha gives notice on $NEXT-05 and ends its contract on $NEXT-20 (15 days' notice; a fee of 2 months of commitment)"
"$GPUMETER" contract terminate alpha-2026 --date "$NEXT-20" --noticed "$NEXT-05" \
    --reason "违约退租：算力价格下行，提前终止" --actor sales-demo

step "collect and rate $NEXT (a quieter month: 2 jobs per account), invoice it and issue it; gamma's last: its swap settles at $NEXT's own H800 index, so the first run holds it (an error by design, exit 1)"
"$GPUMETER" collect synthetic --month "$NEXT" --seed 2027 --jobs 2
"$GPUMETER" rate --until-idle
# gamma's swap settles at $NEXT's own index, final only once the month's
# other invoices are issued: the run holds gamma (exit 1, an invoice
# problem), finance issues the others, publishes the month's index, and
# runs and issues gamma (docs/investor.md, "In the demo").
rc=0
"$GPUMETER" invoice run --period "$NEXT" || rc=$?
[ "$rc" = 1 ] || { echo "demo: FAILED, the invoice run of $NEXT exited $rc, not 1 (gamma held until its index is published)" >&2; exit 3; }
echo "(gamma held, as it must be: the others are issued, then $NEXT's index is published, then gamma is run again)"
"$GPUMETER" invoice issue --period "$NEXT"
"$GPUMETER" index publish --period "$NEXT"
"$GPUMETER" invoice run --period "$NEXT" --customer gamma
"$GPUMETER" invoice issue --period "$NEXT" --customer gamma
alpha_inv=$(number_of alpha) beta_inv=$(number_of beta) gamma_inv=$(number_of gamma)
"$GPUMETER" invoice show "$alpha_inv"
"$GPUMETER" invoice show "$alpha_inv" --format pdf --output "$OUT/$alpha_inv.pdf"
pdftoppm -r 80 -png -f 1 -l 1 "$OUT/$alpha_inv.pdf" "$OUT/$alpha_inv"
echo "$OUT/$alpha_inv.pdf: alpha's final invoice, with its termination fee (page 1 as $OUT/$alpha_inv-1.png)"

beta_old=$(number_of beta "$PERIOD") gamma_old=$(number_of gamma "$PERIOD")
step "the bank's statement (camt.053) comes in: gamma pays $gamma_old and $gamma_inv in one transfer, beta pays $beta_old and half of $beta_inv"
gamma_pays=$(psql_demo -tAc "SELECT round(sum(due)::numeric / 100, 2) FROM invoice
                             WHERE number IN ('$gamma_old', '$gamma_inv')")
beta_old_pays=$(money_of "$beta_old" due)
beta_pays=$(psql_demo -tAc "SELECT round(round(due / 2.0)::numeric / 100, 2) FROM invoice WHERE number = '$beta_inv'")
statement_day=$(date +%F)
entry() { # n amount payer remittance
    cat <<XML
      <Ntry>
        <NtryRef>$1</NtryRef>
        <Amt Ccy="CNY">$2</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>$statement_day</Dt></BookgDt>
        <ValDt><Dt>$statement_day</Dt></ValDt>
        <AcctSvcrRef>ICBC$(date +%Y%m%d)00000$1</AcctSvcrRef>
        <NtryDtls>
          <TxDtls>
            <RltdPties><Dbtr><Nm>$3</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>$4</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
XML
}
{
    cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>DEMO-$NEXT</MsgId><CreDtTm>${statement_day}T18:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-1001234509876543210-$statement_day</Id>
      <CreDtTm>${statement_day}T18:00:00+08:00</CreDtTm>
      <Acct><Id><Othr><Id>1001234509876543210</Id></Othr></Id><Ccy>CNY</Ccy></Acct>
XML
    entry 1 "$gamma_pays" "Gamma LLM Lab" "货款 $gamma_old $gamma_inv"
    entry 2 "$beta_old_pays" "Beta Robotics Co" "算力服务费 $beta_old"
    entry 3 "$beta_pays" "Beta Robotics Co" "$beta_inv 部分付款"
    cat <<XML
    </Stmt>
  </BkToCstmrStmt>
</Document>
XML
} >"$OUT/camt053-$NEXT.xml"
"$GPUMETER" payment import "$OUT/camt053-$NEXT.xml" --actor finance-demo
echo "the same statement imported again posts nothing:"
"$GPUMETER" payment import "$OUT/camt053-$NEXT.xml" --actor finance-demo

# The days finance looks at, ahead of today: beta's due day + 1 (net 30),
# and alpha's (due on receipt) + 61, past receivables.default_after_days.
beta_due=$(psql_demo -tAc "SELECT due_date FROM invoice WHERE number = '$beta_inv'")
alpha_due=$(psql_demo -tAc "SELECT due_date FROM invoice WHERE number = '$alpha_inv'")
reminded_on=$(date -d "$beta_due + 1 day" +%F)
default_on=$(date -d "$alpha_due + 61 days" +%F)

step "dunning on $reminded_on, the day after beta's due day: reminders, each step once"
"$GPUMETER" dunning run --as-of "$reminded_on" --ahead --actor collections-demo
"$GPUMETER" dunning run --as-of "$reminded_on" --ahead --actor collections-demo
"$GPUMETER" invoice show "$beta_inv" | grep -iE "due|state|remind|open" || true

step "on $default_on alpha is 61 days past due: in default; its deposit pays what it can"
"$GPUMETER" receivables check --on "$default_on" --ahead --actor collections-demo
"$GPUMETER" credit show beta

step "the aging as finance reads it, as of $default_on"
"$GPUMETER" report receivables --as-of "$default_on"

step "check: the ledger balances, and what each customer owes is what the documents say"
ledger=$(psql_demo -tA -v alpha="$alpha_inv" -v beta="$beta_inv" -v gamma="$gamma_inv" \
             -v beta_old="$beta_old" -v gamma_old="$gamma_old" <<'SQL'
SELECT 'unbalanced transactions ' || count(*) FROM (SELECT txn_id FROM ledger_entry GROUP BY txn_id
                                                    HAVING sum(amount_minor) <> 0) x;
-- gamma paid both months; beta the first and half the second, so owes
-- the other half; alpha its final invoice less its deposit (20,000.00,
-- all of it held).
SELECT 'mismatches ' || count(*) FROM (VALUES
    (:'gamma_old', 0::bigint), (:'gamma', 0), (:'beta_old', 0),
    (:'beta', (SELECT due - round(due / 2.0)::bigint FROM invoice WHERE number = :'beta')),
    (:'alpha', (SELECT due - least(due, 2000000) FROM invoice WHERE number = :'alpha'))) w (number, owed)
  LEFT JOIN invoice_open_at(now()) o USING (number) WHERE o.open IS DISTINCT FROM w.owed;
SQL
)
echo "$ledger"
if [ "$(echo "$ledger" | tail -n 1)" != "mismatches 0" ] ||
   [ "$(echo "$ledger" | head -n 1)" != "unbalanced transactions 0" ]; then
    echo "demo: FAILED, the receivables ledger does not match the documents" >&2
    exit 3
fi
echo "demo: OK, receivables of $NEXT: gamma paid, beta owes half and was reminded, alpha terminated and in default"
echo "(the finance console's receivables aging card shows them as of today)"
