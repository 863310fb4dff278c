#!/bin/bash
# The invoice is the fapiao (issue 32): a month hand-computed to the fen
# before running anything, through Kafka, the rater, invoice run and issue,
# whose tax is the tax system's (each line x rate, rounded once, negative
# lines too) and whose vouchers claim min(coverage x base, owed), rounded
# once; its etax export sums to the invoice's own tax and total with
# nothing to warn about, and its red reversal negates the blue fapiao line
# for line (docs/money.md, docs/invoices.md, docs/contracts.md).
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
cat >>"$GPUMETER_CONFIG" <<'CONF'
invoice.seller = 上海临港算力科技有限公司
invoice.seller_tax_id = 91310000MA1FL6TEST
invoice.seller_bank = 中国工商银行上海临港支行
invoice.seller_account = 1001234509876543210
fapiao.tax_code = 3040203000000000000
CONF
cells() { python3 "$ROOT/tests/tools/xlsx_cells.py" "$1"; }

"$GM" customer add fx --name "Fx Compute" --tax-id 91310115MA1H8XKP3N >/dev/null
cat >"$TMP/plan.json" <<'JSON'
{"plan": "fx-2026", "name": "Fx 2026", "currency": "CNY", "effective_from": "2026-01-01",
 "gpu_hours": {"prices": [{"model": "H800", "unit_price": "16.80"},
                          {"model": "A800", "unit_price": "9.50"},
                          {"model": "Ascend910B", "unit_price": "8.50"}]}}
JSON
cat >"$TMP/contract.json" <<'JSON'
{"contract": "fx-2026", "customer": "fx", "effective_from": "2026-01-01",
 "plan": "fx-2026", "currency": "CNY", "tax_rate": "0.06",
 "accounts": [{"account": "ns-fx"}],
 "commitment": {"amount": "1000.00", "meters": ["gpu_hours"], "makeup_periods": 2}}
JSON
"$GM" plan apply "$TMP/plan.json" >/dev/null && "$GM" contract apply "$TMP/contract.json" >/dev/null
check_eq "plan and contract are applied" 0 "$?"
# Two programs from May: 10% of the GPU-hours before tax, then 20% after.
for v in 'p-1 pre-fx 0.10 1 "applies": "pre_tax",' 'a-1 after-fx 0.20 2'; do
    set -- $v
    printf '{"voucher": "%s", "program": "%s", "customer": "fx", "currency": "CNY",
 "face_value": "100000.00", "coverage": "%s", "priority": %s, %s "valid_from": "2026-05-01",
 "valid_until": "2026-12-31", "eligible": {"meters": ["gpu_hours"]}}\n' \
        "$1" "$2" "$3" "$4" "${*:5}" >"$TMP/v.json"
    "$GM" voucher issue "$TMP/v.json" >/dev/null || fail "voucher $1 is issued: expected exit 0 from voucher issue, got a failure"
done

H=3600000
seq=0
ev() { # month model vendor gpu-ms
    seq=$((seq + 1))
    printf 'f\t{"v":1,"source":"f","seq":%d,"account":"ns-fx","cluster":"c","site":"s","model":"%s","vendor":"%s","gpu_ms":%d,"start":"2026-%s-10T12:00:00Z","end":"2026-%s-10T13:00:00Z"}\n' \
        "$seq" "$2" "$3" "$4" "$1" "$1"
}
{
    ev 04 H800 nvidia $((10 * H))            # 10 h
    ev 05 H800 nvidia $((45 * H + H / 6))    # 45 h 10 min
    ev 05 A800 nvidia $((30 * H + H / 2))    # 30 h 30 min
    ev 05 Ascend910B huawei $((20 * H + H / 10)) # 20 h 6 min
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
check_counters "the rater rated the four events" "4 4 0 0"
for m in 04 05; do
    "$GM" invoice run --period 2026-$m >/dev/null 2>"$TMP/run.err" ||
        fail "invoice run 2026-$m: $(cat "$TMP/run.err")"
done
inv() { # month -> "subtotal tax total claimed due"
    q "SELECT subtotal || ' ' || tax || ' ' || total || ' ' || claimed || ' ' || due FROM invoice
       WHERE period = '2026-$1-01' AND kind = 'invoice' AND status <> 'void'"
}
lines() { # month -> "kind:amount ...", by kind and amount
    q "SELECT string_agg(l.kind || ':' || l.amount, ' ' ORDER BY l.kind, l.amount) FROM invoice_line l
       JOIN invoice i ON i.id = l.invoice_id WHERE i.period = '2026-$1-01' AND i.status <> 'void'"
}

# April: 10 H800 hours = 168.00, 832.00 short of the 1,000.00 commitment,
# banked for 2 months; tax 168.00 x 0.06 = 10.08 + 832.00 x 0.06 = 49.92 =
# 60.00; total 1,060.00. No voucher is valid yet.
check_eq "April: a shortfall banked" "shortfall:83200 usage:16800" "$(lines 04)"
check_fields "April's totals" "$INVOICE_FIELDS" "100000 6000 106000 0 106000" "$(inv 04)"

# May, by hand (every amount rounded once, half away from zero):
#   H800       45 h 10 min = 45.1666... h x 16.80 =   758.80
#   A800       30.5 h                  x  9.50 =   289.75
#   Ascend910B 20.1 h                  x  8.50 =   170.85
#   used 1,219.40, 219.40 over the commitment: makeup_draw -219.40 from
#   April's 832.00 (612.60 left in the bank)
#   pre-tax voucher p-1: 10% of what the GPU-hours still cost, 1,219.40:
#   voucher_discount -121.94 (never more than the 1,000.00 owed before it;
#   the old rule, 10% x min(1,219.40, 1,000.00) = 100.00, paid less)
#   subtotal 758.80 + 289.75 + 170.85 - 219.40 - 121.94 = 878.06
#   tax, per line as the tax system computes it:
#      758.80 x 0.06 =  45.528  ->  45.53
#      289.75 x 0.06 =  17.385  ->  17.39
#      170.85 x 0.06 =  10.251  ->  10.25
#     -219.40 x 0.06 = -13.164  -> -13.16
#     -121.94 x 0.06 =  -7.3164 ->  -7.32
#     = 52.69 (once on the subtotal: 878.06 x 0.06 = 52.6836 -> 52.68, a
#     fen short of the fapiao)
#   total 878.06 + 52.69 = 930.75
#   after-tax voucher a-1: its base is what the GPU-hours still cost,
#   1,219.40 - 121.94 = 1,097.46, with its tax: x 1.06 = 1,163.3076; 20% =
#   232.66152 -> 232.66, below the 930.75 owed: claimed 232.66 (the old
#   rule, 20% x min(1,163.31, 930.74) = 186.15, paid less than documented)
#   due 930.75 - 232.66 = 698.09
check_eq "May's lines: usage, the make-up draw and the pre-tax discount" \
    "makeup_draw:-21940 usage:17085 usage:28975 usage:75880 voucher_discount:-12194" "$(lines 05)"
check_fields "May's totals: tax per line, the claim min(coverage x base, owed)" "$INVOICE_FIELDS" \
    "87806 5269 93075 23266 69809" "$(inv 05)"
check_eq "the after-tax voucher's redemption is the claim" "a-1:23266 p-1:12194" \
    "$(q "SELECT string_agg(voucher || ':' || amount, ' ' ORDER BY voucher) FROM voucher_redemption
          WHERE period = '2026-05-01'")"

"$GM" invoice issue --period 2026-04 >/dev/null 2>&1 && "$GM" invoice issue --period 2026-05 >/dev/null 2>&1
check_eq "both months are issued" "INV-2026-000001 INV-2026-000002" \
    "$(q "SELECT string_agg(number, ' ' ORDER BY number) FROM invoice WHERE status = 'issued'")"
may=INV-2026-000002
# The receivables ledger (docs/receivables.md): the customer owes May's
# due, 698.09; the after-tax voucher's 232.66 is its program's to pay.
check_eq "May posts receivable = due and voucher_claim = claimed, the customer owes 698.09" \
    "receivable:69809 voucher_claim:23266 revenue:-87806 tax_payable:-5269|69809" \
    "$(q "SELECT string_agg(e.account || ':' || e.amount_minor, ' ' ORDER BY e.line_no) || '|' ||
                 (SELECT open FROM invoice_open_at(now()) WHERE number = '$may')
          FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id WHERE t.reference = '$may'")"

# The fapiao as the tax system computes it from the export's lines: the sum
# of 金额, and of each 金额 x 税率 rounded to the fen (half away from zero).
"$GM" export etax --period 2026-05 --output "$TMP/may.xlsx" >"$TMP/out" 2>"$TMP/err"
check_eq "the export succeeds" 0 "$?"
check_eq "with nothing to warn about" "" "$(cat "$TMP/err")"
cells "$TMP/may.xlsx" >"$TMP/may.txt"
check_eq "the fapiao's five lines" 5 "$(grep -c "^2-发票明细信息!.*A=$may" "$TMP/may.txt")"
check_eq "its amounts, its tax and its total are the invoice's to the fen" "878.06 52.69 930.75" \
    "$(fapiao_sums "$TMP/may.txt" 2-发票明细信息 A H I "$may")"
check_eq "the negative lines go to the tax system as they are" "-219.40 -121.94" \
    "$(grep "^2-发票明细信息!.*A=$may" "$TMP/may.txt" | grep -oP '\tH=\K-[^\t]*' | xargs)"

# Void with 04 销售折让 after its fapiao was issued: the red reversal is
# the blue fapiao's five lines negated, each with its tax negated.
"$GM" invoice fapiao "$may" --number 26312000000000000002 --date "$(issued_on "$may")" >/dev/null 2>&1
check_eq "the fapiao is recorded" 0 "$?"
"$GM" invoice void "$may" --reason "allowance agreed" --code 04 >/dev/null 2>&1
check_eq "the invoice is voided" "void" "$(q "SELECT status FROM invoice WHERE number = '$may'")"
"$GM" export etax --period 2026-05 --output "$TMP/red.xlsx" >"$TMP/out" 2>"$TMP/err"
check_eq "the export of the voided month succeeds" 0 "$?"
check_eq "still with nothing to warn about" "" "$(cat "$TMP/err")"
cells "$TMP/red.xlsx" >"$TMP/red.txt"
# Blue line (A invoice, B item, C code, D spec, E unit, F quantity, G price,
# H amount, I rate) -> red line (A fapiao, B invoice, then C..I as B..H of
# the blue with quantity and amount negated, J rate, K tax negated).
python3 - "$TMP/may.txt" "$TMP/red.txt" "$may" >"$TMP/mirror" <<'PY'
import sys
from decimal import Decimal, ROUND_HALF_UP
blue_path, red_path, number = sys.argv[1:]
def rows(path, sheet, key_col):
    out = []
    for line in open(path, encoding="utf-8"):
        head, *cells = line.rstrip("\n").split("\t")
        if head.startswith(sheet + "!") and int(head.split("!")[1]) >= 4:
            c = dict(x.split("=", 1) for x in cells)
            if c.get(key_col) == number:
                out.append(c)
    return out
neg = lambda s: str(-Decimal(s)) if s else ""
want = []
for b in rows(blue_path, "2-发票明细信息", "A"):
    tax = (Decimal(b["H"]) * Decimal(b["I"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    want.append([b.get(k, "") for k in "BCDE"] + [neg(b.get("F", "")), b.get("G", ""),
                neg(b["H"]), b["I"], str(-tax)])
got = [[r.get(k, "") for k in "DEFGHIJKL"] for r in rows(red_path, "4-红字明细信息", "B")]
print("same" if want == got and want else "blue negated %s\nred %s" % (want, got))
PY
check_eq "the red fapiao's lines are the blue's negated, line for line" "same" "$(cat "$TMP/mirror")"
check_eq "each naming the blue fapiao" 5 \
    "$(grep -c "^4-红字明细信息!.*A=26312000000000000002	B=$may" "$TMP/red.txt")"
check_eq "sheet 3 sums them: the blue's amount, tax and total negated" \
    "C=04 I=-878.06 J=-52.69 K=-930.75" \
    "$(grep "^3-红字确认信息!4" "$TMP/red.txt" | grep -oP '\t\K(C|I|J|K)=[^\t]*' | xargs)"
check_eq "the red lines sum to the same" "-878.06 -52.69 -930.75" \
    "$(python3 - "$TMP/red.txt" <<'PY'
import sys
from decimal import Decimal
a = t = Decimal(0)
for line in open(sys.argv[1], encoding="utf-8"):
    head, *cells = line.rstrip("\n").split("\t")
    if head.startswith("4-红字明细信息!") and int(head.split("!")[1]) >= 4:
        c = dict(x.split("=", 1) for x in cells)
        a += Decimal(c["J"]); t += Decimal(c["L"])
print(a, t, a + t)
PY
)"
check_eq "and the credit note negates the invoice to the same figures" "-87806 -5269 -93075" \
    "$(q "SELECT subtotal || ' ' || tax || ' ' || total FROM invoice WHERE kind = 'credit_note'")"
check_eq "its posting reverses the receivable and the voucher's claim: nothing open, nothing claimed" \
    "receivable:-69809 voucher_claim:-23266 revenue:87806 tax_payable:5269|0|0" \
    "$(q "SELECT string_agg(e.account || ':' || e.amount_minor, ' ' ORDER BY e.line_no) || '|' ||
                 (SELECT open FROM invoice_open_at(now()) WHERE number = '$may') || '|' ||
                 (SELECT sum(amount_minor) FROM ledger_entry x JOIN invoice i ON i.id = x.invoice_id
                  WHERE i.number = '$may' AND x.account = 'voucher_claim')
          FROM ledger_txn t JOIN ledger_entry e ON e.txn_id = t.id JOIN invoice c ON c.number = t.reference
          WHERE c.kind = 'credit_note'")"
finish
