#!/bin/bash
# An index revision after issue reprices a fixed-for-floating settlement
# (issue 37, deliverable 4; docs/investor.md, "Fixed-for-floating", "An
# index revision after issue"), by the late-usage rule, to the fen on the
# real broker and database. alpha pays fixed and receives the H800 index
# of the month before on two swaps, February and March: 1,000 GPU-hours at
# 16.00 and 100 at 17.50.
# January's index: alpha 10 h (168.00), beta 5 h (84.00), delta 3 h at
# 20.00 (60.00): 312.00 / 18 = 17.333333 (revision 0). February settles at
# it: -1333.33 and 16.67, issued.
#  - A credit note of 2.5 of alpha's January hours (42.00): 270.00 / 15.5 =
#    17.419355 (revision 1). March's invoice carries one index_revision
#    line per swap adjusting February: 1000 x (16 - 17.419355) = -1419.355
#    -> -1419.36, less -1333.33 billed = -86.03; 100 x (17.50 - 17.419355)
#    = 8.0645 -> 8.06, less 16.67 = -8.61.
#  - A credit note of 1 of delta's January hours (20.00): 250.00 / 14.5 =
#    17.241379 (revision 2). April: 1000 x -1.241379 = -1241.379 ->
#    -1241.38, less -1419.36 = +177.98; 100 x 0.258621 = 25.8621 -> 25.86,
#    less 8.06 = +17.80; a late hour of alpha's February in the same run is
#    one prior_period line of 16.80 and never undoes a swap's revision.
#  - Each run twice bills nothing twice; a withheld newest publication
#    makes no line; February voided and invoiced again settles at the
#    newest value and deducts what March and April billed of it; a
#    provisional revision (a January invoice voided) waits until final.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
# the seller and tax code the fapiao export needs
printf '%s\n' 'invoice.seller = 上海临港算力科技有限公司' 'invoice.seller_tax_id = 91310000MA1FL6TEST' \
    'fapiao.tax_code = 3040203000000000000' >>"$GPUMETER_CONFIG"
premium_delta || { fail "set up delta"; finish; }
SWAPS='"index_swap": [{"model": "H800", "notional_gpu_hours": "1000", "fixed_price": "16.00", "lag_months": 1, "from": "2026-02", "until": "2026-03"}, {"model": "H800", "notional_gpu_hours": "100", "fixed_price": "17.50", "lag_months": 1, "from": "2026-02", "until": "2026-03"}]'
seed_contract_with alpha "$SWAPS" >/dev/null || { fail "apply alpha's swaps"; finish; }

# GPU-hours of H800s (lib.sh's h800_hours) on the 10th of each month
hours() { h800_hours "ns-$1" "2026-$2-10T02:00:00Z" "$3"; } # customer month gpu-hours
hours alpha 01 10 && hours beta 01 5 && hours delta 01 3
hours alpha 02 100 && hours beta 02 1 && hours delta 02 1
hours alpha 03 1 && hours alpha 04 1
rate_and_issue 2026-01
"$GM" index publish --period 2026-01 >/dev/null 2>&1
rate_and_issue 2026-02
"$GM" index publish --period 2026-02 >/dev/null 2>&1

number() { # customer month
    q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id
       WHERE c.code = '$1' AND i.period = '$2-01' AND i.kind = 'invoice' AND i.status <> 'void'"
}
# the index_revision lines of a customer's invoice of a month (draft or issued)
revisions() { # customer month
    q "SELECT coalesce(string_agg(l.model || '|' || coalesce(l.meter, '-') || '|' || to_char(l.adjusts, 'YYYY-MM') || '|' ||
                                  l.quantity || '|' || l.unit_price || '|' || l.amount || '|' || l.detail,
                                  ' ; ' ORDER BY l.line_no), 'none')
       FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
       WHERE c.code = '$1' AND i.period = '$2-01' AND i.kind = 'invoice' AND i.status <> 'void'
         AND l.kind = 'index_revision'"
}
lines_of() { # customer month kind
    q "SELECT coalesce(string_agg(coalesce(l.meter, '-') || '|' || coalesce(to_char(l.adjusts, 'YYYY-MM'), '') || '|' ||
                                  l.amount || '|' || l.detail,
                                  ' ; ' ORDER BY l.line_no), 'none')
       FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
       WHERE c.code = '$1' AND i.period = '$2-01' AND i.kind = 'invoice' AND i.status <> 'void'
         AND l.kind = '$3'"
}
credit_hours() { # customer hours
    local inv line
    inv=$(number "$1" 2026-01)
    line=$(q "SELECT line_no FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
              WHERE i.number = '$inv' AND l.model = 'H800' AND l.kind = 'usage'")
    "$GM" invoice credit "$inv" --line "$line:$2" --reason 02 >/dev/null 2>&1
}
published_on() { # revision
    q "SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM price_index_publication
       WHERE month = '2026-01-01' AND model = 'H800' AND currency = 'CNY' AND series = 'gpu_hours'
         AND basis = 'gross' AND revision = $1"
}
check_eq "February settled at January's 17.333333 (revision 0), issued" \
    "-||-133333|1000 GPU-h x (16 - 17.333333) 2026-01 r0 $(published_on 0) ; -||1667|100 GPU-h x (17.5 - 17.333333) 2026-01 r0 $(published_on 0)" \
    "$(lines_of alpha 2026-02 index_swap)"

# Revision 1: 2.5 of alpha's January hours credited.
credit_hours alpha 2.5
"$GM" index publish --period 2026-01 >/dev/null 2>&1
check_eq "January's H800 revised: 270.00 / 15.5" "1 17419355 final" \
    "$(q "SELECT revision || ' ' || price_micro || ' ' || status FROM price_index_latest('2026-01-01', 'H800', 'CNY')")"
R1=$(published_on 1)
run_gm 0 "March's invoice run" invoice run --period 2026-03
MARCH_R1="H800|-|2026-02|0|16000000|-8603|1000 GPU-h x (16 - 17.419355) 2026-01 r1 $R1, was 17.333333 r0 ; H800|-|2026-02|0|17500000|-861|100 GPU-h x (17.5 - 17.419355) 2026-01 r1 $R1, was 17.333333 r0"
check_eq "March: one index_revision line per swap adjusting February, -86.03 and -8.61" \
    "$MARCH_R1" "$(revisions alpha 2026-03)"
check_eq "beside March's own usage and settlement at February's 16.831373" \
    "gpu_ms||1680| ; ||-83137|1000 GPU-h x (16 - 16.831373) 2026-02 r0 $(q "SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM price_index_latest('2026-02-01', 'H800', 'CNY')") ; ||6686|100 GPU-h x (17.5 - 16.831373) 2026-02 r0 $(q "SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM price_index_latest('2026-02-01', 'H800', 'CNY')")" \
    "$(q "SELECT string_agg(coalesce(l.meter, '') || '|' || coalesce(l.adjusts::text, '') || '|' || l.amount || '|' || l.detail, ' ; ' ORDER BY l.line_no)
          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'alpha' AND i.period = '2026-03-01' AND l.kind IN ('usage', 'index_swap')")"
# 16.80 - 831.37 + 66.86 - 86.03 - 8.61 = -842.35; tax per line 1.01 -
# 49.88 + 4.01 - 5.16 - 0.52 = -50.54; total -892.89
check_eq "March's totals by hand" "-84235 -5054 -89289" \
    "$(q "SELECT subtotal || ' ' || tax || ' ' || total FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'alpha' AND i.period = '2026-03-01' AND i.kind = 'invoice'")"
check_eq "the new publication recorded for each revision line, without link terms" \
    "2026-01-01|H800|CNY|1|17419355|true|true ; 2026-01-01|H800|CNY|1|17419355|true|true" \
    "$(q "SELECT string_agg(u.index_month || '|' || u.model || '|' || u.currency || '|' || u.revision || '|' ||
                 u.price_micro || '|' || (u.published_at = p.published_at) || '|' || (u.lag_months IS NULL)::text,
                 ' ; ' ORDER BY u.line_no)
          FROM invoice_index_use u JOIN invoice_line l ON l.invoice_id = u.invoice_id AND l.line_no = u.line_no
          JOIN invoice i ON i.id = l.invoice_id
          JOIN price_index_publication p ON p.month = u.index_month AND p.model = u.model
           AND p.currency = u.currency AND p.revision = u.revision AND p.series = 'gpu_hours' AND p.basis = 'gross'
          WHERE i.period = '2026-03-01' AND l.kind = 'index_revision'")"
run_gm 0 "March's invoice run again" invoice run --period 2026-03
check_eq "run again, March bills the revision once" "$MARCH_R1" "$(revisions alpha 2026-03)"
check_eq "and no other customer has one" "0" \
    "$(q "SELECT count(*) FROM invoice_line WHERE kind = 'index_revision' AND invoice_id NOT IN
          (SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE c.code = 'alpha')")"

# Every view shows the revision line with the new value and its publication.
"$GM" invoice issue --period 2026-03 >/dev/null 2>&1
MARCH=$(number alpha 2026-03)
out=$("$GM" invoice show "$MARCH" 2>&1)
check_match "the text invoice shows the revision line" \
    "index_revision: 1000 GPU-h x \(16 - 17\.419355\) 2026-01 r1 $R1, was 17\.333333 r0 +-86\.03" "$out"
check_match "with the publication it settles at" "index H800 2026-01 17\.419355 \(revision 1, published $R1" "$out"
json=$("$GM" invoice show "$MARCH" --format json 2>&1)
check_match "the JSON line: kind, adjusts, amount and its index" \
    "\"kind\":\"index_revision\"[^}]*\"adjusts\":\"2026-02\"[^}]*\"amount\":\"-86\.03\",\"amount_minor\":-8603,\"index\":\{\"month\":\"2026-01\",\"value\":\"17\.419355\",\"revision\":1,\"published_at\":\"$R1" \
    "$json"
"$GM" invoice show "$MARCH" --format pdf --output "$TMP/mar.pdf" >/dev/null 2>&1
pdftotext "$TMP/mar.pdf" "$TMP/mar.txt" 2>/dev/null
pdf=$(tr -s ' \n' ' ' <"$TMP/mar.txt")
check_match "the PDF names it in Chinese" "价格指数修订调整 2026-02 · 算力价格指数固定/浮动结算" "$pdf"
check_match "and in English with the new value and date" \
    "Price index revision 2026-02 · Fixed-for-floating on the compute price index · 1000 GPU-h x \(16 -? ?17\.419355\) 2026-01 r1 $R1" "$pdf"
check_match "and its amount" "-86\.03" "$pdf"
"$GM" export etax --period 2026-03 --output "$TMP/mar.xlsx" >/dev/null 2>"$TMP/etax.err"
check_eq "the fapiao export succeeds" "0 " "$? $(cat "$TMP/etax.err")"
python3 "$ROOT/tests/tools/xlsx_cells.py" "$TMP/mar.xlsx" >"$TMP/mar-cells.txt"
check_eq "the fapiao carries each revision as a line at the invoice's rate" "2" \
    "$(grep -c $'\tB=价格指数修订调整 2026-02 · 算力价格指数固定/浮动结算 · .*2026-01 r1.*\tI=0.06$' "$TMP/mar-cells.txt")"
check_eq "its lines and their tax are the invoice's to the fen" "-842.35 -50.54 -892.89" \
    "$(fapiao_sums "$TMP/mar-cells.txt" 2-发票明细信息 A H I "$MARCH")"
"$GM" export focus --period 2026-03 --customer alpha --output "$TMP/focus.csv" >/dev/null 2>&1
check_eq "FOCUS sums to the invoice" "$(invoice_sums 2026-03-01 alpha)" "$(focus_sums "$TMP/focus.csv")"
check_match "and passes focus-validator 1.0" "Validation succeeded" "$(focus_validate "$TMP/focus.csv")"
check_eq "FOCUS calls each revision a correction of the index swap" "2" \
    "$(grep -c 'Adjustment,.*Correction.*Compute price index swap' "$TMP/focus.csv")"

run_gm 0 "April's invoice run, nothing new published" invoice run --period 2026-04
check_eq "April: the revision was billed once, in March" "none" "$(revisions alpha 2026-04)"

# Revision 2 (one of delta's January hours credited) and a late hour of
# alpha's February, in one run.
credit_hours delta 1
"$GM" index publish --period 2026-01 >/dev/null 2>&1
check_eq "January's H800 revised again: 250.00 / 14.5" "2 17241379" \
    "$(q "SELECT revision || ' ' || price_micro FROM price_index_latest('2026-01-01', 'H800', 'CNY')")"
R2=$(published_on 2)
hours alpha 02 1
"$GM" rate --until-idle 2>/dev/null
run_gm 0 "April's invoice run after revision 2" invoice run --period 2026-04
APRIL_R2="H800|-|2026-02|0|16000000|17798|1000 GPU-h x (16 - 17.241379) 2026-01 r2 $R2, was 17.419355 r1 ; H800|-|2026-02|0|17500000|1780|100 GPU-h x (17.5 - 17.241379) 2026-01 r2 $R2, was 17.419355 r1"
check_eq "April owes +177.98 and +17.80: each settlement at the newest value less the last" \
    "$APRIL_R2" "$(revisions alpha 2026-04)"
check_eq "the late hour is one prior_period line of 16.80, undoing no revision" \
    "gpu_ms|2026-02|1680|late usage of 2026-02" "$(lines_of alpha 2026-04 prior_period)"
run_gm 0 "April's invoice run again" invoice run --period 2026-04
check_eq "run again, April bills each once" "$APRIL_R2" "$(revisions alpha 2026-04)"
"$GM" invoice issue --period 2026-04 >/dev/null 2>&1
# what February's swaps were billed, over every invoice that stands, is
# each settlement at the newest value: -1241.38 and 25.86
billed_feb() {
    q "SELECT string_agg(s || ':' || a, ' ') FROM (
         SELECT l.unit_price AS s, sum(l.amount) AS a FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
         JOIN customer c ON c.id = i.customer_id
         WHERE c.code = 'alpha' AND i.kind = 'invoice' AND i.status = 'issued'
           AND ((l.kind = 'index_swap' AND i.period = '2026-02-01')
                OR (l.kind IN ('index_revision', 'prior_period') AND l.meter IS NULL AND l.adjusts = '2026-02-01'))
         GROUP BY 1 ORDER BY 1) x"
}
check_eq "February's swaps billed in all: the settlements at 17.241379" "16000000:-124138 17500000:2586" \
    "$(billed_feb)"
"$GM" invoice run --period 2026-05 >/dev/null 2>&1
check_eq "May: nothing more to settle" "none" "$(revisions alpha 2026-05)"

# A newest publication that withholds the value reprices nothing.
GPUMETER_INDEX_MIN_CONTRACTS=4 "$GM" index publish --period 2026-01 >/dev/null 2>&1
check_eq "January's H800 withheld (revision 3)" "3 null" \
    "$(q "SELECT revision || ' ' || coalesce(price_micro::text, 'null') FROM price_index_latest('2026-01-01', 'H800', 'CNY')")"
"$GM" invoice run --period 2026-05 >/dev/null 2>&1
check_eq "a withheld value makes no line" "none" "$(revisions alpha 2026-05)"
"$GM" index publish --period 2026-01 >/dev/null 2>&1
check_eq "published again at 17.241379 (revision 4)" "4 17241379" \
    "$(q "SELECT revision || ' ' || price_micro FROM price_index_latest('2026-01-01', 'H800', 'CNY')")"
"$GM" invoice run --period 2026-05 >/dev/null 2>&1
check_eq "the value settled, published again: no line" "none" "$(revisions alpha 2026-05)"

# February voided and invoiced again: settled at the newest value, less
# what March and April billed of it (-94.64 + 195.78 = 101.14, deducted).
run_gm 0 "February voided" invoice void "$(number alpha 2026-02)" --reason "wrong contract"
run_gm 0 "February invoiced again" invoice run --period 2026-02 --customer alpha
check_eq "the new February settles at 17.241379 (revision 4)" \
    "-||-124138|1000 GPU-h x (16 - 17.241379) 2026-01 r4 $(published_on 4) ; -||2586|100 GPU-h x (17.5 - 17.241379) 2026-01 r4 $(published_on 4)" \
    "$(lines_of alpha 2026-02 index_swap)"
check_eq "and deducts the revisions billed since, by amount" "-|2026-02|-10114" \
    "$(q "SELECT coalesce(l.meter, '-') || '|' || to_char(l.adjusts, 'YYYY-MM') || '|' || l.amount
          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'alpha' AND i.period = '2026-02-01' AND i.status = 'draft'
            AND l.kind = 'prior_period' AND l.meter IS NULL")"
"$GM" invoice issue --period 2026-02 >/dev/null 2>&1
# (the deduction is by amount, one line: what later invoices billed)
check_eq "so February's swaps are billed once in all: -1241.38 + 25.86" "-121552" \
    "$(q "SELECT sum(l.amount) FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
          JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'alpha' AND i.kind = 'invoice' AND i.status = 'issued'
            AND ((l.kind = 'index_swap' AND i.period = '2026-02-01')
                 OR (l.kind IN ('index_revision', 'prior_period') AND l.meter IS NULL
                     AND l.adjusts = '2026-02-01'))")"
"$GM" invoice run --period 2026-05 >/dev/null 2>&1
check_eq "and nothing is settled again in May" "none" "$(revisions alpha 2026-05)"

# A provisional revision waits until it is final: beta's January voided
# leaves the month provisional (alpha and delta, published under a minimum
# of 2: 166.00 / 9.5 = 17.473684, revision 5);
# invoiced again with a late hour (6 h, 100.80) and issued, final: 266.80 /
# 15.5 = 17.212903 (revision 6). May: 1000 x -1.212903 = -1212.903 ->
# -1212.90, less -1241.38 = +28.48; 100 x 0.287097 = 28.7097 -> 28.71,
# less 25.86 = +2.85.
run_gm 0 "beta's January voided" invoice void "$(number beta 2026-01)" --reason "wrong contract"
GPUMETER_INDEX_MIN_CONTRACTS=2 "$GM" index publish --period 2026-01 >/dev/null 2>&1
check_eq "January's H800 provisional (revision 5)" "5 17473684 provisional" \
    "$(q "SELECT revision || ' ' || price_micro || ' ' || status FROM price_index_latest('2026-01-01', 'H800', 'CNY')")"
"$GM" invoice run --period 2026-05 >/dev/null 2>&1
check_eq "a provisional value settles nothing" "none" "$(revisions alpha 2026-05)"
hours beta 01 1
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 --customer beta >/dev/null 2>&1 &&
    "$GM" invoice issue --period 2026-01 --customer beta >/dev/null 2>&1
"$GM" index publish --period 2026-01 >/dev/null 2>&1
check_eq "final again (revision 6)" "6 17212903 final" \
    "$(q "SELECT revision || ' ' || price_micro || ' ' || status FROM price_index_latest('2026-01-01', 'H800', 'CNY')")"
"$GM" invoice run --period 2026-05 >/dev/null 2>&1
R6=$(published_on 6)
check_eq "May settles the final value: +28.48 and +2.85, against revision 4" \
    "H800|-|2026-02|0|16000000|2848|1000 GPU-h x (16 - 17.212903) 2026-01 r6 $R6, was 17.241379 r4 ; H800|-|2026-02|0|17500000|285|100 GPU-h x (17.5 - 17.212903) 2026-01 r6 $R6, was 17.241379 r4" \
    "$(revisions alpha 2026-05)"
finish
