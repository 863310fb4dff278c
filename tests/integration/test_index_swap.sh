#!/bin/bash
# A contract's fixed-for-floating settlement on the realised compute price
# index (issue 37, deliverable 4; docs/investor.md, "Fixed-for-floating"),
# to the fen on the real broker and database. alpha pays fixed and
# receives the H800 index of the month before (lag 1) on two swaps from
# February: 1,000 GPU-hours at 16.00 and 100 at 17.50.
# January's index: alpha 10 h (168.00), beta 5 h (84.00), delta 3 h at the
# premium 20.00 (60.00): 312.00 / 18 = 17.333333.
#  - February: 1000 x (16.00 - 17.333333) = -1333.333 -> -1333.33 (a
#    credit) and 100 x (17.50 - 17.333333) = 16.6667 -> 16.67 (owed); with
#    100 h of usage (1,680.00): subtotal 363.34, tax 100.80 - 80.00 + 1.00
#    = 21.80 (each line x 6%, rounded once), total 385.14.
#  - March settles at February's index, which is not yet published: the
#    month is held as an invoice problem naming model and month, then,
#    published (1716.80 / 102 = 16.831373), 1000 x -0.831373 = -831.37 and
#    100 x 0.668627 = 66.86.
#  - alpha's contract terminated on 2026-03-20: March is its last month;
#    April has no invoice and no settlement.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
# the seller and tax code the fapiao export needs
printf '%s\n' 'invoice.seller = 上海临港算力科技有限公司' 'invoice.seller_tax_id = 91310000MA1FL6TEST' \
    'fapiao.tax_code = 3040203000000000000' >>"$GPUMETER_CONFIG"
premium_delta 91310115MA1H8XKD7Q || { fail "set up delta"; finish; }

out=$(seed_contract_with alpha '"index_swap": [{"model": "H2O", "notional_gpu_hours": "-1", "fixed_price": "16.001", "lag_months": 1}]')
check_match "a model the catalogue does not know is refused by its path" \
    '\$\.index_swap\[0\]\.model: unknown accelerator model "H2O"' "$out"
check_match "so is a negative notional" '\$\.index_swap\[0\]\.notional_gpu_hours: must not be negative' "$out"
check_eq "nothing applied" "0" "$(q "SELECT count(*) FROM document WHERE code = 'alpha-2026' AND content ? 'index_swap'" 2>/dev/null || echo 0)"
# (until March: the console's month to date, a later month, settles nothing)
SWAPS='"index_swap": [{"model": "H800", "notional_gpu_hours": "1000", "fixed_price": "16.00", "lag_months": 1, "from": "2026-02", "until": "2026-03"}, {"model": "H800", "notional_gpu_hours": "100", "fixed_price": "17.50", "lag_months": 1, "from": "2026-02", "until": "2026-03"}]'
seed_contract_with alpha "$SWAPS" >/dev/null || { fail "apply alpha's swaps"; finish; }

event() { # seq account gpu_ms month
    printf 'c\t{"v":1,"source":"c","seq":%d,"account":"%s","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"2026-%s-10T02:00:00Z","end":"2026-%s-10T03:00:00Z"}\n' \
        "$1" "$2" "$3" "$4" "$4"
}
{
    event 1 ns-alpha 36000000 01
    event 2 ns-beta 18000000 01
    event 3 ns-delta 10800000 01
    event 4 ns-alpha 360000000 02
    event 5 ns-beta 3600000 02
    event 6 ns-delta 3600000 02
    event 7 ns-alpha 3600000 03
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-01
check_eq "January settles nothing (the swaps start in February)" "0" \
    "$(q "SELECT count(*) FROM invoice_line WHERE kind = 'index_swap'")"
"$GM" index publish --period 2026-01 >/dev/null 2>&1
check_eq "January's H800 index, published" "0 17333333 final" \
    "$(q "SELECT revision || ' ' || price_micro || ' ' || status FROM price_index_latest('2026-01-01', 'H800', 'CNY')")"

lines() { # customer month
    q "SELECT string_agg(l.kind || '|' || l.model || '|' || l.quantity || '|' || l.unit_price || '|' ||
                         l.amount || '|' || l.tax || '|' || l.detail, ' ; ' ORDER BY l.line_no)
       FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
       WHERE c.code = '$1' AND i.period = '$2-01' AND i.kind = 'invoice' AND i.status <> 'void'"
}
totals() { # customer month
    q "SELECT subtotal || ' ' || tax || ' ' || total FROM invoice i JOIN customer c ON c.id = i.customer_id
       WHERE c.code = '$1' AND i.period = '$2-01' AND i.kind = 'invoice' AND i.status <> 'void'"
}
JAN_AT=$(q "SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM price_index_latest('2026-01-01', 'H800', 'CNY')")
rate_and_issue 2026-02
check_eq "February: usage, then each swap its own line, exact, taxed per line" \
    "usage|H800|360000000|16800000|168000|10080| ; index_swap|H800|3600000000|16000000|-133333|-8000|1000 GPU-h x (16 - 17.333333) 2026-01 r0 $JAN_AT ; index_swap|H800|360000000|17500000|1667|100|100 GPU-h x (17.5 - 17.333333) 2026-01 r0 $JAN_AT" \
    "$(lines alpha 2026-02)"
check_eq "February's totals by hand: 363.34 + 21.80 = 385.14" "36334 2180 38514" "$(totals alpha 2026-02)"
check_eq "the publication each line used, frozen with it" \
    "2|2026-01-01|H800|CNY|0|17333333|true" \
    "$(q "SELECT u.line_no || '|' || u.index_month || '|' || u.model || '|' || u.currency || '|' || u.revision || '|' ||
                 u.price_micro || '|' || (u.published_at = p.published_at)
          FROM invoice_index_use u JOIN price_index_publication p ON p.month = u.index_month
           AND p.model = u.model AND p.currency = u.currency AND p.revision = u.revision
          ORDER BY u.invoice_id, u.line_no LIMIT 1")"
check_eq "one row per swap line" "2" "$(q "SELECT count(*) FROM invoice_index_use")"
refused_as "an issued invoice's index use never changes" gpumeter_billing \
    "DELETE FROM invoice_index_use" "the lines of an invoice that is issued are immutable"

# Every document shows the settlement and agrees with the invoice.
number=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id
            WHERE c.code = 'alpha' AND i.period = '2026-02-01' AND i.kind = 'invoice'")
out=$("$GM" invoice show "$number" 2>&1)
check_match "the text invoice shows the credit line" "index_swap.*-1,?333\.33" "$out"
check_match "and the one owed" "index_swap.*16\.67" "$out"
check_match "the JSON invoice carries it with its detail" \
    "\"kind\":\"index_swap\"[^}]*\"1000 GPU-h x \(16 - 17\.333333\) 2026-01 r0 $JAN_AT\"" \
    "$("$GM" invoice show "$number" --format json 2>&1)"
check_match "so does the CSV" "index_swap.*100 GPU-h x \(17\.5 - 17\.333333\) 2026-01 r0 $JAN_AT.*16\.67" \
    "$("$GM" invoice show "$number" --format csv 2>&1)"
# A customer checks notional x (fixed - index) from the CSV: the row's
# quantity names its unit (the notional in GPU-ms, 100 GPU-h) and the fixed
# price a GPU-hour stands beside it, not a bare 360000000.
check_match "the CSV's swap row names its units and fixed price" \
    "^index_swap,,H800,,,\"?100 GPU-h x \(17\.5 - 17\.333333\) 2026-01 r0 $JAN_AT\"?,360000000,GPU-ms,17\.500000,GPU-hour,16\.67,CNY$" \
    "$("$GM" invoice show "$number" --format csv 2>&1 | grep '^index_swap' | grep '17\.5 ')"
"$GM" invoice show "$number" --format pdf --output "$TMP/feb.pdf" >/dev/null 2>&1
pdftotext "$TMP/feb.pdf" "$TMP/feb.txt" 2>/dev/null
check_match "the PDF names it in Chinese" "算力价格指数固定/浮动结算" "$(cat "$TMP/feb.txt")"
# (pdftotext drops the minus where the line wraps after it, as a hyphen)
check_match "and in English, with notional, fixed, index month, value, revision and date" \
    "Fixed-for-floating on the compute price index · 1000 GPU-h x \(16 -? ?17\.333333\) 2026-01 r0 $JAN_AT" \
    "$(tr -s ' \n' ' ' <"$TMP/feb.txt")"
check_match "and its amounts" "-1,?333\.33" "$(cat "$TMP/feb.txt")"
"$GM" export etax --period 2026-02 --output "$TMP/feb.xlsx" >/dev/null 2>"$TMP/etax.err"
check_eq "the fapiao export succeeds" "0 " "$? $(cat "$TMP/etax.err")"
python3 "$ROOT/tests/tools/xlsx_cells.py" "$TMP/feb.xlsx" >"$TMP/feb-cells.txt"
check_eq "the fapiao carries each settlement as a line at the invoice's rate" "2" \
    "$(grep -c $'\tB=算力价格指数固定/浮动结算 · .*2026-01 r0.*\tI=0.06$' "$TMP/feb-cells.txt")"
check_eq "its lines and their tax (each line x rate, rounded once) are the invoice's to the fen" \
    "363.34 21.80 385.14" "$(fapiao_sums "$TMP/feb-cells.txt" 2-发票明细信息 A H I "$number")"
"$GM" export focus --period 2026-02 --customer alpha --output "$TMP/focus.csv" >/dev/null 2>&1
check_eq "FOCUS sums to the invoice" "$(invoice_sums 2026-02-01 alpha)" "$(focus_sums "$TMP/focus.csv")"
check_match "and passes focus-validator 1.0" "Validation succeeded" "$(focus_validate "$TMP/focus.csv")"
check_eq "FOCUS calls each settlement a recurring adjustment of the index swap" "2" \
    "$(grep -c 'Adjustment.*Recurring.*Compute price index swap' "$TMP/focus.csv")"
check_match "the statement equals the invoice" '"due_minor":38514' \
    "$("$GM" statement --customer alpha --period 2026-02 --format json 2>&1)"
check_eq "the receivables ledger holds the invoice's total" "38514" \
    "$(q "SELECT open FROM invoice_open_at(now()) WHERE number = '$number'")"

# The console (tests/tools/console_index_use.mjs): alpha's February, as its
# customer key sees it in English and in Chinese, shows under each
# settlement line the index value it used with every digit, its month, its
# revision and its publication date; screenshots in build/console/.
KA=$("$GM" customer key create alpha 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
mkdir -p "$ROOT/build/console"
(cd "$TMP" && node "$ROOT/tests/tools/console_index_use.mjs" "$U/" 2026-02 "$KA" "$ROOT/build/console") \
    >"$TMP/seen" 2>"$TMP/drive.err"
check_eq "the browser drove alpha's February in both languages" 0 "$?"
[ -s "$TMP/drive.err" ] && sed 's/^/# drive: /' "$TMP/drive.err" | head -20
seen() { sed -n "s/^$1 //p" "$TMP/seen"; }
JAN_PUB=$(q "SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM price_index_latest('2026-01-01', 'H800', 'CNY')")
# the publication day as en-GB and zh-CN write it ("7 Dec 2026", "2026年12月7日")
JAN_EN=$(LC_ALL=C date -u -d "$JAN_AT" '+%-d %b %Y' | sed 's/ Sep / Sept /')
JAN_ZH=$(date -u -d "$JAN_AT" '+%Y年%-m月%-d日')
check_eq "each settlement line carries the publication it used, as the API gave it" \
    "2026-01|17.333333|$JAN_PUB;2026-01|17.333333|$JAN_PUB" "$(seen note.en)"
check_eq "the rows shown: usage, two settlements, subtotal, tax, total, due, deposit, prepaid" "9" "$(seen lines.en)"
check_eq "under each, the index value, its month, revision and publication day (English)" \
"Fixed-for-floating on the compute price index · 1000 GPU-h x (16 - 17.333333) 2026-01 r0 ${JAN_AT}\
Index H800 of January 2026: CN¥17.333333 per GPU-hour (revision 0, published $JAN_EN)|-CN¥1,333.33;\
Fixed-for-floating on the compute price index · 100 GPU-h x (17.5 - 17.333333) 2026-01 r0 ${JAN_AT}\
Index H800 of January 2026: CN¥17.333333 per GPU-hour (revision 0, published $JAN_EN)|CN¥16.67" "$(seen index.en)"
check_eq "and in Chinese" \
"算力价格指数固定/浮动结算 · 1000 GPU-h x (16 - 17.333333) 2026-01 r0 ${JAN_AT}\
算力价格指数 H800（2026年1月）：¥17.333333 / GPU 时（第 0 版，发布于 $JAN_ZH）|-¥1,333.33;\
算力价格指数固定/浮动结算 · 100 GPU-h x (17.5 - 17.333333) 2026-01 r0 ${JAN_AT}\
算力价格指数 H800（2026年1月）：¥17.333333 / GPU 时（第 0 版，发布于 $JAN_ZH）|¥16.67" "$(seen index.zh)"
# The unit price's unit is in the page's language, as the quantity's is:
# the Chinese page said "/ GPU-hour" (and "/ million tokens") in English.
check_match "the unit price a GPU-hour (English)" "^CN¥[0-9.,]+ / GPU-hour$" "$(seen prices.en)"
check_match "and in Chinese, its unit as the quantity's (卡时)" "^¥[0-9.,]+ / 卡时$" "$(seen prices.zh)"
check_eq "no page or console errors" "0" "$(seen errors)"

# alpha's contract ends on 2026-03-20: March is its last month.
run_gm 0 "alpha's contract terminated" contract terminate alpha-2026 --date 2026-03-20 --noticed 2026-03-01
# March settles at February's index, which nobody published yet: held.
run_gm 1 "March without February's index" invoice run --period 2026-03 --customer alpha
check_eq "the month is an invoice problem naming model and month, and no draft" \
    "index_swap[0]: the price index of H800 for 2026-02 in CNY has never been published: the month cannot be settled until it is published (gpumeter index publish --period 2026-02)|0" \
    "$(q "SELECT p.reason || '|' || (SELECT count(*) FROM invoice i WHERE i.customer_id = c.id AND i.period = '2026-03-01')
          FROM invoice_problem p JOIN customer c ON c.id = p.customer_id
          WHERE c.code = 'alpha' AND p.period = '2026-03-01'")"
"$GM" index publish --period 2026-02 >/dev/null 2>&1
FEB_AT=$(q "SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM price_index_latest('2026-02-01', 'H800', 'CNY')")
run_gm 0 "March once February is published" invoice run --period 2026-03 --customer alpha
check_eq "March settles at 16.831373: -831.37 and 66.86" \
    "usage|H800|3600000|16800000|1680|101| ; index_swap|H800|3600000000|16000000|-83137|-4988|1000 GPU-h x (16 - 16.831373) 2026-02 r0 $FEB_AT ; index_swap|H800|360000000|17500000|6686|401|100 GPU-h x (17.5 - 16.831373) 2026-02 r0 $FEB_AT" \
    "$(lines alpha 2026-03)"
check_eq "and the problem is gone" "0" \
    "$(q "SELECT count(*) FROM invoice_problem p JOIN customer c ON c.id = p.customer_id WHERE c.code = 'alpha'")"
check_match "the draft statement shows the settlement" '"kind":"index_swap"' \
    "$("$GM" statement --customer alpha --period 2026-03 --format json 2>&1)"
"$GM" invoice issue --period 2026-03 --customer alpha >/dev/null 2>&1
"$GM" invoice run --period 2026-04 >/dev/null 2>&1
check_eq "April: the terminated contract settles nothing (no invoice)" "0 0" \
    "$(q "SELECT (SELECT count(*) FROM invoice i JOIN customer c ON c.id = i.customer_id
                  WHERE c.code = 'alpha' AND i.period = '2026-04-01') || ' ' ||
                 (SELECT count(*) FROM invoice_problem p JOIN customer c ON c.id = p.customer_id
                  WHERE c.code = 'alpha' AND p.period = '2026-04-01')")"
finish
