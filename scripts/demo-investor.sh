#!/bin/bash
# make demo's investor's book (issue 37, docs/investor.md "In the demo"):
# sourced by scripts/demo.sh after the receivables month, with its helpers
# and variables ($PERIOD, $NEXT, $statement_day, $OUT). The demo's cluster
# as a financed project with a loan, the realised compute price index of
# its two months with their revisions, and the investor's month of
# $PERIOD, one figure of which is computed again here by hand.
project=lingang-spv-1
project_doc=$ROOT/scripts/seed/project-$project.json

step "the investor's book: the cluster as a project, $project (the four sh-lingang fleets, the three contracts, 70% of the purchase on a loan)"
"$GPUMETER" project apply "$project_doc" --actor finance-demo
"$GPUMETER" project show "$project" --schedule

step "the realised compute price index of $PERIOD and $NEXT, published (at least 2 contracts: the demo bills GPU-hours to alpha and beta only)"
# $PERIOD was published once when it was issued; alpha's invoice of it has
# been voided since, so this publication revises it (docs/investor.md,
# "Publications and revisions"): both are kept.
"$GPUMETER" index publish --period "$PERIOD"
"$GPUMETER" index publish --period "$NEXT"
"$GPUMETER" report index --from "$PERIOD" --to "$NEXT"
echo "($PERIOD reads insufficient and provisional now: alpha's $PERIOD invoice was voided above and nothing replaces it, so beta's is the only contract left (insufficient: fewer than 2) and the month may still move (provisional); the value published when $PERIOD was issued is kept as revision 0:)"
"$GPUMETER" report index --from "$PERIOD" --to "$NEXT" --revisions
# Every month has had a value published for at least one model.
months=$(psql_demo -tAc "SELECT string_agg(DISTINCT to_char(month, 'YYYY-MM'), ' ' ORDER BY to_char(month, 'YYYY-MM'))
                         FROM price_index_publication WHERE price_micro IS NOT NULL")
[ "$months" = "$PERIOD $NEXT" ] ||
    { printf 'demo: FAILED, months with a published index value\nexpected: %s\ngot:      %s\n' \
          "$PERIOD $NEXT" "$months" >&2; exit 3; }

# By hand, from the issued invoices' own lines rather than the index's
# tables: $NEXT's H800 value is the volume-weighted price of the H800
# GPU-hour usage lines of the invoices that stand (issued, not void),
# sum(amount) / sum(GPU-hours), rounded once, half away from zero, to 6
# decimals, from as many contracts as bought them (docs/investor.md, "The
# value"); the settlement below uses that value.
index_by_hand=$(psql_demo -tAc "SELECT i.contract || '|' || l.quantity || '|' || l.amount
                                FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
                                WHERE i.period = '$NEXT-01' AND i.kind = 'invoice' AND i.status <> 'draft'
                                  AND i.status <> 'void' AND l.kind = 'usage' AND l.meter = 'gpu_ms'
                                  AND l.model = 'H800' AND i.currency = 'CNY'" |
    python3 -c 'import sys
from decimal import Decimal, ROUND_HALF_UP
rows = [l.split("|") for l in sys.stdin.read().split()]
ms, fen = sum(int(r[1]) for r in rows), sum(int(r[2]) for r in rows)
h = (Decimal(ms) / 3600000).quantize(Decimal("0.001"), ROUND_HALF_UP)
p = (Decimal(fen) / 100 * 3600000 / ms).quantize(Decimal("0.000001"), ROUND_HALF_UP)
print(f"{len({r[0] for r in rows})},{h},{Decimal(fen) / 100:.2f},{p}")')
index_reported=$("$GPUMETER" report index --from "$NEXT" --to "$NEXT" --model H800 --format csv |
                 awk -F, '$3 == "CNY" { print $4 "," $5 "," $6 "," $7 }')
[ "$index_by_hand" = "$index_reported" ] ||
    { printf 'demo: FAILED, the H800 index of %s (contracts,GPU-hours,amount,price) differs from the invoices by hand\nexpected: %s\ngot:      %s\n' \
          "$NEXT" "$index_by_hand" "$index_reported" >&2; exit 3; }
IFS=, read -r _ idx_h idx_amount idx_price <<<"$index_by_hand"
echo "demo: OK, the H800 index of $NEXT as computed by hand from its invoices' H800 lines: $idx_amount / $idx_h GPU-h = $idx_price"

step "one index-linked contract: gamma's fixed-for-floating settlement on $NEXT's H800 index, on its $NEXT invoice"
gamma_swap_inv=$(number_of gamma "$NEXT")
"$GPUMETER" invoice show "$gamma_swap_inv"
"$GPUMETER" invoice show "$gamma_swap_inv" --format pdf --output "$OUT/$gamma_swap_inv.pdf"
pdftoppm -r 80 -png -f 1 -l 1 "$OUT/$gamma_swap_inv.pdf" "$OUT/$gamma_swap_inv"
echo "$OUT/$gamma_swap_inv.pdf: gamma's $NEXT invoice with its settlement (page 1 as $OUT/$gamma_swap_inv-1.png)"
# By hand, from independent inputs: the newest H800 publication of $NEXT
# as report index --revisions prints it, the notional, fixed price and tax
# rate of the contract document applied; notional x (fixed - index)
# rounded once, half away from zero, to the fen, and its tax rounded once.
"$GPUMETER" report index --from "$NEXT" --to "$NEXT" --model H800 --revisions --format csv >"$OUT/index-$NEXT-H800.csv"
want=$(python3 - "$OUT/index-$NEXT-H800.csv" "$OUT/contract-gamma-$NEXT.json" <<'PY'
import csv, json, sys
from decimal import Decimal, ROUND_HALF_UP
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["currency"] == "CNY"]
pub = max(rows, key=lambda r: int(r["revision"]))  # the newest publication
doc = json.load(open(sys.argv[2]))
swap, = doc["index_swap"]
index = Decimal(pub["price_per_gpu_hour"])
fen = Decimal("0.01")
amount = (Decimal(swap["notional_gpu_hours"]) * (Decimal(swap["fixed_price"]) - index)).quantize(fen, ROUND_HALF_UP)
tax = (amount * Decimal(doc["tax_rate"])).quantize(fen, ROUND_HALF_UP)  # half away from zero
print(f"index_swap|H800|{pub['month']}|{pub['revision']}|{pub['published_at']}|{index:.6f}|{amount:.2f}|{tax:.2f}")
PY
)
got=$(psql_demo -tAc "SELECT l.kind || '|' || l.model || '|' || to_char(u.index_month, 'YYYY-MM') || '|' || u.revision
                             || '|' || to_char(u.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                             || '|' || round(u.price_micro / 1e6, 6) || '|' || round(l.amount / 100.0, 2)
                             || '|' || round(l.tax / 100.0, 2)
                      FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
                      JOIN invoice_index_use u ON u.invoice_id = l.invoice_id AND u.line_no = l.line_no
                      WHERE i.number = '$gamma_swap_inv' AND l.kind = 'index_swap'")
if [ "$want" != "$got" ]; then
    printf 'demo: FAILED, gamma'"'"'s settlement differs from the figures by hand\nexpected: %s\ngot:      %s\n' \
        "$want" "$got" >&2
    exit 3
fi
IFS='|' read -r _ _ swap_month swap_rev swap_at swap_index swap_amount swap_tax <<<"$want"
read -r notional fixed <<<"$(jq -r '.index_swap[0] | "\(.notional_gpu_hours) \(.fixed_price)"' "$OUT/contract-gamma-$NEXT.json")"
echo "demo: OK, gamma's fixed-for-floating settlement on $gamma_swap_inv as computed by hand: $notional GPU-h x ($fixed - $swap_index, H800 $swap_month revision $swap_rev published ${swap_at:0:10}) = $swap_amount, tax $swap_tax"

cash_month=${statement_day:0:7}
step "the investor's month: $project in $PERIOD, and in $cash_month, when the bank statement's money came in"
"$GPUMETER" report project --project "$project" --period "$PERIOD"
[ "$cash_month" = "$PERIOD" ] || "$GPUMETER" report project --project "$project" --period "$cash_month"

# By hand, from the inputs rather than the report: the level payment of the
# loan from its amount, rate and term (the annuity formula, exact
# fractions), the fixed costs from the document, the energy cost from
# `report yield` of the month (the cost the project's fleets carry), the
# cash from the amounts the demo's bank statement credited (valued on
# $statement_day); then CFADS and the DSCR they give, rounded down to two
# decimals (docs/investor.md, "The investor's month").
statement_total=$(grep -o '<Amt Ccy="CNY">[0-9.]*' "$OUT/camt053-$NEXT.xml" | sed 's/.*>//' |
                  python3 -c 'import sys; from decimal import Decimal; print(sum(map(Decimal, sys.stdin.read().split())))')
by_hand() { # month -> "cash,fixed,energy,debt_service,dscr" as report project prints them
    local month=$1 cash=0 energy
    [ "$month" = "$cash_month" ] && cash=$statement_total
    energy=$("$GPUMETER" report yield --period "$month" --format csv | sed '/^$/,$d' |
             python3 -c 'import csv, sys; from decimal import Decimal
print(sum((Decimal(r["energy_cost"]) for r in csv.DictReader(sys.stdin)), Decimal("0.00")))')
    python3 - "$project_doc" "$month" "$cash" "$energy" <<'PY'
import json, sys
from datetime import date
from decimal import Decimal, ROUND_HALF_UP
from fractions import Fraction
doc, month, cash, energy = json.load(open(sys.argv[1])), sys.argv[2], Decimal(sys.argv[3]), Decimal(sys.argv[4])
debt = doc["debt"]
B = sum(Fraction(d["amount"]) for d in debt["drawdowns"])
i = Fraction(debt["annual_rate"]) / 12                 # monthly, nominal
n = debt["repayment"]["payments"]
A = B * i * (1 + i) ** n / ((1 + i) ** n - 1)          # the level payment
A = Decimal(A.numerator) / Decimal(A.denominator)
A = A.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # half away from zero: A > 0
y, m = map(int, month.split("-"))
first = date.fromisoformat(debt["repayment"]["first_due"])
k = (y - first.year) * 12 + m - first.month + 1        # the payment due in the month
if not 1 <= k < n:  # the last payment repays the rounding: not the level one
    print(f"demo: FAILED, {month} is not a month of the loan's level payment (payment {k} of {n})", file=sys.stderr)
    sys.exit(3)
fixed = sum(Decimal(f["monthly"]) for f in doc["fixed_costs"])
cfads = cash - energy - fixed
dscr = Fraction(cfads) / Fraction(A)
dscr = (dscr * 100).__floor__()                        # rounded down, toward minus infinity
print(f"{cash:.2f},{fixed:.2f},{energy:.2f},{A:.2f},{'-' if dscr < 0 else ''}{abs(dscr) // 100}.{abs(dscr) % 100:02d}")
PY
}
reported() { # month -> the same figures, as report project prints them
    "$GPUMETER" report project --project "$project" --period "$1" --format csv |
        awk -F, '{ v[$1] = $2 } END { print v["cash_collected"] "," v["fixed_costs"] "," v["energy_cost"] "," v["debt_service"] "," v["dscr"] }'
}
for month in "$PERIOD" "$cash_month"; do
    want=$(by_hand "$month")
    got=$(reported "$month")
    if [ "$want" != "$got" ]; then
        printf 'demo: FAILED, %s of %s (cash,fixed,energy,debt_service,dscr) differs from the figures by hand\nexpected: %s\ngot:      %s\n' \
            "$project" "$month" "$want" "$got" >&2
        exit 3
    fi
done
IFS=, read -r _ _ _ payment period_dscr <<<"$(by_hand "$PERIOD")"
IFS=, read -r cash _ _ _ cash_dscr <<<"$(by_hand "$cash_month")"
echo "demo: OK, $project as computed by hand: debt service $payment a month (the annuity), DSCR $period_dscr in $PERIOD, cash $cash in $cash_month (the statement's credits), DSCR $cash_dscr"
