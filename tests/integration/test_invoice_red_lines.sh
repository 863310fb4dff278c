#!/bin/bash
# The red fapiao line for line (issue 32, review findings 1-3): an invoice
# of three lines credited by amount, by a quantity of a line, by a whole
# line, then voided; over all its credit notes each blue line's red amounts
# and taxes sum to the blue line negated, to the fen (each line's tax is
# stored once: docs/invoices.md, "Each line's tax"); every red line with a
# quantity gives 单位, 数量 and 单价 with 数量 x 单价 = 金额 within 0.01, a
# credit by amount gives none (it changes no quantity); the void leaves out
# a line with nothing left; the PDF and `invoice show` agree.
#
# alpha's March, gpu-standard, tax 6%, hand-computed:
#   line 1 A800 7 h x 9.50  =  66.50, tax 3.99
#   line 2 H20  3 h x 7.25  =  21.75, tax 1.305 -> 1.31
#   line 3 H800 10 h x 16.80 = 168.00, tax 10.08
#   subtotal 256.25, tax 15.38, total 271.63
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
cat >>"$GPUMETER_CONFIG" <<'CONF'
fapiao.tax_code = 3040203000000000000
CONF
cells() { python3 "$ROOT/tests/tools/xlsx_cells.py" "$1"; }
pick() { # xlsx sheet-prefix column...: each data row's cells, ':' between, rows ' ' between
    cells "$1" | python3 -c '
import sys
sheet, cols, out = sys.argv[1], sys.argv[2:], []
for line in sys.stdin:
    ref, _, rest = line.rstrip("\n").partition("\t")
    name, _, row = ref.rpartition("!")
    if name.startswith(sheet) and int(row) >= 4:
        r = dict(c.split("=", 1) for c in rest.split("\t"))
        out.append(":".join(r.get(c, "") for c in cols))
print(" ".join(out))' "$2" "${@:3}"
}
H=3600000
{
    printf 'c\t{"v":1,"source":"c","seq":1,"account":"ns-alpha","cluster":"c","site":"s","model":"A800","vendor":"nvidia","gpu_ms":%d,"start":"2026-03-10T02:00:00Z","end":"2026-03-10T03:00:00Z"}\n' $((7 * H))
    printf 'c\t{"v":1,"source":"c","seq":2,"account":"ns-alpha","cluster":"c","site":"s","model":"H20","vendor":"nvidia","gpu_ms":%d,"start":"2026-03-10T02:00:00Z","end":"2026-03-10T03:00:00Z"}\n' $((3 * H))
    printf 'c\t{"v":1,"source":"c","seq":3,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"2026-03-10T02:00:00Z","end":"2026-03-10T03:00:00Z"}\n' $((10 * H))
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
"$GM" invoice issue --period 2026-03 >/dev/null 2>&1
INV=INV-2026-000001
check_eq "the blue lines: amount and stored tax, and the invoice's tax is their sum" \
    "1|A800|6650|399 2|H20|2175|131 3|H800|16800|1008 1538 27163" \
    "$(q "SELECT string_agg(l.line_no || '|' || l.model || '|' || l.amount || '|' || l.tax, ' '
                            ORDER BY l.line_no) || ' ' || min(i.tax) || ' ' || min(i.total)
          FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id WHERE i.number = '$INV'")"
# The blue fapiao to issue (sheet 2: D 规格型号, E 单位, F 数量, G 单价, H 金额) with
# nothing to warn about: its lines' taxes are the invoice's 15.38.
"$GM" export etax --period 2026-03 --output "$TMP/blue.xlsx" >"$TMP/export.out" 2>&1
check_eq "the blue fapiao's lines on sheet 2" \
    "NVIDIA A800:卡时:7:9.5:66.50 NVIDIA H20:卡时:3:7.25:21.75 NVIDIA H800:卡时:10:16.8:168.00" \
    "$(pick "$TMP/blue.xlsx" 2- D E F G H)"
check_eq "and nothing to warn about" "$TMP/blue.xlsx: 1 invoices to issue a fapiao for, 0 to reverse with a red one" \
    "$(cat "$TMP/export.out")"
# An issued line's tax never changes (invoice_line_guard, schema 007/013).
err=$(pg -c "UPDATE invoice_line SET tax = 0 WHERE invoice_id =
             (SELECT id FROM invoice WHERE number = '$INV')" 2>&1)
check_match "an issued line's tax cannot change" 'the lines of an invoice that is issued are immutable' "$err"
check_eq "and stays" "1538" "$(q "SELECT sum(l.tax) FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
                                  WHERE i.number = '$INV'")"
"$GM" invoice fapiao "$INV" --number 26312000000011112222 --date "$(issued_on "$INV")" >/dev/null 2>&1

# CN-1, 10.00 by amount, split in proportion (money_split, floor of the
# running share over 256.25): line 1 floor(1000 x 6650 / 25625) = 259,
# line 2 floor(1000 x 8825 / 25625) - 259 = 344 - 259 = 85, line 3
# 1000 - 344 = 656; taxes 0.1554 -> 0.16, 0.051 -> 0.05, 0.3936 -> 0.39.
check_eq "CN-1: 10.00 by amount" \
    "$INV: credit note CN-2026-000001 issued: -10.00 + tax -0.60 = -10.60 CNY; 261.03 remains" \
    "$("$GM" invoice credit "$INV" --amount 10 --reason 04 2>&1)"
# CN-2, 2.5 of line 1's 7 hours, of what it still bills (63.91):
# 63.91 x 2.5 / 7 = 22.825 -> 22.83, tax 1.3698 -> 1.37.
check_eq "CN-2: 2.5 GPU-hours of line 1" \
    "$INV: credit note CN-2026-000002 issued: -22.83 + tax -1.37 = -24.20 CNY; 236.83 remains" \
    "$("$GM" invoice credit "$INV" --line 1:2.5 --reason 02 2>&1)"
# CN-3, line 2 whole: all of its 20.90 that remains and all of its tax that
# remains, 1.31 - 0.05 = 1.26 (taxed alone, 20.90 x 6% = 1.254 -> 1.25
# would strand a fen of line 2's tax: review finding 1).
check_eq "CN-3: the whole of line 2 takes the rest of its tax" \
    "$INV: credit note CN-2026-000003 issued: -20.90 + tax -1.26 = -22.16 CNY; 214.67 remains" \
    "$("$GM" invoice credit "$INV" --line 2 --reason 03 2>&1)"
# The void's CN-4: line 1's rest 66.50 - 2.59 - 22.83 = 41.08 (4.5 h), tax
# 3.99 - 0.16 - 1.37 = 2.46; line 2 has nothing left and is left out;
# line 3's rest 161.44 (10 h), tax 10.08 - 0.39 = 9.69; 12.15 in all,
# 202.52 + 12.15 = 214.67, what remained.
"$GM" invoice void "$INV" --reason "contract ended" --code 03 >/dev/null 2>&1
check_eq "the void's credit note: the rest of each line with the rest of its tax, no zero line" \
    "1|-16200000|-4108|-246 3|-36000000|-16144|-969 -1215 -21467" \
    "$(q "SELECT string_agg(l.line_no || '|' || l.quantity || '|' || l.amount || '|' || l.tax, ' '
                            ORDER BY l.line_no) || ' ' || min(i.tax) || ' ' || min(i.total)
          FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id WHERE i.number = 'CN-2026-000004'")"
check_eq "every credit note's tax is the sum of its lines' taxes" "" \
    "$(q "SELECT string_agg(i.number, ' ') FROM invoice i WHERE i.kind = 'credit_note' AND i.tax <>
          (SELECT sum(l.tax) FROM invoice_line l WHERE l.invoice_id = i.id)")"

# The etax export: sheet 2's blue lines and sheet 4's red lines (A blue
# fapiao, C credit note, G 单位, H 数量, I 单价, J 金额, L 税额).
"$GM" export etax --period 2026-03 --output "$TMP/mar.xlsx" >"$TMP/export.out" 2>&1
check_eq "the export has nothing to warn about" \
    "$TMP/mar.xlsx: 0 invoices to issue a fapiao for, 4 to reverse with a red one" "$(cat "$TMP/export.out")"
cells "$TMP/mar.xlsx" >"$TMP/cells.txt"
python3 - "$TMP/cells.txt" >"$TMP/red.txt" <<'PY'
import sys
from decimal import Decimal
rows = {}
for line in open(sys.argv[1], encoding="utf-8"):
    ref, _, rest = line.rstrip("\n").partition("\t")
    sheet, _, row = ref.rpartition("!")
    if not sheet.startswith("4-") or int(row) < 4:
        continue
    rows[int(row)] = dict(c.split("=", 1) for c in rest.split("\t"))
amount, tax, bad = {}, {}, []
for n, r in sorted(rows.items()):
    spec = r.get("F", "")  # 规格型号: the model
    amount[spec] = amount.get(spec, Decimal(0)) + Decimal(r["J"])
    tax[spec] = tax.get(spec, Decimal(0)) + Decimal(r["L"])
    unit, qty, price = r.get("G", ""), r.get("H", ""), r.get("I", "")
    if Decimal(r["J"]) == 0 and Decimal(r["L"]) == 0:
        bad.append(f"{r['C']} {spec}: a zero line")
    if qty or unit or price:
        if not (qty and unit and price):
            bad.append(f"{r['C']} {spec}: unit '{unit}' quantity '{qty}' price '{price}'")
        elif abs(Decimal(qty) * Decimal(price) - Decimal(r["J"])) > Decimal("0.01"):
            bad.append(f"{r['C']} {spec}: {qty} x {price} is not {r['J']}")
    print(f"line {r['C']} {spec} {unit or '-'} {qty or '-'} {price or '-'} {r['J']} {r['L']}")
for spec in sorted(amount):
    print(f"sum {spec} {amount[spec]} {tax[spec]}")
for b in bad:
    print(f"bad {b}")
PY
# Each blue line reversed exactly: A800 2.59 + 22.83 + 41.08 = 66.50 and
# 0.16 + 1.37 + 2.46 = 3.99; H20 0.85 + 20.90 = 21.75 and 0.05 + 1.26 =
# 1.31; H800 6.56 + 161.44 = 168.00 and 0.39 + 9.69 = 10.08.
check_eq "per blue line, the red amounts and taxes of all its credit notes negate it" \
    "sum NVIDIA A800 -66.50 -3.99|sum NVIDIA H20 -21.75 -1.31|sum NVIDIA H800 -168.00 -10.08" \
    "$(grep '^sum' "$TMP/red.txt" | paste -sd'|')"
# Sheet 3, per credit note (F, I 金额, J 税额, K 价税合计, L 红冲方式): its
# lines' sums, which are the credit note's own totals.
check_eq "sheet 3's sums per credit note" \
    "CN-2026-000001:-10.00:-0.60:-10.60:部分红冲 CN-2026-000002:-22.83:-1.37:-24.20:部分红冲 CN-2026-000003:-20.90:-1.26:-22.16:部分红冲 CN-2026-000004:-202.52:-12.15:-214.67:部分红冲" \
    "$(pick "$TMP/mar.xlsx" 3- F I J K L)"
check_eq "no red line of 0, and every quantity x unit price is its amount within 0.01" "" \
    "$(grep '^bad' "$TMP/red.txt")"
# The amount credit's lines carry no quantity (-); the others theirs, the
# price the amount / quantity where the plan's rate misses it (22.83 / 2.5
# = 9.132; 41.08 / 4.5 = 9.12888889; 161.44 / 10 = 16.144), else the
# plan's (H20 7.25 x 3 = 21.75, but 20.90 remained: 20.90 / 3 = 6.96666667).
check_eq "sheet 4's 单位, 数量, 单价 on each red line" \
    "line CN-2026-000001 NVIDIA A800 - - - -2.59 -0.16
line CN-2026-000001 NVIDIA H20 - - - -0.85 -0.05
line CN-2026-000001 NVIDIA H800 - - - -6.56 -0.39
line CN-2026-000002 NVIDIA A800 卡时 -2.5 9.132 -22.83 -1.37
line CN-2026-000003 NVIDIA H20 卡时 -3 6.96666667 -20.90 -1.26
line CN-2026-000004 NVIDIA A800 卡时 -4.5 9.12888889 -41.08 -2.46
line CN-2026-000004 NVIDIA H800 卡时 -10 16.144 -161.44 -9.69" \
    "$(grep '^line' "$TMP/red.txt")"

# The PDF and invoice show say the same: no "0 卡时" row; CN-2's quantity
# x price is its amount (2.5 x 9.132 = 22.83, not 2.5 x 9.50 = 23.75).
"$GM" invoice show CN-2026-000001 --format pdf --output "$TMP/cn1.pdf" 2>/dev/null
"$GM" invoice show CN-2026-000002 --format pdf --output "$TMP/cn2.pdf" 2>/dev/null
cn1=$(pdftotext -layout "$TMP/cn1.pdf" - 2>&1)
cn2=$(pdftotext -layout "$TMP/cn2.pdf" - 2>&1)
check_eq "CN-1's PDF shows no quantity of 0" "" "$(grep -E '(^|[[:space:]])0[[:space:]]+9\.50|卡时' <<<"$cn1")"
check_match "CN-1's PDF shows its lines' amounts" '2\.59' "$cn1"
check_match "CN-2's PDF: 2.5 x 9.132 = 22.83" '2\.5[[:space:]]+9\.132[[:space:]]+22\.83' "$cn2"
show1=$("$GM" invoice show CN-2026-000001)
check_eq "invoice show CN-1: no quantity, no unit price" "" "$(grep -E 'GPU-hour|9\.50' <<<"$show1")"
check_match "invoice show CN-2: 2.5 GPU-hours at 9.132" '2\.5[0-9]* GPU-hour +9\.132 +-22\.83' \
    "$("$GM" invoice show CN-2026-000002)"
finish
