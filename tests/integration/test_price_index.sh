#!/bin/bash
# The realised compute price index (issue 37, deliverable 3), computed by
# hand from the month's invoices on the real broker and database. January
# 2026: alpha and beta on gpu-standard (H800 16.80, H20 7.25), delta on
# gpu-premium (H800 20.00). H800: 10 h + 5 h + 3 h = 18 GPU-hours for
# 168.00 + 84.00 + 60.00 = 312.00, 17.333333 per GPU-hour (17.3333...,
# rounded once); H20 has 2 contracts: insufficient. A partial credit note
# counts against its month; a void drops the contract until the month is
# issued again; a CSV cell holding a formula-looking model is text.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
premium_delta || { fail "set up delta"; finish; }

event() { # seq account model gpu_ms month
    printf 'c\t{"v":1,"source":"c","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"2026-%s-10T02:00:00Z","end":"2026-%s-10T03:00:00Z"}\n' \
        "$1" "$2" "$3" "$4" "$5" "$5"
}
{
    event 1 ns-alpha H800 36000000 01
    event 2 ns-alpha H20 7200000 01
    event 3 ns-beta H800 18000000 01
    event 4 ns-beta H20 14400000 01
    event 5 ns-delta H800 10800000 01
    event 6 ns-alpha H800 3600000 02
    event 7 ns-beta H800 3600000 02
    event 8 ns-delta H800 3600000 02
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-01

HEAD='month,model,currency,contracts,gpu_hours,amount,price_per_gpu_hour,status'
check_eq "January by hand: H800 312.00 over 18 GPU-hours of 3 contracts; H20 has 2" \
    "$HEAD
2026-01,H20,CNY,2,-,-,insufficient,final
2026-01,H800,CNY,3,18.000,312.00,17.333333,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --format csv 2>&1)"
check_eq "--model keeps one model" "2026-01 H800 CNY 3 18.000 312.00 17.333333 final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 | sed -n 3p | tr -s ' ')"
check_eq "the text ends saying what the status words mean" \
    "insufficient: fewer contributing contracts than the minimum, withheld (docs/investor.md)" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 | tail -2 | head -1)"
check_eq "JSON: the same figures" '"2026-01" "H800" "3" "18.000" "312.00" "17.333333" "final"' \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 --format json |
        jq -r '.rows[0] | [.month, .model, .contracts, .gpu_hours, .amount, .price_per_gpu_hour, .status] | map(@json) | join(" ")')"
check_eq "index.min_contracts = 2 publishes H20: 14.50 + 29.00 over 6 GPU-hours = 7.25" \
    "2026-01,H20,CNY,2,6.000,43.50,7.250000,final" \
    "$(GPUMETER_INDEX_MIN_CONTRACTS=2 "$GM" report index --from 2026-01 --to 2026-01 --format csv |
        grep H20)"

# index publish stores every series and basis: here the GPU-hour series,
# gross and net (no voucher: the same figures), of two models.
check_eq "index publish: each model the first time, gross and net" \
    "price index 2026-01: 4 published first, 0 revised, 0 unchanged" "$("$GM" index publish --period 2026-01 2>&1)"
check_eq "published again unchanged: nothing added" \
    "price index 2026-01: 0 published first, 0 revised, 4 unchanged" "$("$GM" index publish --period 2026-01 2>&1)"

# A partial credit note: 2.5 of alpha's 10 H800 hours, 168.00 x 2.5 / 10 =
# 42.00: 270.00 over 15.5 GPU-hours = 17.419354.8... -> 17.419355.
ALPHA=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id
           WHERE c.code = 'alpha' AND i.period = '2026-01-01' AND i.kind = 'invoice'")
line=$(q "SELECT line_no FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
          WHERE i.number = '$ALPHA' AND l.model = 'H800' AND l.kind = 'usage'")
"$GM" invoice credit "$ALPHA" --line "$line:2.5" --reason 02 >/dev/null 2>&1
check_eq "a credit note counts against its month" \
    "2026-01,H800,CNY,3,15.500,270.00,17.419355,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 --format csv | tail -1)"
check_eq "published: H800 revised, H20 unchanged (each gross and net)" \
    "price index 2026-01: 0 published first, 2 revised, 2 unchanged" "$("$GM" index publish --period 2026-01 2>&1)"
# The days split each customer's billed GPU time with its money (every
# hour here is on the 10th): the credit note's 2.5 hours leave alpha's day
# as they leave its month, 270.00 / 15.5 = 17.419355, each customer at its
# own price. Its money over the 18 hours used would be 270.00 / 18 =
# 15.000000, below the 16.80 the cheapest customer paid.
check_eq "the day after a credit note by quantity: the month's price, not money over hours not billed" \
    "2026-01-10,H800,CNY,3,15.500,270.00,17.419355,provisional" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --days --model H800 --format csv | tail -1)"

# Void: alpha's January no longer stands, its credit note with it; H800 has
# 2 contracts left, and the month is provisional until alpha's stands again.
"$GM" invoice void "$ALPHA" --reason "wrong contract" >/dev/null 2>&1
check_eq "a void invoice leaves the index" "2026-01,H800,CNY,2,-,-,insufficient,provisional" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 --format csv | tail -1)"
check_eq "published while void: a revision" \
    "price index 2026-01: 0 published first, 4 revised, 0 unchanged" "$("$GM" index publish --period 2026-01 2>&1)"
"$GM" invoice run --period 2026-01 --customer alpha >/dev/null 2>&1
check_eq "alpha's month drafted again: still provisional" "2026-01,H800,CNY,2,-,-,insufficient,provisional" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 --format csv | tail -1)"
"$GM" invoice issue --period 2026-01 --customer alpha >/dev/null 2>&1
check_eq "re-issued: the first figures again" "2026-01,H800,CNY,3,18.000,312.00,17.333333,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 --format csv | tail -1)"

"$GM" index publish --period 2026-01 >/dev/null 2>&1
check_eq "report index --revisions: every publication, the revisions beside the original" \
    "month,model,currency,contracts,gpu_hours,amount,price_per_gpu_hour,status,revision
2026-01,H20,CNY,2,-,-,insufficient,final,0
2026-01,H20,CNY,1,-,-,insufficient,provisional,1
2026-01,H20,CNY,2,-,-,insufficient,final,2
2026-01,H800,CNY,3,18.000,312.00,17.333333,final,0
2026-01,H800,CNY,3,15.500,270.00,17.419355,final,1
2026-01,H800,CNY,2,-,-,insufficient,provisional,2
2026-01,H800,CNY,3,18.000,312.00,17.333333,final,3" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --revisions --format csv | cut -d, -f1-9)"
check_match "each with its time of publication" \
    '^2026-01,H800,CNY,3,18.000,312.00,17.333333,final,3,20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]{8}Z$' \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 --revisions --format csv | tail -1)"
check_match "a publication is never changed" 'price_index_publication is append-only: UPDATE is refused' \
    "$(q "UPDATE price_index_publication SET contracts = 9" 2>&1)"
check_match "nor removed" 'price_index_publication is append-only: DELETE is refused' \
    "$(q "DELETE FROM price_index_publication" 2>&1)"

# February: each H800 line renamed, while a draft, to a model a spreadsheet
# would evaluate: its CSV cell gets a quote before it.
# Late usage first: an hour of alpha's January H800 rated after January was
# issued is a prior_period line on its February invoice (docs/invoices.md),
# and counts in January: 312.00 + 16.80 = 328.80 over 19 GPU-hours =
# 17.3052631... -> 17.305263.
event 9 ns-alpha H800 3600000 01 | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-02 >/dev/null 2>&1
q "UPDATE invoice_line l SET model = '=HYPERLINK(\"http://evil.example/\",\"x\")' FROM invoice i
   WHERE i.id = l.invoice_id AND i.period = '2026-02-01' AND l.model = 'H800' AND l.kind = 'usage'" >/dev/null
"$GM" invoice issue --period 2026-02 >/dev/null 2>&1
check_eq "CSV: a formula-looking model is text" \
    "2026-02,\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\",CNY,3,3.000,53.60,17.866667,final" \
    "$("$GM" report index --from 2026-02 --to 2026-02 --format csv | tail -1)"
check_eq "a prior-period line counts in the month it adjusts" \
    "2026-01,H800,CNY,3,19.000,328.80,17.305263,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 --format csv | tail -1)"
check_eq "published: late usage is a revision of January's H800 (gross and net)" \
    "price index 2026-01: 0 published first, 2 revised, 2 unchanged" "$("$GM" index publish --period 2026-01 2>&1)"

# GET /v1/index: finance keys; a customer's key only with index.public on.
start_server "$TMP/serve.log" --threads 2 || { fail "start the API"; finish; }
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
KA=$("$GM" customer key create alpha 2>/dev/null)
KF=$("$GM" customer key create --finance 2>/dev/null)
api_json() { # key path jq-filter: "status filtered-body"
    local out
    out=$(api_get "$1" "$2")
    echo "${out%% *} $(jq -c "$3" <<<"${out#* }")"
}
check_eq "a finance key reads the index: the CLI's JSON" \
    "200 $("$GM" report index --from 2026-01 --to 2026-02 --format json | jq -c .)" \
    "$(api_json "$KF" "/v1/index?from=2026-01&to=2026-02" .)"
check_eq "and its revisions" "200 8" \
    "$(api_json "$KF" "/v1/index?from=2026-01&to=2026-01&revisions=true" '.publications | length')"
check_match "a customer's key is refused while index.public is off (the default)" \
    '^403 .*the price index needs a finance key' "$(api_get "$KA" "/v1/index?from=2026-01&to=2026-01")"
check_match "a bad month is a 400" '^400 ' "$(api_get "$KF" "/v1/index?from=2026-13&to=2026-01")"
check_match "a model that is not UTF-8 is a 400 naming it (PostgreSQL refused it: a 503)" \
    '^400 .*parameter \\"model\\" is not valid UTF-8' \
    "$(api_get "$KF" "/v1/index?from=2026-01&to=2026-01&model=%ff%fe")"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
echo "index.public = true" >>"$GPUMETER_CONFIG"
start_server "$TMP/serve2.log" --threads 2 || { fail "start the API again"; finish; }
# ... the newest final publication of each month only (January's H800:
# revision 4, the late usage, as --revisions above lists; 2026-02 was never published, so a customer
# sees none of it), never the live index, its days or its revisions, which
# would let a customer difference one buyer out (docs/investor.md, "Who
# may read it").
check_eq "with index.public = true a customer's key reads the newest final publication" \
    '200 ["17.305263","4",1]' "$(api_json "$KA" "/v1/index?from=2026-01&to=2026-01&model=H800" \
        '[.publications[0].price_per_gpu_hour, .publications[0].revision, (.publications | length)]')"
check_eq "a month never published: nothing, though finance sees it live" "200 0 200 1" \
    "$(api_json "$KA" "/v1/index?from=2026-02&to=2026-02" '.publications | length') \
$(api_json "$KF" "/v1/index?from=2026-02&to=2026-02" '.rows | length')"
check_match "a customer's key may not read the revisions" '^403 .*revisions and days need a finance key' \
    "$(api_get "$KA" "/v1/index?from=2026-01&to=2026-01&revisions=true")"
check_match "nor the days" '^403 .*revisions and days need a finance key' \
    "$(api_get "$KA" "/v1/index?from=2026-02&to=2026-02&days=true")"

# A line credited whole leaves its contract no GPU time: it no longer
# contributes. alpha's 2 H20 hours credited, 2 hours of 2: H20 is beta's
# alone (29.00 over 4 GPU-hours), one contract, withheld even with
# index.min_contracts = 2 (counted, beta's price would be read off it).
ALPHA=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id
           WHERE c.code = 'alpha' AND i.period = '2026-01-01' AND i.kind = 'invoice' AND i.status = 'issued'")
line=$(q "SELECT line_no FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
          WHERE i.number = '$ALPHA' AND l.model = 'H20' AND l.kind = 'usage'")
run_gm 0 "alpha's H20 line credited whole" invoice credit "$ALPHA" --line "$line:2" --reason 02
check_eq "a contract credited whole does not contribute" "2026-01,H20,CNY,1,-,-,insufficient,final" \
    "$(GPUMETER_INDEX_MIN_CONTRACTS=2 "$GM" report index --from 2026-01 --to 2026-01 --model H20 --format csv | tail -1)"

run_gm 2 "--to before --from" report index --from 2026-02 --to 2026-01
run_gm 0 "--period is one month" report index --period 2026-01 --model H800 --format csv
check_eq "--period reads as --from and --to of that month" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H800 --format csv)" "$out"
run_gm 2 "--period with --from" report index --period 2026-01 --from 2026-01
run_gm 2 "no --from" report index --to 2026-01
run_gm 2 "index publish without --period" index publish
run_gm 2 "a bad format" report index --from 2026-01 --to 2026-01 --format xml
run_gm 2 "a model that is not UTF-8 (PostgreSQL refused it: exit 1)" \
    report index --from 2026-01 --to 2026-01 --model $'\xff'
check_match "the model named" '--model is an accelerator model or token class' "$out"
finish
