#!/bin/bash
# Partial credit notes (issue 32, deliverable 3), hand-computed to the fen on
# the real broker and database: a credit by amount and one by line quantity
# against alpha's January (10 H800 hours at 16.80, tax 6%: 168.00 + 10.08 =
# 178.08); what remains of the invoice in invoice show and its JSON; the
# month's money, FOCUS and the fapiao hand-off's red-letter sheet follow;
# every refusal exits 2 naming why; two credits racing never credit more
# than remains, and PostgreSQL refuses a credit note that would; each
# credit is audited; a void then reverses what is left.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
cells() { python3 "$ROOT/tests/tools/xlsx_cells.py" "$1"; }
printf 'c\t{"v":1,"source":"c","seq":1,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":36000000,"start":"2026-01-10T02:00:00Z","end":"2026-01-10T03:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
# The draft first: only an issued invoice is credited.
"$GM" invoice credit INV-2026-000001 --amount 1 --reason 04 >/dev/null 2>&1
check_eq "a number no invoice has yet is refused with exit 2" 2 "$?"
"$GM" invoice issue --period 2026-01 >/dev/null 2>&1
INV=INV-2026-000001
check_eq "January is 178.08" "17808" "$(q "SELECT total FROM invoice WHERE number = '$INV'")"
"$GM" invoice fapiao "$INV" --number 26312000000012345678 --date "$(issued_on "$INV")" >/dev/null 2>&1

refused() { # name pattern args...: exit 2 and the message
    local name=$1 pattern=$2 out rc
    shift 2
    out=$("$GM" invoice credit "$@" 2>&1)
    rc=$?
    check_eq "$name: exit 2" 2 "$rc"
    check_match "$name: says why" "$pattern" "$out"
}
refused "an amount of 0" '"0" is not above 0' "$INV" --amount 0 --reason 04
refused "a negative amount" '"-1" is not a plain decimal' "$INV" --amount -1 --reason 04
refused "three decimals" 'at most 2 decimals' "$INV" --amount 1.001 --reason 04
refused "an unknown reason" '"99" is not a red-letter reason: 01 开票有误, 02 销货退回, 03 服务中止 or 04 销售折让' \
    "$INV" --amount 1 --reason 99
refused "开票有误 in part" '01 开票有误 reverses a fapiao in full' "$INV" --amount 1 --reason 开票有误
refused "both --amount and --line" 'give --amount or --line' "$INV" --amount 1 --line 1 --reason 04
refused "a line that does not exist" 'has no line "2": its lines are 1 to 1' "$INV" --line 2 --reason 02
# said in the unit the user typed: 36,000,000 GPU-ms are 10 GPU-hours
refused "a quantity above the line's" 'quantity 10.5 is more than the 10.000000 GPU-hours it has left' \
    "$INV" --line 1:10.5 --reason 02
refused "more than the invoice" 'more than what remains of INV-2026-000001: 168.00 before tax' \
    "$INV" --amount 168.01 --reason 04
check_eq "nothing refused wrote anything" "0 0" \
    "$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM audit_log WHERE action = 'credit')
          FROM invoice WHERE kind = 'credit_note'")"

# By amount: 10.01 before tax, tax 10.01 x 6% = 0.6006 -> 0.60, total 10.61;
# 178.08 - 10.61 = 167.47 remains.
check_eq "a credit of 10.01 (销售折让)" \
    "$INV: credit note CN-2026-000001 issued: -10.01 + tax -0.60 = -10.61 CNY; 167.47 remains" \
    "$("$GM" invoice credit "$INV" --amount 10.01 --reason 04 --note "SLA credit" --actor fin-ann 2>&1)"
# By quantity: 2.5 of the line's 10 hours, of what the line still bills
# (168.00 - 10.01 = 157.99): 157.99 x 2.5 / 10 = 39.4975 -> 39.50; tax 2.37;
# total 41.87; 167.47 - 41.87 = 125.60 remains.
check_eq "a credit of 2.5 GPU-hours (销货退回, by name)" \
    "$INV: credit note CN-2026-000002 issued: -39.50 + tax -2.37 = -41.87 CNY; 125.60 remains" \
    "$("$GM" invoice credit "$INV" --line 1:2.5 --reason 销货退回 2>&1)"
check_eq "the credit notes' lines: the amount's takes no quantity, the line's 2.5 h" \
    "CN-2026-000001|1|0|-1001|04|SLA credit CN-2026-000002|1|-9000000|-3950|02|" \
    "$(q "SELECT string_agg(i.number || '|' || l.line_no || '|' || l.quantity || '|' || l.amount
                            || '|' || i.credit_code || '|' || coalesce(i.credit_reason, ''), ' '
                            ORDER BY i.number)
          FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id WHERE i.kind = 'credit_note'")"
refused "more than remains after two credits" 'more than what remains of INV-2026-000001: 118.49 before tax' \
    "$INV" --amount 118.50 --reason 04
refused "more hours than remain on the line" 'quantity 7.6 is more than the 7.500000 GPU-hours it has left' \
    "$INV" --line 1:7.6 --reason 03

check_eq "invoice show: what remains" "-52.48 125.60" \
    "$("$GM" invoice show "$INV" --format json | jq -r '"\(.credited) \(.remaining)"')"
check_match "and in its text" 'remaining +125.60' "$("$GM" invoice show "$INV")"
check_match "its text gives the reason, its names and the note, not a void" \
    '^reason +04 销售折让 sales allowance · SLA credit$' "$("$GM" invoice show CN-2026-000001)"
check_match "a credit note with no note still gives its reason code and names" \
    '^reason +02 销货退回 goods or services returned$' "$("$GM" invoice show CN-2026-000002)"
check_eq "and its JSON: the note (none), the names and the reason as printed" \
    "|销货退回|goods or services returned|02 销货退回 goods or services returned" \
    "$("$GM" invoice show CN-2026-000002 --format json |
        jq -r '"\(.reason)|\(.reason_zh)|\(.reason_en)|\(.reason_text)"')"
check_eq "an invoice's JSON has its status and no statement flags" "issued|false|false" \
    "$("$GM" invoice show CN-2026-000001 --format json | jq -r '"\(.status)|\(has("issued"))|\(has("source"))"')"
# 16.800000 a GPU-hour stated by the plan as 16.80: printed as the PDF does
check_match "invoice show prints the unit price to the plan's precision" \
    '^1 +gpu_ms +H800 +10\.000000 GPU-hour +16\.80 +168\.00$' "$("$GM" invoice show "$INV")"
# 178.08 less 10.61 and 41.87 credited: -52.48 credited, 125.60 remains
tail2() { tail -n "$1" | paste -sd' '; }
check_eq "invoice show's CSV: credited and remaining after due" \
    "due,,,,,,,,,,178.08,CNY credited,,,,,,,,,,-52.48,CNY remaining,,,,,,,,,,125.60,CNY" \
    "$("$GM" invoice show "$INV" --format csv | tail2 3)"
check_eq "the issued month's statement CSV: the same rows" \
    "due,,,,,,,,,,178.08,CNY credited,,,,,,,,,,-52.48,CNY remaining,,,,,,,,,,125.60,CNY" \
    "$("$GM" statement --customer alpha --period 2026-01 --format csv | tail2 3)"
check_match "invoice show's text names the credit notes" \
    'credit notes CN-2026-000001, CN-2026-000002' "$("$GM" invoice show "$INV")"
check_eq "a credit note's CSV ends at due: nothing credits it" \
    "due,,,,,,,,,,-10.61,CNY" "$("$GM" invoice show CN-2026-000001 --format csv | tail2 1)"
"$GM" invoice show "$INV" --format pdf --output "$TMP/inv.pdf" >/dev/null 2>&1
pdf=$(pdftotext -layout "$TMP/inv.pdf" - 2>/dev/null)
check_match "the invoice's PDF: what the credit notes took" '已冲减 Credited by credit notes +-52\.48' "$pdf"
check_match "the invoice's PDF: the balance after them" '余额 Balance after credit notes +125\.60' "$pdf"
check_match "the invoice's PDF: the credit notes by number" 'CN-2026-000001, CN-2026-000002' "$pdf"
check_match "the invoice's PDF: the unit price to the plan's precision" ' 16\.80 +168\.00' "$pdf"
check_eq "a credit note loads its invoice, reason, amount and blue fapiao" \
    "INV-2026-000001|04|SLA credit|-10.61|26312000000012345678" \
    "$("$GM" invoice show CN-2026-000001 --format json |
        jq -r '"\(.credits)|\(.void_code)|\(.reason)|\(.total)|\(.credits_fapiao_number)"')"

KF=$("$GM" customer key create --finance 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || { fail "the server starts"; finish; }
totals() { curl -sf -H "Authorization: Bearer $KF" "$U/v1/finance/month?period=2026-01" |
    jq -r '[.totals[] | "\(.line):\(.count)=\(.total_minor)"] | join(",")'; }
# issued 178.08; credited -10.61 - 41.87 = -52.48; net 178.08 - 52.48 = 125.60.
check_eq "the month's money: the invoice stands, net of its partial credits" \
    "draft:0=0,issued:1=17808,credited:2=-5248,net:3=12560" "$(totals)"
api() { curl -sf -H "Authorization: Bearer $KF" "$U$1"; }
check_eq "GET /v1/invoices/CN-...: its status, no statement flag" "issued|false|false" \
    "$(api /v1/invoices/CN-2026-000001 | jq -r '"\(.status)|\(has("issued"))|\(has("source"))"')"
check_eq "GET /v1/invoices/INV-...: credited, remaining and the credit notes" \
    "-52.48|125.60|CN-2026-000001, CN-2026-000002" \
    "$(api "/v1/invoices/$INV" | jq -r '"\(.credited)|\(.remaining)|\(.credit_notes)"')"
check_eq "GET /v1/invoices: the list carries them too (credit notes none)" \
    "INV-2026-000001:-5248:12560 CN-2026-000002:null:null CN-2026-000001:null:null" \
    "$(api "/v1/invoices?customer=alpha" |
        jq -r '[.invoices[] | "\(.number):\(.credited_minor):\(.remaining_minor)"] | sort | reverse | join(" ")')"
check_eq "GET /v1/statement of the issued month: the issued invoice, credited, remaining" \
    "true|-52.48|125.60" \
    "$(api "/v1/statement?customer=alpha&period=2026-01" | jq -r '"\(.issued)|\(.credited)|\(.remaining)"')"
check_eq "and its CSV" "credited,,,,,,,,,,-52.48,CNY remaining,,,,,,,,,,125.60,CNY" \
    "$(api "/v1/statement?customer=alpha&period=2026-01&format=csv" | tail2 2)"
check_eq "GET /v1/finance/audit: each row's currency, the invoice's" "4 CNY" \
    "$(api "/v1/finance/audit?period=2026-01" | jq -r '"\(.rows | length) \([.rows[].currency] | unique | join(" "))"')"
"$GM" export focus --period 2026-01 --output "$TMP/focus.csv" 2>/dev/null
check_eq "FOCUS: each document's BilledCost sums to its total" \
    "CN-2026-000001 -10.61,CN-2026-000002 -41.87,INV-2026-000001 178.08" \
    "$(focus_sums "$TMP/focus.csv" | grep -v '^rows' | awk '{print $1, $2}' | paste -sd,)"
check_eq "FOCUS bills the month's net to the fen" "125.60" \
    "$(focus_sums "$TMP/focus.csv" | grep -v '^rows' | python3 -c '
import sys
from decimal import Decimal
print(sum((Decimal(l.split()[1]) for l in sys.stdin), Decimal("0.00")))')"
check_eq "FOCUS: a partial credit's line is a Credit" "Credit Credit" \
    "$(python3 -c 'import csv,sys
rows=[r for r in csv.DictReader(open(sys.argv[1])) if r["x_InvoiceId"].startswith("CN") and r["ChargeCategory"]!="Tax"]
print(" ".join(r["ChargeCategory"] for r in rows))' "$TMP/focus.csv")"

"$GM" export etax --period 2026-01 --output "$TMP/jan.xlsx" >"$TMP/export.out" 2>&1
day=$(issued_on "$INV")
T=$'\t'
check_eq "the red-letter sheet: a partial reversal per credit note, with the blue fapiao" \
    "3-红字确认信息!4${T}A=26312000000012345678${T}B=$day${T}C=04${T}D=销售折让${T}E=$INV${T}F=CN-2026-000001${T}G=Alpha AI Ltd${T}H=91310115MA1H8XKP3N${T}I=-10.01${T}J=-0.60${T}K=-10.61${T}L=部分红冲
3-红字确认信息!5${T}A=26312000000012345678${T}B=$day${T}C=02${T}D=销货退回${T}E=$INV${T}F=CN-2026-000002${T}G=Alpha AI Ltd${T}H=91310115MA1H8XKP3N${T}I=-39.50${T}J=-2.37${T}K=-41.87${T}L=部分红冲" \
    "$(cells "$TMP/jan.xlsx" | grep '^3-红字确认信息![45]')"
check_eq "and says what it wrote" "$TMP/jan.xlsx: 0 invoices to issue a fapiao for, 2 to reverse with a red one" \
    "$(cat "$TMP/export.out")"

# The red fapiao of CN-2026-000001 recorded (after the hand-off above,
# which it would take off the red-letter sheet): its PDF labels it red.
"$GM" invoice fapiao CN-2026-000001 --number 26312000000012340001 \
    --date "$(issued_on CN-2026-000001)" >/dev/null 2>&1
"$GM" invoice show CN-2026-000001 --format pdf --output "$TMP/cn1.pdf" >/dev/null 2>&1
pdf=$(pdftotext -layout "$TMP/cn1.pdf" - 2>/dev/null)
check_match "a credit note's own fapiao is the red one, its date whole beside it" \
    "红字发票号码 Red fapiao +26312000000012340001 $(issued_on CN-2026-000001)\$" "$pdf"
check_match "beside the blue one it reverses" '蓝字发票号码 Blue fapiao +26312000000012345678' "$pdf"
check_eq "and no plain 发票号码 label on it" "0" "$(grep -c '^ *发票号码\| 发票号码 Fapiao' <<<"$pdf")"
check_eq "the audit log: the credit, its actor, reason, amount and credit note" \
    "fin-ann|$INV|17808|CN-2026-000001|04|销售折让|SLA credit|-1001|-60|-1061|16747" \
    "$(q "SELECT actor || '|' || key || '|' || (before->>'remaining') || '|' || (after->>'credit_note')
                 || '|' || (after->>'code') || '|' || (after->>'reason') || '|' || (after->>'note')
                 || '|' || (after->>'subtotal') || '|' || (after->>'tax') || '|' || (after->>'total')
                 || '|' || (after->>'remaining')
          FROM audit_log WHERE action = 'credit' ORDER BY id LIMIT 1")"

# The schema holds the rule whatever the client: a credit note of 118.50
# written and issued straight in SQL, past the command, is refused.
err=$(pg -c "BEGIN;
  INSERT INTO invoice (customer_id, period, status, currency, tax_rate_ppm, subtotal, tax, total,
                       claimed, due, contract, plan, kind, credits)
  SELECT customer_id, period, 'draft', currency, tax_rate_ppm, -11850, 0, -11850, 0, -11850,
         contract, plan, 'credit_note', id FROM invoice WHERE number = '$INV';
  UPDATE invoice SET status = 'issued', number = 'CN-2026-999999' WHERE kind = 'credit_note'
     AND status = 'draft';
  COMMIT;" 2>&1)
check_match "PostgreSQL refuses a credit note above what remains" \
    'credit note CN-2026-999999 would credit more than remains of invoice INV-2026-000001' "$err"
check_eq "and nothing of it stays" 2 "$(q "SELECT count(*) FROM invoice WHERE kind = 'credit_note'")"

# Two credits of 100.00 race; 118.49 remains before tax: one is issued, the
# other refused, whichever comes second.
"$GM" invoice credit "$INV" --amount 100 --reason 04 >"$TMP/race1" 2>&1 &
p1=$!
"$GM" invoice credit "$INV" --amount 100 --reason 04 >"$TMP/race2" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "two racing credits: one issued, one refused" "0 2" "$(printf '%s\n' $r1 $r2 | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "never credited more than the invoice" "3 -15848" \
    "$(q "SELECT count(*) || ' ' || sum(total) FROM invoice WHERE credits =
          (SELECT id FROM invoice WHERE number = '$INV')")"

# The void reverses what the three credits left: 178.08 - 158.48 = 19.60
# (18.49 before tax + 1.11 tax), so its credit notes sum to minus the invoice.
"$GM" invoice void "$INV" --reason "contract ended" --code 03 >/dev/null 2>&1
check_eq "a void after partial credits reverses only what remains" "-1849|-111|-1960|-27000000" \
    "$(q "SELECT subtotal || '|' || tax || '|' || total || '|' || (SELECT quantity FROM invoice_line
          WHERE invoice_id = i.id) FROM invoice i WHERE number = 'CN-2026-000004'")"
check_eq "a partial credit note keeps its own reason (none noted), not the void's" "02|" \
    "$("$GM" invoice show CN-2026-000002 --format json | jq -r '"\(.void_code)|\(.reason // "")"')"
check_eq "the void's credit note gives the void's" "03|contract ended" \
    "$("$GM" invoice show CN-2026-000004 --format json | jq -r '"\(.void_code)|\(.reason // "")"')"
check_eq "the month: issued 178.08, credited -178.08, net 0" \
    "draft:0=0,issued:1=17808,credited:4=-17808,net:0=0" "$(totals)"
refused "a void invoice" 'is void: only an issued invoice is credited' "$INV" --amount 1 --reason 04
refused "a credit note" 'is a credit note' CN-2026-000001 --amount 1 --reason 04

# February, two lines: H800 10 h x 16.80 = 168.00 and A800 7 h x 9.50 =
# 66.50; subtotal 234.50, tax 14.07, total 248.57.
printf 'c\t{"v":1,"source":"c","seq":2,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":36000000,"start":"2026-02-10T02:00:00Z","end":"2026-02-10T03:00:00Z"}\nc\t{"v":1,"source":"c","seq":3,"account":"ns-alpha","cluster":"c","site":"s","model":"A800","vendor":"nvidia","gpu_ms":25200000,"start":"2026-02-10T02:00:00Z","end":"2026-02-10T03:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-02 >/dev/null 2>&1
"$GM" invoice issue --period 2026-02 >/dev/null 2>&1
FEB=INV-2026-000002
check_eq "February's lines, in their order" "1|A800|6650 2|H800|16800 24857" \
    "$(q "SELECT string_agg(l.line_no || '|' || l.model || '|' || l.amount, ' ' ORDER BY l.line_no)
                 || ' ' || min(i.total) FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id
          WHERE i.number = '$FEB'")"
# 100.00 spread in proportion to 66.50 and 168.00 (money_split: floor of the
# running share): line 1 floor(10000 x 6650 / 23450) = floor(2835.82) =
# 2835, line 2 10000 - 2835 = 7165; tax 6.00; 248.57 - 106.00 = 142.57.
check_eq "100.00 spread over two lines" \
    "$FEB: credit note CN-2026-000005 issued: -100.00 + tax -6.00 = -106.00 CNY; 142.57 remains" \
    "$("$GM" invoice credit "$FEB" --amount 100 --reason 04 2>&1)"
cn_lines() { q "SELECT string_agg(l.line_no || '|' || l.amount, ' ' ORDER BY l.line_no)
                FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id WHERE i.number = '$1'"; }
check_eq "in proportion, to the fen" "1|-2835 2|-7165" "$(cn_lines CN-2026-000005)"
# 0.25 over what the lines still bill, 38.15 and 96.35: line 1
# floor(25 x 3815 / 13450) = floor(7.09) = 7, line 2 18. A line's credits
# are taxed together (docs/invoices.md, "Each line's tax"): line 1 has now
# 28.42 credited, 28.42 x 6% = 1.7052 -> 1.71, less the 1.70 taken: 0.01;
# line 2 71.83 x 6% = 4.3098 -> 4.31, less 4.30: 0.01; so 0.02.
# 142.57 - 0.27 = 142.30 (134.25 before tax, 8.05 tax).
check_eq "0.25 spread over what the lines still bill" \
    "$FEB: credit note CN-2026-000006 issued: -0.25 + tax -0.02 = -0.27 CNY; 142.30 remains" \
    "$("$GM" invoice credit "$FEB" --amount 0.25 --reason 04 2>&1)"
check_eq "in proportion, to the fen" "1|-7 2|-18" "$(cn_lines CN-2026-000006)"
# Both lines whole: all of the 134.25 that remains, so each line takes all
# that remains of its tax: line 1 3.99 - 1.71 = 2.28, line 2 10.08 - 4.31
# = 5.77, 8.05 in all: the invoice is credited in full, no fen owed.
check_eq "the rest of the lines takes the rest of the tax" \
    "$FEB: credit note CN-2026-000007 issued: -134.25 + tax -8.05 = -142.30 CNY; 0.00 remains" \
    "$("$GM" invoice credit "$FEB" --line 1,2 --reason 服务中止 2>&1)"
check_eq "each line credited whole: quantity and amount" "1|-25200000|-3808 2|-36000000|-9617" \
    "$(q "SELECT string_agg(l.line_no || '|' || l.quantity || '|' || l.amount, ' ' ORDER BY l.line_no)
          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id WHERE i.number = 'CN-2026-000007'")"
refused "nothing left" 'has nothing left to credit' "$FEB" --line 1 --reason 02
fig() { curl -sf -H "Authorization: Bearer $KF" "$U/v1/finance/month?period=2026-02" |
    jq -r '[.totals[] | "\(.line):\(.count)=\(.total_minor)"] | join(",")'; }
check_eq "February: credited in full by three partial credits, it stands at 0" \
    "draft:0=0,issued:1=24857,credited:3=-24857,net:4=0" "$(fig)"

# The red fapiao are the credit notes to the fen, line by line: sheet 4's
# lines per credit note (I 金额, K 税额, the tax stored for each line) and
# sheet 3's sums. Each blue line is reversed exactly: line 1's 3.99 of tax
# by 1.70 + 0.01 + 2.28, line 2's 10.08 by 4.30 + 0.01 + 5.77; so the three
# red fapiao reverse the blue one's 14.07 of tax (6.00 + 0.02 + 8.05).
"$GM" invoice fapiao "$FEB" --number 26312000000087654321 --date "$(issued_on "$FEB")" >/dev/null 2>&1
"$GM" export etax --period 2026-02 --output "$TMP/feb.xlsx" >"$TMP/export.out" 2>&1
check_eq "February's red lines: each credit note's, the last taking the rest of each line's tax" \
    "CN-2026-000005:-28.35:-1.70 CN-2026-000005:-71.65:-4.30 CN-2026-000006:-0.07:-0.01 CN-2026-000006:-0.18:-0.01 CN-2026-000007:-38.08:-2.28 CN-2026-000007:-96.17:-5.77" \
    "$(cells "$TMP/feb.xlsx" | grep '^4-红字明细信息![4-9]' |
        sed -E 's/.*\tC=([^\t]*)\t.*\tJ=([^\t]*)\t.*\tL=([^\t]*)$/\1:\2:\3/' | xargs)"
check_eq "and sheet 3's sums are each credit note's: 106.00, 0.27, 142.30" \
    "CN-2026-000005:-100.00:-6.00:-106.00 CN-2026-000006:-0.25:-0.02:-0.27 CN-2026-000007:-134.25:-8.05:-142.30" \
    "$(cells "$TMP/feb.xlsx" | grep '^3-红字确认信息![4-9]' |
        sed -E 's/.*\tF=([^\t]*)\t.*\tI=([^\t]*)\tJ=([^\t]*)\tK=([^\t]*)\t.*/\1:\2:\3:\4/' | xargs)"
check_eq "with nothing to warn about" "$TMP/feb.xlsx: 0 invoices to issue a fapiao for, 3 to reverse with a red one" \
    "$(cat "$TMP/export.out")"

# Many small credits never reverse more tax than the line bore: March's
# one line of 16.80 (tax 1.01); forty credits of 0.42, each 0.0252 of tax
# alone (-> 0.03, 1.20 in all, more than the 1.01 billed), are taxed
# together: the k-th takes round(0.42k x 6%) - round(0.42(k-1) x 6%), so
# after all forty (16.80) exactly the 1.01.
printf 'd\t{"v":1,"source":"d","seq":1,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":3600000,"start":"2026-03-10T02:00:00Z","end":"2026-03-10T03:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
"$GM" invoice issue --period 2026-03 >/dev/null 2>&1
MAR=$(q "SELECT number FROM invoice WHERE period = '2026-03-01' AND kind = 'invoice' AND status = 'issued'")
check_eq "March: one line of 16.80, tax 1.01" "1680 101" \
    "$(q "SELECT subtotal || ' ' || tax FROM invoice WHERE number = '$MAR'")"
for _ in $(seq 40); do "$GM" invoice credit "$MAR" --amount 0.42 --reason 04 >/dev/null 2>&1; done
check_eq "forty credits of 0.42: 16.80 credited with exactly its 1.01 of tax, each 0.02 or 0.03, nothing left" \
    "40 -1680 -101 -3 -2 0" \
    "$(q "SELECT count(*) || ' ' || sum(subtotal) || ' ' || sum(tax) || ' ' || min(tax) || ' ' || max(tax)
          || ' ' || (SELECT total FROM invoice WHERE number = '$MAR') + sum(total) FROM invoice
          WHERE credits = (SELECT id FROM invoice WHERE number = '$MAR') AND status = 'issued'")"

kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
sanitizer_clean "the server ran clean" "$TMP/serve.log"
finish
